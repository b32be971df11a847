/**
 * The blob collector racing an upload of the same content, on both drivers:
 * a blob whose last reference went (refcount 0) is being collected while an
 * identical upload arrives. Whichever way the two interleave, the upload ends
 * with its bytes stored and readable, and a later collection leaves them. The
 * interleavings are forced with gates, not timing: (a) the collector has
 * marked the blob and is about to delete its bytes when the upload commits;
 * (b) the upload found the bytes already stored, and the collector deletes
 * them (and the row) before the upload commits.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { engineFixture, type EngineFixture } from '../support/engine.js';
import type { BlobStore } from '../../src/blobs/blob-store.js';
import { LocalBlobStore } from '../../src/blobs/local-blob-store.js';
import { collectBlobs } from '../../src/engine/blob-collector.js';
import { Gate } from './trees.js';

const factories = await driverFactories();
const logger = pino({ level: 'silent' });
const CONTENT = 'the same bytes, twice';

describe('a pinned write (what an upload holds until its commit)', () => {
  it('keeps the bytes aside: restore stores them again after a delete, release drops the kept copy', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'by-pin-'));
    try {
      const store = new LocalBlobStore('default', root);
      const first = await store.write(Readable.from([Buffer.from(CONTENT)]), { maxBytes: 1024, pin: true });
      expect(first.created).toBe(true);
      const again = await store.write(Readable.from([Buffer.from(CONTENT)]), { maxBytes: 1024, pin: true });
      expect(again).toMatchObject({ sha256: first.sha256, created: false });
      await first.pin!.release();
      await store.delete(first.sha256); // the collector's step
      expect(await store.stat(first.sha256)).toBeNull();
      await again.pin!.restore();
      expect(await text(await store.openRead(first.sha256))).toBe(CONTENT);
      await again.pin!.restore(); // stored already: nothing to do
      await again.pin!.release();
      expect(fs.existsSync(path.join(root, 'tmp')) ? fs.readdirSync(path.join(root, 'tmp')) : []).toEqual([]); // small: packed, never a temp file
      expect(await text(await store.openRead(first.sha256))).toBe(CONTENT);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});

for (const factory of factories) {
  describe(`blob collector racing an upload on ${factory.name}`, () => {
    let f: EngineFixture;
    let lib: string;
    let sha: string;
    beforeEach(async () => {
      f = await engineFixture(factory);
      lib = await f.library();
      // A blob whose only file is gone for good: refcount 0, bytes still stored.
      const { item } = await f.app.items.putFile(f.admin, lib, '/a.txt', Readable.from([Buffer.from(CONTENT)]));
      sha = item.sha256!;
      await f.app.store.transaction(async (tx) => {
        const gone = await tx.itemDeleteMany({ ids: [item.id] });
        await tx.blobReleaseMany({ storage: 'default', blobs: gone.blobs });
      });
      expect(await refcount()).toBe(0);
    });
    afterEach(async () => {
      await f.dispose();
    });

    const refcount = () => f.app.store.blobGetRefcount({ storage: 'default', sha256: sha });
    const upload = (path: string) => f.app.items.putFile(f.admin, lib, path, Readable.from([Buffer.from(CONTENT)]));
    async function expectReadable(path: string): Promise<void> {
      const { item, blobStore } = await f.app.items.openDownload(f.admin, lib, { path });
      expect(item.sha256).toBe(sha);
      expect(await text(await blobStore.openRead(sha))).toBe(CONTENT);
    }
    /** The blob stores, with `delete` held at `gate` (the collector's step between marking and deleting the row). */
    const holdingDeletes = (gate: Gate) => ({
      get(name: string): BlobStore {
        const store = f.app.blobStores.get(name);
        return new Proxy(store, {
          get(target, prop, receiver) {
            if (prop === 'delete') {
              return async (digest: string) => {
                await gate.pass();
                return target.delete(digest);
              };
            }
            const value = Reflect.get(target, prop, receiver) as unknown;
            return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
          },
        });
      },
    });

    it('(a) the collector marked the blob and is about to delete its bytes when the upload commits', async () => {
      const gate = new Gate();
      gate.close();
      const collecting = collectBlobs(f.app.store, holdingDeletes(gate), logger);
      await gate.reached;
      expect(await refcount()).toBe(-1);
      // The upload's first commit meets the row being collected; only then does the collector go on.
      const attempts: Array<Promise<unknown>> = [];
      const transaction = f.app.store.transaction.bind(f.app.store);
      f.app.store.transaction = ((work: Parameters<typeof transaction>[0]) => {
        const attempt = transaction(work);
        attempts.push(attempt.catch(() => {}));
        return attempt;
      }) as typeof transaction;
      const uploading = upload('/b.txt');
      while (attempts.length === 0) await new Promise((resolve) => setImmediate(resolve));
      await attempts[0];
      gate.openNow();
      expect(await collecting).toBe(1);

      await uploading;
      await expectReadable('/b.txt');
      expect(await refcount()).toBe(1);
      expect(await collectBlobs(f.app.store, f.app.blobStores, logger)).toBe(0);
      await expectReadable('/b.txt');
    });

    it('(b) the upload found the bytes stored, and the collector removes them before it commits', async () => {
      const gate = new Gate();
      gate.close();
      const store = f.app.blobStores.get('default');
      const write = store.write.bind(store);
      store.write = async (...args: Parameters<BlobStore['write']>) => {
        const written = await write(...args);
        await gate.pass();
        return written;
      };
      const uploading = upload('/b.txt');
      await gate.reached; // bytes written (found stored), catalog not yet committed
      expect(await collectBlobs(f.app.store, f.app.blobStores, logger)).toBe(1);
      expect(await store.stat(sha)).toBeNull();
      expect(await refcount()).toBeUndefined();
      gate.openNow();

      await uploading;
      await expectReadable('/b.txt');
      expect(await refcount()).toBe(1);
      expect(await collectBlobs(f.app.store, f.app.blobStores, logger)).toBe(0);
      await expectReadable('/b.txt');
    });
  });
}
