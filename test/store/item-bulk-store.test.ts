/** Set-based subtree work for jobs: keyset scans, trash, restore, path rewrites and deletes, on every driver. */
import { describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { useSharedStore } from './shared-store.js';
import { addFile, addFolder, seedLibrary, SHA_A, SHA_B, SHA_C } from './seed.js';
import type { Store } from '../../src/store/store.js';

const factories = await driverFactories();

/**
 * /a, /a/x (A, 10 bytes), /a/y, /a/y/z (B, 20 bytes), and siblings whose paths
 * sort right around /a/'s range: '/a b', '/a.c', '/a0' (the range's end).
 */
async function seedTree(store: Store) {
  const seeded = await seedLibrary(store);
  const { root } = seeded;
  const a = await addFolder(store, root, 'a');
  const x = await addFile(store, a, 'x', { sha256: SHA_A, size: 10 });
  const y = await addFolder(store, a, 'y');
  const z = await addFile(store, y, 'z', { sha256: SHA_B, size: 20 });
  const siblings = [await addFolder(store, root, 'a b'), await addFile(store, root, 'a.c'), await addFile(store, root, 'a0')];
  return { ...seeded, libraryId: root.libraryId, a, x, y, z, siblings };
}

for (const factory of factories) {
  describe(`item bulk store on ${factory.name}`, () => {
    const db = useSharedStore(factory);

    it('itemListSubtreeLive pages the live items strictly under a prefix by path, after a cursor', async () => {
      const { store } = db;
      const { libraryId, a, x, y, z } = await seedTree(store);
      const refs = await store.itemListSubtreeLive({ libraryId, prefix: '/a/', limit: 10 });
      expect(refs).toEqual([
        { id: x.id, path: '/a/x', kind: 'file', size: 10 },
        { id: y.id, path: '/a/y', kind: 'folder', size: 0 },
        { id: z.id, path: '/a/y/z', kind: 'file', size: 20 },
      ]);
      expect((await store.itemListSubtreeLive({ libraryId, prefix: '/a/', limit: 2 })).map((r) => r.path)).toEqual(['/a/x', '/a/y']);
      expect((await store.itemListSubtreeLive({ libraryId, prefix: '/a/', afterPath: '/a/y', limit: 2 })).map((r) => r.path)).toEqual(['/a/y/z']);
      expect(await store.itemListSubtreeLive({ libraryId, prefix: '/a/', afterPath: '/a/y/z', limit: 2 })).toEqual([]);
      // A cursor below the range starts at its beginning.
      expect((await store.itemListSubtreeLive({ libraryId, prefix: '/a/', afterPath: '/', limit: 1 })).map((r) => r.path)).toEqual(['/a/x']);
      await store.itemTrashMany({ ids: [y.id, z.id], rootId: y.id, now: 5 });
      expect((await store.itemListSubtreeLive({ libraryId, prefix: '/a/', limit: 10 })).map((r) => r.id)).toEqual([x.id]);
      expect((await store.itemListSubtreeLive({ libraryId, prefix: '/', limit: 10 })).map((r) => r.path)).toEqual(['/a', '/a b', '/a.c', '/a/x', '/a0']);
      expect(a.path).toBe('/a');
    });

    it('itemTrashMany trashes the live items among the ids under a root and counts only those', async () => {
      const { store } = db;
      const { libraryId, a, x, y, z } = await seedTree(store);
      expect(await store.itemTrashMany({ ids: [y.id, z.id], rootId: y.id, now: 5 })).toBe(2);
      // Already trashed items keep their first root.
      expect(await store.itemTrashMany({ ids: [a.id, x.id, y.id, z.id], rootId: a.id, now: 6 })).toBe(2);
      const items = await store.itemGetMany({ ids: [a.id, x.id, y.id, z.id] });
      const byId = new Map(items.map((i) => [i.id, i]));
      expect(byId.get(a.id)).toMatchObject({ trashedAt: 6, trashRootId: a.id });
      expect(byId.get(x.id)).toMatchObject({ trashedAt: 6, trashRootId: a.id });
      expect(byId.get(y.id)).toMatchObject({ trashedAt: 5, trashRootId: y.id });
      expect(byId.get(z.id)).toMatchObject({ trashedAt: 5, trashRootId: y.id });
      expect(await store.itemTrashMany({ ids: [], rootId: a.id, now: 7 })).toBe(0);
      expect(await store.itemGetByPath({ libraryId, path: '/a.c' })).toBeDefined();
    });

    it('itemTrashSubtreeRest trashes what is still live under the prefix, not the siblings around it', async () => {
      const { store } = db;
      const { libraryId, a, x, y, z, siblings } = await seedTree(store);
      await store.itemTrashMany({ ids: [a.id, x.id], rootId: a.id, now: 5 });
      const late = await addFile(store, y, 'late');
      expect(await store.itemTrashSubtreeRest({ libraryId, prefix: '/a/', rootId: a.id, now: 6 })).toBe(3);
      expect(await store.itemTrashSubtreeRest({ libraryId, prefix: '/a/', rootId: a.id, now: 7 })).toBe(0);
      const items = await store.itemGetMany({ ids: [y.id, z.id, late.id] });
      for (const item of items) expect(item).toMatchObject({ trashedAt: 6, trashRootId: a.id });
      const live = await store.itemGetLiveByPaths({ libraryId, paths: siblings.map((s) => s.path) });
      expect(live).toHaveLength(3);
    });

    it('itemListTrashMembers pages the items trashed with a root, without the root, by id', async () => {
      const { store } = db;
      const { libraryId, a, x, y, z } = await seedTree(store);
      await store.itemTrashMany({ ids: [a.id, x.id, y.id], rootId: a.id, now: 5 });
      await store.itemTrashSubtreeRest({ libraryId, prefix: '/a/', rootId: a.id, now: 5 });
      const other = await addFile(store, (await store.itemGetById({ libraryId, id: a.parentId! }))!, 'solo');
      await store.itemTrashMany({ ids: [other.id], rootId: other.id, now: 5 });
      const ids = [x.id, y.id, z.id].sort((p, q) => p - q);
      expect(await store.itemListTrashMembers({ rootId: a.id, limit: 10 })).toEqual([
        { id: x.id, path: '/a/x', kind: 'file', size: 10 },
        { id: y.id, path: '/a/y', kind: 'folder', size: 0 },
        { id: z.id, path: '/a/y/z', kind: 'file', size: 20 },
      ].sort((p, q) => p.id - q.id));
      expect((await store.itemListTrashMembers({ rootId: a.id, limit: 2 })).map((r) => r.id)).toEqual(ids.slice(0, 2));
      expect((await store.itemListTrashMembers({ rootId: a.id, afterId: ids[1], limit: 2 })).map((r) => r.id)).toEqual(ids.slice(2));
      expect(await store.itemListTrashMembers({ rootId: other.id, limit: 10 })).toEqual([]);
    });

    it('itemListTrashRootsBefore pages roots trashed before the cutoff, oldest first, after a (trashedAt, id) cursor', async () => {
      const { store } = db;
      const { root } = await seedLibrary(store);
      const libraryId = root.libraryId;
      const other = await seedLibrary(store, 'other');
      const trash = async (name: string, at: number, parent = root) => {
        const item = await addFolder(store, parent, name);
        await store.itemTrashMany({ ids: [item.id], rootId: item.id, now: at });
        return item;
      };
      const t1 = await trash('t1', 100);
      const t2a = await trash('t2a', 200);
      const t2b = await trash('t2b', 200);
      await trash('t3', 300);
      await trash('foreign', 50, other.root);
      // A member trashed with a root is not itself a root.
      const folder = await addFolder(store, root, 'f');
      const member = await addFile(store, folder, 'm');
      await store.itemTrashMany({ ids: [folder.id, member.id], rootId: folder.id, now: 250 });
      const page = (after: { trashedAt: number; id: number } | undefined, limit: number) =>
        store.itemListTrashRootsBefore({ libraryId, cutoff: 300, ...(after ? { after } : {}), limit });
      const first = await page(undefined, 2);
      expect(first).toEqual([
        { id: t1.id, path: '/t1', kind: 'folder', size: 0, trashedAt: 100 },
        { id: t2a.id, path: '/t2a', kind: 'folder', size: 0, trashedAt: 200 },
      ]);
      const second = await page({ trashedAt: 200, id: t2a.id }, 2);
      expect(second.map((r) => r.id)).toEqual([t2b.id, folder.id]);
      expect(await page({ trashedAt: 250, id: folder.id }, 2)).toEqual([]);
    });

    it('itemRestoreMany brings members back under a new prefix (some by id, or all that remain)', async () => {
      const { store } = db;
      const { libraryId, a, x, y, z } = await seedTree(store);
      await store.itemTrashMany({ ids: [a.id, x.id, y.id, z.id], rootId: a.id, now: 5 });
      await store.itemSetPlace({ id: a.id, parentId: a.parentId!, name: 'b', path: '/b', now: 6 });
      expect(await store.itemRestoreMany({ ids: [x.id], rootId: a.id, oldPrefix: '/a/', newPrefix: '/b/' })).toBe(1);
      expect(await store.itemRestoreMany({ ids: [], rootId: a.id, oldPrefix: '/a/', newPrefix: '/b/' })).toBe(0);
      // Ids of another root's members are left alone.
      expect(await store.itemRestoreMany({ ids: [x.id], rootId: a.id, oldPrefix: '/a/', newPrefix: '/b/' })).toBe(0);
      expect(await store.itemRestoreMany({ rootId: a.id, oldPrefix: '/a/', newPrefix: '/b/' })).toBe(2);
      const live = await store.itemListSubtreeLive({ libraryId, prefix: '/b/', limit: 10 });
      expect(live.map((r) => [r.id, r.path])).toEqual([[x.id, '/b/x'], [y.id, '/b/y'], [z.id, '/b/y/z']]);
      expect(await store.itemListTrashMembers({ rootId: a.id, limit: 10 })).toEqual([]);
    });

    it('itemRestoreMany with an unchanged prefix keeps the paths', async () => {
      const { store } = db;
      const { libraryId, a, x, y, z } = await seedTree(store);
      await store.itemTrashMany({ ids: [x.id, y.id, z.id], rootId: a.id, now: 5 });
      expect(await store.itemRestoreMany({ rootId: a.id, oldPrefix: '/a/', newPrefix: '/a/' })).toBe(3);
      expect((await store.itemListSubtreeLive({ libraryId, prefix: '/a/', limit: 10 })).map((r) => r.path)).toEqual(['/a/x', '/a/y', '/a/y/z']);
    });

    it('itemRewritePaths moves the live items among the ids under the old prefix to the new one', async () => {
      const { store } = db;
      const { libraryId, root, x, y, z, siblings } = await seedTree(store);
      const c = await addFolder(store, root, 'c');
      const late = await addFile(store, y, 'trashed');
      await store.itemTrashMany({ ids: [late.id], rootId: late.id, now: 5 });
      const ids = [x.id, y.id, z.id, late.id, ...siblings.map((s) => s.id)];
      expect(await store.itemRewritePaths({ ids, oldPrefix: '/a/', newPrefix: '/c/sub/' })).toBe(3);
      expect(await store.itemRewritePaths({ ids: [], oldPrefix: '/a/', newPrefix: '/c/' })).toBe(0);
      expect((await store.itemListSubtreeLive({ libraryId, prefix: '/c/', limit: 10 })).map((r) => r.path)).toEqual(['/c/sub/x', '/c/sub/y', '/c/sub/y/z']);
      expect(await store.itemListSubtreeLive({ libraryId, prefix: '/a/', limit: 10 })).toEqual([]);
      expect((await store.itemGetMany({ ids: [late.id] }))[0]!.path).toBe('/a/y/trashed');
      expect((await store.itemGetLiveByPaths({ libraryId, paths: siblings.map((s) => s.path) })).length).toBe(3);
      expect(c.path).toBe('/c');
    });

    it('rewrites and restores paths under prefixes outside the Basic Multilingual Plane', async () => {
      const { store } = db;
      const { root } = await seedLibrary(store);
      const libraryId = root.libraryId;
      const emoji = await addFolder(store, root, '😀é');
      const inner = await addFolder(store, emoji, '𝒳');
      const file = await addFile(store, inner, 'ü.txt');
      expect(await store.itemRewritePaths({ ids: [inner.id, file.id], oldPrefix: '/😀é/', newPrefix: '/🎉/' })).toBe(2);
      expect((await store.itemGetMany({ ids: [inner.id, file.id] })).map((i) => i.path).sort()).toEqual(['/🎉/𝒳', '/🎉/𝒳/ü.txt']);
      await store.itemTrashMany({ ids: [file.id], rootId: inner.id, now: 5 });
      expect(await store.itemRestoreMany({ rootId: inner.id, oldPrefix: '/🎉/𝒳/', newPrefix: '/x/' })).toBe(1);
      expect((await store.itemGetLiveByPaths({ libraryId, paths: ['/x/ü.txt'] })).map((i) => i.id)).toEqual([file.id]);
    });

    it('itemDeleteMany deletes the ids and reports the bytes and blob references they held', async () => {
      const { store } = db;
      const { root, x, y, z } = await seedTree(store);
      const twin = await addFile(store, root, 'twin', { sha256: SHA_A, size: 10 });
      const result = await store.itemDeleteMany({ ids: [x.id, y.id, z.id, twin.id, x.id + z.id + twin.id + 1000] });
      expect(result.deleted).toBe(4);
      expect(result.bytes).toBe(40);
      expect([...result.blobs].sort((p, q) => (p.sha256 < q.sha256 ? -1 : 1))).toEqual([{ sha256: SHA_A, refs: 2 }, { sha256: SHA_B, refs: 1 }]);
      expect(await store.itemGetMany({ ids: [x.id, y.id, z.id, twin.id] })).toEqual([]);
      expect(await store.itemDeleteMany({ ids: [] })).toEqual({ deleted: 0, bytes: 0, blobs: [] });
    });

    it('itemDeleteRest deletes what is left live under a prefix, or trashed with a root (in chunks), with its blob references', async () => {
      const { store } = db;
      const { libraryId, root, a, x, y, z, siblings } = await seedTree(store);
      const live = await store.itemDeleteRest({ libraryId, livePrefix: '/a/' });
      expect(live.deleted).toBe(3);
      expect([...live.blobs].sort((p, q) => (p.sha256 < q.sha256 ? -1 : 1))).toEqual([{ sha256: SHA_A, refs: 1 }, { sha256: SHA_B, refs: 1 }]);
      expect(await store.itemGetMany({ ids: [x.id, y.id, z.id] })).toEqual([]);
      expect(await store.itemGetMany({ ids: [a.id, ...siblings.map((s) => s.id)] })).toHaveLength(4);

      // More members than one chunk (500): the references add up across chunks.
      const big = await addFolder(store, root, 'big');
      const rows = Array.from({ length: 620 }, (_, i) => ({
        libraryId, parentId: big.id, name: `f${i}`, path: `/big/f${i}`, kind: 'file' as const, size: 1,
        sha256: i % 2 === 0 ? SHA_A : SHA_C, contentType: 'text/plain', createdAt: 1, modifiedAt: 1,
      }));
      const created = await store.itemInsertMany(rows);
      await store.itemTrashMany({ ids: [big.id, ...created.map((c) => c.id)], rootId: big.id, now: 9 });
      const trashed = await store.itemDeleteRest({ libraryId, trashRootId: big.id });
      expect(trashed.deleted).toBe(620);
      expect([...trashed.blobs].sort((p, q) => (p.sha256 < q.sha256 ? -1 : 1))).toEqual([{ sha256: SHA_A, refs: 310 }, { sha256: SHA_C, refs: 310 }]);
      expect(await store.itemGetMany({ ids: [big.id] })).toHaveLength(1);
      expect(await store.itemListTrashMembers({ rootId: big.id, limit: 10 })).toEqual([]);
      expect(await store.itemDeleteRest({ libraryId })).toEqual({ deleted: 0, blobs: [] });
    });
  });
}
