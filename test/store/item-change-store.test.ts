/**
 * The item change log on every driver (migration 17): triggers on items log
 * the folder entries a change touches (not the paths a move rewrites below);
 * a read's position; the entries a position did not see, under a folder; the
 * base an incremental backup may start from, and why not (no snapshot, no
 * position, pruned past it); the prune keeps what the oldest base has not
 * seen and records its horizon, and with no base keeps everything while a
 * backup of the library is under way; stored trees without parsing them.
 */
import { describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { useSharedStore } from './shared-store.js';
import { addFile, addFolder, seedJob, seedLibrary, SHA_A, SHA_B } from './seed.js';
import { buildTree } from '../../src/domain/snapshot-tree.js';
import type { Store } from '../../src/store/store.js';
import type { Item } from '../../src/domain/types.js';

const factories = await driverFactories();

const sorted = <T extends { folder: string; name: string }>(list: T[]) =>
  list.map((e) => `${e.folder}|${e.name}`).sort();

for (const factory of factories) {
  describe(`item change store on ${factory.name}`, () => {
    const db = useSharedStore(factory);

    async function since(store: Store, libraryId: string, at: string, root: Pick<Item, 'path' | 'parentId' | 'name'>) {
      return store.itemChangesSince({ libraryId, since: at, root, limit: 100 });
    }

    async function snapshotAt(store: Store, libraryId: string, path: string, changesAsOf: string | null, now: number) {
      const t = buildTree([], () => ({ files: 0, folders: 0, bytes: 0 }));
      await store.snapshotTreesPut({ storage: 'default', trees: [t], blobs: 'existing', now });
      return store.snapshotInsert({ libraryId, jobId: null, label: null, path, storage: 'default', rootTree: t.hash, files: 0, folders: 0, bytes: 0, added: 0, changed: 0, removed: 0, now, changesAsOf });
    }

    it('logs the entries a change touches: insert, content, rename (old and new), trash, delete; a path rewrite below a moved folder logs nothing', async () => {
      const { store } = db;
      const { library, root } = await seedLibrary(store);
      const docs = await addFolder(store, root, 'docs');
      const a = await addFile(store, docs, 'a.txt');
      const start = await store.readSnapshot((view) => view.itemChangesPosition());
      expect((await since(store, library.id, start, root))?.entries).toEqual([]);

      const b = await addFile(store, docs, 'b.txt');
      await store.itemUpdateContent({ id: a.id, sha256: SHA_B, size: 20, contentType: 'text/plain', now: 5 });
      await store.itemSetPlace({ id: b.id, parentId: docs.id, name: 'c.txt', path: '/docs/c.txt', now: 6 });
      const sub = await addFolder(store, docs, 'sub');
      const x = await addFile(store, sub, 'x.txt');
      const mid = await store.itemChangesPosition();
      await store.itemTrashMany({ ids: [x.id], rootId: x.id, now: 7 });
      const all = await since(store, library.id, start, root);
      expect(sorted(all!.entries)).toEqual(['/docs/sub|x.txt', '/docs|a.txt', '/docs|b.txt', '/docs|c.txt', '/docs|sub']);
      expect(all!.rootChanged).toBe(false);
      // From a later position only what came after; under a folder only its own.
      expect(sorted((await since(store, library.id, mid, root))!.entries)).toEqual(['/docs/sub|x.txt']);
      expect(sorted((await since(store, library.id, start, sub))!.entries)).toEqual(['/docs/sub|x.txt']);
      // The folder's own entry changed: rootChanged for a backup of it.
      expect((await since(store, library.id, start, sub))!.rootChanged).toBe(true);
      expect((await since(store, library.id, mid, sub))!.rootChanged).toBe(false);
      // Over the limit: undefined (the backup walks whole).
      expect(await store.itemChangesSince({ libraryId: library.id, since: start, root, limit: 2 })).toBeUndefined();

      // A path rewrite (the subtree of a moved folder) logs nothing; the moved folder's own entries do.
      const beforeMove = await store.itemChangesPosition();
      await store.itemRewritePaths({ ids: [a.id], oldPrefix: '/docs/', newPrefix: '/papers/' });
      expect((await since(store, library.id, beforeMove, root))!.entries).toEqual([]);
      await store.itemSetPlace({ id: docs.id, parentId: root.id, name: 'papers', path: '/papers', now: 8 });
      expect(sorted((await since(store, library.id, beforeMove, root))!.entries)).toEqual(['/|docs', '/|papers']);

      // A delete logs the entry; entries of a folder no longer live are left out (its own entry says it).
      const beforeDelete = await store.itemChangesPosition();
      await store.itemDeleteMany({ ids: [x.id] });
      await store.itemTrashMany({ ids: [sub.id], rootId: sub.id, now: 9 });
      expect(sorted((await since(store, library.id, beforeDelete, root))!.entries)).toEqual(['/papers|sub']);
      expect(await store.itemChangesLibraries({ limit: 10 })).toEqual([library.id]);

      // Many log rows for few entries (a file rewritten again and again): past 4 × limit rows the backup walks whole.
      const beforeMany = await store.itemChangesPosition();
      for (let i = 0; i < 9; i++) await store.itemUpdateContent({ id: a.id, sha256: i % 2 ? SHA_A : SHA_B, size: 30 + i, contentType: 'text/plain', now: 10 + i });
      expect(await store.itemChangesSince({ libraryId: library.id, since: beforeMany, root, limit: 2 })).toBeUndefined();
      expect((await store.itemChangesSince({ libraryId: library.id, since: beforeMany, root, limit: 3 }))?.entries).toEqual([{ folder: '/papers', name: 'a.txt' }]);
    });

    it('a change in a folder this transaction took out of the live tree logs nothing (migration 20): a subtree purged in one chunk (and trashed, on SQLite) logs its top entry only; a bulk restore logs its root', async () => {
      const { store, t } = db;
      const postgres = factory.name === 'postgres';
      const { root } = await seedLibrary(store);
      const docs = await addFolder(store, root, 'docs');
      const sub = await addFolder(store, docs, 'sub');
      const x = await addFile(store, sub, 'x.txt');
      const y = await addFile(store, sub, 'y.txt');
      const deep = await addFolder(store, sub, 'deep');
      const z = await addFile(store, deep, 'z.txt');
      const names = new Map([docs, sub, x, y, deep, z].map((i) => [i.id, i.name]));
      names.set(root.id, '/');
      /** The raw log rows since the last call, as `folder name|entry name`, then the log emptied. */
      const logged = async () => {
        const rows = await t.driver.db.selectFrom('item_changes').select(['parent_id', 'name']).execute();
        await t.driver.db.deleteFrom('item_changes').execute();
        return rows.map((r) => `${names.get(Number(r.parent_id))}|${r.name}`).sort();
      };
      await logged();

      // A chunk of members of /docs (phase 1 of a trash job): on SQLite only the entry in the live folder
      // (PostgreSQL's update trigger logs every row: there the lookup cost as much as the insert).
      await store.transaction((tx) => tx.itemTrashMany({ ids: [sub.id, x.id, deep.id, z.id], rootId: docs.id, now: 5 }));
      expect(await logged()).toEqual(postgres ? ['deep|z.txt', 'docs|sub', 'sub|deep', 'sub|x.txt'] : ['docs|sub']);
      // The next chunk, another transaction: SQLite's serialized writers skip it too; a backup leaves it out anyway.
      await store.transaction((tx) => tx.itemTrashMany({ ids: [y.id], rootId: docs.id, now: 5 }));
      expect(await logged()).toEqual(postgres ? ['sub|y.txt'] : []);

      // Back in the live tree: a member brought back on its own logs its entry; the bulk restore of a root's
      // members logs the root's entry for them all (a backup walks it whole), inside or outside a transaction.
      await store.transaction(async (tx) => {
        await tx.itemSetPlace({ id: sub.id, parentId: docs.id, name: 'sub', path: '/docs/sub', now: 6 });
        await tx.itemRestoreMany({ ids: [x.id, deep.id], rootId: docs.id, oldPrefix: '/docs/', newPrefix: '/docs/' });
      });
      expect(await logged()).toEqual(['/|docs', 'docs|sub']);
      await store.itemRestoreMany({ rootId: docs.id, oldPrefix: '/docs/', newPrefix: '/docs/' });
      expect(await logged()).toEqual(['/|docs']);
      expect((await store.itemGetMany({ ids: [x.id, y.id, deep.id, z.id] })).every((i) => i.trashedAt === null)).toBe(true);
      // The quiet row lives only for the statement: a later change of a restored member logs as any other.
      await store.itemUpdateContent({ id: z.id, sha256: SHA_B, size: 20, contentType: 'text/plain', now: 6 });
      expect(await logged()).toEqual(['deep|z.txt']);
      expect(await t.driver.db.selectFrom('item_change_quiet' as never).selectAll().execute()).toEqual([]);

      // Trashed as one root, then purged in one chunk: the root's entry each time.
      await store.transaction(async (tx) => {
        await tx.itemTrashSubtreeRest({ libraryId: root.libraryId, prefix: '/docs/sub/', rootId: sub.id, now: 7 });
        await tx.itemTrashMany({ ids: [sub.id], rootId: sub.id, now: 7 });
      });
      // The subtree goes first, its folder still live: logged, except below a folder the statement trashed before; the root then.
      const trashed = await logged();
      expect(trashed).toEqual(expect.arrayContaining(['docs|sub', 'sub|deep', 'sub|x.txt', 'sub|y.txt']));
      expect(['deep|z.txt', 'docs|sub', 'sub|deep', 'sub|x.txt', 'sub|y.txt']).toEqual(expect.arrayContaining(trashed));
      await store.transaction((tx) => tx.itemDeleteMany({ ids: [sub.id, x.id, y.id, deep.id, z.id] }));
      expect(await logged()).toEqual(['docs|sub']);
      // An insert into a live folder, a delete from it: logged as before.
      const w = await addFile(store, docs, 'w.txt');
      await store.itemDeleteMany({ ids: [w.id] });
      expect(await logged()).toEqual(['docs|w.txt', 'docs|w.txt']);
    });

    it('itemChangeBase: no snapshot, no position, a usable base; itemChangesPrune deletes what the oldest base saw and a base older than its horizon is refused', async () => {
      const { store } = db;
      const { library, root } = await seedLibrary(store);
      const other = await seedLibrary(store, 'other');
      const key = { libraryId: library.id, path: '/', storage: 'default' };
      expect(await store.itemChangeBase(key)).toEqual({ fallback: 'no-previous-snapshot' });
      const legacy = await snapshotAt(store, library.id, '/', null, 10);
      expect(await store.itemChangeBase(key)).toEqual({ fallback: 'no-position', snapshotId: legacy.id });

      await addFile(store, root, 'one.txt');
      const p1 = await store.readSnapshot((view) => view.itemChangesPosition());
      const s1 = await snapshotAt(store, library.id, '/', p1, 20);
      expect(await store.itemChangeBase(key)).toMatchObject({ snapshotId: s1.id, changesAsOf: p1 });
      await addFile(store, root, 'two.txt');
      const p2 = await store.readSnapshot((view) => view.itemChangesPosition());
      await addFile(store, root, 'three.txt');
      await addFile(store, other.root, 'elsewhere.txt');

      // The only base is s1: what it saw goes (the root folder's insert logs nothing, one.txt does), the rest stays.
      expect(await store.itemChangesPrune({ libraryId: library.id, limit: 100 })).toBe(1);
      expect(sorted((await since(store, library.id, p1, root))!.entries)).toEqual(['/|three.txt', '/|two.txt']);
      expect(await store.itemChangeBase(key)).toMatchObject({ snapshotId: s1.id });
      // Another library's entries are its own.
      expect(sorted((await since(store, other.library.id, p1, other.root))!.entries)).toEqual(['/|elsewhere.txt']);

      // A newer base: the prune moves on to it; s1, should it become the newest again, is refused.
      const s2 = await snapshotAt(store, library.id, '/', p2, 30);
      expect(await store.itemChangesPrune({ libraryId: library.id, limit: 100 })).toBe(1);
      expect(sorted((await since(store, library.id, p1, root))!.entries)).toEqual(['/|three.txt']);
      await store.snapshotDelete({ id: s2.id });
      expect(await store.itemChangeBase(key)).toEqual({ fallback: 'pruned', snapshotId: s1.id });

      // Two paths: the older base holds the prune back.
      const p3 = await store.readSnapshot((view) => view.itemChangesPosition());
      await snapshotAt(store, library.id, '/', p3, 40);
      await addFile(store, root, 'four.txt');
      const p4 = await store.readSnapshot((view) => view.itemChangesPosition());
      await snapshotAt(store, library.id, '/docs', p4, 50);
      expect(await store.itemChangesPrune({ libraryId: library.id, limit: 100 })).toBe(1); // three.txt, seen by p3
      expect(sorted((await since(store, library.id, p1, root))!.entries)).toEqual(['/|four.txt']);

      // A library with no snapshot: everything committed goes, in chunks of `limit`.
      await addFile(store, other.root, 'more.txt');
      expect(await store.itemChangesPrune({ libraryId: other.library.id, limit: 1 })).toBe(1);
      expect(await store.itemChangesPrune({ libraryId: other.library.id, limit: 10 })).toBe(1);
      expect(await store.itemChangesLibraries({ limit: 10 })).toEqual([library.id]);

      // No snapshot yet, but a backup under way: its read may predate the prune's, nothing goes.
      const third = await seedLibrary(store, 'third');
      await addFile(store, third.root, 'x.txt');
      await seedJob(store, { type: 'backup', libraryId: third.library.id });
      expect(await store.itemChangesPrune({ libraryId: third.library.id, limit: 10 })).toBe(0);
    });

    it('itemListLiveChildrenNamed reads live children by name; snapshotTreeGetJson and snapshotTreeTotals read a stored tree without parsing it', async () => {
      const { store } = db;
      const { root } = await seedLibrary(store);
      const a = await addFile(store, root, 'a.txt');
      const b = await addFile(store, root, 'b.txt');
      await store.itemTrashMany({ ids: [b.id], rootId: b.id, now: 3 });
      const found = await store.itemListLiveChildrenNamed({ parentId: root.id, names: ['a.txt', 'b.txt', 'none'] });
      expect(found.map((i) => i.id)).toEqual([a.id]);

      const leaf = buildTree([{ name: 'f', kind: 'file', size: 7, sha256: SHA_A, contentType: null, createdAt: 1, modifiedAt: 1, tree: null }], () => ({ files: 0, folders: 0, bytes: 0 }));
      await store.blobAddRef({ storage: 'default', sha256: SHA_A, size: 7, now: 1 });
      await store.transaction((tx) => tx.snapshotTreesPut({ storage: 'default', trees: [leaf], blobs: 'existing', now: 1 }));
      expect(await store.snapshotTreeGetJson({ storage: 'default', hash: leaf.hash })).toEqual({ json: leaf.json, files: 1, folders: 0, bytes: 7 });
      expect(await store.snapshotTreeGetJson({ storage: 'other', hash: leaf.hash })).toBeUndefined();
      const totals = await store.snapshotTreeTotals({ storage: 'default', hashes: [leaf.hash, leaf.hash, 'f'.repeat(64)] });
      expect([...totals]).toEqual([[leaf.hash, { files: 1, folders: 0, bytes: 7 }]]);
    });
  });
}
