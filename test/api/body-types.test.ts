/**
 * JSON bodies keep their types (a number where a string is required is a 400
 * naming the field, on native and dialect routes alike: nothing turns 7 into
 * "7"), strings holding U+0000 are refused on every driver, and token expiry
 * is whole milliseconds whatever the day count it comes from, on every driver.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { ADMIN_TOKEN, startTestApp, type TestApp } from '../support/app.js';
import { InvalidArgumentError } from '../../src/domain/errors.js';

const factories = await driverFactories();
const DAY_MS = 86_400_000;

/** `yyyyMMdd'T'HHmmss'Z'` (KooDrive's X-Date). */
function xDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

for (const factory of factories) {
  describe(`body types on ${factory.name}`, () => {
    let t: TestApp;
    let lib: string;

    beforeEach(async () => {
      t = await startTestApp(factory);
      lib = (await t.call('POST', '/api/v1/libraries', { json: { name: 'photos' } })).body.libraryId;
    });
    afterEach(async () => {
      await t.dispose();
    });

    it('refuses a number where a string is required, and a string where a number is, naming the field', async () => {
      const named = await t.call('POST', '/api/v1/tokens', { json: { name: 7 } });
      expect(named.status).toBe(400);
      expect(named.body.error.details.field).toBe('name');
      const renamed = await t.call('PATCH', `/api/v1/libraries/${lib}`, { json: { name: 7 } });
      expect(renamed.status).toBe(400);
      expect(renamed.body.error.details.field).toBe('name');
      expect((await t.call('GET', `/api/v1/libraries/${lib}`)).body.name).toBe('photos');
      const quoted = await t.call('POST', '/api/v1/tokens', { json: { expiresInDays: '2' } });
      expect(quoted.status).toBe(400);
      expect(quoted.body.error.details.field).toBe('expiresInDays');
      // Query strings are text and still read as numbers.
      const listed = await t.call('GET', '/api/v1/libraries?limit=1');
      expect(listed.status).toBe(200);
      expect(listed.body.libraries).toHaveLength(1);
    });

    it('refuses KooDrive’s filePath 7 and VSP One’s bucketName 7 in their own error shapes', async () => {
      const me = (await t.call('GET', '/api/v1/me')).body;
      const koo = await t.call('POST', '/koodrive/ose/v1/jobs', {
        token: null,
        headers: { authorization: `Bearer+${ADMIN_TOKEN}`, 'x-user-id': String(me.user?.id ?? me.id), 'x-date': xDate(Date.now()) },
        json: { taskType: 2, actionType: 201, taskInfo: { srcContainerId: lib, fileInfo: [{ filePath: 7 }] } },
      });
      expect(koo.status, JSON.stringify(koo.body)).toBe(400);
      expect(Object.keys(koo.body).sort()).toEqual(['code', 'msg']);
      expect(koo.body.msg).toContain('filePath');

      const password = 'correct horse battery';
      expect((await t.call('POST', '/api/v1/users', { json: { email: 'ops@example.com', role: 'admin', password } })).status).toBe(201);
      const grant = await t.call('POST', '/ui/auth/realms/vsp-object/protocol/openid-connect/token', {
        token: null,
        body: new URLSearchParams({ client_id: 'vsp-object-external-client', username: 'ops@example.com', password, grant_type: 'password' }).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(grant.status, JSON.stringify(grant.body)).toBe(200);
      const csrf = await t.call('GET', '/mapi/v1/csrf', { token: null });
      const cookies = ([] as string[]).concat(csrf.headers['set-cookie'] as string | string[]).map((line) => line.split(';')[0]!);
      const xsrf = cookies.find((c) => c.startsWith('XSRF-TOKEN='))!.slice('XSRF-TOKEN='.length);
      const vsp = await t.call('POST', '/mapi/v1/jobs/create', {
        token: null,
        headers: { authorization: `Bearer ${grant.body.access_token}`, 'x-xsrf-token': xsrf, cookie: cookies.join('; ') },
        json: { jobType: 'BATCH_REPLICATE', bucketName: 7, jobParams: { sourcePrefix: 'a.txt', targetPrefix: 'copies' } },
      });
      expect(vsp.status, JSON.stringify(vsp.body)).toBe(400);
      expect(vsp.body.details).toBe('bucketName');
    });

    it('refuses strings holding U+0000, which PostgreSQL cannot store, naming the field', async () => {
      const created = await t.call('POST', '/api/v1/libraries', { json: { name: 'a\u0000b' } });
      expect(created.status, JSON.stringify(created.body)).toBe(400);
      expect(created.body.error.details.field).toBe('name');
      expect(created.body.error.message).toContain('U+0000');
      const listed = await t.call('GET', '/api/v1/jobs?type=%00');
      expect(listed.status, JSON.stringify(listed.body)).toBe(400);
      expect(listed.body.error.details.field).toBe('type');
    });

    it('takes whole days of token life only, and stores any expiry as whole milliseconds', async () => {
      const fraction = await t.call('POST', '/api/v1/tokens', { json: { expiresInDays: 1.5 } });
      expect(fraction.status).toBe(400);
      expect(fraction.body.error.details.field).toBe('expiresInDays');
      const before = Date.now();
      const two = await t.call('POST', '/api/v1/tokens', { json: { expiresInDays: 2 } });
      expect(two.status, JSON.stringify(two.body)).toBe(201);
      const expiresAt = Date.parse(two.body.expiresAt);
      expect(expiresAt).toBeGreaterThanOrEqual(before + 2 * DAY_MS);
      expect(expiresAt).toBeLessThanOrEqual(Date.now() + 2 * DAY_MS);
      expect((await t.call('GET', '/api/v1/me', { token: two.body.token })).status).toBe(200);

      // The service says the same to a caller that is not the API.
      const admin = await t.app.auth.authenticate(`Bearer ${ADMIN_TOKEN}`);
      await expect(t.app.auth.mint(admin, { expiresInDays: 0.5 })).rejects.toBeInstanceOf(InvalidArgumentError);
      await expect(t.app.auth.mint(admin, { expiresInDays: 0.5 })).rejects.toMatchObject({ details: { field: 'expiresInDays' } });

      // A fractional day count (a lifetime in seconds is one) is rounded to whole milliseconds: a seventh of a day
      // is 12342857.142857 ms, which PostgreSQL refused for its integer column (a 500).
      const minted = await t.app.auth.mintFor(t.app.store, admin.user, { name: 'seventh', expiresInDays: 1 / 7 });
      expect(minted.token.expiresAt! - minted.token.createdAt).toBe(Math.round(DAY_MS / 7));
      expect((await t.call('GET', '/api/v1/me', { token: minted.secret })).status).toBe(200);
      expect((await t.call('POST', '/api/v1/users', { json: { email: 'ops@example.com', role: 'user', password: 'correct horse battery' } })).status).toBe(201);
      const signedIn = await t.app.auth.signInWithPassword({ email: 'ops@example.com', password: 'correct horse battery', tokenName: 'test', ttlSeconds: 13 });
      expect(signedIn.token.expiresAt! - signedIn.token.createdAt).toBe(13_000);
      expect((await t.call('GET', '/api/v1/me', { token: signedIn.secret })).status).toBe(200);
    });
  });
}
