/**
 * Library usage (items, bytes) through every kind of catalog change: uploads
 * (new and replaced content), folders, copy, move across libraries, trash,
 * restore, purge, empty trash, a library deleted; after each, the recorded
 * usage equals the catalog's and the expected figures. Every driver.
 */
import { Readable } from 'node:stream';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { engineFixture, type EngineFixture } from '../support/engine.js';
import { foldLibraryUsage } from '../../src/engine/usage-folder.js';

const factories = await driverFactories();

for (const factory of factories) {
  describe(`library usage on ${factory.name}`, () => {
    let f: EngineFixture;
    beforeEach(async () => {
      f = await engineFixture(factory);
      await f.startEngine();
    });
    afterEach(async () => {
      await f.dispose();
    });

    /** The recorded usage, after checking it equals the catalog's. */
    async function usage(libraryId: string) {
      const { recorded, actual } = await f.app.store.libraryUsageCheck({ libraryId });
      expect(recorded).toEqual(actual);
      return recorded;
    }
    const put = (lib: string, path: string, text: string) => f.app.items.putFile(f.admin, lib, path, Readable.from([Buffer.from(text)]));
    async function run(type: string, lib: string, params: Record<string, unknown>) {
      const job = await f.waitFor((await f.submit(type, lib, params)).id);
      expect(job.status).toBe('completed');
      return job;
    }

    it('stays exact through uploads, folders, copy, cross-library move, trash, restore, purge and empty trash', async () => {
      const a = await f.library('a');
      const b = await f.library('b');
      expect(await usage(a)).toEqual({ items: 0, bytes: 0 });
      await put(a, '/docs/one.txt', 'hello'); // creates /docs
      await put(a, '/docs/two.txt', 'abc');
      await f.app.items.createFolder(f.admin, a, '/empty');
      expect(await usage(a)).toEqual({ items: 4, bytes: 8 });
      await put(a, '/docs/one.txt', 'hello, world'); // replaced content
      expect(await usage(a)).toEqual({ items: 4, bytes: 15 });

      await run('copy', a, { paths: ['/docs'], destination: '/copy' });
      expect(await usage(a)).toEqual({ items: 8, bytes: 30 });
      await run('move', a, { paths: ['/copy'], destination: '/', targetLibraryId: b });
      expect(await usage(a)).toEqual({ items: 4, bytes: 15 });
      expect(await usage(b)).toEqual({ items: 4, bytes: 15 });

      // Trashed items keep their bytes until purged: trash and restore change nothing.
      await run('trash', a, { paths: ['/docs'] });
      expect(await usage(a)).toEqual({ items: 4, bytes: 15 });
      const [root] = (await f.app.items.listTrash(f.admin, a, { limit: 10 })).items;
      await run('restore', a, { itemIds: [root!.id] });
      expect(await usage(a)).toEqual({ items: 4, bytes: 15 });

      await run('purge', a, { paths: ['/docs/two.txt'] });
      expect(await usage(a)).toEqual({ items: 3, bytes: 12 });
      await run('trash', a, { paths: ['/docs'] });
      await run('empty_trash', a, {});
      expect(await usage(a)).toEqual({ items: 1, bytes: 0 });

      const count = await f.tree(b, '/tree', 3, 20);
      const before = await usage(b);
      expect(before.items).toBe(4 + count);
      // Folding keeps the sums.
      await foldLibraryUsage(f.app.store);
      expect(await usage(b)).toEqual(before);
      const { rows } = await sql<{ n: number }>`select count(*) as n from library_usage where library_id = ${b}`.execute(f.app.driver.db);
      expect(Number(rows[0]!.n)).toBe(1);

      await f.app.libraries.delete(f.admin, b);
      expect(await f.app.store.libraryUsageGet({ libraryId: b })).toEqual({ items: 0, bytes: 0 });
    });
  });
}
