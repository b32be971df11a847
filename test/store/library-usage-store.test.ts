/** Library usage kept by the items triggers, folded, checked and repaired, on every driver. */
import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { driverFactories } from '../support/drivers.js';
import { useSharedStore } from './shared-store.js';
import { addFile, addFolder, seedLibrary, SHA_A, SHA_B } from './seed.js';

const factories = await driverFactories();

for (const factory of factories) {
  describe(`library usage store on ${factory.name}`, () => {
    const db = useSharedStore(factory);

    it('libraryUsageGet counts every item but the root, live and trashed, and their files’ bytes, through inserts, content changes, trash and deletes', async () => {
      const { store } = db;
      const { library, root } = await seedLibrary(store, 'a');
      const other = await seedLibrary(store, 'b');
      expect(await store.libraryUsageGet({ libraryId: library.id })).toEqual({ items: 0, bytes: 0 });
      const folder = await addFolder(store, root, 'f');
      const one = await addFile(store, folder, 'one.txt', { size: 100 });
      await addFile(store, root, 'two.txt', { size: 23, sha256: SHA_B });
      await addFile(store, other.root, 'x.txt', { size: 5 });
      expect(await store.libraryUsageGet({ libraryId: library.id })).toEqual({ items: 3, bytes: 123 });
      await store.itemUpdateContent({ id: one.id, sha256: SHA_B, size: 1000, contentType: 'text/plain', now: 3 });
      expect(await store.libraryUsageGet({ libraryId: library.id })).toEqual({ items: 3, bytes: 1023 });
      // Trashed items still hold their bytes: the trash changes nothing.
      await store.itemTrashMany({ ids: [folder.id, one.id], rootId: folder.id, now: 4 });
      expect(await store.libraryUsageGet({ libraryId: library.id })).toEqual({ items: 3, bytes: 1023 });
      const gone = await store.itemDeleteMany({ ids: [one.id, folder.id] });
      expect(gone.deleted).toBe(2);
      expect(await store.libraryUsageGet({ libraryId: library.id })).toEqual({ items: 1, bytes: 23 });
      expect(await store.libraryUsageGet({ libraryId: other.library.id })).toEqual({ items: 1, bytes: 5 });
      expect(await store.libraryUsageGet({ libraryId: 'missing' })).toEqual({ items: 0, bytes: 0 });
    });

    it('libraryUsageFold folds a library’s rows into one with the same sum; libraryUsageListUnfolded names the libraries with several', async () => {
      const { store } = db;
      const { library, root } = await seedLibrary(store, 'a');
      const quiet = await seedLibrary(store, 'quiet');
      for (let i = 0; i < 5; i++) await addFile(store, root, `f${i}`, { size: i + 1 });
      expect(await store.libraryUsageListUnfolded({ limit: 10 })).toEqual([library.id]);
      expect(await store.libraryUsageFold({ libraryId: library.id, limit: 3 })).toBe(3);
      expect(await store.libraryUsageGet({ libraryId: library.id })).toEqual({ items: 5, bytes: 15 });
      expect(await store.libraryUsageFold({ libraryId: library.id, limit: 100 })).toBeGreaterThan(1);
      expect(await store.libraryUsageListUnfolded({ limit: 10 })).toEqual([]);
      expect(await store.libraryUsageGet({ libraryId: library.id })).toEqual({ items: 5, bytes: 15 });
      expect(await store.libraryUsageFold({ libraryId: quiet.library.id, limit: 100 })).toBe(0);
      // Inside a caller's transaction too.
      await store.transaction(async (tx) => {
        await addFile(tx, root, 'late', { size: 7 });
        await tx.libraryUsageFold({ libraryId: library.id, limit: 100 });
      });
      expect(await store.libraryUsageGet({ libraryId: library.id })).toEqual({ items: 6, bytes: 22 });
    });

    it('libraryUsageCheck compares the recorded usage with the catalog; libraryUsageRepair appends the difference', async () => {
      const { store } = db;
      const { library, root } = await seedLibrary(store, 'a');
      await addFile(store, root, 'one', { size: 40, sha256: SHA_A });
      expect(await store.libraryUsageCheck({ libraryId: library.id })).toEqual({ recorded: { items: 1, bytes: 40 }, actual: { items: 1, bytes: 40 } });
      expect(await store.libraryUsageRepair({ libraryId: library.id })).toEqual({ items: 0, bytes: 0 });
      await sql`insert into library_usage (library_id, items, bytes) values (${library.id}, 3, -1000)`.execute(db.t.driver.db);
      expect(await store.libraryUsageCheck({ libraryId: library.id })).toEqual({ recorded: { items: 4, bytes: -960 }, actual: { items: 1, bytes: 40 } });
      expect(await store.libraryUsageRepair({ libraryId: library.id })).toEqual({ items: -3, bytes: 1000 });
      expect(await store.libraryUsageGet({ libraryId: library.id })).toEqual({ items: 1, bytes: 40 });
    });

    it('a deleted library leaves no usage rows behind', async () => {
      const { store } = db;
      const { library, root } = await seedLibrary(store, 'a');
      await addFile(store, root, 'one', { size: 40 });
      expect(await store.libraryDelete(library.id)).toBe(true);
      const { rows } = await sql<{ n: number }>`select count(*) as n from library_usage`.execute(db.t.driver.db);
      expect(Number(rows[0]!.n)).toBe(0);
    });
  });
}
