/** Snapshots and their trees (snapshot_trees): references to child trees and blobs taken once per stored tree, released by forgetting, on every driver. */
import { describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { useSharedStore } from './shared-store.js';
import { addFile, addFolder, seedLibrary, SHA_A, SHA_B, SHA_C } from './seed.js';
import { buildTree, type SnapshotEntry, type SnapshotTree } from '../../src/domain/snapshot-tree.js';
import { BlobCollectedError } from '../../src/domain/errors.js';
import { Store } from '../../src/store/store.js';
import { createSqliteDriver } from '../../src/store/drivers/sqlite/sqlite-driver.js';
import path from 'node:path';

const factories = await driverFactories();

function file(name: string, sha256: string, size: number): SnapshotEntry {
  return { name, kind: 'file', size, sha256, contentType: 'text/plain', createdAt: 1, modifiedAt: 2, tree: null };
}

/** Trees keyed by hash for buildTree's totals. */
function builder() {
  const trees = new Map<string, SnapshotTree>();
  const tree = (entries: SnapshotEntry[]) => {
    const t = buildTree(entries, (h) => trees.get(h)!);
    trees.set(t.hash, t);
    return t;
  };
  const folder = (name: string, t: SnapshotTree): SnapshotEntry => ({ name, kind: 'folder', size: 0, sha256: null, contentType: null, createdAt: 1, modifiedAt: 2, tree: t.hash });
  return { tree, folder };
}

async function refcounts(store: Store, storage: string, hashes: string[]): Promise<Array<number | undefined>> {
  return Promise.all(hashes.map((sha256) => store.blobGetRefcount({ storage, sha256 })));
}

for (const factory of factories) {
  describe(`snapshot store on ${factory.name}`, () => {
    const db = useSharedStore(factory);

    it('snapshotTreesPut stores a tree once and takes its references once; snapshotInsert references the root; snapshotTreeGet reads entries and totals', async () => {
      const { store } = db;
      const { library } = await seedLibrary(store);
      for (const sha of [SHA_A, SHA_B]) await store.blobAddRef({ storage: 'default', sha256: sha, size: 10, now: 1 });
      const { tree, folder } = builder();
      const sub = tree([file('b.txt', SHA_B, 20), file('a.txt', SHA_A, 10)]);
      const root = tree([folder('docs', sub), file('top.txt', SHA_A, 10)]);
      expect(sub.entries.map((e) => e.name)).toEqual(['a.txt', 'b.txt']);
      expect(root).toMatchObject({ files: 3, folders: 1, bytes: 40 });

      const stored = await store.transaction((tx) => tx.snapshotTreesPut({ storage: 'default', trees: [sub, root], blobs: 'existing', now: 5 }));
      expect(stored).toEqual([sub.hash, root.hash]);
      expect(await refcounts(store, 'default', [SHA_A, SHA_B])).toEqual([3, 2]);
      expect(await store.snapshotTreeGet({ storage: 'default', hash: sub.hash })).toEqual({ hash: sub.hash, entries: sub.entries, files: 2, folders: 0, bytes: 30, refcount: 1 });
      expect((await store.snapshotTreeGet({ storage: 'default', hash: root.hash }))?.refcount).toBe(0);
      expect(await store.snapshotTreeGet({ storage: 'other', hash: root.hash })).toBeUndefined();

      // Stored again (a later backup of the same content): nothing new, no reference added.
      expect(await store.snapshotTreesPut({ storage: 'default', trees: [sub, root], blobs: 'existing', now: 6 })).toEqual([]);
      expect(await refcounts(store, 'default', [SHA_A, SHA_B])).toEqual([3, 2]);

      const snap = await store.snapshotInsert({
        libraryId: library.id, jobId: null, label: 'nightly', path: '/', storage: 'default', rootTree: root.hash,
        files: 3, folders: 1, bytes: 40, added: 4, changed: 0, removed: 0, now: 100,
      });
      expect(snap).toEqual({
        id: expect.any(Number), libraryId: library.id, jobId: null, label: 'nightly', path: '/', storage: 'default', rootTree: root.hash,
        files: 3, folders: 1, bytes: 40, added: 4, changed: 0, removed: 0, createdAt: 100,
      });
      expect((await store.snapshotTreeGet({ storage: 'default', hash: root.hash }))?.refcount).toBe(1);
      expect(await store.snapshotGetById({ id: snap.id })).toEqual(snap);
      expect(await store.snapshotGetById({ id: snap.id + 1000 })).toBeUndefined();
      await expect(store.snapshotInsert({ ...snap, rootTree: 'f'.repeat(64), now: 101 })).rejects.toBeInstanceOf(BlobCollectedError);
    });

    it("snapshotTreesPut refuses (transiently) a blob no longer stored with 'existing' and creates its row with 'create'", async () => {
      const { store } = db;
      await seedLibrary(store);
      const { tree } = builder();
      const t = tree([file('gone.txt', SHA_C, 7)]);
      await expect(store.transaction((tx) => tx.snapshotTreesPut({ storage: 'default', trees: [t], blobs: 'existing', now: 1 }))).rejects.toBeInstanceOf(BlobCollectedError);
      expect(await store.snapshotTreeGet({ storage: 'default', hash: t.hash })).toBeUndefined();
      await store.blobAddRef({ storage: 'default', sha256: SHA_C, size: 7, now: 1 });
      expect(await store.blobMarkCollecting({ storage: 'default', sha256: SHA_C })).toBe(false);
      await store.blobRelease({ storage: 'default', sha256: SHA_C });
      expect(await store.blobMarkCollecting({ storage: 'default', sha256: SHA_C })).toBe(true);
      await expect(store.transaction((tx) => tx.snapshotTreesPut({ storage: 'default', trees: [t], blobs: 'existing', now: 1 }))).rejects.toBeInstanceOf(BlobCollectedError);
      expect(await store.transaction((tx) => tx.snapshotTreesPut({ storage: 'vault', trees: [t], blobs: 'create', now: 1 }))).toEqual([t.hash]);
      expect(await store.blobGetRefcount({ storage: 'vault', sha256: SHA_C })).toBe(1);
    });

    it('snapshotListByLibrary pages in time order both ways (path filter); snapshotLatestAt picks the newest at or before a time', async () => {
      const { store } = db;
      const { library } = await seedLibrary(store);
      const other = await seedLibrary(store, 'other');
      const { tree } = builder();
      const empty = tree([]);
      await store.snapshotTreesPut({ storage: 'default', trees: [empty], blobs: 'existing', now: 1 });
      const base = { jobId: null, label: null, storage: 'default', rootTree: empty.hash, files: 0, folders: 0, bytes: 0, added: 0, changed: 0, removed: 0 };
      const s1 = await store.snapshotInsert({ ...base, libraryId: library.id, path: '/', now: 10 });
      const s2 = await store.snapshotInsert({ ...base, libraryId: library.id, path: '/a', now: 20 });
      const s3 = await store.snapshotInsert({ ...base, libraryId: library.id, path: '/', now: 20 });
      const s4 = await store.snapshotInsert({ ...base, libraryId: library.id, path: '/', now: 30 });
      await store.snapshotInsert({ ...base, libraryId: other.library.id, path: '/', now: 15 });
      const ids = (list: Array<{ id: number }>) => list.map((s) => s.id);
      expect(ids(await store.snapshotListByLibrary({ libraryId: library.id, order: 'asc', limit: 10 }))).toEqual([s1.id, s2.id, s3.id, s4.id]);
      const page1 = await store.snapshotListByLibrary({ libraryId: library.id, order: 'desc', limit: 2 });
      expect(ids(page1)).toEqual([s4.id, s3.id]);
      const last = page1.at(-1)!;
      expect(ids(await store.snapshotListByLibrary({ libraryId: library.id, order: 'desc', limit: 2, after: { createdAt: last.createdAt, id: last.id } }))).toEqual([s2.id, s1.id]);
      expect(ids(await store.snapshotListByLibrary({ libraryId: library.id, order: 'asc', limit: 5, after: { createdAt: s2.createdAt, id: s2.id } }))).toEqual([s3.id, s4.id]);
      expect(ids(await store.snapshotListByLibrary({ libraryId: library.id, order: 'asc', limit: 5, path: '/' }))).toEqual([s1.id, s3.id, s4.id]);
      expect((await store.snapshotLatestAt({ libraryId: library.id, at: 25 }))?.id).toBe(s3.id);
      expect((await store.snapshotLatestAt({ libraryId: library.id, at: 20, path: '/a' }))?.id).toBe(s2.id);
      expect((await store.snapshotLatestAt({ libraryId: library.id, at: 30 }))?.id).toBe(s4.id);
      expect(await store.snapshotLatestAt({ libraryId: library.id, at: 9 })).toBeUndefined();
    });

    it('snapshotDelete releases only what no other snapshot holds: shared subtrees stay, the rest and their blob references go', async () => {
      const { store } = db;
      const { library } = await seedLibrary(store);
      // The library's own files hold one reference to each blob.
      for (const sha of [SHA_A, SHA_B, SHA_C]) await store.blobAddRef({ storage: 'default', sha256: sha, size: 10, now: 1 });
      const { tree, folder } = builder();
      const shared = tree([file('a.txt', SHA_A, 10)]);
      const onlyFirst = tree([file('b.txt', SHA_B, 10), file('b2.txt', SHA_B, 10)]);
      const onlySecond = tree([file('c.txt', SHA_C, 10)]);
      const root1 = tree([folder('keep', shared), folder('old', onlyFirst)]);
      const root2 = tree([folder('keep', shared), folder('new', onlySecond)]);
      const snap = async (root: SnapshotTree, children: SnapshotTree[], now: number) =>
        store.transaction(async (tx) => {
          await tx.snapshotTreesPut({ storage: 'default', trees: [...children, root], blobs: 'existing', now });
          return tx.snapshotInsert({ libraryId: library.id, jobId: null, label: null, path: '/', storage: 'default', rootTree: root.hash, files: root.files, folders: root.folders, bytes: root.bytes, added: 0, changed: 0, removed: 0, now });
        });
      const first = await snap(root1, [shared, onlyFirst], 10);
      const second = await snap(root2, [shared, onlySecond], 20);
      expect(await refcounts(store, 'default', [SHA_A, SHA_B, SHA_C])).toEqual([2, 3, 2]);
      expect((await store.snapshotTreeGet({ storage: 'default', hash: shared.hash }))?.refcount).toBe(2);
      // Verify counts the stored trees' file entries as references (b's twice, in one tree; a's once, its tree stored once);
      // the library's own reference was added above without an item row: one less than each count.
      const checks = await store.blobCheckRefs({ storage: 'default', hashes: [SHA_A, SHA_B, SHA_C] });
      expect(checks.map((c) => [c.sha256, c.refcount, c.refs])).toEqual([[SHA_A, 2, 1], [SHA_B, 3, 2], [SHA_C, 2, 1]]);

      const gone = await store.snapshotDelete({ id: first.id });
      expect(gone).toEqual({ snapshot: first, trees: 2, blobRefs: 2 });
      expect(await store.snapshotGetById({ id: first.id })).toBeUndefined();
      expect(await store.snapshotTreeGet({ storage: 'default', hash: root1.hash })).toBeUndefined();
      expect(await store.snapshotTreeGet({ storage: 'default', hash: onlyFirst.hash })).toBeUndefined();
      expect((await store.snapshotTreeGet({ storage: 'default', hash: shared.hash }))?.refcount).toBe(1);
      expect(await refcounts(store, 'default', [SHA_A, SHA_B, SHA_C])).toEqual([2, 1, 2]);

      expect(await store.snapshotDelete({ id: second.id })).toEqual({ snapshot: second, trees: 3, blobRefs: 2 });
      expect(await refcounts(store, 'default', [SHA_A, SHA_B, SHA_C])).toEqual([1, 1, 1]);
      for (const t of [shared, onlySecond, root2]) expect(await store.snapshotTreeGet({ storage: 'default', hash: t.hash })).toBeUndefined();
      expect(await store.snapshotDelete({ id: second.id })).toBeUndefined();
      expect(await store.snapshotListByLibrary({ libraryId: library.id, order: 'asc', limit: 10 })).toEqual([]);
    });
    it('snapshotTreesExisting says which trees a location stores; itemListForSnapshot reads a subtree by path in keyset chunks', async () => {
      const { store } = db;
      const { library, root } = await seedLibrary(store);
      const { tree } = builder();
      const a = tree([]);
      const b = tree([file('x', SHA_A, 1)]);
      await store.blobAddRef({ storage: 'default', sha256: SHA_A, size: 1, now: 1 });
      await store.snapshotTreesPut({ storage: 'default', trees: [a, b], blobs: 'existing', now: 1 });
      expect(await store.snapshotTreesExisting({ storage: 'default', hashes: [a.hash, b.hash, 'f'.repeat(64)] })).toEqual(new Set([a.hash, b.hash]));
      expect(await store.snapshotTreesExisting({ storage: 'vault', hashes: [a.hash] })).toEqual(new Set());

      const docs = await addFolder(store, root, 'docs', 3);
      await addFile(store, docs, 'a.txt', { sha256: SHA_B, size: 5, now: 4 });
      await addFile(store, docs, 'b.txt', { now: 4 });
      await addFile(store, root, 'docs b', { now: 4 });
      const trashed = await addFile(store, docs, 'gone.txt', { now: 4 });
      await store.itemTrashMany({ ids: [trashed.id], rootId: trashed.id, now: 5 });
      const all = await store.itemListForSnapshot({ libraryId: library.id, prefix: '/', limit: 10 });
      expect(all.map((r) => r.path)).toEqual(['/docs', '/docs b', '/docs/a.txt', '/docs/b.txt']);
      expect(all[2]).toEqual({ path: '/docs/a.txt', name: 'a.txt', kind: 'file', size: 5, sha256: SHA_B, contentType: 'text/plain', createdAt: 4, modifiedAt: 4 });
      const next = await store.itemListForSnapshot({ libraryId: library.id, prefix: '/', after: '/docs b', limit: 1 });
      expect(next.map((r) => r.path)).toEqual(['/docs/a.txt']);
      expect((await store.itemListForSnapshot({ libraryId: library.id, prefix: '/docs/', limit: 10 })).map((r) => r.path)).toEqual(['/docs/a.txt', '/docs/b.txt']);
    });

    it('readSnapshot reads one instant while another connection keeps writing', async () => {
      const { store, t } = db;
      const { library, root } = await seedLibrary(store);
      await addFile(store, root, 'before.txt');
      // SQLite: a second connection to the same file (the engine thread's and the API's); PostgreSQL: another pooled connection.
      const otherDriver = factory.name === 'sqlite' ? createSqliteDriver({ filename: path.join(t.dir, 'batchyard.sqlite') }) : undefined;
      const writer = otherDriver ? new Store(otherDriver) : store;
      try {
        const seen = await store.readSnapshot(async (view) => {
          const first = await view.itemListForSnapshot({ libraryId: library.id, prefix: '/', limit: 10 });
          await writer.itemInsertIfAbsent({ libraryId: library.id, parentId: root.id, name: 'during.txt', path: '/during.txt', kind: 'file', size: 1, sha256: SHA_A, contentType: null, now: 9 });
          const again = await view.itemListForSnapshot({ libraryId: library.id, prefix: '/', limit: 10 });
          return [first.map((r) => r.path), again.map((r) => r.path)];
        });
        expect(seen).toEqual([['/before.txt'], ['/before.txt']]);
        expect((await store.itemListForSnapshot({ libraryId: library.id, prefix: '/', limit: 10 })).map((r) => r.path)).toEqual(['/before.txt', '/during.txt']);
      } finally {
        await otherDriver?.close();
      }
    });
  });
}
