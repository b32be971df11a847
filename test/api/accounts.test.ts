/** Accounts over HTTP: the caller, domains, users, tokens, and every way a credential can be bad. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { hashTokenSecret } from '../../src/services/secrets.js';

const factories = await driverFactories();

for (const factory of factories) {
  describe(`accounts API on ${factory.name}`, () => {
    let t: TestApp;
    beforeEach(async () => {
      t = await startTestApp(factory);
    });
    afterEach(async () => {
      await t.dispose();
    });

    async function addUser(email: string, role = 'user', token?: string) {
      const res = await t.call('POST', '/api/v1/users', { json: { email, role }, token });
      expect(res.status).toBe(201);
      const minted = await t.call('POST', '/api/v1/tokens', { json: { userId: res.body.id }, token });
      expect(minted.status).toBe(201);
      return { user: res.body, token: minted.body.token as string, tokenId: minted.body.id as string };
    }

    it('answers /me for the bootstrapped super admin', async () => {
      const res = await t.call('GET', '/api/v1/me');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ id: expect.any(Number), email: 'admin@example.com', name: 'Administrator', role: 'super_admin', domain: 'example.com' });
    });

    it('refuses missing, malformed, unknown, expired and revoked tokens with 401', async () => {
      expect((await t.call('GET', '/api/v1/me', { token: null })).status).toBe(401);
      const malformed = await t.call('GET', '/api/v1/me', { token: null, headers: { authorization: 'Basic abc' } });
      expect(malformed.status).toBe(401);
      expect(malformed.body.error.code).toBe('UNAUTHENTICATED');
      expect((await t.call('GET', '/api/v1/me', { token: 'by_nope' })).body.error.message).toBe('invalid token');

      const me = (await t.call('GET', '/api/v1/me')).body;
      await t.app.store.tokenCreate({ id: 'tok_expired', userId: me.id, name: 'old', secretHash: hashTokenSecret('expired-secret'), expiresAt: Date.now() - 1000, now: 1 });
      const expired = await t.call('GET', '/api/v1/me', { token: 'expired-secret' });
      expect(expired.status).toBe(401);
      expect(expired.body.error.message).toMatch(/expired/);

      const minted = await t.call('POST', '/api/v1/tokens', { json: { name: 'short', expiresInDays: 1 } });
      expect(minted.status).toBe(201);
      expect(minted.body.token).toMatch(/^by_/);
      expect(Date.parse(minted.body.expiresAt)).toBeGreaterThan(Date.now());
      expect((await t.call('GET', '/api/v1/me', { token: minted.body.token })).status).toBe(200);
      expect((await t.call('DELETE', `/api/v1/tokens/${minted.body.id}`)).status).toBe(204);
      const revoked = await t.call('GET', '/api/v1/me', { token: minted.body.token });
      expect(revoked.status).toBe(401);
      expect(revoked.body.error.message).toMatch(/revoked/);
    });

    it('stores token secrets only as hashes', async () => {
      const minted = await t.call('POST', '/api/v1/tokens', { json: {} });
      const rows = await t.app.driver.db.selectFrom('tokens').select(['secret_hash']).execute();
      expect(rows.some((r) => r.secret_hash === minted.body.token)).toBe(false);
      expect(rows.some((r) => r.secret_hash === hashTokenSecret(minted.body.token))).toBe(true);
    });

    it('lets only a super admin create domains, each with an admin and a token', async () => {
      const res = await t.call('POST', '/api/v1/domains', { json: { name: 'Acme.Test', admin: { email: 'boss@acme.test', name: 'Boss' } } });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ name: 'acme.test', admin: { email: 'boss@acme.test', role: 'admin', domain: 'acme.test' } });
      const bossMe = await t.call('GET', '/api/v1/me', { token: res.body.token });
      expect(bossMe.body.domain).toBe('acme.test');
      const again = await t.call('POST', '/api/v1/domains', { json: { name: 'acme.test', admin: { email: 'x@acme.test' } } });
      expect(again.status).toBe(409);
      const byAdmin = await t.call('POST', '/api/v1/domains', { token: res.body.token, json: { name: 'other.test', admin: { email: 'y@other.test' } } });
      expect(byAdmin.status).toBe(403);
    });

    it('creates users with roles an admin may grant; plain users may not', async () => {
      const admin = await addUser('ada@example.com', 'admin');
      const plain = await addUser('bob@example.com', 'user', admin.token);
      expect(plain.user).toMatchObject({ email: 'bob@example.com', role: 'user', domain: 'example.com' });
      expect((await t.call('POST', '/api/v1/users', { token: admin.token, json: { email: 'root2@example.com', role: 'super_admin' } })).status).toBe(403);
      expect((await t.call('POST', '/api/v1/users', { token: plain.token, json: { email: 'c@example.com' } })).status).toBe(403);
      expect((await t.call('POST', '/api/v1/users', { json: { email: 'BOB@example.com' } })).status).toBe(409);
      const withPassword = await t.call('POST', '/api/v1/users', { json: { email: 'pw@example.com', password: 'correct horse' } });
      expect(withPassword.status).toBe(201);
      const row = await t.app.store.userGetByEmail('pw@example.com');
      expect(row?.passwordHash).toMatch(/^scrypt\$/);
    });

    it('keeps domains apart: another domain’s user and token are 404', async () => {
      const other = await t.call('POST', '/api/v1/domains', { json: { name: 'other.test', admin: { email: 'adm@other.test' } } });
      const local = await addUser('local@example.com', 'admin');
      const theirUser = await t.call('POST', '/api/v1/users', { token: other.body.token, json: { email: 'them@other.test' } });
      const mintForThem = await t.call('POST', '/api/v1/tokens', { token: local.token, json: { userId: theirUser.body.id } });
      expect(mintForThem.status).toBe(404);
      const theirToken = await t.call('POST', '/api/v1/tokens', { token: other.body.token, json: {} });
      expect((await t.call('DELETE', `/api/v1/tokens/${theirToken.body.id}`, { token: local.token })).status).toBe(404);
    });

    it('answers bad input with a 400 that names the problem', async () => {
      const malformed = await t.call('POST', '/api/v1/users', { body: '{"email": ', headers: { 'content-type': 'application/json' } });
      expect(malformed.status).toBe(400);
      expect(malformed.body.error.code).toBe('INVALID_ARGUMENT');
      const unknown = await t.call('POST', '/api/v1/users', { json: { email: 'u@example.com', colour: 'red' } });
      expect(unknown.status).toBe(400);
      expect(unknown.body.error.message).toContain('colour');
      const wrongType = await t.call('POST', '/api/v1/tokens', { json: { expiresInDays: 'soon' } });
      expect(wrongType.status).toBe(400);
      expect(wrongType.body.error.message).toContain('expiresInDays');
      const badEmail = await t.call('POST', '/api/v1/users', { json: { email: 'not-an-email' } });
      expect(badEmail.status).toBe(400);
      expect(badEmail.body.error.details.field).toBe('email');
      const notJson = await t.call('POST', '/api/v1/users', { body: '<user/>', headers: { 'content-type': 'application/xml' } });
      expect(notJson.status).toBe(415);
      expect(notJson.body.error.message).toContain('application/json');
      const missing = await t.call('POST', '/api/v1/domains', { json: { name: 'x.test' } });
      expect(missing.status).toBe(400);
      expect(missing.body.error.message).toContain('admin');
    });

    it('serves an OpenAPI 3.1 document and a health check', async () => {
      const doc = await t.call('GET', '/api/v1/openapi.json', { token: null });
      expect(doc.status).toBe(200);
      expect(doc.body.openapi).toBe('3.1.0');
      expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/api/v1/me', '/api/v1/libraries', '/api/v1/libraries/{libraryId}/items']));
      expect((await t.call('GET', '/healthz', { token: null })).status).toBe(200);
      const unknownRoute = await t.call('GET', '/api/v1/nothing-here');
      expect(unknownRoute.status).toBe(404);
    });
  });
}
