/**
 * Crash safety: a worker process running a job of ≥ 20k items is killed with
 * SIGKILL at random moments, several times; after restarts the job finishes,
 * the catalog equals the expected result item by item, the counters match,
 * and nothing was applied twice (a re-applied chunk would count as skipped,
 * or create duplicates, or fail on conflicts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { engineFixture, type EngineFixture } from '../support/engine.js';
import { childEnv, stop, type WorkerProcess } from '../support/worker-process.js';
import { expectClean, runThroughCrashes as runTrial, snapshot as snapshotOf } from './crash-trial.js';

const factories = await driverFactories();
const KILLS = 3;

for (const factory of factories) {
  describe(`crash safety on ${factory.name}`, { timeout: 180_000 }, () => {
    let f: EngineFixture;
    let lib: string;
    let other: string;
    let secondDir: string;
    let env: Record<string, string>;
    const workers: WorkerProcess[] = [];

    beforeEach(async () => {
      secondDir = fs.mkdtempSync(path.join('/tmp', 'by-crash-second-'));
      const storages = `second=${secondDir}`;
      f = await engineFixture(factory, { BATCHYARD_STORAGES: storages });
      lib = await f.library('Main');
      other = await f.library('Other', { objectStorageLocation: 'second' });
      env = await childEnv(f.t, { BATCHYARD_STORAGES: storages, BATCHYARD_TEST_TASK_DELAY_MS: '20', BATCHYARD_WORKER_CONCURRENCY: '2' });
    });
    afterEach(async () => {
      for (const w of workers.splice(0)) await stop(w);
      await f.dispose();
      fs.rmSync(secondDir, { recursive: true, force: true });
    });

    const runThroughCrashes = (jobId: number, seed: number) => runTrial({ f, env, workers }, jobId, seed, KILLS);
    const snapshot = (libraryId: string) => snapshotOf(f, libraryId);

    it('trash then restore of a 20k-item tree survive kill -9', async () => {
      const seed = Date.now() % 100_000;
      const total = await f.tree(lib, '/big', 20, 1000);
      expect(total).toBeGreaterThanOrEqual(20_000);
      const before = await snapshot(lib);
      const bigId = before.find((r) => r.path === '/big')!.id;

      const trash = await runThroughCrashes((await f.submit('trash', lib, { paths: ['/big'] })).id, seed);
      expectClean(trash, total, seed);
      const trashed = await snapshot(lib);
      for (const row of trashed) {
        if (row.path === '/') expect(row.trashed).toBe(false);
        else expect({ path: row.path, trashed: row.trashed, root: row.root }).toEqual({ path: row.path, trashed: true, root: bigId });
      }
      for (const w of workers.splice(0)) await stop(w);

      const restore = await runThroughCrashes((await f.submit('restore', lib, { itemIds: [bigId] })).id, seed + 1);
      expectClean(restore, total, seed + 1);
      expect(await snapshot(lib)).toEqual(before);
    });

    it('move within a library survives kill -9 (ids kept, every path rewritten once)', async () => {
      const seed = Date.now() % 100_000;
      const total = await f.tree(lib, '/big', 20, 1000);
      const before = await snapshot(lib);
      const job = await runThroughCrashes((await f.submit('move', lib, { paths: ['/big'], destination: '/moved' })).id, seed);
      expectClean(job, total, seed);
      const after = await snapshot(lib);
      const expected = before.map((r) => (r.path.startsWith('/big') ? { ...r, path: `/moved${r.path}` } : r));
      const movedFolder = after.find((r) => r.path === '/moved')!;
      expect(after.filter((r) => r.id !== movedFolder.id)).toEqual(expected);
    });

    it('copy across storage locations survives kill -9 (no duplicates, refcounts exact)', async () => {
      const seed = Date.now() % 100_000;
      const total = await f.tree(lib, '/big', 20, 1000);
      const job = await runThroughCrashes((await f.submit('copy', lib, { paths: ['/big'], destination: '/', targetLibraryId: other })).id, seed);
      expectClean(job, total, seed);
      const source = (await snapshot(lib)).map(({ path, kind, sha256 }) => ({ path, kind, sha256 }));
      const target = (await snapshot(other)).map(({ path, kind, sha256 }) => ({ path, kind, sha256 }));
      const byPath = (a: { path: string }, b: { path: string }) => (a.path < b.path ? -1 : 1);
      expect(target.sort(byPath)).toEqual(source.sort(byPath));
      const refs = await f.app.driver.db.selectFrom('blobs').select(['sha256', 'refcount']).where('storage', '=', 'second').execute();
      const files = target.filter((r) => r.kind === 'file');
      const expectedRefs = new Map<string, number>();
      for (const file of files) expectedRefs.set(file.sha256!, (expectedRefs.get(file.sha256!) ?? 0) + 1);
      expect(new Map(refs.map((r) => [r.sha256, Number(r.refcount)]))).toEqual(expectedRefs);
    });

    it('purge survives kill -9 (everything gone once, references released exactly)', async () => {
      const seed = Date.now() % 100_000;
      const total = await f.tree(lib, '/big', 20, 1000);
      const job = await runThroughCrashes((await f.submit('purge', lib, { paths: ['/big'] })).id, seed);
      expectClean(job, total, seed);
      expect((await snapshot(lib)).map((r) => r.path)).toEqual(['/']);
      const refs = await f.app.driver.db.selectFrom('blobs').select('refcount').where('storage', '=', 'default').execute();
      expect(refs.map((r) => Number(r.refcount)).every((n) => n === 0)).toBe(true);
    });
  });
}
