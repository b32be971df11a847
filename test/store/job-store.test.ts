/** The job tables through the Store, on every driver: claims, fences, leases, fair order, listing. */
import { describe, expect, it } from 'vitest';
import { driverFactories, useMigratedStore } from '../support/drivers.js';
import type { Store } from '../../src/store/store.js';

const factories = await driverFactories();

async function seedJob(store: Store, p: { priority?: number; now?: number; domainId?: number } = {}) {
  const domain = (await store.domainGetByName('d.example')) ?? (await store.domainCreate({ name: 'd.example', now: 1 }));
  const job = await store.jobInsert({
    domainId: p.domainId ?? domain.id,
    libraryId: 'lib',
    targetLibraryId: null,
    type: 'noop',
    requestorId: 1,
    origin: 'admin',
    params: {},
    priority: p.priority ?? 0,
    retryOf: null,
    now: p.now ?? 1000,
  });
  return job;
}

for (const factory of factories) {
  describe(`job store on ${factory.name}`, () => {
    const db = useMigratedStore(factory);

    it('claims under a fence; an expired lease is rescued, re-claimed, and the stale holder cannot commit', async () => {
      const job = await seedJob(db.store);
      await db.store.taskInsertMany([{ jobId: job.id, phase: 1, kind: 'items', payload: '{}', itemCount: 1, runAfter: 0 }]);
      const [a] = await db.store.taskClaim({ jobId: job.id, owner: 'A', leaseUntil: 2000, now: 1000, limit: 10 });
      expect(a).toMatchObject({ fence: 1 });
      expect(await db.store.taskClaim({ jobId: job.id, owner: 'B', leaseUntil: 2000, now: 1000, limit: 10 })).toEqual([]);
      expect(await db.store.taskRescueExpired({ now: 1500 })).toBe(0);
      expect(await db.store.taskRescueExpired({ now: 2500 })).toBe(1);
      const [b] = await db.store.taskClaim({ jobId: job.id, owner: 'B', leaseUntil: 4000, now: 2500, limit: 10 });
      expect(b).toMatchObject({ id: a!.id, fence: 2 });
      expect(await db.store.taskComplete({ id: a!.id, fence: a!.fence })).toBe(false);
      expect(await db.store.taskReschedule({ id: a!.id, fence: a!.fence, runAfter: 0, attempts: 1 })).toBe(false);
      expect(await db.store.taskHeartbeat({ owner: 'A', leaseUntil: 9999 })).toBe(0);
      expect(await db.store.taskHeartbeat({ owner: 'B', leaseUntil: 9999 })).toBe(1);
      expect(await db.store.taskComplete({ id: b!.id, fence: b!.fence })).toBe(true);
      expect(await db.store.taskExistsForJob({ jobId: job.id })).toBe(false);
    });

    it('claims the lowest phase first and respects run_after', async () => {
      const job = await seedJob(db.store);
      await db.store.taskInsertMany([
        { jobId: job.id, phase: 2, kind: 'items', payload: 'late', itemCount: 1, runAfter: 0 },
        { jobId: job.id, phase: 1, kind: 'items', payload: 'later', itemCount: 1, runAfter: 5000 },
      ]);
      expect(await db.store.taskClaim({ jobId: job.id, owner: 'A', leaseUntil: 9000, now: 1000, limit: 10 })).toEqual([]);
      const [first] = await db.store.taskClaim({ jobId: job.id, owner: 'A', leaseUntil: 9000, now: 5000, limit: 10 });
      expect(first!.payload).toBe('later');
      await db.store.taskComplete({ id: first!.id, fence: first!.fence });
      const [second] = await db.store.taskClaim({ jobId: job.id, owner: 'A', leaseUntil: 9000, now: 5000, limit: 10 });
      expect(second!.payload).toBe('late');
    });

    it('orders claimable jobs by priority, then the least recently served', async () => {
      const low = await seedJob(db.store, { priority: 0 });
      const a = await seedJob(db.store, { priority: 5 });
      const b = await seedJob(db.store, { priority: 5 });
      for (const job of [low, a, b]) await db.store.taskInsertMany([{ jobId: job.id, phase: 1, kind: 'items', payload: '{}', itemCount: 1, runAfter: 0 }]);
      expect((await db.store.jobListClaimable({ now: 10, limit: 10 })).map((j) => j.id)).toEqual([a.id, b.id, low.id]);
      await db.store.jobTouchClaim({ id: a.id, domainId: a.domainId, now: 20 });
      expect((await db.store.jobListClaimable({ now: 30, limit: 10 })).map((j) => j.id)).toEqual([b.id, a.id, low.id]);
    });

    it.runIf(factory.name === 'postgres')('concurrent claimers take disjoint tasks (SKIP LOCKED)', async () => {
      const job = await seedJob(db.store);
      await db.store.taskInsertMany(Array.from({ length: 40 }, () => ({ jobId: job.id, phase: 1, kind: 'items' as const, payload: '{}', itemCount: 1, runAfter: 0 })));
      const claims = await Promise.all(
        ['A', 'B', 'C', 'D'].map((owner) => db.store.transaction((tx) => tx.taskClaim({ jobId: job.id, owner, leaseUntil: 9000, now: 1000, limit: 10 }))),
      );
      const ids = claims.flat().map((t) => t.id);
      expect(new Set(ids).size).toBe(ids.length);
      const rest = await db.store.taskClaim({ jobId: job.id, owner: 'E', leaseUntil: 9000, now: 1000, limit: 100 });
      expect(ids.length + rest.length).toBe(40);
    });
  });
}
