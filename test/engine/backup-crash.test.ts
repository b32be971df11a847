/**
 * backup and restore_backup survive kill -9 (test/support/crash-trial.ts):
 * `batchyard worker` processes killed at progress points drawn from a seed.
 * A backup's one task is killed while it reads, builds or commits: after the
 * takeover exactly one snapshot exists, equal to the tree, and the blob
 * references are exactly the items' plus the snapshot's (verify finds no
 * mismatch). A restore into a library on another storage location is killed
 * between and inside its depth phases: it completes with every item restored
 * once (no conflict with a half-done chunk: a task's items commit together),
 * the tree equals the snapshot's, and the references there are the items'.
 */
import { describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { expectClean, useCrashTrials } from '../support/crash-trial.js';
import { expectedRefs, refcounts, shape, snapshot } from '../support/catalog-state.js';
import { distinctTree } from './trees.js';
import type { EngineFixture } from '../support/engine.js';

const factories = await driverFactories();
const KILLS = 2;

async function verified(f: EngineFixture, libraryId: string): Promise<void> {
  const job = await f.waitFor((await f.submit('verify', libraryId, {})).id);
  const failures = (await f.app.jobs.failures(f.admin, job.id, { limit: 5 })).failures;
  expect((job.result as { mismatches: unknown }).mismatches, JSON.stringify(failures)).toEqual({});
  expect(job.status).toBe('completed');
}

for (const factory of factories) {
  describe(`crash safety of backup and restore_backup on ${factory.name}`, { timeout: 180_000 }, () => {
    const c = useCrashTrials(factory, { kills: KILLS, secondStorage: true });

    it('backup survives kill -9: one snapshot, equal to the tree, references exact', async () => {
      const { f, lib, seed } = c;
      const items = await distinctTree(f, lib, '/big', 3, 120);
      const job = await c.trials.run((await f.submit('backup', lib, {})).id, { total: 1, seed });
      expectClean(job, items + 1, seed); // the library's root and every item under it
      const snapshots = await f.app.store.snapshotListByLibrary({ libraryId: lib, order: 'asc', limit: 10 });
      expect(snapshots, `seed ${seed}`).toHaveLength(1);
      expect(snapshots[0]).toMatchObject({ files: 360, folders: 4, jobId: job.id });
      // Items hold one reference per file, the snapshot one per file entry: twice the items' counts.
      const doubled = new Map([...expectedRefs(await snapshot(f, lib))].map(([sha, n]) => [sha, 2 * n]));
      expect(await refcounts(f, 'default')).toEqual(doubled);
      await verified(f, lib);
    });

    it('restore_backup into another storage location survives kill -9: each item restored once', async () => {
      const { f, lib, other, seed } = c;
      const items = await distinctTree(f, lib, '/big', 3, 120);
      await c.f.startEngine();
      const backup = await f.waitFor((await f.submit('backup', lib, {})).id);
      expect(backup.status).toBe('completed');
      await c.f.engine!.stop();
      const snapshotId = (backup.result as { snapshot: { id: number } }).snapshot.id;
      const job = await c.trials.run((await f.submit('restore_backup', lib, { snapshotId, targetLibraryId: other })).id, { total: items + 1, seed });
      expectClean(job, items + 1, seed); // '/' (merged) and every item
      const source = (await snapshot(f, lib)).filter((r) => r.path !== '/');
      const target = (await snapshot(f, other)).filter((r) => r.path !== '/');
      expect(shape(target)).toEqual(shape(source));
      expect(await refcounts(f, 'second')).toEqual(expectedRefs(target));
      await verified(f, other);
    });
  });
}
