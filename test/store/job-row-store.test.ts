/** Job rows: insert and read, guarded status changes, counters, results, row locks and the finish sweep, on every driver. */
import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { driverFactories } from '../support/drivers.js';
import { useSharedStore } from './shared-store.js';
import { seedDomain, seedJob } from './seed.js';
import type { Job } from '../../src/domain/jobs.js';

const factories = await driverFactories();

for (const factory of factories) {
  describe(`job row store on ${factory.name}`, () => {
    const db = useSharedStore(factory);

    it('jobInsert starts a job queued with zero counts; jobGetById reads it back', async () => {
      const { store } = db;
      const { domain, user } = await seedDomain(store);
      const job = await store.jobInsert({
        domainId: domain.id, libraryId: 'src', targetLibraryId: 'dst', type: 'copy', requestorId: user.id, origin: 'self_service',
        params: { paths: ['/a', '/ü'], destination: '/b', nested: { n: 1 } }, priority: 3, retryOf: 77, now: 500,
      });
      expect(job).toEqual<Job>({
        id: job.id, domainId: domain.id, type: 'copy', status: 'queued', libraryId: 'src', targetLibraryId: 'dst', requestorId: user.id,
        origin: 'self_service', params: { paths: ['/a', '/ü'], destination: '/b', nested: { n: 1 } }, priority: 3,
        counts: { total: 0, succeeded: 0, failed: 0, skipped: 0, remaining: 0, retries: 0 }, bytes: { total: 0, done: 0 }, planned: false,
        retryOf: 77, error: null, result: null, createdAt: 500, startedAt: null, lastActivityAt: 500, finishedAt: null,
      });
      expect(await store.jobGetById(job.id)).toEqual(job);
      expect(await store.jobGetById(job.id + 1000)).toBeUndefined();
      const second = await seedJob(store);
      expect(second.id).toBeGreaterThan(job.id);
    });

    it('jobInsertMany inserts jobs queued in one go, returned in the order given with increasing ids', async () => {
      const { store } = db;
      const { domain, user } = await seedDomain(store);
      const base = { domainId: domain.id, targetLibraryId: null, requestorId: user.id, origin: 'admin' as const, priority: 0, retryOf: null, now: 700 };
      // 1,201 rows: more than one INSERT's worth (500 a statement).
      const given = Array.from({ length: 1201 }, (_, k) => ({ ...base, libraryId: `lib${k % 3}`, type: k % 2 ? 'noop' : 'trash', params: { k, name: `é${k}` }, priority: k % 5 }));
      const jobs = await store.transaction((tx) => tx.jobInsertMany(given));
      expect(jobs).toHaveLength(1201);
      for (const [k, job] of jobs.entries()) {
        expect(job).toMatchObject({ status: 'queued', libraryId: `lib${k % 3}`, type: k % 2 ? 'noop' : 'trash', params: { k, name: `é${k}` }, priority: k % 5, createdAt: 700, planned: false });
        if (k > 0) expect(job.id).toBeGreaterThan(jobs[k - 1]!.id);
      }
      expect(await store.jobGetById(jobs[1200]!.id)).toEqual(jobs[1200]);
      expect(await store.jobInsertMany([])).toEqual([]);
    });

    it('jobSetStatus changes only from the allowed statuses, stamps start once, finish and activity, and sets or clears the error', async () => {
      const { store } = db;
      const job = await seedJob(store, { now: 100 });
      expect(await store.jobSetStatus({ id: job.id, status: 'running', from: ['planning'], now: 110, started: true })).toBe(false);
      expect(await store.jobGetById(job.id)).toEqual(job);
      expect(await store.jobSetStatus({ id: job.id, status: 'planning', from: ['queued'], now: 120, started: true })).toBe(true);
      expect(await store.jobSetStatus({ id: job.id, status: 'running', from: ['planning'], now: 130, started: true })).toBe(true);
      expect(await store.jobGetById(job.id)).toMatchObject({ status: 'running', startedAt: 120, lastActivityAt: 130, finishedAt: null });
      const error = { code: 'INTERNAL', message: 'disk on fire' };
      expect(await store.jobSetStatus({ id: job.id, status: 'failed', now: 140, finished: true, error })).toBe(true);
      expect(await store.jobGetById(job.id)).toMatchObject({ status: 'failed', startedAt: 120, finishedAt: 140, lastActivityAt: 140, error });
      // No `from`: any status changes; error null clears, error omitted keeps.
      expect(await store.jobSetStatus({ id: job.id, status: 'queued', now: 150, error: null })).toBe(true);
      expect(await store.jobGetById(job.id)).toMatchObject({ status: 'queued', error: null, finishedAt: 140 });
      expect(await store.jobSetStatus({ id: job.id + 1000, status: 'queued', now: 150 })).toBe(false);
    });

    it('jobAddCounts adds to the counters, marks planning done, stamps activity and returns the job as it stands', async () => {
      const { store } = db;
      const job = await seedJob(store, { now: 100 });
      const other = await seedJob(store, { now: 100 });
      const planned = await store.jobAddCounts({ id: job.id, delta: { total: 10, bytesTotal: 1000 }, now: 110, planned: true });
      expect(planned).toMatchObject({ planned: true, lastActivityAt: 110, counts: { total: 10, succeeded: 0, failed: 0, skipped: 0, remaining: 10, retries: 0 }, bytes: { total: 1000, done: 0 } });
      const progressed = await store.jobAddCounts({ id: job.id, delta: { succeeded: 4, failed: 1, skipped: 2, retries: 3, bytesDone: 400 }, now: 120 });
      expect(progressed).toMatchObject({ planned: true, lastActivityAt: 120, counts: { total: 10, succeeded: 4, failed: 1, skipped: 2, remaining: 3, retries: 3 }, bytes: { total: 1000, done: 400 } });
      expect(await store.jobGetById(job.id)).toEqual(progressed);
      expect(await store.jobGetById(other.id)).toEqual(other);
      await expect(store.jobAddCounts({ id: job.id + 1000, delta: { total: 1 }, now: 130 })).rejects.toThrow();
    });

    it('jobSetResult stores the result document', async () => {
      const { store } = db;
      const job = await seedJob(store);
      await store.jobSetResult({ id: job.id, result: { copied: 3, names: ['a', 'é'], nested: { ok: true } } });
      expect((await store.jobGetById(job.id))?.result).toEqual({ copied: 3, names: ['a', 'é'], nested: { ok: true } });
      await store.jobSetResult({ id: job.id, result: {} });
      expect((await store.jobGetById(job.id))?.result).toEqual({});
    });

    it('jobGetForUpdate reads the job inside a transaction (undefined when missing)', async () => {
      const { store } = db;
      const job = await seedJob(store);
      expect(await store.transaction((tx) => tx.jobGetForUpdate(job.id))).toEqual(job);
      expect(await store.transaction((tx) => tx.jobGetForUpdate(job.id + 1000))).toBeUndefined();
    });

    it.runIf(factory.name === 'postgres')('jobGetForUpdate holds the row until commit where writers run concurrently', async () => {
      const { store, t } = db;
      const job = await seedJob(store);
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let locked!: () => void;
      const isLocked = new Promise<void>((resolve) => (locked = resolve));
      const holder = store.transaction(async (tx) => {
        await tx.jobGetForUpdate(job.id);
        locked();
        await held;
        await tx.jobSetStatus({ id: job.id, status: 'planning', now: 2000 });
      });
      await isLocked;
      let error: unknown;
      try {
        await t.driver.db.transaction().execute((trx) => sql`SELECT id FROM jobs WHERE id = ${job.id} FOR UPDATE NOWAIT`.execute(trx));
      } catch (e) {
        error = e;
      }
      expect((error as { code?: string }).code).toBe('55P03');
      expect(store.isTransient(error)).toBe(true);
      release();
      await holder;
      expect((await store.transaction((tx) => tx.jobGetForUpdate(job.id)))?.status).toBe('planning');
    });

    it('jobListFinishable lists active jobs with no task left that are planned or cancelling', async () => {
      const { store } = db;
      const plannedDone = await seedJob(store);
      await store.jobAddCounts({ id: plannedDone.id, delta: {}, now: 2, planned: true });
      const plannedWithTasks = await seedJob(store);
      await store.jobAddCounts({ id: plannedWithTasks.id, delta: {}, now: 2, planned: true });
      await store.taskInsertMany([{ jobId: plannedWithTasks.id, phase: 1, kind: 'items', payload: '{}', itemCount: 1, runAfter: 0 }]);
      await seedJob(store); // not planned yet
      const cancelling = await seedJob(store);
      await store.jobSetStatus({ id: cancelling.id, status: 'cancelling', now: 3 });
      const ended = await seedJob(store);
      await store.jobAddCounts({ id: ended.id, delta: {}, now: 2, planned: true });
      await store.jobSetStatus({ id: ended.id, status: 'completed', now: 3, finished: true });
      const running = await seedJob(store);
      await store.jobAddCounts({ id: running.id, delta: {}, now: 2, planned: true });
      await store.jobSetStatus({ id: running.id, status: 'running', now: 3, started: true });
      const ids = await store.jobListFinishable({ limit: 10 });
      expect([...ids].sort((a, b) => a - b)).toEqual([plannedDone.id, cancelling.id, running.id].sort((a, b) => a - b));
      expect(await store.jobListFinishable({ limit: 2 })).toHaveLength(2);
      // Its last task gone, the planned job becomes finishable.
      const [task] = await store.taskClaim({ jobId: plannedWithTasks.id, owner: 'w', leaseUntil: 10, now: 0, limit: 1 });
      expect(await store.taskComplete({ id: task!.id, fence: task!.fence })).toBe(true);
      expect(await store.jobListFinishable({ limit: 10 })).toContain(plannedWithTasks.id);
    });
  });
}
