/**
 * The engine's own tables on every driver: the worker registry (heartbeat,
 * stop, list with the tasks each holds, prune), per-minute stats (each
 * engine adding to its own rows; sums per minute and type, totals, a domain's
 * alone, prune), the queue per job, and lease rescues counted per job.
 */
import { describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { useSharedStore } from './shared-store.js';
import { seedDomain, seedJob } from './seed.js';
import type { Store } from '../../src/store/store.js';

const factories = await driverFactories();

const MIN = 60_000;

function worker(id: string, at: number, kind: 'serve' | 'worker' = 'serve') {
  return { id, host: 'h1', pid: 42, kind, version: '1.2.3', leaseMs: 30_000, startedAt: at, lastHeartbeatAt: at };
}

async function tasks(store: Store, jobId: number, count: number, itemCount = 10) {
  await store.taskInsertMany(Array.from({ length: count }, () => ({ jobId, phase: 1, kind: 'items' as const, payload: '{}', itemCount, runAfter: 0 })));
}

for (const factory of factories) {
  describe(`engine store on ${factory.name}`, () => {
    const db = useSharedStore(factory);

    it('engineWorkerHeartbeat registers then beats; engineWorkerStop marks it stopped; a beat after a prune registers it again', async () => {
      const { store } = db;
      await store.engineWorkerHeartbeat(worker('w1', 1000));
      await store.engineWorkerHeartbeat(worker('w2', 1500, 'worker'));
      await store.engineWorkerHeartbeat({ ...worker('w1', 1000), lastHeartbeatAt: 5000 });
      let list = await store.engineWorkerList();
      expect(list.map((w) => w.id)).toEqual(['w2', 'w1']);
      expect(list[1]).toEqual({ id: 'w1', host: 'h1', pid: 42, kind: 'serve', version: '1.2.3', leaseMs: 30_000, startedAt: 1000, lastHeartbeatAt: 5000, stoppedAt: null, tasksHeld: 0 });
      expect(list[0]).toMatchObject({ kind: 'worker', startedAt: 1500, lastHeartbeatAt: 1500 });

      await store.engineWorkerStop({ id: 'w1', now: 6000 });
      list = await store.engineWorkerList();
      expect(list.find((w) => w.id === 'w1')).toMatchObject({ stoppedAt: 6000, lastHeartbeatAt: 6000 });

      expect(await store.engineWorkerPrune({ before: 5000 })).toBe(1);
      expect((await store.engineWorkerList()).map((w) => w.id)).toEqual(['w1']);
      expect(await store.engineWorkerPrune({ before: 6001 })).toBe(1);
      expect(await store.engineWorkerList()).toEqual([]);
      await store.engineWorkerHeartbeat({ ...worker('w1', 1000), lastHeartbeatAt: 7000 });
      expect(await store.engineWorkerList()).toMatchObject([{ id: 'w1', startedAt: 1000, lastHeartbeatAt: 7000, stoppedAt: null }]);
    });

    it('engineWorkerList counts the running tasks each engine leases', async () => {
      const { store } = db;
      await store.engineWorkerHeartbeat(worker('A', 1));
      await store.engineWorkerHeartbeat(worker('B', 2));
      const job = await seedJob(store);
      await tasks(store, job.id, 5);
      await store.taskClaim({ jobId: job.id, owner: 'A', leaseUntil: 10_000, now: 0, limit: 3 });
      await store.taskClaim({ jobId: job.id, owner: 'C', leaseUntil: 10_000, now: 0, limit: 1 });
      const held = Object.fromEntries((await store.engineWorkerList()).map((w) => [w.id, w.tasksHeld]));
      expect(held).toEqual({ A: 3, B: 0 });
    });

    it('engineStatsAdd adds to each engine’s own rows; buckets sum engines per minute and type; totals; one domain’s alone; prune by minute', async () => {
      const { store } = db;
      const one = (await seedDomain(store, 'one.example')).domain.id;
      const two = (await seedDomain(store, 'two.example')).domain.id;
      const row = (minute: number, domainId: number, type: string, workerId: string, items: number, bytes = 0, retries = 0, rescues = 0) => ({ minute, domainId, type, workerId, items, bytes, retries, rescues });
      await store.engineStatsAdd({ deltas: [row(MIN, one, 'copy', 'A', 10, 100), row(MIN, one, 'copy', 'B', 5, 50, 1), row(MIN, two, 'copy', 'A', 1, 1, 0, 2), row(2 * MIN, one, 'trash', 'A', 7)] });
      await store.engineStatsAdd({ deltas: [row(MIN, one, 'copy', 'A', 3, 30, 2, 1)] });
      expect(await store.engineStatsListBuckets({ since: 0 })).toEqual([
        { minute: MIN, type: 'copy', items: 19, bytes: 181 },
        { minute: 2 * MIN, type: 'trash', items: 7, bytes: 0 },
      ]);
      expect(await store.engineStatsListBuckets({ since: 0, domainId: one })).toEqual([
        { minute: MIN, type: 'copy', items: 18, bytes: 180 },
        { minute: 2 * MIN, type: 'trash', items: 7, bytes: 0 },
      ]);
      expect(await store.engineStatsListBuckets({ since: 2 * MIN, domainId: two })).toEqual([]);
      expect(await store.engineStatsTotals({ since: 0 })).toEqual({ retries: 3, rescues: 3 });
      expect(await store.engineStatsTotals({ since: 0, domainId: one })).toEqual({ retries: 3, rescues: 1 });
      expect(await store.engineStatsTotals({ since: 3 * MIN })).toEqual({ retries: 0, rescues: 0 });
      expect(await store.engineStatsPrune({ before: 2 * MIN })).toBe(3);
      expect(await store.engineStatsListBuckets({ since: 0 })).toEqual([{ minute: 2 * MIN, type: 'trash', items: 7, bytes: 0 }]);
    });

    it('taskListQueueDepth lists jobs with tasks, deepest first, with ready, running and ready items, for every domain or one', async () => {
      const { store } = db;
      const one = (await seedDomain(store, 'one.example')).domain.id;
      const two = (await seedDomain(store, 'two.example')).domain.id;
      const small = await seedJob(store, { domainId: one, type: 'trash', libraryId: 'l1' });
      const deep = await seedJob(store, { domainId: one, type: 'copy', libraryId: 'l2' });
      const other = await seedJob(store, { domainId: two, type: 'noop', libraryId: 'l3' });
      await seedJob(store, { domainId: one }); // no tasks: not listed
      await tasks(store, small.id, 2, 5);
      await tasks(store, deep.id, 4, 10);
      await tasks(store, other.id, 3, 1);
      await store.taskClaim({ jobId: deep.id, owner: 'A', leaseUntil: 100, now: 0, limit: 1 });
      expect(await store.taskListQueueDepth({ limit: 10 })).toEqual([
        { jobId: deep.id, domainId: one, type: 'copy', libraryId: 'l2', status: 'queued', ready: 3, running: 1, readyItems: 30 },
        { jobId: other.id, domainId: two, type: 'noop', libraryId: 'l3', status: 'queued', ready: 3, running: 0, readyItems: 3 },
        { jobId: small.id, domainId: one, type: 'trash', libraryId: 'l1', status: 'queued', ready: 2, running: 0, readyItems: 10 },
      ]);
      expect((await store.taskListQueueDepth({ domainId: one, limit: 1 })).map((q) => q.jobId)).toEqual([deep.id]);
      expect((await store.taskListQueueDepth({ domainId: two, limit: 10 })).map((q) => q.jobId)).toEqual([other.id]);
    });

    it('eventListForJob keeps the kinds asked for (the timeline leaves progress out), in id order', async () => {
      const { store } = db;
      const job = await seedJob(store);
      const ids: Record<string, number> = {};
      for (const kind of ['status', 'progress', 'task-retry', 'progress', 'task-failed', 'status'] as const) {
        ids[`${kind}${Object.keys(ids).length}`] = await store.eventInsert({ jobId: job.id, domainId: job.domainId, kind, data: { kind }, createdAt: 1 });
      }
      const kinds = (events: Array<{ kind: string }>) => events.map((e) => e.kind);
      expect(kinds(await store.eventListForJob({ jobId: job.id, afterId: 0, limit: 10 }))).toEqual(['status', 'progress', 'task-retry', 'progress', 'task-failed', 'status']);
      const timeline = await store.eventListForJob({ jobId: job.id, afterId: 0, kinds: ['status', 'task-retry', 'task-failed'], limit: 10 });
      expect(kinds(timeline)).toEqual(['status', 'task-retry', 'task-failed', 'status']);
      expect(timeline[2]!.data).toEqual({ kind: 'task-failed' });
      expect(kinds(await store.eventListForJob({ jobId: job.id, afterId: timeline[1]!.id, kinds: ['task-failed'], limit: 10 }))).toEqual(['task-failed']);
      expect(await store.eventListForJob({ jobId: job.id, afterId: 0, kinds: [], limit: 10 })).toEqual([]);
    });

    it('taskRescueExpiredJobs returns expired leases to the queue and counts them per job', async () => {
      const { store } = db;
      const a = await seedJob(store);
      const b = await seedJob(store);
      await tasks(store, a.id, 3);
      await tasks(store, b.id, 2);
      await store.taskClaim({ jobId: a.id, owner: 'dead', leaseUntil: 100, now: 0, limit: 2 });
      await store.taskClaim({ jobId: b.id, owner: 'dead', leaseUntil: 100, now: 0, limit: 1 });
      await store.taskClaim({ jobId: b.id, owner: 'alive', leaseUntil: 900, now: 0, limit: 1 });
      expect(await store.taskRescueExpiredJobs({ now: 100 })).toEqual([]);
      const rescued = await store.taskRescueExpiredJobs({ now: 101 });
      expect(rescued.sort((x, y) => x.jobId - y.jobId)).toEqual([
        { jobId: a.id, tasks: 2 },
        { jobId: b.id, tasks: 1 },
      ]);
      expect(await store.taskRescueExpiredJobs({ now: 101 })).toEqual([]);
      expect(await store.taskClaim({ jobId: a.id, owner: 'new', leaseUntil: 900, now: 101, limit: 10 })).toHaveLength(3);
    });
  });
}
