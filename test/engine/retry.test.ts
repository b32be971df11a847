/**
 * Retry jobs replay the original's failed items. A copy's subtree chunks
 * follow their root to where the original placed it: a retry of failed
 * chunks finds that placement (it used to look only among its own, found
 * none, and counted every item skipped without copying it).
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
  });
}
