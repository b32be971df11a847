/** Changing users (PATCH /users/{id}: name, role, password; who may change what) and the super admin's list of domains, over HTTP. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { verifyPassword } from '../../src/services/secrets.js';

const factories = await driverFactories();

for (const factory of factories) {
  describe(`account changes API on ${factory.name}`, () => {
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
      return { user: res.body as { id: number }, token: minted.body.token as string };
    }

    it("lets an admin change a domain user's name, role and password, seen by the user's next request", async () => {
      const admin = await addUser('ada@example.com', 'admin');
      const bob = await addUser('bob@example.com');
      expect((await t.call('GET', '/api/v1/users', { token: bob.token })).status).toBe(403);
      const promoted = await t.call('PATCH', `/api/v1/users/${bob.user.id}`, { token: admin.token, json: { name: 'Bob B.', role: 'admin', password: 'long enough' } });
      expect(promoted.status).toBe(200);
      expect(promoted.body).toEqual({ id: bob.user.id, email: 'bob@example.com', name: 'Bob B.', role: 'admin', domain: 'example.com' });
      expect((await t.call('GET', '/api/v1/users', { token: bob.token })).status).toBe(200);
      const row = await t.app.store.userGetByEmail('bob@example.com');
      expect(await verifyPassword('long enough', row!.passwordHash!)).toBe(true);
      const demoted = await t.call('PATCH', `/api/v1/users/${bob.user.id}`, { token: admin.token, json: { role: 'user' } });
      expect(demoted.body.role).toBe('user');
      expect((await t.call('GET', '/api/v1/users', { token: bob.token })).status).toBe(403);
    });

    it('lets users change their own name and password, never their own role', async () => {
      const bob = await addUser('bob@example.com');
      const renamed = await t.call('PATCH', `/api/v1/users/${bob.user.id}`, { token: bob.token, json: { name: 'Robert' } });
      expect(renamed.status).toBe(200);
      expect(renamed.body.name).toBe('Robert');
      const selfPromote = await t.call('PATCH', `/api/v1/users/${bob.user.id}`, { token: bob.token, json: { role: 'admin' } });
      expect(selfPromote.status).toBe(403);
      expect(selfPromote.body.error.details.field).toBe('role');
      const me = (await t.call('GET', '/api/v1/me')).body;
      const selfDemote = await t.call('PATCH', `/api/v1/users/${me.id}`, { json: { role: 'user' } });
      expect(selfDemote.status).toBe(403);
      expect((await t.call('PATCH', `/api/v1/users/${me.id}`, { json: { role: 'super_admin' } })).status).toBe(200);
    });

    it('refuses what the caller may not do: other users, roles above theirs, other domains (404)', async () => {
      const admin = await addUser('ada@example.com', 'admin');
      const bob = await addUser('bob@example.com');
      const cy = await addUser('cy@example.com');
      expect((await t.call('PATCH', `/api/v1/users/${cy.user.id}`, { token: bob.token, json: { name: 'Cy?' } })).status).toBe(404);
      const tooHigh = await t.call('PATCH', `/api/v1/users/${bob.user.id}`, { token: admin.token, json: { role: 'super_admin' } });
      expect(tooHigh.status).toBe(403);
      const me = (await t.call('GET', '/api/v1/me')).body;
      expect((await t.call('PATCH', `/api/v1/users/${me.id}`, { token: admin.token, json: { name: 'Root' } })).status).toBe(404);
      const other = await t.call('POST', '/api/v1/domains', { json: { name: 'other.test', admin: { email: 'adm@other.test' } } });
      expect((await t.call('PATCH', `/api/v1/users/${bob.user.id}`, { token: other.body.token, json: { name: 'x' } })).status).toBe(404);
      expect((await t.call('PATCH', '/api/v1/users/999999', { json: { name: 'x' } })).status).toBe(404);
    });

    it('answers bad changes with a 400 naming the field', async () => {
      const bob = await addUser('bob@example.com');
      const short = await t.call('PATCH', `/api/v1/users/${bob.user.id}`, { json: { password: 'short' } });
      expect(short.status).toBe(400);
      expect(short.body.error.message).toContain('password');
      const role = await t.call('PATCH', `/api/v1/users/${bob.user.id}`, { json: { role: 'owner' } });
      expect(role.status).toBe(400);
      expect(role.body.error.message).toContain('role');
      const empty = await t.call('PATCH', `/api/v1/users/${bob.user.id}`, { json: {} });
      expect(empty.status).toBe(400);
      const blank = await t.call('PATCH', `/api/v1/users/${bob.user.id}`, { json: { name: '   ' } });
      expect(blank.status).toBe(400);
      expect(blank.body.error.details.field).toBe('name');
      expect((await t.call('PATCH', '/api/v1/users/abc', { json: { name: 'x' } })).status).toBe(400);
    });

    it('lists every domain to the super admin, a page at a time, and to no one else', async () => {
      await t.call('POST', '/api/v1/domains', { json: { name: 'b.test', admin: { email: 'adm@b.test' } } });
      const c = await t.call('POST', '/api/v1/domains', { json: { name: 'c.test', admin: { email: 'adm@c.test' } } });
      const first = await t.call('GET', '/api/v1/domains?limit=2');
      expect(first.status).toBe(200);
      expect(first.body.domains.map((d: { name: string }) => d.name)).toEqual(['example.com', 'b.test']);
      expect(Date.parse(first.body.domains[0].createdAt)).toBeGreaterThan(0);
      const rest = await t.call('GET', `/api/v1/domains?limit=2&cursor=${first.body.nextCursor}`);
      expect(rest.body).toEqual({ domains: [{ name: 'c.test', createdAt: expect.any(String) }], nextCursor: null });
      expect((await t.call('GET', '/api/v1/domains', { token: c.body.token })).status).toBe(403);
    });
  });
}
