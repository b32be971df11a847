/**
 * Crash safety of the job types the 20k-item trials leave out: `empty_trash`,
 * a `move` into another library (another storage location), and a retry job.
 * Small trees and a slow task (a delay inside each task's transaction) keep
 * them short while every kill lands mid-job, at progress points drawn from a
 * seed (test/support/crash-trial.ts); after the kills the job
 * completes, each item done exactly once, and the catalog and the blob
 * references are exactly what the job implies.
 */
import { describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import type { BlobStore } from '../../src/blobs/blob-store.js';
import type { EngineOverrides } from '../../src/app.js';
import type { Job } from '../../src/domain/jobs.js';
import { expectClean, useCrashTrials } from '../support/crash-trial.js';
import { expectedRefs, refcounts, shape, snapshot } from '../support/catalog-state.js';

const factories = await driverFactories();
const KILLS = 2;

for (const factory of factories) {
  describe(`crash safety of empty_trash, cross-library move and retry on ${factory.name}`, { timeout: 180_000 }, () => {
    const c = useCrashTrials(factory, { kills: KILLS, secondStorage: true });
    const run = (jobId: number, total: number, seed: number) => c.trials.run(jobId, { total, seed });

    /** Runs a setup job to its end on an engine in this process, then stops that engine. */
    async function runHere(type: string, params: Record<string, unknown>, overrides: EngineOverrides = {}): Promise<Job> {
      const engine = await c.f.startEngine(overrides);
      try {
        return await c.f.waitFor((await c.f.submit(type, c.lib, params)).id);
      } finally {
        await engine.stop();
      }
    }

    it('empty_trash survives kill -9 (every trashed item purged once, live items and their references kept)', async () => {
      const { f, lib, seed } = c;
      const trashed = (await f.tree(lib, '/big', 4, 500)) + (await f.tree(lib, '/small', 1, 10));
      await f.tree(lib, '/keep', 1, 5);
      expect((await runHere('trash', { paths: ['/big', '/small'] })).status).toBe('completed');
      const live = (await snapshot(f, lib)).filter((r) => !r.trashed);

      const job = await run((await f.submit('empty_trash', lib, {})).id, trashed, seed);
      expectClean(job, trashed, seed);
      expect(await snapshot(f, lib)).toEqual(live);
      expect(await refcounts(f, 'default')).toEqual(expectedRefs(live));
    });

    it('move into another library and storage location survives kill -9 (all moved once, sources and their references gone)', async () => {
      const { f, lib, other, seed } = c;
      const total = await f.tree(lib, '/big', 4, 500);
      const before = (await snapshot(f, lib)).filter((r) => r.path !== '/');

      const job = await run((await f.submit('move', lib, { paths: ['/big'], destination: '/', targetLibraryId: other })).id, total, seed);
      expectClean(job, total, seed);
      expect((await snapshot(f, lib)).map((r) => r.path)).toEqual(['/']);
      const moved = (await snapshot(f, other)).filter((r) => r.path !== '/');
      expect(moved.every((r) => !r.trashed)).toBe(true);
      expect(shape(moved)).toEqual(shape(before));
      expect(await refcounts(f, 'second')).toEqual(expectedRefs(moved));
      expect(await refcounts(f, 'default')).toEqual(new Map());
    });

    it('a retry job survives kill -9 (the failed items of a copy done once, nothing else touched)', async () => {
      const { f, lib, other, seed } = c;
      const total = await f.tree(lib, '/big', 4, 500);
      // The original copy places the root, then every subtree chunk fails for good: the target storage refuses writes.
      const refusing = (store: BlobStore): BlobStore =>
        store.name !== 'second'
          ? store
          : new Proxy(store, {
              get(target, prop, receiver) {
                // Every way bytes are written (a stream, or a small blob whole) is refused.
                if (prop === 'write' || prop === 'writeBuffer') return async () => Promise.reject(Object.assign(new Error('injected: permission denied'), { code: 'EACCES' }));
                const value = Reflect.get(target, prop, receiver) as unknown;
                return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
              },
            });
      const original = await runHere('copy', { paths: ['/big'], destination: '/', targetLibraryId: other }, { blobs: { get: (name: string) => refusing(f.app.blobStores.get(name)) } });
      expect(original.status).toBe('completed_with_errors');
      expect(original.counts).toMatchObject({ total, succeeded: 1, failed: total - 1 });
      expect((await snapshot(f, other)).map((r) => r.path)).toEqual(['/', '/big']);

      const retry = (await f.app.jobs.retry(f.admin, original.id)).job;
      const job = await run(retry.id, total - 1, seed);
      expect(job.retryOf).toBe(original.id);
      expectClean(job, total - 1, seed);
      const source = (await snapshot(f, lib)).filter((r) => r.path !== '/');
      const copied = (await snapshot(f, other)).filter((r) => r.path !== '/');
      expect(shape(copied)).toEqual(shape(source));
      expect(await refcounts(f, 'second')).toEqual(expectedRefs(copied));
      expect(await refcounts(f, 'default')).toEqual(expectedRefs(source));
    });
  });
}
