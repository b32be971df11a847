/** Where a copy or move placed each root (job_targets), on every driver. */
import { describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { useSharedStore } from './shared-store.js';
import { seedJob } from './seed.js';

const factories = await driverFactories();

for (const factory of factories) {
  describe(`job target store on ${factory.name}`, () => {
    const db = useSharedStore(factory);

    it('targetSet records where a root went, and a second placement of the same root replaces the first', async () => {
      const { store } = db;
      const job = await seedJob(store);
      expect(await store.targetGet({ jobId: job.id, sourceId: 7 })).toBeUndefined();
      await store.targetSet({ jobId: job.id, sourceId: 7, targetId: 70, targetPath: '/dest/a' });
      await store.targetSet({ jobId: job.id, sourceId: 8, targetId: 80, targetPath: '/dest/b' });
      expect(await store.targetGet({ jobId: job.id, sourceId: 7 })).toEqual({ targetId: 70, targetPath: '/dest/a' });
      // A retried root task placed it again (renamed): the latest placement wins.
      await store.targetSet({ jobId: job.id, sourceId: 7, targetId: 71, targetPath: '/dest/a (1)' });
      expect(await store.targetGet({ jobId: job.id, sourceId: 7 })).toEqual({ targetId: 71, targetPath: '/dest/a (1)' });
      expect(await store.targetGet({ jobId: job.id, sourceId: 8 })).toEqual({ targetId: 80, targetPath: '/dest/b' });
    });

    it('targetGet and targetDeleteForJob keep each job to its own placements', async () => {
      const { store } = db;
      const job = await seedJob(store);
      const other = await seedJob(store);
      await store.targetSet({ jobId: job.id, sourceId: 7, targetId: 70, targetPath: '/x' });
      await store.targetSet({ jobId: other.id, sourceId: 7, targetId: 90, targetPath: '/y' });
      expect(await store.targetGet({ jobId: other.id, sourceId: 7 })).toEqual({ targetId: 90, targetPath: '/y' });
      await store.targetDeleteForJob({ jobId: job.id });
      expect(await store.targetGet({ jobId: job.id, sourceId: 7 })).toBeUndefined();
      expect(await store.targetGet({ jobId: other.id, sourceId: 7 })).toEqual({ targetId: 90, targetPath: '/y' });
      await store.targetDeleteForJob({ jobId: job.id });
    });
  });
}
