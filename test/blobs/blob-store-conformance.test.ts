/**
 * The BlobStore contract, run against every store (as test/store runs on
 * every driver): a local directory, and a real S3 server (Swift + s3api,
 * started by test/support/global-setup.ts). Content addressing, dedupe,
 * streams of any size, ranges, limits, failed writes that leave nothing
 * behind, reads whole, deferred writes (persist, release, restore), the
 * address-ordered walk of the orphan sweep, and the reachability check.
 * What only one store has (packs, the layout on disk, multipart uploads)
 * is tested beside it: local-blob-store.test.ts, s3-blob-store.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import crypto from 'node:crypto';
import http from 'node:http';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import type { AddressInfo } from 'node:net';
import { SMALL_BLOB_BYTES } from '../../src/blobs/blob-store.js';
import { InvalidArgumentError, NotFoundError, PayloadTooLargeError, TransientError } from '../../src/domain/errors.js';
import { blobStoreFactories, type TestBlobStore } from '../support/blob-store-factories.js';

const sha256 = (data: Buffer | string) => crypto.createHash('sha256').update(data).digest('hex');

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Polls (no timing assertion) until `condition` holds. */
async function waitFor(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Content past the small size: held in a temp or spool file while written. */
const large = (content: string) => content.padEnd(SMALL_BLOB_BYTES + 1, '.');
const largeSource = (content: string) => Readable.from([Buffer.from(large(content))]);
const MAX = 2 * SMALL_BLOB_BYTES;

describe.each(await blobStoreFactories())('BlobStore conformance ($name)', (factory) => {
  let t: TestBlobStore;
  beforeEach(async () => {
    t = await factory.create();
  });
  afterEach(async () => {
    await t.dispose();
  });

  describe('writes and reads', () => {
    it('writes a large stream and reads it back, whole, by stream and by stat', async () => {
      const content = Buffer.from('hello, batchyard\n'.repeat(20_000));
      const result = await t.store.write(Readable.from([content.subarray(0, 700), content.subarray(700)]), { maxBytes: 1 << 20 });
      expect(result).toEqual({ sha256: sha256(content), size: content.length, created: true });
      expect((await readAll(await t.store.openRead(result.sha256))).equals(content)).toBe(true);
      expect((await t.store.read(result.sha256)).equals(content)).toBe(true);
      expect(await t.store.stat(result.sha256)).toEqual({ size: content.length });
      expect(t.leftovers()).toEqual([]);
    });

    it('streams content of several megabytes in many chunks intact', async () => {
      const content = crypto.randomBytes(3 * 1024 * 1024 + 17);
      const chunks = Array.from({ length: Math.ceil(content.length / 65536) }, (_, i) => content.subarray(i * 65536, (i + 1) * 65536));
      const result = await t.store.write(Readable.from(chunks), { maxBytes: content.length });
      expect(result.sha256).toBe(sha256(content));
      expect((await readAll(await t.store.openRead(result.sha256))).equals(content)).toBe(true);
    });

    it('stores empty content', async () => {
      const result = await t.store.write(Readable.from([]), { maxBytes: 0 });
      expect(result).toEqual({ sha256: sha256(''), size: 0, created: true });
      expect((await readAll(await t.store.openRead(result.sha256))).length).toBe(0);
      expect((await t.store.read(result.sha256)).length).toBe(0);
    });

    it('stores identical content once', async () => {
      const first = await t.store.write(Readable.from([Buffer.from('same bytes')]), { maxBytes: 100 });
      const second = await t.store.write(Readable.from([Buffer.from('same '), Buffer.from('bytes')]), { maxBytes: 100 });
      const third = await t.store.writeBuffer(Buffer.from('same bytes'));
      const big = await t.store.write(largeSource('big'), { maxBytes: MAX });
      const bigAgain = await t.store.writeBuffer(Buffer.from(large('big')));
      expect(first.created).toBe(true);
      expect(second).toEqual({ sha256: first.sha256, size: 10, created: false });
      expect(third).toEqual({ sha256: first.sha256, size: 10, created: false });
      expect(big.created).toBe(true);
      expect(bigAgain).toEqual({ sha256: big.sha256, size: big.size, created: false });
      expect(await t.store.listObjects({ limit: 10 })).toHaveLength(2);
      expect(t.leftovers()).toEqual([]);
    });

    it('handles concurrent writes, including of the same content', async () => {
      const contents = Array.from({ length: 40 }, (_, i) => Buffer.from(`file ${i % 20}`));
      const results = await Promise.all(contents.map((c, i) => (i % 2 ? t.store.writeBuffer(c) : t.store.write(Readable.from([c]), { maxBytes: 100 }))));
      results.forEach((r, i) => expect(r.sha256).toBe(sha256(contents[i]!)));
      expect(await t.store.listObjects({ limit: 100 })).toHaveLength(20);
      expect(t.leftovers()).toEqual([]);
    });

    it('reads a byte range (inclusive), of small and large blobs', async () => {
      const { sha256: sha } = await t.store.writeBuffer(Buffer.from('0123456789'));
      expect((await readAll(await t.store.openRead(sha, { start: 2, end: 5 }))).toString()).toBe('2345');
      expect((await readAll(await t.store.openRead(sha, { start: 9, end: 9 }))).toString()).toBe('9');
      expect((await readAll(await t.store.openRead(sha, { start: 8, end: 100 }))).toString()).toBe('89');
      await expect(t.store.openRead(sha, { start: 5, end: 2 })).rejects.toBeInstanceOf(InvalidArgumentError);
      const content = crypto.randomBytes(SMALL_BLOB_BYTES * 3);
      const big = await t.store.writeBuffer(content);
      const start = SMALL_BLOB_BYTES + 5;
      const end = 2 * SMALL_BLOB_BYTES + 99;
      expect((await readAll(await t.store.openRead(big.sha256, { start, end }))).equals(content.subarray(start, end + 1))).toBe(true);
    });

    it('accepts exactly maxBytes and refuses one more, leaving nothing behind', async () => {
      expect((await t.store.write(Readable.from([Buffer.alloc(64, 1)]), { maxBytes: 64 })).size).toBe(64);
      const big = Buffer.alloc(65, 2);
      await expect(t.store.write(Readable.from([big.subarray(0, 40), big.subarray(40)]), { maxBytes: 64 })).rejects.toBeInstanceOf(PayloadTooLargeError);
      // past the size held in memory: a temp or spool file is removed
      const tooLong = Readable.from([Buffer.alloc(SMALL_BLOB_BYTES + 50, 1), Buffer.alloc(100, 2)]);
      await expect(t.store.write(tooLong, { maxBytes: SMALL_BLOB_BYTES + 100 })).rejects.toBeInstanceOf(PayloadTooLargeError);
      expect(t.leftovers()).toEqual([]);
      expect(await t.store.stat(sha256(big))).toBeNull();
      expect(await t.store.listObjects({ limit: 10 })).toHaveLength(1);
    });

    it('rejects with TransientError and keeps nothing when the source errors midway', async () => {
      let sent = 0;
      const source = new Readable({
        read() {
          if (sent++ < 6) this.push(Buffer.alloc(100_000, sent));
          else this.destroy(new Error('disk on the other side caught fire'));
        },
      });
      const error = await t.store.write(source, { maxBytes: 1 << 21 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TransientError);
      expect((error as Error).message).toMatch(/upload interrupted/);
      expect(t.leftovers()).toEqual([]);
      expect(await t.store.listObjects({ limit: 10 })).toEqual([]);
    });

    it('rejects when the source closes before its end', async () => {
      const source = new Readable({ read() {} });
      source.push(Buffer.from('partial'));
      const pending = t.store.write(source, { maxBytes: 100 });
      setImmediate(() => source.destroy());
      await expect(pending).rejects.toBeInstanceOf(TransientError);
      expect(t.leftovers()).toEqual([]);
    });

    it('rejects and keeps nothing when an HTTP client disconnects mid-body', async () => {
      let serverWrite: Promise<unknown> | undefined;
      const server = http.createServer((req, res) => {
        serverWrite = t.store.write(req, { maxBytes: 1 << 21 });
        serverWrite.then(
          () => res.end('stored'),
          () => res.destroy(),
        );
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const { port } = server.address() as AddressInfo;
        // Past the size kept in memory, so the write has a file when the client goes.
        const req = http.request({ port, host: '127.0.0.1', method: 'PUT', path: '/', headers: { 'content-length': 1_000_000 } });
        req.on('error', () => {});
        req.write(Buffer.alloc(300_000, 1));
        await waitFor(() => serverWrite !== undefined && t.leftovers().length > 0, 'the server to start the upload');
        req.destroy();
        const error = await serverWrite!.catch((e: unknown) => e);
        expect(error).toBeInstanceOf(TransientError);
        expect(t.leftovers()).toEqual([]);
        expect(await t.store.listObjects({ limit: 10 })).toEqual([]);
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
    });

    it('refuses anything but 64 lowercase hex digits as an address', async () => {
      const bad = ['../../etc/passwd', 'A'.repeat(64), 'a'.repeat(63), 'a'.repeat(65), `${'a'.repeat(62)}/x`, ''];
      for (const sha of bad) {
        await expect(t.store.openRead(sha)).rejects.toBeInstanceOf(InvalidArgumentError);
        await expect(t.store.read(sha)).rejects.toBeInstanceOf(InvalidArgumentError);
        await expect(t.store.stat(sha)).rejects.toBeInstanceOf(InvalidArgumentError);
        await expect(t.store.delete(sha)).rejects.toBeInstanceOf(InvalidArgumentError);
        await expect(t.store.absent([sha])).rejects.toBeInstanceOf(InvalidArgumentError);
      }
    });

    it('reports absent blobs: openRead and read NotFoundError, stat null, absent lists them, delete a no-op', async () => {
      const absent = sha256('never stored');
      await expect(t.store.openRead(absent)).rejects.toBeInstanceOf(NotFoundError);
      await expect(t.store.read(absent)).rejects.toBeInstanceOf(NotFoundError);
      expect(await t.store.stat(absent)).toBeNull();
      await t.store.delete(absent);
      const { sha256: sha } = await t.store.writeBuffer(Buffer.from('to delete'));
      expect(await t.store.absent([sha, absent, sha])).toEqual([absent]);
      await t.store.delete(sha);
      expect(await t.store.stat(sha)).toBeNull();
      expect(await t.store.absent([sha, absent])).toEqual([sha, absent]);
      // Deleted content can be stored again.
      expect((await t.store.writeBuffer(Buffer.from('to delete'))).created).toBe(true);
    });
  });

  describe('deferred writes', () => {
    it('keeps the bytes aside until persist, which stores them at their address; release drops them', async () => {
      const written = await t.store.write(largeSource('later'), { maxBytes: MAX, defer: true });
      expect(written).toMatchObject({ sha256: sha256(large('later')), size: SMALL_BLOB_BYTES + 1, created: true, deferred: true });
      expect(written.pin).toBeDefined();
      expect(await t.store.stat(written.sha256)).toBeNull();
      expect(t.leftovers()).toHaveLength(1);
      await t.store.persist([written]);
      expect(await text(await t.store.openRead(written.sha256))).toBe(large('later'));
      await t.store.persist([{ ...written }]); // persisted already (a copy of the result names the same write)
      await written.pin!.release();
      await written.pin!.release();
      expect(t.leftovers()).toEqual([]);
      expect(await text(await t.store.openRead(written.sha256))).toBe(large('later'));
    });

    it('persists many writes together, concurrent callers and identical content included; results not deferred are no-ops', async () => {
      const contents = Array.from({ length: 40 }, (_, i) => `blob ${i % 30}`);
      const written = await Promise.all(contents.map((c, i) => (i % 2 ? t.store.write(largeSource(c), { maxBytes: MAX, defer: true }) : t.store.writeBuffer(Buffer.from(c), { defer: true }))));
      const immediate = await t.store.write(largeSource('now'), { maxBytes: MAX });
      await Promise.all([t.store.persist(written.slice(0, 15)), t.store.persist(written.slice(15)), t.store.persist([immediate])]);
      contents.forEach((c, i) => expect(written[i]!.sha256).toBe(sha256(i % 2 ? large(c) : c)));
      for (const w of written) expect(await t.store.stat(w.sha256)).toEqual({ size: w.size });
      await Promise.all(written.map((w) => w.pin!.release()));
      expect(t.leftovers()).toEqual([]);
    });

    it('a write released before persist is never stored; the others of its batch are', async () => {
      const dropped = await t.store.write(largeSource('dropped'), { maxBytes: MAX, defer: true });
      const kept = await t.store.write(largeSource('kept'), { maxBytes: MAX, defer: true });
      await dropped.pin!.release();
      await t.store.persist([dropped, kept]);
      expect(await t.store.stat(dropped.sha256)).toBeNull();
      expect(await text(await t.store.openRead(kept.sha256))).toBe(large('kept'));
      await kept.pin!.release();
    });

    it('restore puts persisted bytes back after a delete (the collector took them), and persists them first if need be', async () => {
      const written = await t.store.write(largeSource('again'), { maxBytes: MAX, defer: true });
      await written.pin!.restore(); // not persisted yet: restore persists
      expect(await t.store.stat(written.sha256)).toEqual({ size: SMALL_BLOB_BYTES + 1 });
      await t.store.delete(written.sha256);
      await written.pin!.restore();
      expect(await text(await t.store.openRead(written.sha256))).toBe(large('again'));
      await written.pin!.release();
    });

    it('a pinned write is stored at once and can be put back until released', async () => {
      const small = await t.store.writeBuffer(Buffer.from('pinned small'), { pin: true });
      const big = await t.store.write(largeSource('pinned big'), { maxBytes: MAX, pin: true });
      for (const w of [small, big]) {
        expect(w.deferred).toBeUndefined();
        expect(await t.store.stat(w.sha256)).toEqual({ size: w.size });
        await t.store.delete(w.sha256);
        await w.pin!.restore();
        expect(await t.store.stat(w.sha256)).toEqual({ size: w.size });
        await w.pin!.release();
      }
      expect(t.leftovers()).toEqual([]);
    });
  });

  describe('listObjects and check', () => {
    it('walks stored blobs in address order, a chunk after a position, flagging pinned ones', async () => {
      const contents = Array.from({ length: 7 }, (_, i) => `walked ${i}`);
      for (const c of contents) await t.store.writeBuffer(Buffer.from(c));
      const pinned = await t.store.write(largeSource('pinned'), { maxBytes: MAX, pin: true });
      const expected = [...contents.map((c) => sha256(c)), pinned.sha256].sort();
      const seen: string[] = [];
      let after: string | undefined;
      for (;;) {
        const chunk = await t.store.listObjects({ after, limit: 3 });
        seen.push(...chunk.map((o) => o.sha256));
        for (const o of chunk) expect(o).toMatchObject({ pinned: o.sha256 === pinned.sha256, size: expect.any(Number), mtimeMs: expect.any(Number) });
        if (chunk.length < 3) break;
        after = chunk.at(-1)!.sha256;
      }
      expect(seen).toEqual(expected);
      await pinned.pin!.release();
      expect((await t.store.listObjects({ limit: 100 })).find((o) => o.sha256 === pinned.sha256)?.pinned).toBe(false);
      await expect(t.store.listObjects({ after: '../x', limit: 1 })).rejects.toBeInstanceOf(InvalidArgumentError);
    });

    it('an empty store lists nothing, and removes no temp file', async () => {
      expect(await t.store.listObjects({ limit: 10 })).toEqual([]);
      expect(await t.store.removeOrphanTempFiles()).toBe(0);
    });

    it('check passes on a usable location and leaves nothing behind', async () => {
      await expect(t.store.check()).resolves.toBeUndefined();
      await expect(t.store.check()).resolves.toBeUndefined();
      expect(await t.store.listObjects({ limit: 10 })).toEqual([]);
      expect(await t.store.removeOrphanTempFiles()).toBe(0);
    });
  });
});
