/**
 * The small-job path's store methods on every driver: many queued jobs read,
 * their turns taken and their planners claimed together (under a fence), their
 * tasks completed and rows ended set-based, their targets dropped, and many
 * hints sent at one commit.
 */
import { describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { useSharedStore } from './shared-store.js';
import { seedDomain, seedJob } from './seed.js';
import type { Hint } from '../../src/store/hints.js';

const factories = await driverFactories();

for (const factory of factories) {
  describe(`job claims of many jobs on ${factory.name}`, () => {
    const db = useSharedStore(factory);

    async function queuedWithPlanner(domainId: number, now = 1000) {
      const job = await seedJob(db.store, { domainId, now });
      await db.store.taskInsertMany([{ jobId: job.id, phase: 0, kind: 'plan', payload: '{}', itemCount: 0, runAfter: 0 }]);
      return job;
    }

    it('reads many jobs in id order, takes the turns of the queued ones and claims their planners under a fence', async () => {
      const { store } = db;
      const { domain } = await seedDomain(store, 'claims-a.example');
      const other = (await seedDomain(store, 'claims-b.example')).domain;
      const a = await queuedWithPlanner(domain.id);
      const b = await queuedWithPlanner(other.id);
      const ended = await queuedWithPlanner(domain.id);
      await store.jobSetStatus({ id: ended.id, status: 'cancelled', now: 1001, finished: true });

      expect((await store.jobGetMany({ ids: [b.id, a.id, 999_999] })).map((j) => j.id)).toEqual([a.id, b.id]);
      expect(await store.jobGetMany({ ids: [] })).toEqual([]);

      // Only queued jobs are taken; each comes back with its domain.
      const taken = await store.transaction((tx) => tx.jobTouchClaimMany({ ids: [a.id, b.id, ended.id], now: 2000 }));
      expect(taken).toEqual([
        { id: a.id, domainId: domain.id },
        { id: b.id, domainId: other.id },
      ]);
      const locked = await store.transaction((tx) => tx.jobLockMany([b.id, a.id]));
      expect(locked.map((j) => j.id)).toEqual([a.id, b.id]);

      const planners = await store.transaction((tx) => tx.taskClaimPlans({ jobIds: [a.id, b.id], owner: 'W', leaseUntil: 5000, now: 2000 }));
      expect(planners.map((t) => [t.jobId, t.kind, t.fence])).toEqual([
        [a.id, 'plan', 1],
        [b.id, 'plan', 1],
      ]);
      // Claimed once: a second claim finds nothing ready.
      expect(await store.taskClaimPlans({ jobIds: [a.id, b.id], owner: 'X', leaseUntil: 5000, now: 2000 })).toEqual([]);

      // The fenced commit point: a stale fence completes nothing; the right one completes and deletes.
      const [pa, pb] = planners;
      expect(await store.taskCompleteMany({ tasks: [{ id: pa!.id, fence: pa!.fence + 1 }] })).toEqual([]);
      expect((await store.taskCompleteMany({ tasks: [pa!, pb!].map((t) => ({ id: t.id, fence: t.fence })) })).sort((x, y) => x - y)).toEqual([pa!.id, pb!.id]);
      expect(await store.taskExistsForJob({ jobId: a.id })).toBe(false);
    });

    it('ends many jobs with the same counts and status, and drops their targets only', async () => {
      const { store } = db;
      const { domain } = await seedDomain(store, 'claims-c.example');
      const [x, y, z] = [await queuedWithPlanner(domain.id), await queuedWithPlanner(domain.id), await queuedWithPlanner(domain.id)];
      const done = await store.jobEndMany({ ids: [x.id, y.id], delta: { total: 1, succeeded: 1, failed: 0, skipped: 0, bytesTotal: 10, bytesDone: 10 }, status: 'completed', now: 3000 });
      expect(done.map((j) => [j.id, j.status, j.counts.total, j.counts.succeeded, j.finishedAt]).sort()).toEqual(
        [
          [x.id, 'completed', 1, 1, 3000],
          [y.id, 'completed', 1, 1, 3000],
        ].sort(),
      );
      expect((await store.jobGetById(z.id))!.status).toBe('queued');
      expect(await store.jobEndMany({ ids: [], delta: { total: 0, succeeded: 0, failed: 0, skipped: 0, bytesTotal: 0, bytesDone: 0 }, status: 'completed', now: 1 })).toEqual([]);

      for (const job of [x, y, z]) await store.targetSet({ jobId: job.id, sourceId: 1, targetId: 2, targetPath: '/t' });
      await store.targetDeleteForJobs({ jobIds: [x.id, y.id] });
      expect(await store.targetGet({ jobId: x.id, sourceId: 1 })).toBeUndefined();
      expect(await store.targetGet({ jobId: y.id, sourceId: 1 })).toBeUndefined();
      expect(await store.targetGet({ jobId: z.id, sourceId: 1 })).toEqual({ targetId: 2, targetPath: '/t' });
    });

    it('sends many hints at one commit, in order, and none for a rolled-back transaction', async () => {
      const { store } = db;
      const heard: Hint[] = [];
      const stop = await store.subscribe('work', (h) => heard.push(h));
      try {
        await expect(
          store.transaction(async (tx) => {
            await tx.notifyMany([{ topic: 'work', jobId: 666 }]);
            throw new Error('rolled back');
          }),
        ).rejects.toThrow('rolled back');
        const hints: Hint[] = [1, 2, 3].map((jobId) => ({ topic: 'work', jobId }));
        await store.transaction((tx) => tx.notifyMany(hints));
        for (let i = 0; i < 3000 && heard.length < 3; i++) await new Promise((resolve) => setTimeout(resolve, 5));
        expect(heard).toEqual(hints);
      } finally {
        await stop();
      }
    });
  });
}
