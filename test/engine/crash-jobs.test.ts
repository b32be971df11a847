/**
 * Crash safety of the job types the 20k-item trials leave out: `empty_trash`,
 * a `move` into another library (another storage location), and a retry job.
 * Small trees and a slow task (a delay inside each task's transaction) keep
 * them short while every kill still lands mid-job; after the kills the job
 * completes, each item done exactly once, and the catalog and the blob
 * references are exactly what the job implies.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { engineFixture, type EngineFixture } from '../support/engine.js';
import { childEnv, stop, type WorkerProcess } from '../support/worker-process.js';
import type { BlobStore } from '../../src/blobs/blob-store.js';
import type { EngineOverrides } from '../../src/app.js';
import type { Job } from '../../src/domain/jobs.js';
import { expectClean, expectedRefs, refcounts, runThroughCrashes, snapshot } from './crash-trial.js';

const factories = await driverFactories();
const KILLS = 2;

for (const factory of factories) {
  describe(`crash safety of empty_trash, cross-library move and retry on ${factory.name}`, { timeout: 180_000 }, () => {
    let f: EngineFixture;
    let lib: string;
    let other: string;
    let secondDir: string;
    let env: Record<string, string>;
    const workers: WorkerProcess[] = [];
    const trial = () => ({ f, env, workers });
    const seedNow = () => Date.now() % 100_000;

    beforeEach(async () => {
      secondDir = fs.mkdtempSync(path.join('/tmp', 'by-crash-jobs-'));
      const storages = `second=${secondDir}`;
      f = await engineFixture(factory, { BATCHYARD_STORAGES: storages });
      lib = await f.library('Main');
      other = await f.library('Other', { objectStorageLocation: 'second' });
      // One task at a time, each ≥ 200 ms: a job of a few tasks outlives the first kill (≤ 450 ms in).
      env = await childEnv(f.t, { BATCHYARD_STORAGES: storages, BATCHYARD_TEST_TASK_DELAY_MS: '200', BATCHYARD_WORKER_CONCURRENCY: '1' });
    });
    afterEach(async () => {
      for (const w of workers.splice(0)) await stop(w);
      await f.dispose();
      fs.rmSync(secondDir, { recursive: true, force: true });
    });

    /** Runs a setup job to its end on an engine in this process, then stops that engine. */
    async function runHere(type: string, params: Record<string, unknown>, overrides: EngineOverrides = {}): Promise<Job> {
      const engine = await f.startEngine(overrides);
      try {
        return await f.waitFor((await f.submit(type, lib, params)).id);
      } finally {
        await engine.stop();
      }
    }

    const shape = (rows: Array<{ path: string; kind: string; sha256: string | null }>) =>
      rows.map(({ path: p, kind, sha256 }) => ({ path: p, kind, sha256 })).sort((a, b) => (a.path < b.path ? -1 : 1));

    it('empty_trash survives kill -9 (every trashed item purged once, live items and their references kept)', async () => {
      const seed = seedNow();
      const trashed = (await f.tree(lib, '/big', 4, 500)) + (await f.tree(lib, '/small', 1, 10));
      await f.tree(lib, '/keep', 1, 5);
      expect((await runHere('trash', { paths: ['/big', '/small'] })).status).toBe('completed');
      const live = (await snapshot(f, lib)).filter((r) => !r.trashed);

      const job = await runThroughCrashes(trial(), (await f.submit('empty_trash', lib, {})).id, seed, KILLS);
      expectClean(job, trashed, seed);
      expect(await snapshot(f, lib)).toEqual(live);
      expect(await refcounts(f, 'default')).toEqual(expectedRefs(live));
    });

    it('move into another library and storage location survives kill -9 (all moved once, sources and their references gone)', async () => {
      const seed = seedNow();
      const total = await f.tree(lib, '/big', 4, 500);
      const before = (await snapshot(f, lib)).filter((r) => r.path !== '/');

      const job = await runThroughCrashes(trial(), (await f.submit('move', lib, { paths: ['/big'], destination: '/', targetLibraryId: other })).id, seed, KILLS);
      expectClean(job, total, seed);
      expect((await snapshot(f, lib)).map((r) => r.path)).toEqual(['/']);
      const moved = (await snapshot(f, other)).filter((r) => r.path !== '/');
      expect(moved.every((r) => !r.trashed)).toBe(true);
      expect(shape(moved)).toEqual(shape(before));
      expect(await refcounts(f, 'second')).toEqual(expectedRefs(moved));
      expect(await refcounts(f, 'default')).toEqual(new Map());
    });

    it('a retry job survives kill -9 (the failed items of a copy done once, nothing else touched)', async () => {
      const seed = seedNow();
      const total = await f.tree(lib, '/big', 4, 500);
      // The original copy places the root, then every subtree chunk fails for good: the target storage refuses writes.
      const refusing = (store: BlobStore): BlobStore =>
        store.name !== 'second'
          ? store
          : new Proxy(store, {
              get(target, prop, receiver) {
                if (prop === 'write') return async () => Promise.reject(Object.assign(new Error('injected: permission denied'), { code: 'EACCES' }));
                const value = Reflect.get(target, prop, receiver) as unknown;
                return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
              },
            });
      const original = await runHere('copy', { paths: ['/big'], destination: '/', targetLibraryId: other }, { blobs: { get: (name: string) => refusing(f.app.blobStores.get(name)) } });
      expect(original.status).toBe('completed_with_errors');
      expect(original.counts).toMatchObject({ total, succeeded: 1, failed: total - 1 });
      expect((await snapshot(f, other)).map((r) => r.path)).toEqual(['/', '/big']);

      const retry = (await f.app.jobs.retry(f.admin, original.id)).job;
      const job = await runThroughCrashes(trial(), retry.id, seed, KILLS);
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
