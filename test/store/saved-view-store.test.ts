/** Saved views (saved_views): a user's named job-list queries, unique per user, deleted only by their owner, on every driver. */
import { describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { useSharedStore } from './shared-store.js';
import { seedDomain } from './seed.js';
import { ConflictError } from '../../src/domain/errors.js';

const factories = await driverFactories();

for (const factory of factories) {
  describe(`saved view store on ${factory.name}`, () => {
    const db = useSharedStore(factory);

    it('savedViewCreate records a view; a name the user already has is a conflict, another user may reuse it; savedViewListByUser lists one user’s, oldest first', async () => {
      const { store } = db;
      const { domain, user } = await seedDomain(store);
      const other = await store.userCreate({ domainId: domain.id, email: 'other@example.com', name: 'Other', role: 'user', passwordHash: null, now: 1 });
      const failed = await store.savedViewCreate({ userId: user.id, name: 'failed today', query: 'status:failed created:>-1d', now: 100 });
      expect(failed).toEqual({ id: expect.any(Number), userId: user.id, name: 'failed today', query: 'status:failed created:>-1d', createdAt: 100 });
      const mine = await store.savedViewCreate({ userId: user.id, name: 'mine', query: 'requestor:me', now: 200 });
      await expect(store.savedViewCreate({ userId: user.id, name: 'mine', query: 'x', now: 300 })).rejects.toBeInstanceOf(ConflictError);
      const theirs = await store.savedViewCreate({ userId: other.id, name: 'mine', query: 'type:copy', now: 300 });
      expect((await store.savedViewListByUser({ userId: user.id })).map((v) => v.id)).toEqual([failed.id, mine.id]);
      expect(await store.savedViewListByUser({ userId: other.id })).toEqual([theirs]);
      expect(await store.savedViewListByUser({ userId: 12345 })).toEqual([]);
    });

    it('savedViewDelete deletes only the owner’s view', async () => {
      const { store } = db;
      const { domain, user } = await seedDomain(store);
      const other = await store.userCreate({ domainId: domain.id, email: 'other@example.com', name: 'Other', role: 'user', passwordHash: null, now: 1 });
      const view = await store.savedViewCreate({ userId: user.id, name: 'v', query: 'q', now: 1 });
      expect(await store.savedViewDelete({ id: view.id, userId: other.id })).toBe(false);
      expect(await store.savedViewListByUser({ userId: user.id })).toHaveLength(1);
      expect(await store.savedViewDelete({ id: view.id, userId: user.id })).toBe(true);
      expect(await store.savedViewDelete({ id: view.id, userId: user.id })).toBe(false);
      expect(await store.savedViewListByUser({ userId: user.id })).toEqual([]);
    });
  });
}
