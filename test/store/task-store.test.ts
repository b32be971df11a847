/** Job tasks beyond claim and complete: fenced payload saves, hand-back on stop, dropping queued work, on every driver. */
import { describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { useSharedStore } from './shared-store.js';
import { seedJob } from './seed.js';
import type { Store } from '../../src/store/store.js';

const factories = await driverFactories();

async function jobWithTasks(store: Store, count: number, phase = 1) {
  const job = await seedJob(store);
  await store.taskInsertMany(Array.from({ length: count }, (_, i) => ({ jobId: job.id, phase, kind: 'items' as const, payload: `p${i}`, itemCount: i + 1, runAfter: 0 })));
  return job;
}

for (const factory of factories) {
  describe(`task store on ${factory.name}`, () => {
    const db = useSharedStore(factory);

    it('taskClaim hands out up to the limit in id order with the inserted payload and counts, under a fresh fence', async () => {
      const { store } = db;
      const job = await jobWithTasks(store, 3);
      const claimed = await store.taskClaim({ jobId: job.id, owner: 'A', leaseUntil: 100, now: 0, limit: 2 });
      expect(claimed.map((c) => ({ payload: c.payload, itemCount: c.itemCount, fence: c.fence, attempts: c.attempts, phase: c.phase, kind: c.kind, jobId: c.jobId }))).toEqual([
        { payload: 'p0', itemCount: 1, fence: 1, attempts: 0, phase: 1, kind: 'items', jobId: job.id },
        { payload: 'p1', itemCount: 2, fence: 1, attempts: 0, phase: 1, kind: 'items', jobId: job.id },
      ]);
      expect(claimed[0]!.id).toBeLessThan(claimed[1]!.id);
      expect((await store.taskClaim({ jobId: job.id, owner: 'B', leaseUntil: 100, now: 0, limit: 5 })).map((c) => c.payload)).toEqual(['p2']);
    });

    it('taskSavePayload saves a cursor only under the current fence of a running task; the next claim sees it', async () => {
      const { store } = db;
      const job = await seedJob(store);
      await store.taskInsertMany([{ jobId: job.id, phase: 0, kind: 'plan', payload: '{"after":null}', itemCount: 0, runAfter: 0 }]);
      const [task] = await store.taskClaim({ jobId: job.id, owner: 'A', leaseUntil: 100, now: 0, limit: 1 });
      expect(await store.taskSavePayload({ id: task!.id, fence: task!.fence, payload: '{"after":"/m"}' })).toBe(true);
      expect(await store.taskSavePayload({ id: task!.id, fence: task!.fence + 1, payload: '{"after":"/z"}' })).toBe(false);
      // The lease ran out and another worker holds it now: the old holder's save is refused.
      expect(await store.taskRescueExpired({ now: 200 })).toBe(1);
      expect(await store.taskSavePayload({ id: task!.id, fence: task!.fence, payload: '{"after":"/q"}' })).toBe(false);
      const [again] = await store.taskClaim({ jobId: job.id, owner: 'B', leaseUntil: 400, now: 200, limit: 1 });
      expect(again).toMatchObject({ id: task!.id, kind: 'plan', payload: '{"after":"/m"}', fence: task!.fence + 1 });
      expect(await store.taskSavePayload({ id: task!.id, fence: task!.fence, payload: '{"after":"/q"}' })).toBe(false);
      expect(await store.taskSavePayload({ id: again!.id, fence: again!.fence, payload: '{"after":"/r"}' })).toBe(true);
    });

    it('taskReschedule returns a task to the queue after its backoff with the attempts recorded', async () => {
      const { store } = db;
      const job = await jobWithTasks(store, 1);
      const [task] = await store.taskClaim({ jobId: job.id, owner: 'A', leaseUntil: 100, now: 0, limit: 1 });
      expect(await store.taskReschedule({ id: task!.id, fence: task!.fence, runAfter: 50, attempts: 1 })).toBe(true);
      expect(await store.taskReschedule({ id: task!.id, fence: task!.fence, runAfter: 50, attempts: 1 })).toBe(false);
      expect(await store.taskHeartbeat({ owner: 'A', leaseUntil: 500 })).toBe(0);
      expect(await store.taskClaim({ jobId: job.id, owner: 'A', leaseUntil: 100, now: 49, limit: 1 })).toEqual([]);
      const [retry] = await store.taskClaim({ jobId: job.id, owner: 'A', leaseUntil: 100, now: 50, limit: 1 });
      expect(retry).toMatchObject({ id: task!.id, attempts: 1, fence: task!.fence + 1 });
    });

    it("taskRelease hands back only the owner's running tasks among the ids; others claim them under a new fence", async () => {
      const { store } = db;
      const job = await jobWithTasks(store, 4);
      const mine = await store.taskClaim({ jobId: job.id, owner: 'A', leaseUntil: 100, now: 0, limit: 3 });
      const [theirs] = await store.taskClaim({ jobId: job.id, owner: 'B', leaseUntil: 100, now: 0, limit: 1 });
      await store.taskRelease({ owner: 'A', ids: [mine[0]!.id, mine[1]!.id, theirs!.id] });
      await store.taskRelease({ owner: 'A', ids: [] });
      expect(await store.taskHeartbeat({ owner: 'A', leaseUntil: 200 })).toBe(1);
      expect(await store.taskHeartbeat({ owner: 'B', leaseUntil: 200 })).toBe(1);
      // Released tasks are ready at once (no lease to wait out), and the old fence no longer commits.
      const reclaimed = await store.taskClaim({ jobId: job.id, owner: 'C', leaseUntil: 300, now: 0, limit: 10 });
      expect(reclaimed.map((c) => [c.id, c.fence])).toEqual([[mine[0]!.id, 2], [mine[1]!.id, 2]]);
      expect(await store.taskComplete({ id: mine[0]!.id, fence: mine[0]!.fence })).toBe(false);
      expect(await store.taskComplete({ id: mine[2]!.id, fence: mine[2]!.fence })).toBe(true);
      expect(await store.taskComplete({ id: theirs!.id, fence: theirs!.fence })).toBe(true);
    });

    it("taskDeleteReady drops a job's queued tasks, leaves its running ones and other jobs' tasks, and counts what it dropped", async () => {
      const { store } = db;
      const job = await jobWithTasks(store, 4);
      const other = await jobWithTasks(store, 2);
      const [running] = await store.taskClaim({ jobId: job.id, owner: 'A', leaseUntil: 100, now: 0, limit: 1 });
      expect(await store.taskDeleteReady({ jobId: job.id })).toBe(3);
      expect(await store.taskDeleteReady({ jobId: job.id })).toBe(0);
      expect(await store.taskExistsForJob({ jobId: job.id })).toBe(true);
      expect(await store.taskComplete({ id: running!.id, fence: running!.fence })).toBe(true);
      expect(await store.taskExistsForJob({ jobId: job.id })).toBe(false);
      expect(await store.taskClaim({ jobId: other.id, owner: 'A', leaseUntil: 100, now: 0, limit: 10 })).toHaveLength(2);
    });

    it('taskRescueExpired returns only tasks whose lease ended before now', async () => {
      const { store } = db;
      const job = await jobWithTasks(store, 3);
      const [short] = await store.taskClaim({ jobId: job.id, owner: 'A', leaseUntil: 100, now: 0, limit: 1 });
      const [long] = await store.taskClaim({ jobId: job.id, owner: 'B', leaseUntil: 300, now: 0, limit: 1 });
      expect(await store.taskRescueExpired({ now: 100 })).toBe(0);
      expect(await store.taskRescueExpired({ now: 101 })).toBe(1);
      const claimed = await store.taskClaim({ jobId: job.id, owner: 'C', leaseUntil: 500, now: 101, limit: 10 });
      expect(claimed.map((c) => c.id).sort((a, b) => a - b)).toContain(short!.id);
      expect(claimed.map((c) => c.id)).not.toContain(long!.id);
    });
  });
}
