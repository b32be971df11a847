/** Item reads by ids and paths, content updates, bulk inserts, placing, and finding a trash root, on every driver. */
import { describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { useSharedStore } from './shared-store.js';
import { addFile, addFolder, seedLibrary, SHA_A, SHA_B } from './seed.js';
import type { Item } from '../../src/domain/types.js';

const factories = await driverFactories();

for (const factory of factories) {
  describe(`item store on ${factory.name}`, () => {
    const db = useSharedStore(factory);

    it('itemUpdateContent replaces content, size, media type and modification time, keeping the rest', async () => {
      const { store } = db;
      const { root } = await seedLibrary(store);
      const file = await addFile(store, root, 'f.txt', { sha256: SHA_A, size: 3, now: 5 });
      const updated = await store.itemUpdateContent({ id: file.id, sha256: SHA_B, size: 9, contentType: 'application/pdf', now: 8 });
      expect(updated).toEqual({ ...file, sha256: SHA_B, size: 9, contentType: 'application/pdf', modifiedAt: 8 });
      expect(await store.itemGetByPath({ libraryId: file.libraryId, path: '/f.txt' })).toEqual(updated);
      await expect(store.itemUpdateContent({ id: file.id + 1000, sha256: SHA_B, size: 1, contentType: 'text/plain', now: 9 })).rejects.toThrow();
    });

    it('itemGetMany reads the given ids, live or trashed, and nothing for none', async () => {
      const { store } = db;
      const { root } = await seedLibrary(store);
      const a = await addFile(store, root, 'a');
      const b = await addFolder(store, root, 'b');
      await addFile(store, root, 'c');
      expect(await store.itemTrashMany({ ids: [b.id], rootId: b.id, now: 50 })).toBe(1);
      const many = await store.itemGetMany({ ids: [b.id, a.id, b.id + a.id + 1000] });
      expect([...many].sort((x, y) => x.id - y.id)).toEqual([a, { ...b, trashedAt: 50, trashRootId: b.id }].sort((x, y) => x.id - y.id));
      expect(await store.itemGetMany({ ids: [] })).toEqual([]);
    });

    it("itemGetLiveByPaths reads the library's live items at the given paths", async () => {
      const { store } = db;
      const { root } = await seedLibrary(store);
      const other = await seedLibrary(store, 'other');
      const a = await addFile(store, root, 'a');
      const folder = await addFolder(store, root, 'f');
      const nested = await addFile(store, folder, 'n');
      const trashed = await addFile(store, root, 't');
      await store.itemTrashMany({ ids: [trashed.id], rootId: trashed.id, now: 9 });
      await addFile(store, other.root, 'a');
      const found = await store.itemGetLiveByPaths({ libraryId: root.libraryId, paths: ['/a', '/f/n', '/t', '/missing'] });
      expect([...found].sort((x, y) => x.id - y.id)).toEqual([a, nested]);
      expect(await store.itemGetLiveByPaths({ libraryId: root.libraryId, paths: [] })).toEqual([]);
    });

    it('itemInsertMany inserts live rows and returns their ids and paths in order; a clash raises a unique violation and inserts none', async () => {
      const { store } = db;
      const { root } = await seedLibrary(store);
      const row = (name: string, kind: 'file' | 'folder' = 'file') => ({
        libraryId: root.libraryId, parentId: root.id, name, path: `/${name}`, kind, size: kind === 'file' ? 4 : 0,
        sha256: kind === 'file' ? SHA_A : null, contentType: kind === 'file' ? 'text/plain' : null, createdAt: 3, modifiedAt: 4,
      });
      const created = await store.itemInsertMany([row('z'), row('d', 'folder'), row('m')]);
      expect(created.map((c) => c.path)).toEqual(['/z', '/d', '/m']);
      const items = await store.itemGetMany({ ids: created.map((c) => c.id) });
      const z = items.find((i) => i.id === created[0]!.id)!;
      expect(z).toEqual<Item>({
        id: created[0]!.id, libraryId: root.libraryId, parentId: root.id, name: 'z', path: '/z', kind: 'file', size: 4, sha256: SHA_A,
        contentType: 'text/plain', createdAt: 3, modifiedAt: 4, trashedAt: null, trashRootId: null,
      });
      expect(await store.itemInsertMany([])).toEqual([]);
      let error: unknown;
      try {
        await store.itemInsertMany([row('new'), row('m')]);
      } catch (e) {
        error = e;
      }
      expect(store.isUniqueViolation(error)).toBe(true);
      expect(await store.itemGetByPath({ libraryId: root.libraryId, path: '/new' })).toBeUndefined();
      // A trashed item's path is free again.
      await store.itemTrashMany({ ids: [created[2]!.id], rootId: created[2]!.id, now: 9 });
      expect(await store.itemInsertMany([row('m')])).toHaveLength(1);
    });

    it('itemSetPlace moves an item to a folder, name and path, live again, and stamps its modification', async () => {
      const { store } = db;
      const { root } = await seedLibrary(store);
      const folder = await addFolder(store, root, 'dest');
      const file = await addFile(store, root, 'f', { now: 2 });
      await store.itemSetPlace({ id: file.id, parentId: folder.id, name: 'g', path: '/dest/g', now: 7 });
      expect(await store.itemGetByPath({ libraryId: root.libraryId, path: '/f' })).toBeUndefined();
      expect(await store.itemGetByPath({ libraryId: root.libraryId, path: '/dest/g' })).toEqual({ ...file, parentId: folder.id, name: 'g', path: '/dest/g', modifiedAt: 7 });
      expect((await store.itemListChildren({ libraryId: root.libraryId, parentId: folder.id, parentPath: '/dest', afterName: undefined, limit: 10 })).map((i) => i.id)).toEqual([file.id]);
      // A trashed item placed back is live.
      await store.itemTrashMany({ ids: [file.id], rootId: file.id, now: 8 });
      await store.itemSetPlace({ id: file.id, parentId: root.id, name: 'back', path: '/back', now: 9 });
      expect(await store.itemGetByPath({ libraryId: root.libraryId, path: '/back' })).toMatchObject({ id: file.id, trashedAt: null, trashRootId: null, modifiedAt: 9 });
    });

    it('itemFindTrashRoot finds the latest trash root that was at a path, never a member or a live item', async () => {
      const { store } = db;
      const { root } = await seedLibrary(store);
      const other = await seedLibrary(store, 'other');
      const first = await addFolder(store, root, 'p');
      const member = await addFile(store, first, 'm');
      await store.itemTrashMany({ ids: [first.id], rootId: first.id, now: 10 });
      await store.itemTrashMany({ ids: [member.id], rootId: first.id, now: 10 });
      const second = await addFolder(store, root, 'p');
      await store.itemTrashMany({ ids: [second.id], rootId: second.id, now: 20 });
      const third = await addFolder(store, root, 'p');
      await store.itemTrashMany({ ids: [third.id], rootId: third.id, now: 5 });
      await addFolder(store, root, 'p');
      expect((await store.itemFindTrashRoot({ libraryId: root.libraryId, path: '/p' }))?.id).toBe(second.id);
      expect(await store.itemFindTrashRoot({ libraryId: root.libraryId, path: '/p/m' })).toBeUndefined();
      expect(await store.itemFindTrashRoot({ libraryId: other.library.id, path: '/p' })).toBeUndefined();
      // Two roots trashed at the same time: the later id wins.
      const x = await addFile(store, root, 'x');
      await store.itemTrashMany({ ids: [x.id], rootId: x.id, now: 30 });
      const y = await addFile(store, root, 'x');
      await store.itemTrashMany({ ids: [y.id], rootId: y.id, now: 30 });
      expect(await store.itemFindTrashRoot({ libraryId: root.libraryId, path: '/x' })).toEqual({ ...y, trashedAt: 30, trashRootId: y.id });
    });
  });
}
