/**
 * The dashboard's sign-in over HTTP, on every driver: the session cookie's
 * flags, password and token sign-in, bad credentials, CSRF on every unsafe
 * request the cookie authenticates (and never on bearer requests), sign-out
 * ending the session on the server, expiry, and the cookie on event streams,
 * downloads and tus uploads.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AddressInfo } from 'node:net';
import { driverFactories } from '../support/drivers.js';
import { ADMIN_TOKEN, startTestApp, type TestApp } from '../support/app.js';

const factories = await driverFactories();

interface Signed {
  /** `batchyard_session=…`, as a Cookie header sends it. */
  cookie: string;
  /** The Set-Cookie line, flags included. */
  setCookie: string;
  csrfToken: string;
  body: { user: { email: string; role: string; domain: string }; csrfToken: string; expiresAt: string };
}

function sessionSetCookie(headers: Record<string, unknown>): string | undefined {
  const raw = headers['set-cookie'];
  const lines = Array.isArray(raw) ? (raw as string[]) : typeof raw === 'string' ? [raw] : [];
  return lines.find((line) => line.startsWith('batchyard_session='));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

for (const factory of factories) {
  describe(`dashboard sessions on ${factory.name}`, () => {
    let t: TestApp;
    beforeEach(async () => {
      t = await startTestApp(factory, { BATCHYARD_ENABLE_BENCH_JOBS: '1' });
    });
    afterEach(async () => {
      await t.dispose();
    });

    async function signIn(app: TestApp, json: unknown, headers: Record<string, string> = {}): Promise<Signed> {
      const res = await app.call('POST', '/api/v1/session', { token: null, json, headers });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      const setCookie = sessionSetCookie(res.headers);
      expect(setCookie).toBeDefined();
      return { cookie: setCookie!.split(';')[0]!, setCookie: setCookie!, csrfToken: res.body.csrfToken, body: res.body };
    }

    async function userWithPassword(email: string, password: string, role = 'user') {
      const res = await t.call('POST', '/api/v1/users', { json: { email, password, role } });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body as { id: number };
    }

    it('signs in with email and password: an HttpOnly, SameSite=Lax cookie for /api/v1 that authenticates as a token would', async () => {
      await userWithPassword('ann@example.com', 'correct horse battery');
      const before = Date.now();
      const s = await signIn(t, { email: 'Ann@Example.com', password: 'correct horse battery' });
      expect(s.body).toEqual({
        user: { id: expect.any(Number), email: 'ann@example.com', name: expect.any(String), role: 'user', domain: 'example.com' },
        csrfToken: expect.any(String),
        expiresAt: expect.any(String),
      });
      const lasts = Date.parse(s.body.expiresAt) - before;
      expect(lasts).toBeGreaterThanOrEqual(12 * 3_600_000 - 1000);
      expect(lasts).toBeLessThanOrEqual(12 * 3_600_000 + 60_000);
      const flags = s.setCookie.split(';').map((part) => part.trim().toLowerCase());
      expect(flags).toContain('httponly');
      expect(flags).toContain('samesite=lax');
      expect(flags).toContain('path=/api/v1');
      // Plain http: not Secure (a browser would drop a Secure cookie set over http).
      expect(flags).not.toContain('secure');
      expect(s.cookie).not.toContain(ADMIN_TOKEN);

      const me = await t.call('GET', '/api/v1/me', { token: null, headers: { cookie: s.cookie } });
      expect(me.status).toBe(200);
      expect(me.body).toMatchObject({ email: 'ann@example.com', role: 'user', domain: 'example.com' });
      // The session is a token of the user's own, listed as such.
      const tokens = await t.call('GET', '/api/v1/tokens', { token: null, headers: { cookie: s.cookie } });
      expect(tokens.body.tokens.map((tok: { name: string }) => tok.name)).toEqual(['web session']);
    });

    it('refuses bad credentials with a 401 in the API’s error shape, and no cookie', async () => {
      await userWithPassword('ann@example.com', 'correct horse battery');
      for (const json of [
        { email: 'ann@example.com', password: 'wrong password' },
        { email: 'nobody@example.com', password: 'correct horse battery' },
        { email: 'admin@example.com', password: 'admin has no password' },
        { token: 'by_not_a_token' },
      ]) {
        const res = await t.call('POST', '/api/v1/session', { token: null, json });
        expect(res.status, JSON.stringify(json)).toBe(401);
        expect(res.body.error.code).toBe('UNAUTHENTICATED');
        expect(sessionSetCookie(res.headers)).toBeUndefined();
      }
      const both = await t.call('POST', '/api/v1/session', { token: null, json: { token: ADMIN_TOKEN, email: 'ann@example.com', password: 'x' } });
      expect(both.status).toBe(400);
      expect(both.body.error.details.field).toBe('token');
      const neither = await t.call('POST', '/api/v1/session', { token: null, json: {} });
      expect(neither.status).toBe(400);
      expect(neither.body.error.details.field).toBe('email');
      const unknown = await t.call('POST', '/api/v1/session', { token: null, json: { email: 'ann@example.com', password: 'x', remember: true } });
      expect(unknown.status).toBe(400);
      expect(unknown.body.error.message).toContain('remember');
    });

    it('signs in with a pasted API token; signing out ends the session on the server and leaves the pasted token working', async () => {
      const s = await signIn(t, { token: ADMIN_TOKEN });
      expect(s.body.user).toMatchObject({ email: 'admin@example.com', role: 'super_admin' });
      expect((await t.call('GET', '/api/v1/me', { token: null, headers: { cookie: s.cookie } })).status).toBe(200);

      const out = await t.call('DELETE', '/api/v1/session', { token: null, headers: { cookie: s.cookie, 'x-csrf-token': s.csrfToken } });
      expect(out.status).toBe(204);
      const cleared = sessionSetCookie(out.headers);
      expect(cleared).toMatch(/^batchyard_session=;/);
      expect(cleared?.toLowerCase()).toContain('expires=thu, 01 jan 1970');

      // A copy of the cookie kept elsewhere no longer works: the session's token is revoked.
      const replay = await t.call('GET', '/api/v1/me', { token: null, headers: { cookie: s.cookie } });
      expect(replay.status).toBe(401);
      expect(replay.body.error.code).toBe('SESSION_EXPIRED');
      const session = await t.call('GET', '/api/v1/session', { token: null, headers: { cookie: s.cookie } });
      expect(session.status).toBe(401);
      expect(session.body.error.code).toBe('SESSION_EXPIRED');
      expect((await t.call('GET', '/api/v1/me')).status).toBe(200);
      const tokens = (await t.call('GET', '/api/v1/tokens')).body.tokens as Array<{ name: string; revokedAt: string | null }>;
      expect(tokens.find((tok) => tok.name === 'web session')?.revokedAt).not.toBeNull();

      // Signing out without a session is a 204 too.
      expect((await t.call('DELETE', '/api/v1/session', { token: null })).status).toBe(204);
    });

    it('GET /session: the session with a fresh CSRF token; 401 UNAUTHENTICATED without one; SESSION_EXPIRED for a cookie it cannot read', async () => {
      const s = await signIn(t, { token: ADMIN_TOKEN });
      const res = await t.call('GET', '/api/v1/session', { token: null, headers: { cookie: s.cookie } });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ user: { email: 'admin@example.com' }, expiresAt: s.body.expiresAt });
      expect(res.body.csrfToken).toEqual(expect.any(String));
      // Both tokens are good.
      for (const csrf of [s.csrfToken, res.body.csrfToken as string]) {
        const lib = await t.call('POST', '/api/v1/libraries', { token: null, json: { name: `lib-${csrf.slice(0, 6)}` }, headers: { cookie: s.cookie, 'x-csrf-token': csrf } });
        expect(lib.status, JSON.stringify(lib.body)).toBe(201);
      }

      const none = await t.call('GET', '/api/v1/session', { token: null });
      expect(none.status).toBe(401);
      expect(none.body.error.code).toBe('UNAUTHENTICATED');
      // A bearer token is no session.
      expect((await t.call('GET', '/api/v1/session')).body.error.code).toBe('UNAUTHENTICATED');
      const tampered = await t.call('GET', '/api/v1/session', { token: null, headers: { cookie: `${s.cookie.slice(0, -8)}AAAAAAA=` } });
      expect(tampered.status).toBe(401);
      expect(tampered.body.error.code).toBe('SESSION_EXPIRED');
      expect((await t.call('GET', '/api/v1/me', { token: null, headers: { cookie: 'batchyard_session=garbage' } })).body.error.code).toBe('SESSION_EXPIRED');
    });

    it('asks for the CSRF token on every unsafe request the cookie authenticates, never on bearer requests; a bearer header wins over the cookie', async () => {
      const s = await signIn(t, { token: ADMIN_TOKEN });
      const create = (name: string, headers: Record<string, string>, token: string | null = null) => t.call('POST', '/api/v1/libraries', { token, json: { name }, headers });

      const missing = await create('no-csrf', { cookie: s.cookie });
      expect(missing.status).toBe(403);
      expect(missing.body.error.code).toBe('CSRF_INVALID');
      expect(missing.body.error.details.field).toBe('x-csrf-token');
      const wrong = await create('wrong-csrf', { cookie: s.cookie, 'x-csrf-token': 'not-the-token' });
      expect(wrong.status).toBe(403);
      expect(wrong.body.error.code).toBe('CSRF_INVALID');
      // Another session's token is no good either.
      const other = await signIn(t, { token: ADMIN_TOKEN });
      expect((await create('other-csrf', { cookie: s.cookie, 'x-csrf-token': other.csrfToken })).status).toBe(403);
      expect((await t.call('GET', '/api/v1/libraries', { token: null })).status).toBe(401);

      const made = await create('with-csrf', { cookie: s.cookie, 'x-csrf-token': s.csrfToken });
      expect(made.status, JSON.stringify(made.body)).toBe(201);
      const lib = made.body.libraryId as string;
      // PUT (upload), PATCH, DELETE: the same rule.
      expect((await t.call('PUT', `/api/v1/libraries/${lib}/files/a.txt`, { token: null, body: 'hello', headers: { cookie: s.cookie } })).status).toBe(403);
      const put = await t.call('PUT', `/api/v1/libraries/${lib}/files/a.txt`, { token: null, body: 'hello', headers: { cookie: s.cookie, 'x-csrf-token': s.csrfToken } });
      expect(put.status, JSON.stringify(put.body)).toBe(201);
      expect((await t.call('PATCH', `/api/v1/libraries/${lib}`, { token: null, json: { name: 'renamed' }, headers: { cookie: s.cookie } })).status).toBe(403);
      // Safe methods need none: a download with the cookie alone.
      const download = await t.call('GET', `/api/v1/libraries/${lib}/files/a.txt`, { token: null, headers: { cookie: s.cookie } });
      expect(download.status).toBe(200);
      expect(download.raw.toString()).toBe('hello');

      // Bearer requests: no CSRF token, cookie or not.
      expect((await create('bearer', {})).status).toBe(401);
      expect((await create('bearer', {}, ADMIN_TOKEN)).status).toBe(201);
      expect((await create('bearer-and-cookie', { cookie: s.cookie }, ADMIN_TOKEN)).status).toBe(201);
      // With an Authorization header the cookie is not looked at: a bad token is a 401 whatever the cookie.
      const badBearer = await t.call('GET', '/api/v1/me', { token: 'by_not_a_token', headers: { cookie: s.cookie } });
      expect(badBearer.status).toBe(401);
      expect(badBearer.body.error.code).toBe('UNAUTHENTICATED');

      // tus uploads: creating one with the cookie needs the token too.
      const tusHeaders = { cookie: s.cookie, 'tus-resumable': '1.0.0', 'upload-length': '5' };
      const tusMissing = await t.call('POST', '/api/v1/uploads', { token: null, headers: tusHeaders });
      expect(tusMissing.status).toBe(403);
      const tusMade = await t.call('POST', '/api/v1/uploads', { token: null, headers: { ...tusHeaders, 'x-csrf-token': s.csrfToken } });
      expect(tusMade.status, tusMade.raw.toString()).toBe(201);
      const location = String(tusMade.headers.location);
      const head = await t.call('HEAD', location.startsWith('/') ? location : `/api/v1/uploads/${location}`, { token: null, headers: { cookie: s.cookie, 'tus-resumable': '1.0.0' } });
      expect(head.status).toBe(200);
    });

    it('keeps the vendor dialects on their own authentication: the cookie is not theirs', async () => {
      const s = await signIn(t, { token: ADMIN_TOKEN });
      const res = await t.call('GET', '/backup/google/admin/jobs', { token: null, headers: { cookie: s.cookie } });
      expect(res.status).toBeGreaterThanOrEqual(401);
      expect(res.status).toBeLessThanOrEqual(403);
    });

    it('streams job events to a session', async () => {
      const s = await signIn(t, { token: ADMIN_TOKEN });
      const lib = (await t.call('POST', '/api/v1/libraries', { json: { name: 'stream' } })).body.libraryId as string;
      const job = await t.call('POST', '/api/v1/jobs', { json: { type: 'noop', libraryId: lib, params: { count: 1 } } });
      expect(job.status, JSON.stringify(job.body)).toBe(202);
      await t.http.listen({ port: 0, host: '127.0.0.1' });
      const base = `http://127.0.0.1:${(t.http.server.address() as AddressInfo).port}`;
      const abort = new AbortController();
      const res = await fetch(`${base}/api/v1/jobs/${job.body.id}/events`, { headers: { cookie: s.cookie }, signal: abort.signal });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const reader = res.body!.getReader();
      let text = '';
      for (let chunk = 0; chunk < 20 && !text.includes('event: status'); chunk++) text += new TextDecoder().decode((await reader.read()).value);
      expect(text).toMatch(/event: status/);
      abort.abort();
      const anonymous = await fetch(`${base}/api/v1/jobs/${job.body.id}/events`);
      expect(anonymous.status).toBe(401);
    });
  });

  describe(`dashboard session settings on ${factory.name}`, () => {
    let t: TestApp | undefined;
    afterEach(async () => {
      await t?.dispose();
      t = undefined;
    });

    it('makes the cookie Secure when a trusted proxy says the request came over https, and only then', async () => {
      t = await startTestApp(factory, { BATCHYARD_TRUST_PROXY: 'true' });
      const https = await t.call('POST', '/api/v1/session', { token: null, json: { token: ADMIN_TOKEN }, headers: { 'x-forwarded-proto': 'https' } });
      expect(sessionSetCookie(https.headers)?.toLowerCase()).toMatch(/;\s*secure/);
      const http = await t.call('POST', '/api/v1/session', { token: null, json: { token: ADMIN_TOKEN } });
      expect(sessionSetCookie(http.headers)?.toLowerCase()).not.toMatch(/;\s*secure/);
      await t.dispose();
      // Untrusted: the header is anyone's to send.
      t = await startTestApp(factory);
      const spoofed = await t.call('POST', '/api/v1/session', { token: null, json: { token: ADMIN_TOKEN }, headers: { 'x-forwarded-proto': 'https' } });
      expect(sessionSetCookie(spoofed.headers)?.toLowerCase()).not.toMatch(/;\s*secure/);
    });

    it('ends a session at BATCHYARD_SESSION_TTL after sign-in: SESSION_EXPIRED, saying when', async () => {
      t = await startTestApp(factory, { BATCHYARD_SESSION_TTL: '3s' });
      const res = await t.call('POST', '/api/v1/session', { token: null, json: { token: ADMIN_TOKEN } });
      expect(res.status).toBe(200);
      const cookie = sessionSetCookie(res.headers)!.split(';')[0]!;
      const expiresAt = Date.parse(res.body.expiresAt);
      expect(expiresAt - Date.now()).toBeLessThanOrEqual(3000);
      expect((await t.call('GET', '/api/v1/me', { token: null, headers: { cookie } })).status).toBe(200);
      while (Date.now() <= expiresAt) await sleep(expiresAt - Date.now() + 20);
      const ended = await t.call('GET', '/api/v1/me', { token: null, headers: { cookie } });
      expect(ended.status).toBe(401);
      expect(ended.body.error.code).toBe('SESSION_EXPIRED');
      expect(ended.body.error.message).toContain('expired');
      expect((await t.call('GET', '/api/v1/session', { token: null, headers: { cookie } })).body.error.code).toBe('SESSION_EXPIRED');
    });
  });
}
