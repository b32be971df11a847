/**
 * A folder's children in each order (by name, size or modification time,
 * either way, ties by name the same way), walked page by page with keyset
 * positions, on every driver: every child exactly once, in the order asked.
 */
import { describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { useSharedStore } from './shared-store.js';
import { addFile, addFolder, seedLibrary } from './seed.js';
import type { Store } from '../../src/store/store.js';
import type { Item } from '../../src/domain/types.js';
import type { ChildOrder } from '../../src/store/queries/items.js';

const factories = await driverFactories();

/** Every page of `folder` in `order`, `limit` at a time, resuming after each page's last row. */
async function walk(store: Store, folder: Item, order: ChildOrder, limit: number): Promise<string[]> {
  const names: string[] = [];
  let last: Item | undefined;
  for (;;) {
    const page = await store.itemListChildren({
      libraryId: folder.libraryId,
      parentId: folder.id,
      parentPath: folder.path,
      afterName: last?.name,
      afterValue: last === undefined ? undefined : order.by === 'size' ? last.size : last.modifiedAt,
      order,
      limit,
    });
    names.push(...page.map((item) => item.name));
    if (page.length < limit) return names;
    last = page.at(-1);
  }
}

for (const factory of factories) {
  describe(`folder orders on ${factory.name}`, () => {
    const db = useSharedStore(factory);

    it('itemListChildren pages a folder by name, size or modified time, either way, ties by name', async () => {
      const { store } = db;
      const { root } = await seedLibrary(store);
      const folder = await addFolder(store, root, 'box');
      // size / modified: b and d tie on size, a and c on time; the folder has size 0.
      await addFile(store, folder, 'b.txt', { size: 20, now: 300 });
      await addFile(store, folder, 'a.txt', { size: 5, now: 100 });
      await addFile(store, folder, 'd.txt', { size: 20, now: 200 });
      await addFile(store, folder, 'c.txt', { size: 2 ** 40, now: 100 });
      await addFolder(store, folder, 'e', 50);
      await addFile(store, root, 'outside.txt');

      for (const limit of [1, 2, 10]) {
        expect(await walk(store, folder, { by: 'name', desc: false }, limit)).toEqual(['a.txt', 'b.txt', 'c.txt', 'd.txt', 'e']);
        expect(await walk(store, folder, { by: 'name', desc: true }, limit)).toEqual(['e', 'd.txt', 'c.txt', 'b.txt', 'a.txt']);
        expect(await walk(store, folder, { by: 'size', desc: false }, limit)).toEqual(['e', 'a.txt', 'b.txt', 'd.txt', 'c.txt']);
        expect(await walk(store, folder, { by: 'size', desc: true }, limit)).toEqual(['c.txt', 'd.txt', 'b.txt', 'a.txt', 'e']);
        expect(await walk(store, folder, { by: 'modified', desc: false }, limit)).toEqual(['e', 'a.txt', 'c.txt', 'd.txt', 'b.txt']);
        expect(await walk(store, folder, { by: 'modified', desc: true }, limit)).toEqual(['b.txt', 'd.txt', 'c.txt', 'a.txt', 'e']);
      }
      const [first] = await store.itemListChildren({ libraryId: folder.libraryId, parentId: folder.id, parentPath: folder.path, afterName: undefined, order: { by: 'size', desc: true }, limit: 1 });
      expect(first).toEqual(await store.itemGetById({ libraryId: folder.libraryId, id: first!.id }));
    });
  });
}
