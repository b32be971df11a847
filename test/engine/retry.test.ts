/**
 * Retry jobs do the original's failed items. A copy's subtree chunks follow
 * their root to where the original placed it: a retry of failed chunks finds
 * that placement (it used to look only among its own, found none, and counted
 * every item skipped without copying it). A copy or move root that failed had
 * its subtree skipped: a retry plans that root afresh with its subtree (it
 * used to place the root alone: a copied folder came without its contents, a
 * moved one left its descendants' paths behind).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { engineFixture, type EngineFixture } from '../support/engine.js';
import type { BlobStore } from '../../src/blobs/blob-store.js';

const factories = await driverFactories();

for (const factory of factories) {
  describe(`retry jobs on ${factory.name}`, () => {
    let f: EngineFixture;
    let lib: string;
    let other: string;
    let secondDir: string;
    beforeEach(async () => {
      secondDir = fs.mkdtempSync(path.join('/tmp', 'by-retry-'));
      f = await engineFixture(factory, { BATCHYARD_STORAGES: `second=${secondDir}` });
      lib = await f.library('Main');
      other = await f.library('Other', { objectStorageLocation: 'second' });
    });
    afterEach(async () => {
      await f.dispose();
      fs.rmSync(secondDir, { recursive: true, force: true });
    });

    it("copies a copy's failed subtree chunks under the root the original placed, and a second retry finds nothing left", async () => {
      let refuse = true;
      const refusing = (store: BlobStore): BlobStore =>
        store.name !== 'second'
          ? store
          : new Proxy(store, {
              get(target, prop, receiver) {
                if (prop === 'write' && refuse) return async () => Promise.reject(Object.assign(new Error('injected: permission denied'), { code: 'EACCES' }));
                const value = Reflect.get(target, prop, receiver) as unknown;
                return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
              },
            });
      await f.startEngine({ blobs: { get: (name: string) => refusing(f.app.blobStores.get(name)) } });
      const total = await f.tree(lib, '/big', 3, 40);
      const original = await f.waitFor((await f.submit('copy', lib, { paths: ['/big'], destination: '/dest', targetLibraryId: other })).id);
      expect(original.status).toBe('completed_with_errors');
      expect(original.counts).toMatchObject({ total, succeeded: 1, failed: total - 1 });
      expect(await f.livePaths(other)).toEqual(['/', '/dest', '/dest/big']);

      refuse = false;
      const retry = await f.waitFor((await f.app.jobs.retry(f.admin, original.id)).job.id);
      expect(retry.status, JSON.stringify(retry.counts)).toBe('completed');
      expect(retry.counts).toMatchObject({ total: total - 1, succeeded: total - 1, failed: 0, skipped: 0 });
      const copied = (await f.livePaths(other)).filter((p) => p.startsWith('/dest/'));
      expect(copied).toEqual((await f.livePaths(lib)).filter((p) => p !== '/').map((p) => `/dest${p}`));
      await expect(f.app.jobs.retry(f.admin, retry.id)).rejects.toMatchObject({ code: 'UNPROCESSABLE' });
    });

    /** Every live item's path agrees with its parent's (no descendant left under a path its ancestor no longer has). */
    async function expectPathsConsistent(libraryId: string) {
      const rows = await f.app.driver.db.selectFrom('items').select(['id', 'parent_id', 'path']).where('library_id', '=', libraryId).where('trashed_at', 'is', null).execute();
      const pathOf = new Map(rows.map((r) => [Number(r.id), r.path]));
      for (const row of rows) {
        if (row.parent_id === null) continue;
        const parent = pathOf.get(Number(row.parent_id))!;
        expect(row.path.slice(0, row.path.lastIndexOf('/')) || '/', row.path).toBe(parent);
      }
    }

    for (const type of ['move', 'copy'] as const) {
      it(`plans a failed ${type} root afresh with its subtree: every descendant comes along, paths consistent`, async () => {
        await f.startEngine();
        const total = await f.tree(lib, '/a', 2, 3);
        const before = (await f.livePaths(lib)).filter((p) => p !== '/');
        await f.app.items.createFolder(f.admin, lib, '/dest/a'); // in the way
        const original = await f.waitFor((await f.submit(type, lib, { paths: ['/a'], destination: '/dest' })).id);
        expect(original.status).toBe('completed_with_errors');
        expect(original.counts).toMatchObject({ total, succeeded: 0, failed: 1, skipped: total - 1 });

        const inTheWay = (await f.app.store.itemGetByPath({ libraryId: lib, path: '/dest/a' }))!;
        expect((await f.waitFor((await f.submit('purge', lib, { itemIds: [inTheWay.id] })).id)).status).toBe('completed');
        const retry = await f.waitFor((await f.app.jobs.retry(f.admin, original.id)).job.id);
        expect(retry.status, JSON.stringify(retry.counts)).toBe('completed');
        expect(retry.counts).toMatchObject({ total, succeeded: total, failed: 0, skipped: 0 });
        const moved = before.map((p) => `/dest${p}`);
        const expected = type === 'move' ? ['/', '/dest', ...moved] : ['/', ...before, '/dest', ...moved].sort();
        expect(await f.livePaths(lib)).toEqual(expected);
        await expectPathsConsistent(lib);
      });
    }

    it('plans a failed copy root afresh with its subtree, and does not also replay the failed chunks of that root (each item once)', async () => {
      let refuse = true;
      const refusing = (store: BlobStore): BlobStore =>
        store.name !== 'second'
          ? store
          : new Proxy(store, {
              get(target, prop, receiver) {
                if (prop === 'write' && refuse) return async () => Promise.reject(Object.assign(new Error('injected: permission denied'), { code: 'EACCES' }));
                const value = Reflect.get(target, prop, receiver) as unknown;
                return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
              },
            });
      await f.startEngine({ blobs: { get: (name: string) => refusing(f.app.blobStores.get(name)) } });
      const total = await f.tree(lib, '/big', 2, 30);
      await f.app.items.createFolder(f.admin, other, '/big'); // the root's place is taken
      // The root fails (CONFLICT); its chunks fail too, before they could see that (their bytes are refused).
      const original = await f.waitFor((await f.submit('copy', lib, { paths: ['/big'], destination: '/', targetLibraryId: other })).id);
      expect(original.counts).toMatchObject({ total, succeeded: 0, failed: total, skipped: 0 });
      const codes = new Set((await f.app.jobs.failures(f.admin, original.id, { limit: 1000 })).failures.map((x) => x.code));
      expect([...codes].sort()).toEqual(['CONFLICT', 'INTERNAL']);

      refuse = false;
      const inTheWay = (await f.app.store.itemGetByPath({ libraryId: other, path: '/big' }))!;
      await f.app.store.transaction((tx) => tx.itemDeleteMany({ ids: [inTheWay.id] }));
      const retry = await f.waitFor((await f.app.jobs.retry(f.admin, original.id)).job.id);
      expect(retry.status, JSON.stringify(retry.counts)).toBe('completed');
      expect(retry.counts).toMatchObject({ total, succeeded: total, failed: 0, skipped: 0 });
      expect(await f.livePaths(other)).toEqual(await f.livePaths(lib));
      await expectPathsConsistent(other);
    });
  });
}
