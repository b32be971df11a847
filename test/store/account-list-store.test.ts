/** Listings of users and tokens (keyset pages, scopes, active filter) and the first user of a role, on every driver. */
import { describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { useSharedStore } from './shared-store.js';

const factories = await driverFactories();

for (const factory of factories) {
  describe(`account listings on ${factory.name}`, () => {
    const db = useSharedStore(factory);

    it('userListByDomain pages a domain’s users by id and never another domain’s', async () => {
      const { store } = db;
      const a = await store.domainCreate({ name: 'a.example', now: 1 });
      const b = await store.domainCreate({ name: 'b.example', now: 1 });
      const made = [];
      for (const email of ['u1@a.example', 'u2@a.example', 'u3@a.example']) {
        made.push(await store.userCreate({ domainId: a.id, email, name: email, role: 'user', passwordHash: 'secret-hash', now: 2 }));
      }
      await store.userCreate({ domainId: b.id, email: 'x@b.example', name: 'X', role: 'admin', passwordHash: null, now: 2 });
      const first = await store.userListByDomain({ domainId: a.id, limit: 2 });
      expect(first).toEqual(made.slice(0, 2));
      expect(first[0]).not.toHaveProperty('passwordHash');
      const rest = await store.userListByDomain({ domainId: a.id, afterId: first[1]!.id, limit: 2 });
      expect(rest).toEqual(made.slice(2));
      expect((await store.userListByDomain({ domainId: b.id, limit: 10 })).map((u) => u.email)).toEqual(['x@b.example']);
    });

    it('userGetFirstWithRole finds the lowest-id user of a role, or nothing', async () => {
      const { store } = db;
      const d = await store.domainCreate({ name: 'a.example', now: 1 });
      expect(await store.userGetFirstWithRole('super_admin')).toBeUndefined();
      await store.userCreate({ domainId: d.id, email: 'u@a.example', name: 'U', role: 'user', passwordHash: null, now: 2 });
      const root = await store.userCreate({ domainId: d.id, email: 'root@a.example', name: 'Root', role: 'super_admin', passwordHash: 'h', now: 3 });
      await store.userCreate({ domainId: d.id, email: 'root2@a.example', name: 'Root 2', role: 'super_admin', passwordHash: null, now: 4 });
      expect(await store.userGetFirstWithRole('super_admin')).toEqual(root);
      expect(await store.userGetFirstWithRole('admin')).toBeUndefined();
    });

    it('tokenList: by user or by domain (but a role), oldest first with a keyset, only active ones at a time when asked', async () => {
      const { store } = db;
      const a = await store.domainCreate({ name: 'a.example', now: 1 });
      const b = await store.domainCreate({ name: 'b.example', now: 1 });
      const ann = await store.userCreate({ domainId: a.id, email: 'ann@a.example', name: 'Ann', role: 'user', passwordHash: null, now: 2 });
      const root = await store.userCreate({ domainId: a.id, email: 'root@a.example', name: 'Root', role: 'super_admin', passwordHash: null, now: 2 });
      const bob = await store.userCreate({ domainId: b.id, email: 'bob@b.example', name: 'Bob', role: 'user', passwordHash: null, now: 2 });
      const mk = (id: string, userId: number, now: number, expiresAt: number | null = null) =>
        store.tokenCreate({ id, userId, name: `n-${id}`, secretHash: `hash-${id}`, expiresAt, now });
      await mk('t_b', ann.id, 10);
      await mk('t_a', ann.id, 10); // same time: id breaks the tie
      await mk('t_c', ann.id, 20, 25); // expires at 25
      await mk('t_d', root.id, 30);
      await mk('t_e', bob.id, 5);
      await store.tokenRevoke({ id: 't_b', now: 40 });

      const anns = await store.tokenList({ userId: ann.id, limit: 10 });
      expect(anns.map((t) => t.id)).toEqual(['t_a', 't_b', 't_c']);
      expect(anns[0]).toEqual({ id: 't_a', userId: ann.id, name: 'n-t_a', createdAt: 10, expiresAt: null, revokedAt: null, userEmail: 'ann@a.example' });
      expect(anns[1]!.revokedAt).toBe(40);
      expect(JSON.stringify(anns)).not.toContain('hash-');

      const page1 = await store.tokenList({ domainId: a.id, limit: 2 });
      expect(page1.map((t) => t.id)).toEqual(['t_a', 't_b']);
      const page2 = await store.tokenList({ domainId: a.id, after: { createdAt: page1[1]!.createdAt, id: page1[1]!.id }, limit: 2 });
      expect(page2.map((t) => t.id)).toEqual(['t_c', 't_d']);
      expect((await store.tokenList({ domainId: a.id, exceptRole: 'super_admin', limit: 10 })).map((t) => t.id)).toEqual(['t_a', 't_b', 't_c']);

      expect((await store.tokenList({ domainId: a.id, activeAt: 20, limit: 10 })).map((t) => t.id)).toEqual(['t_a', 't_c', 't_d']);
      expect((await store.tokenList({ domainId: a.id, activeAt: 25, limit: 10 })).map((t) => t.id)).toEqual(['t_a', 't_d']);
      expect((await store.tokenList({ domainId: b.id, limit: 10 })).map((t) => t.userEmail)).toEqual(['bob@b.example']);
    });
  });
}
