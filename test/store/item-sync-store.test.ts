/** What replicate reads and writes in bulk: a subtree's content keys in path order, many blob references at once, on every driver. */
import { describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { useSharedStore } from './shared-store.js';
import { addFile, addFolder, seedLibrary, SHA_A, SHA_B, SHA_C } from './seed.js';
import { BlobCollectedError } from '../../src/domain/errors.js';

const factories = await driverFactories();

for (const factory of factories) {
  describe(`item sync store on ${factory.name}`, () => {
    const db = useSharedStore(factory);

    it('itemListSubtreeForSync pages live items under a prefix by byte order, after a path and from a path', async () => {
      const { store } = db;
      const { root } = await seedLibrary(store);
      const libraryId = root.libraryId;
      const a = await addFolder(store, root, 'a');
      const x = await addFile(store, a, 'x', { sha256: SHA_A, size: 10 });
      const y = await addFolder(store, a, 'y');
      const z = await addFile(store, y, 'z', { sha256: SHA_B, size: 20 });
      const space = await addFile(store, a, 'y b', { sha256: SHA_C, size: 3 });
      // Above U+FFFF sorts after U+FFFD in UTF-8 byte order (JavaScript's `<` says before).
      const astral = await addFile(store, a, '\u{1F600}', { sha256: SHA_C, size: 1 });
      const bmp = await addFile(store, a, '\uFFFD', { sha256: SHA_C, size: 1 });
      await addFile(store, root, 'a0');
      const all = await store.itemListSubtreeForSync({ libraryId, prefix: '/a/', limit: 10 });
      expect(all.map((r) => r.path)).toEqual(['/a/x', '/a/y', '/a/y b', '/a/y/z', '/a/\uFFFD', '/a/\u{1F600}']);
      expect(all[0]).toEqual({ id: x.id, path: '/a/x', kind: 'file', size: 10, sha256: SHA_A });
      expect(all[1]).toEqual({ id: y.id, path: '/a/y', kind: 'folder', size: 0, sha256: null });
      expect(all.map((r) => r.id)).toEqual([x.id, y.id, space.id, z.id, bmp.id, astral.id]);
      expect((await store.itemListSubtreeForSync({ libraryId, prefix: '/a/', after: '/a/y', limit: 2 })).map((r) => r.path)).toEqual(['/a/y b', '/a/y/z']);
      // From a path, inclusive (skipping /a/y's subtree: from '/a/y0').
      expect((await store.itemListSubtreeForSync({ libraryId, prefix: '/a/', after: '/a/x', from: '/a/y0', limit: 10 })).map((r) => r.path)).toEqual(['/a/\uFFFD', '/a/\u{1F600}']);
      expect((await store.itemListSubtreeForSync({ libraryId, prefix: '/a/', from: '/a/y', limit: 1 })).map((r) => r.path)).toEqual(['/a/y']);
      await store.itemTrashMany({ ids: [z.id], rootId: z.id, now: 3 });
      expect((await store.itemListSubtreeForSync({ libraryId, prefix: '/a/y/', limit: 10 }))).toEqual([]);
      expect((await store.itemListSubtreeForSync({ libraryId, prefix: '/', limit: 3 })).map((r) => r.path)).toEqual(['/a', '/a/x', '/a/y']);
    });

    it('blobAddRefMany adds to many blobs at once (duplicates summed); a blob being collected refuses the lot', async () => {
      const { store } = db;
      await store.blobAddRef({ storage: 'default', sha256: SHA_A, size: 5, count: 2, now: 1 });
      const counts = await store.blobAddRefMany({
        storage: 'default',
        blobs: [
          { sha256: SHA_B, size: 7, count: 1 },
          { sha256: SHA_A, size: 5, count: 3 },
          { sha256: SHA_B, size: 7, count: 2 },
        ],
        now: 2,
      });
      expect([...counts].sort((p, q) => (p.sha256 < q.sha256 ? -1 : 1))).toEqual([
        { sha256: SHA_A, refcount: 5 },
        { sha256: SHA_B, refcount: 3 },
      ]);
      expect(await store.blobGetRefcount({ storage: 'cold', sha256: SHA_A })).toBeUndefined();
      expect(await store.blobAddRefMany({ storage: 'default', blobs: [], now: 3 })).toEqual([]);
      await store.blobAddRef({ storage: 'default', sha256: SHA_C, size: 1, now: 1 });
      await store.blobRelease({ storage: 'default', sha256: SHA_C });
      expect(await store.blobMarkCollecting({ storage: 'default', sha256: SHA_C })).toBe(true);
      await expect(
        store.transaction((tx) => tx.blobAddRefMany({ storage: 'default', blobs: [{ sha256: SHA_A, size: 5, count: 1 }, { sha256: SHA_C, size: 1, count: 1 }], now: 4 })),
      ).rejects.toBeInstanceOf(BlobCollectedError);
      expect(await store.blobGetRefcount({ storage: 'default', sha256: SHA_A })).toBe(5);
      expect(await store.blobGetRefcount({ storage: 'default', sha256: SHA_C })).toBe(-1);
    });
  });
}
