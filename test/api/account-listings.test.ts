/** `GET /users` and `GET /tokens`: who may list whom, pages, the active filter, and that no secret is ever shown. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { ADMIN_TOKEN, startTestApp, type TestApp } from '../support/app.js';

const factories = await driverFactories();

for (const factory of factories) {
  describe(`account listings API on ${factory.name}`, () => {
    let t: TestApp;

    beforeEach(async () => {
      t = await startTestApp(factory);
    });
    afterEach(async () => {
      await t.dispose();
    });

    async function user(email: string, role = 'user', token?: string): Promise<{ id: number; token: string; tokenId: string }> {
      const created = await t.call('POST', '/api/v1/users', { json: { email, role }, token });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      const minted = await t.call('POST', '/api/v1/tokens', { json: { userId: created.body.id, name: `${email.split('@')[0]}-cli` }, token });
      expect(minted.status, JSON.stringify(minted.body)).toBe(201);
      return { id: created.body.id, token: minted.body.token, tokenId: minted.body.id };
    }

    it('admins list their domain’s users a page at a time; users may not; a super admin may name another domain', async () => {
      const ann = await user('ann@example.com');
      const adam = await user('adam@example.com', 'admin');
      const all = await t.call('GET', '/api/v1/users');
      expect(all.status).toBe(200);
      expect(all.body.users.map((u: { email: string }) => u.email)).toEqual(['admin@example.com', 'ann@example.com', 'adam@example.com']);
      expect(all.body.users[1]).toEqual({ id: ann.id, email: 'ann@example.com', name: 'ann@example.com', role: 'user', domain: 'example.com' });
      expect(all.body.nextCursor).toBeNull();

      const first = await t.call('GET', '/api/v1/users?limit=2', { token: adam.token });
      expect(first.body.users).toHaveLength(2);
      const second = await t.call('GET', `/api/v1/users?limit=2&cursor=${first.body.nextCursor}`, { token: adam.token });
      expect(second.body.users.map((u: { email: string }) => u.email)).toEqual(['adam@example.com']);
      expect(second.body.nextCursor).toBeNull();

      expect((await t.call('GET', '/api/v1/users', { token: ann.token })).status).toBe(403);
      expect((await t.call('GET', '/api/v1/users', { token: null })).status).toBe(401);

      const other = await t.call('POST', '/api/v1/domains', { json: { name: 'other.example', admin: { email: 'boss@other.example' } } });
      expect(other.status).toBe(201);
      const theirs = await t.call('GET', '/api/v1/users?domain=other.example');
      expect(theirs.body.users.map((u: { email: string; domain: string }) => [u.email, u.domain])).toEqual([['boss@other.example', 'other.example']]);
      expect((await t.call('GET', '/api/v1/users?domain=other.example', { token: adam.token })).status).toBe(404);
      expect((await t.call('GET', '/api/v1/users?domain=nowhere.example')).status).toBe(404);
      const bad = await t.call('GET', '/api/v1/users?limit=0');
      expect(bad.status).toBe(400);
      const badCursor = await t.call('GET', `/api/v1/users?cursor=${first.body.nextCursor}`, { token: other.body.token });
      expect(badCursor.status).toBe(400);
      expect(badCursor.body.error.details.field).toBe('cursor');
    });

    it('a user lists their own tokens; an admin every token of the users they manage; never a secret', async () => {
      const ann = await user('ann@example.com');
      const adam = await user('adam@example.com', 'admin');
      const second = await t.call('POST', '/api/v1/tokens', { json: { name: 'laptop', expiresInDays: 30 }, token: ann.token });

      const own = await t.call('GET', '/api/v1/tokens', { token: ann.token });
      expect(own.status).toBe(200);
      expect(own.body.tokens.map((tk: { id: string }) => tk.id)).toEqual([ann.tokenId, second.body.id]);
      expect(own.body.tokens[1]).toEqual({
        id: second.body.id,
        name: 'laptop',
        userId: ann.id,
        userEmail: 'ann@example.com',
        createdAt: expect.any(String),
        expiresAt: second.body.expiresAt,
        revokedAt: null,
      });
      const text = JSON.stringify(own.body);
      expect(text).not.toContain(second.body.token);
      expect(text).not.toContain(ann.token);

      const byAdmin = await t.call('GET', '/api/v1/tokens', { token: adam.token });
      const owners = byAdmin.body.tokens.map((tk: { userEmail: string }) => tk.userEmail);
      expect(owners).toEqual(expect.arrayContaining(['ann@example.com', 'adam@example.com']));
      expect(owners).not.toContain('admin@example.com'); // the super admin's tokens are not an admin's to see
      const superView = await t.call('GET', '/api/v1/tokens');
      expect(superView.body.tokens.map((tk: { userEmail: string }) => tk.userEmail)).toContain('admin@example.com');

      const annsByAdmin = await t.call('GET', `/api/v1/tokens?userId=${ann.id}`, { token: adam.token });
      expect(annsByAdmin.body.tokens.map((tk: { id: string }) => tk.id)).toEqual([ann.tokenId, second.body.id]);
      expect((await t.call('GET', `/api/v1/tokens?userId=${adam.id}`, { token: ann.token })).status).toBe(404);
      expect((await t.call('GET', `/api/v1/tokens?userId=${ann.id}`, { token: ann.token })).status).toBe(200);

      expect((await t.call('DELETE', `/api/v1/tokens/${second.body.id}`, { token: ann.token })).status).toBe(204);
      const active = await t.call('GET', '/api/v1/tokens', { token: ann.token });
      expect(active.body.tokens.map((tk: { id: string }) => tk.id)).toEqual([ann.tokenId]);
      const withRevoked = await t.call('GET', '/api/v1/tokens?includeInactive=true', { token: ann.token });
      expect(withRevoked.body.tokens.map((tk: { id: string; revokedAt: string | null }) => [tk.id, tk.revokedAt !== null])).toEqual([
        [ann.tokenId, false],
        [second.body.id, true],
      ]);

      const page = await t.call('GET', '/api/v1/tokens?limit=1', { token: ADMIN_TOKEN });
      expect(page.body.tokens).toHaveLength(1);
      const next = await t.call('GET', `/api/v1/tokens?limit=1&cursor=${page.body.nextCursor}`);
      expect(next.body.tokens).toHaveLength(1);
      expect(next.body.tokens[0].id).not.toBe(page.body.tokens[0].id);
      const bad = await t.call('GET', '/api/v1/tokens?userId=abc');
      expect(bad.status).toBe(400);
      expect(bad.body.error.details.field).toBe('userId');
    });
  });
}
