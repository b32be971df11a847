/**
 * retention survives kill -9 (test/support/crash-trial.ts): `batchyard worker`
 * processes killed at progress points drawn from a seed, while the job
 * forgets snapshots (each task's forgets and their releases commit together)
 * and purges old trash. After the takeovers the job is clean (every item
 * counted once), exactly the snapshots the policy keeps remain, the result
 * names each removed one once, and every blob's reference count is exactly
 * what the remaining items and kept snapshots hold.
 */
import { describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { expectClean, useCrashTrials } from '../support/crash-trial.js';
import { expectedRefs, refcounts, snapshot as catalog } from '../support/catalog-state.js';
import { distinctTree } from './trees.js';
import { buildTree, type SnapshotEntry } from '../../src/domain/snapshot-tree.js';
import { applyRetentionPolicy } from '../../src/domain/retention-policy.js';

const factories = await driverFactories();
const DAY = 86_400_000;
const POLICY = { keepDaily: 3, keepWeekly: 2 };

for (const factory of factories) {
  describe(`crash safety of retention on ${factory.name}`, { timeout: 180_000 }, () => {
    const c = useCrashTrials(factory, { kills: 2 });

    it('retention survives kill -9: the policy kept, each removal once, references exact', async () => {
      const { f, lib, seed } = c;
      await f.app.libraries.update(f.admin, lib, { daysBeforeDelete: 7, retention: POLICY });
      const old = await distinctTree(f, lib, '/old', 3, 60);
      await distinctTree(f, lib, '/live', 1, 5);
      await f.startEngine();
      expect((await f.waitFor((await f.submit('trash', lib, { paths: ['/old'] })).id)).status).toBe('completed');
      await f.engine!.stop();
      await f.app.driver.db.updateTable('items').set({ trashed_at: Date.now() - 30 * DAY }).where('library_id', '=', lib).where('trashed_at', 'is not', null).execute();

      // 40 daily snapshots of '/', each listing its own content and a content they all share.
      const storage = f.app.blobStores.get('default');
      const shared = await storage.writeBuffer(Buffer.from('in every snapshot'));
      const own = new Map<number, string>();
      const taken: Array<{ id: number; at: number }> = [];
      for (let d = 40; d >= 1; d--) {
        const at = Date.now() - d * DAY;
        const mine = await storage.writeBuffer(Buffer.from(`only in the snapshot of day -${d}`));
        const entry = (name: string, b: { sha256: string; size: number }): SnapshotEntry => ({ name, kind: 'file', size: b.size, sha256: b.sha256, contentType: null, createdAt: at, modifiedAt: at, tree: null });
        const tree = buildTree([entry('own.txt', mine), entry('shared.txt', shared)], () => ({ files: 0, folders: 0, bytes: 0 }));
        const s = await f.app.store.transaction(async (tx) => {
          await tx.snapshotTreesPut({ storage: 'default', trees: [tree], blobs: 'create', now: at });
          return tx.snapshotInsert({ libraryId: lib, jobId: null, label: null, path: '/', storage: 'default', rootTree: tree.hash, files: 2, folders: 0, bytes: 0, added: 0, changed: 0, removed: 0, now: at });
        });
        own.set(s.id, mine.sha256);
        taken.push({ id: s.id, at });
      }
      const decision = applyRetentionPolicy(taken, POLICY, Date.now());
      const kept = decision.keep.map((k) => k.snapshot.id).sort((a, b) => a - b);
      const removed = decision.remove.map((s) => s.id).sort((a, b) => a - b);
      expect(removed.length).toBeGreaterThan(30);

      const total = removed.length + old;
      const job = await c.trials.run((await f.submit('retention', lib, {})).id, { total, seed });
      expectClean(job, total, seed);
      const result = job.result as { snapshots: { kept: number; removed: number; keep: object; remove: object }; trash: { purged: number } };
      expect(result.snapshots.kept, `seed ${seed}`).toBe(kept.length);
      expect(result.snapshots.removed, `seed ${seed}`).toBe(removed.length);
      expect(Object.keys(result.snapshots.remove).map(Number).sort((a, b) => a - b)).toEqual(removed);
      expect(Object.keys(result.snapshots.keep).map(Number).sort((a, b) => a - b)).toEqual(kept);
      expect(result.trash.purged).toBe(old);

      const left = await f.app.store.snapshotListByLibrary({ libraryId: lib, order: 'asc', limit: 100 });
      expect(left.map((s) => s.id).sort((a, b) => a - b), `seed ${seed}`).toEqual(kept);
      // The items' references, plus each kept snapshot's two.
      const rows = await catalog(f, lib);
      expect(rows.some((r) => r.path.startsWith('/old'))).toBe(false);
      const expected = expectedRefs(rows);
      for (const id of kept) {
        for (const sha of [own.get(id)!, shared.sha256]) expected.set(sha, (expected.get(sha) ?? 0) + 1);
      }
      expect(await refcounts(f, 'default'), `seed ${seed}`).toEqual(expected);
    });
  });
}
