/** Verify's reads and repairs: blobs under a path, counts against references (items and job artifacts), a count set right. Every driver. */
import { describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { useSharedStore } from './shared-store.js';
import { addFile, addFolder, seedJob, seedLibrary, SHA_A, SHA_B, SHA_C } from './seed.js';

const factories = await driverFactories();
const SHA_D = 'd'.repeat(64);

for (const factory of factories) {
  describe(`catalog checks on ${factory.name}`, () => {
    const db = useSharedStore(factory);

    it('itemListBlobsUnder lists the distinct hashes at and under a path, live or trashed, in order, after a cursor', async () => {
      const { store } = db;
      const { library, root } = await seedLibrary(store, 'a');
      const docs = await addFolder(store, root, 'docs');
      await addFile(store, docs, 'one', { sha256: SHA_B });
      await addFile(store, docs, 'two', { sha256: SHA_B });
      const gone = await addFile(store, docs, 'three', { sha256: SHA_C });
      await store.itemTrashMany({ ids: [gone.id], rootId: gone.id, now: 3 });
      await addFile(store, root, 'docs2', { sha256: SHA_D }); // beside /docs, not under it
      await addFile(store, root, 'x', { sha256: SHA_A });
      const other = await seedLibrary(store, 'b');
      await addFile(store, other.root, 'y', { sha256: SHA_A });
      expect(await store.itemListBlobsUnder({ libraryId: library.id, path: '/docs', limit: 10 })).toEqual([SHA_B, SHA_C]);
      expect(await store.itemListBlobsUnder({ libraryId: library.id, path: '/', limit: 10 })).toEqual([SHA_A, SHA_B, SHA_C, SHA_D]);
      expect(await store.itemListBlobsUnder({ libraryId: library.id, path: '/', afterSha256: SHA_B, limit: 1 })).toEqual([SHA_C]);
      expect(await store.itemListBlobsUnder({ libraryId: library.id, path: '/docs2', limit: 10 })).toEqual([SHA_D]);
      expect(await store.itemListBlobsUnder({ libraryId: library.id, path: '/none', limit: 10 })).toEqual([]);
    });

    it('itemListInventory lists live or trashed items of a selection in a path range, by (path, id), after a keyset; the root folder never', async () => {
      const { store } = db;
      const { library, root } = await seedLibrary(store, 'a');
      const docs = await addFolder(store, root, 'docs');
      const one = await addFile(store, docs, 'one');
      await addFile(store, docs, 'two');
      const old = await addFile(store, docs, 'zz');
      await store.itemTrashMany({ ids: [old.id], rootId: old.id, now: 3 });
      await addFile(store, root, 'docs2');
      const paths = async (p: Partial<Parameters<typeof store.itemListInventory>[0]>) =>
        (await store.itemListInventory({ libraryId: library.id, path: '/', above: null, through: null, trashed: false, limit: 10, ...p })).map((i) => i.path);
      expect(await paths({})).toEqual(['/docs', '/docs/one', '/docs/two', '/docs2']);
      expect(await paths({ trashed: true })).toEqual(['/docs/zz']);
      expect(await paths({ path: '/docs' })).toEqual(['/docs', '/docs/one', '/docs/two']);
      expect(await paths({ path: '/docs', above: '/docs', through: '/docs/one' })).toEqual(['/docs/one']);
      expect(await paths({ path: '/docs', after: { path: one.path, id: one.id } })).toEqual(['/docs/two']);
      expect(await paths({ path: '/docs', trashed: true, through: '/docs/two' })).toEqual([]);
      expect(await paths({ limit: 1 })).toEqual(['/docs']);
    });

    it('blobCheckRefs counts the file items of every library on the storage and the job artifacts; blobRepairRefcount sets the count, or creates the row', async () => {
      const { store } = db;
      const a = await seedLibrary(store, 'a');
      const b = await seedLibrary(store, 'b');
      const elsewhere = await seedLibrary(store, 'c', { storage: 'cold' });
      await addFile(store, a.root, 'one', { sha256: SHA_A, size: 10 });
      await addFile(store, b.root, 'two', { sha256: SHA_A, size: 10 });
      await addFile(store, elsewhere.root, 'three', { sha256: SHA_A, size: 10 });
      await addFile(store, a.root, 'four', { sha256: SHA_B, size: 20 });
      const job = await seedJob(store, { libraryId: a.library.id });
      await store.artifactPut({ jobId: job.id, part: 0, storage: 'default', sha256: SHA_A, size: 10, name: 'r.csv', mediaType: 'text/csv', meta: null, createdAt: 1, expiresAt: 2 });
      await store.blobAddRef({ storage: 'default', sha256: SHA_A, size: 10, count: 7, now: 1 });
      await store.blobAddRef({ storage: 'default', sha256: SHA_C, size: 5, count: 1, now: 1 });
      const check = await store.blobCheckRefs({ storage: 'default', hashes: [SHA_A, SHA_B, SHA_C, SHA_D] });
      expect(check).toEqual([
        { sha256: SHA_A, refcount: 7, refs: 3, size: 10 },
        { sha256: SHA_B, refcount: null, refs: 1, size: 20 },
        { sha256: SHA_C, refcount: 1, refs: 0, size: 5 },
      ]);
      expect(await store.blobCheckRefs({ storage: 'default', hashes: [] })).toEqual([]);

      const fixed = await store.transaction((tx) => tx.blobRepairRefcount({ storage: 'default', sha256: SHA_A, now: 5 }));
      expect(fixed).toEqual({ before: 7, after: 3 });
      expect(await store.transaction((tx) => tx.blobRepairRefcount({ storage: 'default', sha256: SHA_B, now: 5 }))).toEqual({ before: null, after: 1 });
      expect(await store.transaction((tx) => tx.blobRepairRefcount({ storage: 'default', sha256: SHA_C, now: 5 }))).toEqual({ before: 1, after: 0 });
      expect(await store.transaction((tx) => tx.blobRepairRefcount({ storage: 'default', sha256: SHA_D, now: 5 }))).toEqual({ before: null, after: null });
      expect(await store.blobCheckRefs({ storage: 'default', hashes: [SHA_A, SHA_B, SHA_C] })).toEqual([
        { sha256: SHA_A, refcount: 3, refs: 3, size: 10 },
        { sha256: SHA_B, refcount: 1, refs: 1, size: 20 },
        { sha256: SHA_C, refcount: 0, refs: 0, size: 5 },
      ]);
      // A row the collector is taking (-1) is left to it.
      await store.blobMarkCollecting({ storage: 'default', sha256: SHA_C });
      expect(await store.transaction((tx) => tx.blobRepairRefcount({ storage: 'default', sha256: SHA_C, now: 5 }))).toEqual({ before: -1, after: -1 });
    });
  });
}
