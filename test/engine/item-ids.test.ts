/**
 * copy, move, trash and purge by item id through the engine: items are
 * planned by their ids (an item moved after submission is still the one
 * acted on), an item inside another selected folder is covered by it, and
 * what cannot be acted on (unknown id, the root, an item in the trash) is a
 * per-item failure.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { engineFixture, type EngineFixture } from '../support/engine.js';

const factories = await driverFactories();

for (const factory of factories) {
  describe(`jobs by item id on ${factory.name}`, () => {
    let f: EngineFixture;
    let lib: string;
    beforeEach(async () => {
      f = await engineFixture(factory);
      lib = await f.library();
    });
    afterEach(async () => {
      await f.dispose();
    });

    const idOf = async (path: string, libraryId = lib) => (await f.app.store.itemGetByPath({ libraryId, path }))!.id;
    const failuresOf = async (jobId: number) => (await f.app.jobs.failures(f.admin, jobId, { limit: 100 })).failures.map((x) => [x.path, x.code, x.message]);

    it('trashes by id: a folder with its subtree, a file inside it once, and fails what it cannot trash', async () => {
      const count = await f.tree(lib, '/docs', 2, 30);
      await f.tree(lib, '/keep', 1, 2);
      await f.tree(lib, '/old', 1, 1);
      const folder = await idOf('/docs');
      const inside = await idOf('/docs/d0001/f00003.txt');
      const lone = await idOf('/keep/d0000/f00001.txt');
      const root = (await f.app.store.libraryGetById(lib))!.rootFolderId;
      const first = await f.submit('trash', lib, { paths: ['/old'] });
      await f.startEngine();
      await f.waitFor(first.id);
      const oldFolder = (await f.app.items.listTrash(f.admin, lib, { limit: 10 })).items[0]!.id;

      const job = await f.waitFor((await f.submit('trash', lib, { itemIds: [inside, folder, lone, 999_999, root, oldFolder] })).id);
      expect(job.params).toEqual({ itemIds: [inside, folder, lone, 999_999, root, oldFolder] });
      expect(job.status).toBe('completed_with_errors');
      // The file inside /docs is covered by /docs: counted once, not planned on its own.
      expect(job.counts).toMatchObject({ total: count + 1 + 3, succeeded: count + 1, failed: 3, skipped: 0 });
      expect(await failuresOf(job.id)).toEqual(
        expect.arrayContaining([
          ['item 999999', 'NOT_FOUND', 'item 999999 not found'],
          ['/', 'UNPROCESSABLE', "the library's root folder cannot be trashed"],
          ['/old', 'UNPROCESSABLE', `item ${oldFolder} is in the trash`],
        ]),
      );
      expect(await f.livePaths(lib)).toEqual(['/', '/keep', '/keep/d0000', '/keep/d0000/f00000.txt']);
      const roots = (await f.app.items.listTrash(f.admin, lib, { limit: 10 })).items.map((i) => i.path).sort();
      expect(roots).toEqual(['/docs', '/keep/d0000/f00001.txt', '/old']);
    });

    it('plans by id: an item renamed after submission is still the one acted on', async () => {
      await f.tree(lib, '/a', 1, 3);
      const id = await idOf('/a/d0000/f00001.txt');
      const job = await f.submit('trash', lib, { itemIds: [id] });
      // Renamed before the engine plans the job: a selection turned into a path at submission would miss it.
      await f.app.store.itemSetPlace({ id, parentId: await idOf('/a/d0000'), name: 'renamed.txt', path: '/a/d0000/renamed.txt', now: Date.now() });
      await f.startEngine();
      const done = await f.waitFor(job.id);
      expect(done).toMatchObject({ status: 'completed', counts: { total: 1, succeeded: 1, failed: 0 } });
      expect(await f.livePaths(lib)).toEqual(['/', '/a', '/a/d0000', '/a/d0000/f00000.txt', '/a/d0000/f00002.txt']);
      expect((await f.app.items.listTrash(f.admin, lib, { limit: 10 })).items.map((i) => [i.id, i.path])).toEqual([[id, '/a/d0000/renamed.txt']]);
    });

    it('purges by id, live items and trash roots alike', async () => {
      await f.tree(lib, '/p', 2, 5);
      await f.tree(lib, '/t', 1, 5);
      await f.startEngine();
      await f.waitFor((await f.submit('trash', lib, { paths: ['/t'] })).id);
      const trashRoot = (await f.app.items.listTrash(f.admin, lib, { limit: 10 })).items[0]!.id;
      const job = await f.waitFor((await f.submit('purge', lib, { itemIds: [await idOf('/p'), await idOf('/p/d0001/f00002.txt'), trashRoot] })).id);
      expect(job).toMatchObject({ status: 'completed', counts: { total: 13 + 7, succeeded: 20, failed: 0 } });
      expect(await f.livePaths(lib)).toEqual(['/']);
      expect((await f.app.items.listTrash(f.admin, lib, { limit: 10 })).items).toEqual([]);
      const left = await f.app.driver.db.selectFrom('items').select('id').where('library_id', '=', lib).execute();
      expect(left).toHaveLength(1);
    });

    it('copies by id as it copies by path (a nested selection copied once)', async () => {
      const count = await f.tree(lib, '/src', 2, 20);
      await f.startEngine();
      const byPath = await f.waitFor((await f.submit('copy', lib, { paths: ['/src', '/src/d0001/f00004.txt'], destination: '/by-path' })).id);
      const byId = await f.waitFor((await f.submit('copy', lib, { itemIds: [await idOf('/src/d0001/f00004.txt'), await idOf('/src')], destination: '/by-id' })).id);
      expect(byId.status).toBe('completed');
      expect(byId.counts).toMatchObject({ total: count, succeeded: count, failed: 0, skipped: 0 });
      expect(byId.bytes).toEqual(byPath.bytes);
      const paths = await f.livePaths(lib);
      const under = (prefix: string) => paths.filter((p) => p.startsWith(prefix)).map((p) => p.slice(prefix.length));
      expect(under('/by-id/')).toEqual(under('/by-path/'));
      expect(under('/by-id/')).toContain('src/d0001/f00004.txt');
      expect(under('/by-id/')).not.toContain('f00004.txt');
    });

    it('moves by id within a library (ids kept) and into another library; a destination inside a moved folder fails that item', async () => {
      await f.tree(lib, '/m', 2, 10);
      await f.tree(lib, '/n', 1, 2);
      const other = await f.library('Other');
      const folder = await idOf('/m');
      const file = await idOf('/m/d0001/f00007.txt');
      await f.startEngine();
      const inside = await f.waitFor((await f.submit('move', lib, { itemIds: [folder], destination: '/m/d0000' })).id);
      // By id the rule is checked when the root is placed: the root fails, its subtree is skipped with it.
      expect(inside).toMatchObject({ status: 'completed_with_errors', counts: { total: 23, failed: 1, skipped: 22, succeeded: 0 } });
      expect(await failuresOf(inside.id)).toEqual([['/m', 'UNPROCESSABLE', "'/m/d0000' is inside '/m'"]]);

      const within = await f.waitFor((await f.submit('move', lib, { itemIds: [folder], destination: '/moved' })).id);
      expect(within).toMatchObject({ status: 'completed', counts: { total: 23, succeeded: 23 } });
      expect(await idOf('/moved/m/d0001/f00007.txt')).toBe(file);
      expect((await f.livePaths(lib)).some((p) => p.startsWith('/m/') || p === '/m')).toBe(false);

      const across = await f.waitFor((await f.submit('move', lib, { itemIds: [await idOf('/n')], destination: '/in', targetLibraryId: other, onConflict: 'rename' })).id);
      expect(across).toMatchObject({ status: 'completed', targetLibraryId: other, counts: { total: 4, succeeded: 4 } });
      expect(await f.livePaths(other)).toEqual(['/', '/in', '/in/n', '/in/n/d0000', '/in/n/d0000/f00000.txt', '/in/n/d0000/f00001.txt']);
      expect((await f.livePaths(lib)).some((p) => p.startsWith('/n'))).toBe(false);
    });
  });
}
