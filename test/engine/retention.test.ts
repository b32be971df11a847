/**
 * The retention job on a library with old and new trash, expired and live job
 * results, and snapshots of two folders: it purges only the trash older than
 * daysBeforeDelete, deletes only its own library's expired results, forgets
 * the snapshots its policy does not keep (releasing their trees and blob
 * references), and says what it kept and why.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { engineFixture, type EngineFixture } from '../support/engine.js';
import { buildTree, type SnapshotEntry } from '../../src/domain/snapshot-tree.js';
import type { Snapshot } from '../../src/store/queries/snapshots.js';

const factories = await driverFactories();
const DAY = 86_400_000;
const HOUR = 3_600_000;

for (const factory of factories) {
  describe(`retention job on ${factory.name}`, () => {
    let f: EngineFixture;
    beforeEach(async () => {
      f = await engineFixture(factory);
      await f.startEngine();
    });
    afterEach(async () => {
      await f.dispose();
    });

    const content = new Map<string, { sha256: string; size: number }>();
    /** Stored bytes named `key` (written once). */
    async function blob(key: string): Promise<{ sha256: string; size: number }> {
      let written = content.get(key);
      if (!written) content.set(key, (written = await f.app.blobStores.get('default').writeBuffer(Buffer.from(`snapshot content ${key}`))));
      return written;
    }
    const sha = (key: string) => content.get(key)!.sha256;

    /** A snapshot of `path` taken at `at` whose root lists a file only it holds (`own`) and one every snapshot shares. */
    async function snapshot(libraryId: string, path: string, at: number, own: string): Promise<Snapshot> {
      const file = async (name: string, key: string): Promise<SnapshotEntry> => {
        const { sha256, size } = await blob(key);
        return { name, kind: 'file', size, sha256, contentType: 'text/plain', createdAt: 1, modifiedAt: 1, tree: null };
      };
      const tree = buildTree([await file('own.txt', own), await file('shared.txt', 'shared')], () => ({ files: 0, folders: 0, bytes: 0 }));
      return f.app.store.transaction(async (tx) => {
        await tx.snapshotTreesPut({ storage: 'default', trees: [tree], blobs: 'create', now: at });
        return tx.snapshotInsert({
          libraryId, jobId: null, label: null, path, storage: 'default', rootTree: tree.hash,
          files: 2, folders: 0, bytes: 20, added: 0, changed: 0, removed: 0, now: at,
        });
      });
    }

    /** A blob's reference count; null once the collector removed its row. */
    const refcount = async (key: string) => {
      const row = await f.app.driver.db.selectFrom('blobs').select('refcount').where('sha256', '=', sha(key)).executeTakeFirst();
      return row ? Number(row.refcount) : null;
    };

    it('purges old trash, expires its results, forgets snapshots by the policy and says why', async () => {
      const lib = await f.library('Mail', { daysBeforeDelete: 10, retention: { keepLast: 1, keepDaily: 2 } });
      const other = await f.library('Other', { retention: { keepLast: 1 } });
      const oldCount = await f.tree(lib, '/old', 1, 2);
      await f.tree(lib, '/new', 1, 2);
      await f.tree(lib, '/live', 1, 1);
      await f.tree(other, '/x', 1, 1);
      for (const path of ['/old', '/new']) expect((await f.waitFor((await f.submit('trash', lib, { paths: [path] })).id)).status).toBe('completed');
      const twentyDaysAgo = Date.now() - 20 * DAY;
      await f.app.driver.db.updateTable('items').set({ trashed_at: twentyDaysAgo }).where('library_id', '=', lib).where('trashed_at', 'is not', null).where('path', 'like', '/old%').execute();

      // Results: this library's export past its expiry, and another library's (not this job's business).
      const mine = await f.waitFor((await f.submit('export', lib, { paths: ['/live'], format: 'zip' })).id);
      const theirs = await f.waitFor((await f.submit('export', other, { paths: ['/x'], format: 'zip' })).id);
      await f.app.driver.db.updateTable('job_artifacts').set({ expires_at: 1 }).where('job_id', 'in', [mine.id, theirs.id]).execute();

      // Snapshots: days are UTC days; "today" starts at midnight.
      const today = Math.floor(Date.now() / DAY) * DAY;
      const a = await snapshot(lib, '/', today - DAY + 23 * HOUR, 'a');
      const b = await snapshot(lib, '/', today - DAY + 10 * HOUR, 'b');
      const c = await snapshot(lib, '/', today - 2 * DAY + 12 * HOUR, 'c');
      const d = await snapshot(lib, '/', today - 3 * DAY + 12 * HOUR, 'd');
      const e = await snapshot(lib, '/', today - 10 * DAY, 'e');
      const docs = await snapshot(lib, '/docs', today - 5 * DAY, 'f');
      const foreign = await snapshot(other, '/', today - 30 * DAY, '0');
      expect(await refcount('shared')).toBe(7);

      const job = await f.waitFor((await f.submit('retention', lib, {})).id);
      expect(job.status, JSON.stringify(job.error)).toBe('completed');
      // Three snapshots, one result, the old trash's items.
      expect(job.counts).toMatchObject({ total: 3 + 1 + oldCount, succeeded: 3 + 1 + oldCount, failed: 0, skipped: 0, remaining: 0 });

      const iso = (s: Snapshot) => new Date(s.createdAt).toISOString();
      expect(job.result).toEqual({
        snapshots: {
          policy: { keepLast: 1, keepDaily: 2 },
          kept: 3,
          removed: 3,
          keep: {
            [a.id]: { createdAt: iso(a), path: '/', reasons: ['last snapshot', 'daily snapshot'] },
            [c.id]: { createdAt: iso(c), path: '/', reasons: ['daily snapshot'] },
            [docs.id]: { createdAt: iso(docs), path: '/docs', reasons: ['last snapshot', 'daily snapshot'] },
          },
          remove: {
            [b.id]: { createdAt: iso(b), path: '/' },
            [d.id]: { createdAt: iso(d), path: '/' },
            [e.id]: { createdAt: iso(e), path: '/' },
          },
          treesDeleted: 3,
          blobReferencesReleased: 6,
        },
        artifacts: { expired: 1 },
        trash: { olderThanDays: 10, purged: oldCount },
      });

      const left = await f.app.store.snapshotListByLibrary({ libraryId: lib, order: 'asc', limit: 100 });
      expect(left.map((s) => s.id)).toEqual([docs.id, c.id, a.id]);
      expect((await f.app.store.snapshotListByLibrary({ libraryId: other, order: 'asc', limit: 10 })).map((s) => s.id)).toEqual([foreign.id]);
      // What only forgotten snapshots held has no reference left: the collector reclaims its bytes; the rest stays.
      for (const own of ['b', 'd', 'e']) expect(await refcount(own)).toBe(0);
      for (const own of ['a', 'c', 'f', '0']) expect(await refcount(own)).toBe(1);
      expect(await refcount('shared')).toBe(4);

      expect(await f.app.store.artifactGet({ jobId: mine.id })).toBeUndefined();
      expect(await f.app.store.artifactGet({ jobId: theirs.id })).toBeDefined();
      const trash = await f.app.items.listTrash(f.admin, lib, { limit: 10 });
      expect(trash.items.map((i) => i.path)).toEqual(['/new']);
      const stillThere = await f.app.driver.db.selectFrom('items').select('path').where('library_id', '=', lib).where('path', 'like', '/old%').execute();
      expect(stillThere).toEqual([]);
      expect(await f.livePaths(lib)).toEqual(['/', '/live', '/live/d0000', '/live/d0000/f00000.txt']);
      // The collector (which also expires every library's results on its timer) reclaims the forgotten snapshots' own bytes.
      await f.engine!.collect();
      for (const own of ['b', 'd', 'e']) expect(await refcount(own)).toBeNull();
      const storage = f.app.blobStores.get('default');
      expect((await storage.absent(['a', 'b', 'c', 'd', 'e', 'f', '0', 'shared'].map(sha))).sort()).toEqual(['b', 'd', 'e'].map(sha).sort());

      // A second run has nothing left to remove and keeps the same snapshots for the same reasons.
      const again = await f.waitFor((await f.submit('retention', lib, {})).id);
      expect(again.status).toBe('completed');
      expect(again.counts).toMatchObject({ total: 0, succeeded: 0 });
      expect(again.result).toMatchObject({ snapshots: { kept: 3, removed: 0, remove: {} }, artifacts: { expired: 0 }, trash: { purged: 0 } });
    });

    it('with no policy every snapshot is kept ("policy is empty"), and daysBeforeDelete 0 purges the whole trash', async () => {
      const lib = await f.library('Plain', { daysBeforeDelete: 0 });
      const count = await f.tree(lib, '/t', 1, 1);
      await f.waitFor((await f.submit('trash', lib, { paths: ['/t'] })).id);
      const s1 = await snapshot(lib, '/', Date.now() - 3 * DAY, '1');
      const s2 = await snapshot(lib, '/', Date.now() - 2 * DAY, '2');
      const job = await f.waitFor((await f.submit('retention', lib, {})).id);
      expect(job.status).toBe('completed');
      expect(job.counts).toMatchObject({ total: count, succeeded: count });
      expect(job.result).toMatchObject({
        snapshots: {
          policy: {},
          kept: 2,
          removed: 0,
          keep: { [s1.id]: { reasons: ['policy is empty'] }, [s2.id]: { reasons: ['policy is empty'] } },
        },
        trash: { olderThanDays: 0, purged: count },
      });
      expect((await f.app.items.listTrash(f.admin, lib, { limit: 10 })).items).toEqual([]);
    });

    it('takes no params, and is refused on an archived library', async () => {
      const lib = await f.library('Checked');
      await expect(f.submit('retention', lib, { keepLast: 1 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      await f.app.libraries.update(f.admin, lib, { state: 'ARCHIVED' });
      await expect(f.submit('retention', lib, {})).rejects.toMatchObject({ code: 'CONFLICT' });
    });
  });
}
