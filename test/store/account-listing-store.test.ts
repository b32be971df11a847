/** Listing a domain's users and tokens (keyset pages, active filter), on every driver. */
import { describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { useSharedStore } from './shared-store.js';
import type { Store } from '../../src/store/store.js';

const factories = await driverFactories();

async function people(store: Store) {
  const d = await store.domainCreate({ name: 'a.example', now: 1 });
  const other = await store.domainCreate({ name: 'b.example', now: 1 });
  const user = (domainId: number, email: string) => store.userCreate({ domainId, email, name: email, role: 'user', passwordHash: 'secret', now: 2 });
  const amy = await user(d.id, 'amy@a.example');
  const foreign = await user(other.id, 'zed@b.example');
  const bo = await user(d.id, 'bo@a.example');
  const cy = await user(d.id, 'cy@a.example');
  return { d, other, amy, bo, cy, foreign };
}

for (const factory of factories) {
  describe(`account listing store on ${factory.name}`, () => {
    const db = useSharedStore(factory);

    it("userListByDomain pages a domain's users by id after a cursor, without password hashes", async () => {
      const { store } = db;
      const { d, other, amy, bo, cy, foreign } = await people(store);
      expect(await store.userListByDomain({ domainId: d.id, limit: 10 })).toEqual([amy, bo, cy]);
      const first = await store.userListByDomain({ domainId: d.id, limit: 2 });
      expect(first).toEqual([amy, bo]);
      expect(first[0]).not.toHaveProperty('passwordHash');
      expect(await store.userListByDomain({ domainId: d.id, afterId: bo.id, limit: 2 })).toEqual([cy]);
      expect(await store.userListByDomain({ domainId: d.id, afterId: cy.id, limit: 2 })).toEqual([]);
      expect(await store.userListByDomain({ domainId: other.id, limit: 10 })).toEqual([foreign]);
    });

    it('userGetFirstWithRole finds the lowest-id user holding the role, in any domain', async () => {
      const { store } = db;
      const { d, other } = await people(store);
      expect(await store.userGetFirstWithRole('super_admin')).toBeUndefined();
      const first = await store.userCreate({ domainId: other.id, email: 'root@b.example', name: 'Root', role: 'super_admin', passwordHash: 'h', now: 3 });
      await store.userCreate({ domainId: d.id, email: 'root2@a.example', name: 'Root 2', role: 'super_admin', passwordHash: null, now: 4 });
      const admin = await store.userCreate({ domainId: d.id, email: 'admin@a.example', name: 'Admin', role: 'admin', passwordHash: null, now: 4 });
      expect(await store.userGetFirstWithRole('super_admin')).toEqual(first);
      expect(await store.userGetFirstWithRole('admin')).toEqual(admin);
      expect(await store.userGetFirstWithRole('super_admin')).not.toHaveProperty('passwordHash');
    });

    it('tokenList pages by (createdAt, id), by user or domain, active ones only when asked, with the owner and never the secret', async () => {
      const { store } = db;
      const { d, amy, bo, foreign } = await people(store);
      const token = (id: string, userId: number, createdAt: number, expiresAt: number | null = null) =>
        store.tokenCreate({ id, userId, name: id, secretHash: `hash-${id}`, expiresAt, now: createdAt });
      await token('t-b', amy.id, 10);
      await token('t-a', bo.id, 10);
      await token('t-old', amy.id, 5, 8);
      await token('t-revoked', amy.id, 20);
      await token('t-late', amy.id, 30, 100);
      await token('t-foreign', foreign.id, 1);
      expect(await store.tokenRevoke({ id: 't-revoked', now: 21 })).toBe(true);
      const ids = async (p: Parameters<Store['tokenList']>[0]) => (await store.tokenList(p)).map((t) => t.id);
      expect(await ids({ domainId: d.id, limit: 10 })).toEqual(['t-old', 't-a', 't-b', 't-revoked', 't-late']);
      expect(await ids({ userId: amy.id, limit: 10 })).toEqual(['t-old', 't-b', 't-revoked', 't-late']);
      expect(await ids({ domainId: d.id, activeAt: 50, limit: 10 })).toEqual(['t-a', 't-b', 't-late']);
      // Expiry is exclusive: at its expiry time a token is no longer active.
      expect(await ids({ domainId: d.id, activeAt: 100, limit: 10 })).toEqual(['t-a', 't-b']);
      expect(await ids({ domainId: d.id, after: { createdAt: 10, id: 't-a' }, limit: 2 })).toEqual(['t-b', 't-revoked']);
      const [listed] = await store.tokenList({ userId: bo.id, limit: 1 });
      expect(listed).toEqual({ id: 't-a', userId: bo.id, name: 't-a', createdAt: 10, expiresAt: null, revokedAt: null, userEmail: 'bo@a.example' });
      expect(JSON.stringify(await store.tokenList({ domainId: d.id, limit: 10 }))).not.toContain('hash-');
    });
  });
}
