/** Trash, restore, purge and empty_trash through the engine, item by item against the expected catalog. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { engineFixture, type EngineFixture } from '../support/engine.js';

const factories = await driverFactories();

for (const factory of factories) {
  describe(`trash/restore/purge jobs on ${factory.name}`, () => {
    let f: EngineFixture;
    let lib: string;
    beforeEach(async () => {
      f = await engineFixture(factory);
      lib = await f.library();
      await f.startEngine();
    });
    afterEach(async () => {
      await f.dispose();
    });

    it('trashes a folder subtree and restores it whole', async () => {
      const count = await f.tree(lib, '/docs', 3, 400);
      await f.tree(lib, '/keep', 1, 2);
      const before = await f.livePaths(lib);
      const trash = await f.waitFor((await f.submit('trash', lib, { paths: ['/docs'] })).id);
      expect(trash.status).toBe('completed');
      expect(trash.counts).toMatchObject({ total: count, succeeded: count, failed: 0, skipped: 0, remaining: 0 });
      expect(await f.livePaths(lib)).toEqual(['/', '/keep', '/keep/d0000', '/keep/d0000/f00000.txt', '/keep/d0000/f00001.txt']);
      const roots = await f.app.items.listTrash(f.admin, lib, { limit: 10 });
      expect(roots.items.map((i) => i.path)).toEqual(['/docs']);

      const restore = await f.waitFor((await f.submit('restore', lib, { itemIds: [roots.items[0]!.id] })).id);
      expect(restore.status).toBe('completed');
      expect(restore.counts).toMatchObject({ total: count, succeeded: count });
      expect(await f.livePaths(lib)).toEqual(before);
    });

    it('purges permanently and releases blob references; empty_trash purges the trash', async () => {
      await f.tree(lib, '/a', 2, 3);
      await f.tree(lib, '/b', 1, 3);
      const purge = await f.waitFor((await f.submit('purge', lib, { paths: ['/a'] })).id);
      expect(purge.status).toBe('completed');
      expect(purge.counts.succeeded).toBe(9);
      const trash = await f.waitFor((await f.submit('trash', lib, { paths: ['/b'] })).id);
      expect(trash.counts.succeeded).toBe(5);
      const empty = await f.waitFor((await f.submit('empty_trash', lib, {})).id);
      expect(empty.status).toBe('completed');
      expect(empty.counts.succeeded).toBe(5);
      expect(await f.livePaths(lib)).toEqual(['/']);
      const refs = await f.app.driver.db.selectFrom('blobs').select(['sha256', 'refcount']).execute();
      expect(refs.every((r) => Number(r.refcount) === 0)).toBe(true);
      expect(await f.engine!.collect()).toBe(refs.length);
      expect(await f.app.driver.db.selectFrom('blobs').select('sha256').execute()).toEqual([]);
    });

    it('records missing paths as failures and retries just them', async () => {
      await f.tree(lib, '/x', 1, 2);
      const job = await f.waitFor((await f.submit('trash', lib, { paths: ['/x', '/missing'] })).id);
      expect(job.status).toBe('completed_with_errors');
      expect(job.counts).toMatchObject({ total: 5, succeeded: 4, failed: 1 });
      const failures = await f.app.jobs.failures(f.admin, job.id, { limit: 10 });
      expect(failures.failures).toEqual([{ itemId: null, path: '/missing', code: 'NOT_FOUND', message: "'/missing' not found", attempts: 1, failedAt: expect.any(Number) }]);
      await f.tree(lib, '/missing', 0, 0);
      const retry = await f.waitFor((await f.app.jobs.retry(f.admin, job.id)).job.id);
      expect(retry.retryOf).toBe(job.id);
      expect(retry.status).toBe('completed');
      expect(retry.counts).toMatchObject({ total: 1, succeeded: 1 });
      expect(await f.livePaths(lib)).toEqual(['/']);
    });

    it('runs a noop job of 10k items', async () => {
      const job = await f.waitFor((await f.submit('noop', lib, { count: 10_000 })).id);
      expect(job.status).toBe('completed');
      expect(job.counts).toMatchObject({ total: 10_000, succeeded: 10_000, remaining: 0 });
      expect(job.startedAt).not.toBeNull();
      expect(job.finishedAt).not.toBeNull();
    });
  });
}
