/** Per-item failures of a job: recorded in batches, paged by id, on every driver. */
import { describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { useSharedStore } from './shared-store.js';
import { seedJob } from './seed.js';

const factories = await driverFactories();

const failure = (n: number, p: { itemId?: number | null; phase?: number } = {}) => ({
  phase: p.phase ?? 2,
  context: JSON.stringify({ root: n }),
  entry: JSON.stringify({ id: n }),
  itemId: p.itemId === undefined ? n : p.itemId,
  path: `/f${n}`,
  code: 'CONFLICT',
  message: `'/f${n}' exists`,
  attempts: 3,
});

for (const factory of factories) {
  describe(`job failure store on ${factory.name}`, () => {
    const db = useSharedStore(factory);

    it('failureInsertMany records the failures with their time; failureList reads them back in order', async () => {
      const { store } = db;
      const job = await seedJob(store);
      await store.failureInsertMany({ jobId: job.id, now: 1234, failures: [failure(1), failure(2, { itemId: null, phase: 1 })] });
      await store.failureInsertMany({ jobId: job.id, now: 1300, failures: [] });
      const list = await store.failureList({ jobId: job.id, limit: 10 });
      expect(list).toEqual([
        { id: list[0]!.id, jobId: job.id, failedAt: 1234, ...failure(1) },
        { id: list[1]!.id, jobId: job.id, failedAt: 1234, ...failure(2, { itemId: null, phase: 1 }) },
      ]);
      expect(list[0]!.id).toBeLessThan(list[1]!.id);
    });

    it('failureList pages by id after a cursor, one job only', async () => {
      const { store } = db;
      const job = await seedJob(store);
      const other = await seedJob(store);
      await store.failureInsertMany({ jobId: job.id, now: 1, failures: [failure(1), failure(2), failure(3)] });
      await store.failureInsertMany({ jobId: other.id, now: 1, failures: [failure(9)] });
      await store.failureInsertMany({ jobId: job.id, now: 2, failures: [failure(4)] });
      const first = await store.failureList({ jobId: job.id, limit: 2 });
      expect(first.map((f) => f.path)).toEqual(['/f1', '/f2']);
      const second = await store.failureList({ jobId: job.id, afterId: first[1]!.id, limit: 2 });
      expect(second.map((f) => [f.path, f.failedAt])).toEqual([['/f3', 1], ['/f4', 2]]);
      expect(await store.failureList({ jobId: job.id, afterId: second[1]!.id, limit: 2 })).toEqual([]);
      expect((await store.failureList({ jobId: other.id, limit: 10 })).map((f) => f.path)).toEqual(['/f9']);
    });

    it('failureList shows no time for a failure recorded before times were kept (failed_at 0)', async () => {
      const { store, t } = db;
      const job = await seedJob(store);
      await t.driver.db
        .insertInto('job_failures')
        .values({ job_id: job.id, phase: 1, context: '{}', entry: '{}', item_id: null, path: '/old', code: 'INTERNAL', message: 'old', attempts: 1, failed_at: 0 })
        .execute();
      expect(await store.failureList({ jobId: job.id, limit: 10 })).toMatchObject([{ path: '/old', failedAt: null, itemId: null }]);
    });
  });
}
