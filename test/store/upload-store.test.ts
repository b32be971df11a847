/** tus upload rows (uploads): owner and expiry, binding to the import job that consumes them, and what the sweep deletes, on every driver. */
import { describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { useSharedStore } from './shared-store.js';
import { seedDomain, seedJob } from './seed.js';
import type { Store } from '../../src/store/store.js';
import { ConflictError } from '../../src/domain/errors.js';

const factories = await driverFactories();

async function upload(store: Store, id: string, p: { userId: number; expiresAt?: number; now?: number }) {
  await store.uploadInsert({ id, userId: p.userId, libraryId: null, size: 10, now: p.now ?? 100, expiresAt: p.expiresAt ?? 10_000 });
}

for (const factory of factories) {
  describe(`upload store on ${factory.name}`, () => {
    const db = useSharedStore(factory);

    it('uploadInsert records the owner, library, size and expiry; uploadGetById reads them back; a second id is a conflict', async () => {
      const { store } = db;
      const { user } = await seedDomain(store);
      await store.uploadInsert({ id: 'up1', userId: user.id, libraryId: 'docs@example.com', size: 1234, now: 100, expiresAt: 5000 });
      await store.uploadInsert({ id: 'up2', userId: user.id, libraryId: null, size: null, now: 100, expiresAt: 5000 });
      expect(await store.uploadGetById({ id: 'up1' })).toEqual({ id: 'up1', userId: user.id, libraryId: 'docs@example.com', size: 1234, createdAt: 100, expiresAt: 5000, jobId: null });
      expect((await store.uploadGetById({ id: 'up2' }))?.size).toBeNull();
      expect(await store.uploadGetById({ id: 'nope' })).toBeUndefined();
      await expect(store.uploadInsert({ id: 'up1', userId: user.id, libraryId: null, size: 1, now: 1, expiresAt: 2 })).rejects.toBeInstanceOf(ConflictError);
    });

    it('uploadBindJob binds a free upload, keeps it at least until keepUntil, and refuses while another running job holds it', async () => {
      const { store } = db;
      const { user } = await seedDomain(store);
      await upload(store, 'up', { userId: user.id, expiresAt: 1_000 });
      const first = await seedJob(store, { type: 'import' });
      const second = await seedJob(store, { type: 'import' });
      expect(await store.uploadBindJob({ id: 'up', jobId: first.id, keepUntil: 5_000 })).toBe(true);
      expect(await store.uploadGetById({ id: 'up' })).toMatchObject({ jobId: first.id, expiresAt: 5_000 });
      // The same job binds again (a planner that restarted); an earlier keepUntil does not shorten it.
      expect(await store.uploadBindJob({ id: 'up', jobId: first.id, keepUntil: 2_000 })).toBe(true);
      expect((await store.uploadGetById({ id: 'up' }))?.expiresAt).toBe(5_000);
      // Another job cannot take it while the first is queued...
      expect(await store.uploadBindJob({ id: 'up', jobId: second.id, keepUntil: 6_000 })).toBe(false);
      expect((await store.uploadGetById({ id: 'up' }))?.jobId).toBe(first.id);
      // ...but can once it ended (a retry of a job that ended with failures).
      await store.jobSetStatus({ id: first.id, status: 'completed_with_errors', now: 2_000, finished: true });
      expect(await store.uploadBindJob({ id: 'up', jobId: second.id, keepUntil: 6_000 })).toBe(true);
      expect(await store.uploadGetById({ id: 'up' })).toMatchObject({ jobId: second.id, expiresAt: 6_000 });
      expect(await store.uploadBindJob({ id: 'absent', jobId: second.id, keepUntil: 6_000 })).toBe(false);
    });

    it('uploadListSweepable lists expired free uploads and consumed ones; uploadDelete removes a row', async () => {
      const { store } = db;
      const { user } = await seedDomain(store);
      const now = 10_000;
      await upload(store, 'fresh', { userId: user.id, expiresAt: now + 1 });
      await upload(store, 'expired', { userId: user.id, expiresAt: now });
      await upload(store, 'running', { userId: user.id, expiresAt: now - 5 });
      await upload(store, 'done', { userId: user.id, expiresAt: now + 1_000 });
      await upload(store, 'failed-items', { userId: user.id, expiresAt: now + 1_000 });
      await upload(store, 'failed-items-expired', { userId: user.id, expiresAt: now + 1_000 });
      const running = await seedJob(store, { type: 'import' });
      const done = await seedJob(store, { type: 'import' });
      const withFailures = await seedJob(store, { type: 'import' });
      const withFailuresExpired = await seedJob(store, { type: 'import' });
      await store.uploadBindJob({ id: 'running', jobId: running.id, keepUntil: 0 });
      await store.uploadBindJob({ id: 'done', jobId: done.id, keepUntil: 0 });
      await store.uploadBindJob({ id: 'failed-items', jobId: withFailures.id, keepUntil: 0 });
      await store.uploadBindJob({ id: 'failed-items-expired', jobId: withFailuresExpired.id, keepUntil: 0 });
      await store.jobSetStatus({ id: done.id, status: 'completed', now, finished: true });
      for (const job of [withFailures, withFailuresExpired]) {
        await store.jobAddCounts({ id: job.id, delta: { total: 1, failed: 1 }, now });
        await store.jobSetStatus({ id: job.id, status: 'completed_with_errors', now, finished: true });
      }
      expect(await store.uploadListSweepable({ now, limit: 100 })).toEqual(['done', 'expired']);
      expect(await store.uploadListSweepable({ now: now + 1_000, limit: 100 })).toEqual(['done', 'expired', 'failed-items', 'failed-items-expired', 'fresh']);
      expect(await store.uploadListSweepable({ now: now + 1_000, limit: 2 })).toEqual(['done', 'expired']);
      expect(await store.uploadDelete({ id: 'done' })).toBe(true);
      expect(await store.uploadDelete({ id: 'done' })).toBe(false);
      expect(await store.uploadGetById({ id: 'done' })).toBeUndefined();
      expect(await store.uploadListSweepable({ now, limit: 100 })).toEqual(['expired']);
    });
  });
}
