/**
 * A folder page builds its items from the few columns it selects (the rest
 * follows from the folder, see toChildItem): each item must equal the full
 * row read by id, on every driver, for files and folders below the root.
 */
import { describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { useSharedStore } from './shared-store.js';
import { addFile, addFolder, seedLibrary, SHA_B } from './seed.js';

const factories = await driverFactories();

for (const factory of factories) {
  describe(`folder pages on ${factory.name}`, () => {
    const db = useSharedStore(factory);

    it('itemListChildren pages equal the items read by id, field for field', async () => {
      const { store } = db;
      const { root } = await seedLibrary(store);
      const folder = await addFolder(store, await addFolder(store, root, 'a'), 'b c');
      const expected = [
        await addFile(store, folder, 'one.txt', { size: 3, now: 7 }),
        await addFolder(store, folder, 'sub', 8),
        await addFile(store, folder, 'two.pdf', { sha256: SHA_B, size: 2 ** 40, now: 9 }),
      ];
      await store.itemUpdateContent({ id: expected[2]!.id, sha256: SHA_B, size: 2 ** 40, contentType: 'application/pdf', now: 11 });
      const listed = [
        ...(await store.itemListChildren({ libraryId: folder.libraryId, parentId: folder.id, parentPath: folder.path, afterName: undefined, limit: 2 })),
        ...(await store.itemListChildren({ libraryId: folder.libraryId, parentId: folder.id, parentPath: folder.path, afterName: 'sub', limit: 2 })),
      ];
      const byId = await Promise.all(expected.map((item) => store.itemGetById({ libraryId: item.libraryId, id: item.id })));
      expect(listed).toEqual(byId);
      expect(listed.map((i) => i.path)).toEqual(['/a/b c/one.txt', '/a/b c/sub', '/a/b c/two.pdf']);
      expect(listed[2]).toMatchObject({ contentType: 'application/pdf', size: 2 ** 40, modifiedAt: 11 });
    });
  });
}
