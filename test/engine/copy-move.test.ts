/** Copy and move through the engine: within a library, across libraries and storage locations, with each onConflict. */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { engineFixture, type EngineFixture } from '../support/engine.js';

const factories = await driverFactories();

for (const factory of factories) {
  describe(`copy/move jobs on ${factory.name}`, () => {
    let f: EngineFixture;
    let lib: string;
    beforeEach(async (context) => {
      const second = path.join(fs.mkdtempSync(path.join(fs.realpathSync('/tmp'), 'by-second-')));
      context.onTestFinished(() => fs.rmSync(second, { recursive: true, force: true }));
      f = await engineFixture(factory, { BATCHYARD_STORAGES: `second=${second}` });
      lib = await f.library();
      await f.startEngine();
    });
    afterEach(async () => {
      await f.dispose();
    });

    const sub = (paths: string[], prefix: string) => paths.filter((p) => p.startsWith(prefix)).map((p) => p.slice(prefix.length));

    it('copies a tree within a library, and a second copy follows onConflict', async () => {
      const count = await f.tree(lib, '/src', 3, 250);
      const job = await f.waitFor((await f.submit('copy', lib, { paths: ['/src'], destination: '/dest/deeper' })).id);
      expect(job.status).toBe('completed');
      expect(job.counts).toMatchObject({ total: count, succeeded: count, failed: 0 });
      const paths = await f.livePaths(lib);
      expect(sub(paths, '/dest/deeper/src')).toEqual(sub(paths, '/src'));
      expect(job.bytes.total).toBeGreaterThan(0);
      expect(job.bytes.done).toBe(job.bytes.total);

      const clash = await f.waitFor((await f.submit('copy', lib, { paths: ['/src'], destination: '/dest/deeper' })).id);
      expect(clash.status).toBe('completed_with_errors');
      expect(clash.counts).toMatchObject({ failed: 1, skipped: count - 1 });
      const failures = await f.app.jobs.failures(f.admin, clash.id, { limit: 10 });
      expect(failures.failures[0]).toMatchObject({ path: '/src', code: 'CONFLICT' });

      const renamed = await f.waitFor((await f.submit('copy', lib, { paths: ['/src'], destination: '/dest/deeper', onConflict: 'rename' })).id);
      expect(renamed.status).toBe('completed');
      const after = await f.livePaths(lib);
      expect(sub(after, '/dest/deeper/src (1)')).toEqual(sub(after, '/src'));

      const skipped = await f.waitFor((await f.submit('copy', lib, { paths: ['/src'], destination: '/dest/deeper', onConflict: 'skip' })).id);
      expect(skipped.status).toBe('completed');
      expect(skipped.counts).toMatchObject({ succeeded: 0, skipped: count });
    });

    it('copies across libraries and storage locations, bytes included', async () => {
      const other = await f.library('Other', { objectStorageLocation: 'second' });
      const count = await f.tree(lib, '/src', 2, 20);
      const job = await f.waitFor((await f.submit('copy', lib, { paths: ['/src'], destination: '/', targetLibraryId: other })).id);
      expect(job.status).toBe('completed');
      expect(job.counts.succeeded).toBe(count);
      expect(await f.livePaths(other)).toEqual(await f.livePaths(lib));
      const item = await f.app.items.openDownload(f.admin, other, { path: '/src/d0001/f00003.txt' });
      expect(item.blobStore.name).toBe('second');
      expect(await item.blobStore.stat(item.item.sha256!)).not.toBeNull();
    });

    it('moves within a library (paths rewritten, ids kept) and refuses a destination inside the moved folder', async () => {
      const count = await f.tree(lib, '/a', 2, 300);
      const before = await f.app.store.itemGetByPath({ libraryId: lib, path: '/a/d0001/f00007.txt' });
      await expect(f.submit('move', lib, { paths: ['/a'], destination: '/a/d0001' })).rejects.toMatchObject({ code: 'UNPROCESSABLE' });
      const job = await f.waitFor((await f.submit('move', lib, { paths: ['/a'], destination: '/b' })).id);
      expect(job.status).toBe('completed');
      expect(job.counts.succeeded).toBe(count);
      const paths = await f.livePaths(lib);
      expect(paths.some((p) => p.startsWith('/a'))).toBe(false);
      const after = await f.app.store.itemGetByPath({ libraryId: lib, path: '/b/a/d0001/f00007.txt' });
      expect(after?.id).toBe(before?.id);
      const children = await f.app.items.listChildren(f.admin, lib, { folder: { path: '/b/a/d0001' }, limit: 1000 });
      expect(children.items).toHaveLength(300);
    });

    it('moves across libraries: the source is gone, the target has it, blob references move', async () => {
      const other = await f.library('Other2', { objectStorageLocation: 'second' });
      await f.tree(lib, '/m', 2, 30);
      const expected = (await f.livePaths(lib)).filter((p) => p.startsWith('/m'));
      const job = await f.waitFor((await f.submit('move', lib, { paths: ['/m'], destination: '/', targetLibraryId: other })).id);
      expect(job.status).toBe('completed');
      expect(await f.livePaths(lib)).toEqual(['/']);
      expect((await f.livePaths(other)).filter((p) => p !== '/')).toEqual(expected);
      const refs = await f.app.driver.db.selectFrom('blobs').select(['storage', 'refcount']).execute();
      expect(refs.filter((r) => r.storage === 'default').every((r) => Number(r.refcount) === 0)).toBe(true);
      expect(refs.filter((r) => r.storage === 'second').reduce((n, r) => n + Number(r.refcount), 0)).toBe(60);
    });

    it('overwrite moves the item in the way to the trash', async () => {
      await f.tree(lib, '/x', 1, 2);
      await f.tree(lib, '/y', 1, 1);
      await f.app.items.createFolder(f.admin, lib, '/y/x');
      const job = await f.waitFor((await f.submit('copy', lib, { paths: ['/x'], destination: '/y', onConflict: 'overwrite' })).id);
      expect(job.status).toBe('completed');
      const trash = await f.app.items.listTrash(f.admin, lib, { limit: 10 });
      expect(trash.items.map((i) => i.path)).toEqual(['/y/x']);
      expect(sub(await f.livePaths(lib), '/y/x')).toEqual(sub(await f.livePaths(lib), '/x'));
    });
  });
}
