/**
 * Crash safety of the subtree jobs (trash, restore, move, copy across storage
 * locations, purge): a worker process running a job of 6k items (two plan
 * steps, six to twelve tasks, two tasks at a time) is killed with SIGKILL
 * three times at progress points drawn from a seed (test/support/crash-trial.ts);
 * after the takeovers the job finishes, the catalog equals the expected result
 * item by item, the counters match, and nothing was applied twice (a
 * re-applied chunk would count as skipped, or create duplicates, or fail on
 * conflicts).
 */
import { describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { expectClean, useCrashTrials } from '../support/crash-trial.js';
import { expectedRefs, shape, snapshot } from '../support/catalog-state.js';

const factories = await driverFactories();
const KILLS = 3;
/** 6 folders of 1,000 files: more than one plan step (5,000 items), several tasks on either driver. */
const FOLDERS = 6;
const FILES = 1000;

for (const factory of factories) {
  describe(`crash safety on ${factory.name}`, { timeout: 180_000 }, () => {
    const c = useCrashTrials(factory, { kills: KILLS, secondStorage: true, taskDelayMs: 50, concurrency: 2 });
    const run = (jobId: number, total: number, seed: number) => c.trials.run(jobId, { total, seed });

    it('trash then restore of a 6k-item tree survive kill -9', async () => {
      const { f, lib, seed } = c;
      const total = await f.tree(lib, '/big', FOLDERS, FILES);
      expect(total).toBe(FOLDERS * (FILES + 1) + 1);
      const before = await snapshot(f, lib);
      const bigId = before.find((r) => r.path === '/big')!.id;

      const trash = await run((await f.submit('trash', lib, { paths: ['/big'] })).id, total, seed);
      expectClean(trash, total, seed);
      const trashed = await snapshot(f, lib);
      for (const row of trashed) {
        if (row.path === '/') expect(row.trashed).toBe(false);
        else expect({ path: row.path, trashed: row.trashed, root: row.root }).toEqual({ path: row.path, trashed: true, root: bigId });
      }

      // The worker that finished the trash runs the restore until the first kill.
      const restore = await run((await f.submit('restore', lib, { itemIds: [bigId] })).id, total, seed + 1);
      expectClean(restore, total, seed + 1);
      expect(await snapshot(f, lib)).toEqual(before);
    });

    it('move within a library survives kill -9 (ids kept, every path rewritten once)', async () => {
      const { f, lib, seed } = c;
      const total = await f.tree(lib, '/big', FOLDERS, FILES);
      const before = await snapshot(f, lib);
      const job = await run((await f.submit('move', lib, { paths: ['/big'], destination: '/moved' })).id, total, seed);
      expectClean(job, total, seed);
      const after = await snapshot(f, lib);
      const expected = before.map((r) => (r.path.startsWith('/big') ? { ...r, path: `/moved${r.path}` } : r));
      const movedFolder = after.find((r) => r.path === '/moved')!;
      expect(after.filter((r) => r.id !== movedFolder.id)).toEqual(expected);
    });

    it('copy across storage locations survives kill -9 (no duplicates, refcounts exact)', async () => {
      const { f, lib, other, seed } = c;
      const total = await f.tree(lib, '/big', FOLDERS, FILES);
      const job = await run((await f.submit('copy', lib, { paths: ['/big'], destination: '/', targetLibraryId: other })).id, total, seed);
      expectClean(job, total, seed);
      const source = shape(await snapshot(f, lib));
      const target = shape(await snapshot(f, other));
      expect(target).toEqual(source);
      // Every row of the location, none at 0 left behind: exactly one reference per copied file.
      const refs = await f.app.driver.db.selectFrom('blobs').select(['sha256', 'refcount']).where('storage', '=', 'second').execute();
      expect(new Map(refs.map((r) => [r.sha256, Number(r.refcount)]))).toEqual(expectedRefs(target));
    });

    it('purge survives kill -9 (everything gone once, references released exactly)', async () => {
      const { f, lib, seed } = c;
      const total = await f.tree(lib, '/big', FOLDERS, FILES);
      const job = await run((await f.submit('purge', lib, { paths: ['/big'] })).id, total, seed);
      expectClean(job, total, seed);
      expect((await snapshot(f, lib)).map((r) => r.path)).toEqual(['/']);
      const refs = await f.app.driver.db.selectFrom('blobs').select('refcount').where('storage', '=', 'default').execute();
      expect(refs.map((r) => Number(r.refcount)).every((n) => n === 0)).toBe(true);
    });
  });
}
