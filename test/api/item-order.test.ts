/** A folder listing in each `order` over HTTP: pages by cursor, a cursor tied to its order, bad orders a 400 naming `order`. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { startTestApp, type TestApp } from '../support/app.js';

const factories = await driverFactories();

for (const factory of factories) {
  describe(`folder listing order on ${factory.name}`, () => {
    let t: TestApp;
    let lib: string;

    beforeEach(async () => {
      t = await startTestApp(factory);
      lib = (await t.call('POST', '/api/v1/libraries', { json: { name: 'Sorted' } })).body.libraryId;
      // sizes: big 300, mid 20, same 20, tiny 1; the folder 'sub' 0
      for (const [name, bytes] of [['mid.txt', 20], ['big.bin', 300], ['tiny.txt', 1], ['same.txt', 20]] as const) {
        expect((await t.call('PUT', `/api/v1/libraries/${lib}/files/box/${name}`, { body: 'x'.repeat(bytes) })).status).toBe(201);
      }
      expect((await t.call('POST', `/api/v1/libraries/${lib}/folders`, { json: { path: '/box/sub' } })).status).toBe(201);
    });
    afterEach(async () => {
      await t.dispose();
    });

    async function walk(query: string, limit: number): Promise<string[]> {
      const names: string[] = [];
      let cursor: string | null = null;
      do {
        const url: string = `/api/v1/libraries/${lib}/items?path=/box&limit=${limit}${query}${cursor === null ? '' : `&cursor=${cursor}`}`;
        const res = await t.call('GET', url);
        expect(res.status).toBe(200);
        names.push(...res.body.items.map((item: { name: string }) => item.name));
        cursor = res.body.nextCursor;
      } while (cursor !== null);
      return names;
    }

    it('pages a folder by name, size or modification time, ascending or descending', async () => {
      expect(await walk('', 2)).toEqual(['big.bin', 'mid.txt', 'same.txt', 'sub', 'tiny.txt']);
      expect(await walk('&order=name_asc', 2)).toEqual(['big.bin', 'mid.txt', 'same.txt', 'sub', 'tiny.txt']);
      expect(await walk('&order=name_desc', 2)).toEqual(['tiny.txt', 'sub', 'same.txt', 'mid.txt', 'big.bin']);
      expect(await walk('&order=size_asc', 2)).toEqual(['sub', 'tiny.txt', 'mid.txt', 'same.txt', 'big.bin']);
      expect(await walk('&order=size_desc', 3)).toEqual(['big.bin', 'same.txt', 'mid.txt', 'tiny.txt', 'sub']);
      const byTime = await walk('&order=modified_asc', 1);
      expect(byTime.at(-1)).toBe('sub');
      expect(await walk('&order=modified_desc', 2)).toEqual([...byTime].reverse());
      const box = (await t.call('GET', `/api/v1/libraries/${lib}/files/box/mid.txt`)).status;
      expect(box).toBe(200);
    });

    it("orders a folder's children by its id too", async () => {
      const folder = (await t.call('GET', `/api/v1/libraries/${lib}/items?path=/`)).body.items[0];
      const res = await t.call('GET', `/api/v1/libraries/${lib}/items/${folder.id}/children?order=size_desc&limit=2`);
      expect(res.status).toBe(200);
      expect(res.body.items.map((item: { name: string }) => item.name)).toEqual(['big.bin', 'same.txt']);
      const next = await t.call('GET', `/api/v1/libraries/${lib}/items/${folder.id}/children?order=size_desc&limit=2&cursor=${res.body.nextCursor}`);
      expect(next.body.items.map((item: { name: string }) => item.name)).toEqual(['mid.txt', 'tiny.txt']);
    });

    it('refuses an unknown order and a cursor of another order with a 400 naming the field', async () => {
      const bad = await t.call('GET', `/api/v1/libraries/${lib}/items?path=/box&order=colour`);
      expect(bad.status).toBe(400);
      expect(bad.body.error.message).toMatch(/order/);
      const bySize = await t.call('GET', `/api/v1/libraries/${lib}/items?path=/box&order=size_asc&limit=1`);
      const mixed = await t.call('GET', `/api/v1/libraries/${lib}/items?path=/box&order=name_asc&limit=1&cursor=${bySize.body.nextCursor}`);
      expect(mixed.status).toBe(400);
      expect(mixed.body.error.details).toMatchObject({ field: 'cursor' });
    });
  });
}
