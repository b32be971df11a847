/**
 * Deferred writes (durable per batch) of large blobs (small ones: packed-blobs.test.ts):
 * the bytes wait in a pinned temp file,
 * not at their address, until persist makes them durable and stores them;
 * concurrent persists share passes; and listObjects walks the stored blobs
 * in address order, a chunk at a time, flagging the pinned ones.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalBlobStore } from '../../src/blobs/local-blob-store.js';
import { InvalidArgumentError } from '../../src/domain/errors.js';
import { SMALL_BLOB_BYTES } from '../../src/blobs/blob-store.js';

/** Content past the packed size: a loose object, written through a temp file. */
const large = (content: string) => content.padEnd(SMALL_BLOB_BYTES + 1, '.');
const sha = (content: string) => crypto.createHash('sha256').update(large(content)).digest('hex');
const source = (content: string) => Readable.from([Buffer.from(large(content))]);
const MAX = 2 * SMALL_BLOB_BYTES;
const tmpFiles = (root: string) => (fs.existsSync(path.join(root, 'tmp')) ? fs.readdirSync(path.join(root, 'tmp')) : []);

describe('LocalBlobStore deferred writes', () => {
  let root: string;
  let store: LocalBlobStore;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'by-deferred-'));
    store = new LocalBlobStore('default', root);
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('keeps the bytes in a temp file until persist, which stores them at their address; release drops the temp file', async () => {
    const written = await store.write(source('later'), { maxBytes: MAX, defer: true });
    expect(written).toMatchObject({ sha256: sha('later'), size: SMALL_BLOB_BYTES + 1, created: true, deferred: true });
    expect(written.pin).toBeDefined();
    expect(await store.stat(written.sha256)).toBeNull();
    expect(tmpFiles(root)).toHaveLength(1);
    await store.persist([written]);
    expect(await text(await store.openRead(written.sha256))).toBe(large('later'));
    await store.persist([{ ...written }]); // persisted already (a copy of the result names the same write)
    await written.pin!.release();
    await written.pin!.release();
    expect(tmpFiles(root)).toEqual([]);
    expect(await text(await store.openRead(written.sha256))).toBe(large('later'));
  });

  it('persists many writes together, concurrent callers and identical content included; results not deferred are no-ops', async () => {
    const contents = Array.from({ length: 40 }, (_, i) => `blob ${i % 30}`);
    const written = await Promise.all(contents.map((c) => store.write(source(c), { maxBytes: MAX, defer: true })));
    const immediate = await store.write(source('now'), { maxBytes: MAX });
    await Promise.all([store.persist(written.slice(0, 15)), store.persist(written.slice(15)), store.persist([immediate])]);
    for (const c of contents) expect(await text(await store.openRead(sha(c)))).toBe(large(c));
    await Promise.all(written.map((w) => w.pin!.release()));
    expect(tmpFiles(root)).toEqual([]);
  });

  it('a write released before persist is never stored; the others of its batch are', async () => {
    const dropped = await store.write(source('dropped'), { maxBytes: MAX, defer: true });
    const kept = await store.write(source('kept'), { maxBytes: MAX, defer: true });
    await dropped.pin!.release();
    await store.persist([kept]);
    expect(await store.stat(dropped.sha256)).toBeNull();
    expect(await text(await store.openRead(kept.sha256))).toBe(large('kept'));
  });

  it('restore puts persisted bytes back after a delete (the collector took them), and persists them first if need be', async () => {
    const written = await store.write(source('again'), { maxBytes: MAX, defer: true });
    await written.pin!.restore(); // not persisted yet: restore persists
    expect(await store.stat(written.sha256)).toEqual({ size: SMALL_BLOB_BYTES + 1 });
    await store.delete(written.sha256);
    await written.pin!.restore();
    expect(await text(await store.openRead(written.sha256))).toBe(large('again'));
    await written.pin!.release();
  });

  it('a write that fails (over the limit) leaves no temp file and nothing to persist', async () => {
    // The first chunk goes to a temp file (past the size kept in memory), the second passes the limit.
    const tooLong = Readable.from([Buffer.alloc(SMALL_BLOB_BYTES + 50, 1), Buffer.alloc(100, 2)]);
    await expect(store.write(tooLong, { maxBytes: SMALL_BLOB_BYTES + 100, defer: true })).rejects.toThrow(/exceeds/);
    expect(tmpFiles(root)).toEqual([]);
  });
});

describe('LocalBlobStore.listObjects', () => {
  let root: string;
  let store: LocalBlobStore;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'by-walk-'));
    store = new LocalBlobStore('default', root);
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('walks stored blobs in address order, a chunk after a position, flagging pinned ones and skipping foreign names', async () => {
    const contents = Array.from({ length: 7 }, (_, i) => `walked ${i}`);
    for (const c of contents) await store.writeBuffer(Buffer.from(c));
    const pinned = await store.write(source('pinned'), { maxBytes: MAX, pin: true });
    fs.mkdirSync(path.join(root, 'objects', pinned.sha256.slice(0, 2), pinned.sha256.slice(2, 4)), { recursive: true });
    fs.writeFileSync(path.join(root, 'objects', 'README'), 'not a blob');
    const stray = path.join(root, 'objects', pinned.sha256.slice(0, 2), pinned.sha256.slice(2, 4), 'x'.repeat(64));
    fs.writeFileSync(stray, 'not an address');
    const expected = [...contents.map((c) => crypto.createHash('sha256').update(c).digest('hex')), pinned.sha256].sort();

    const seen: string[] = [];
    let after: string | undefined;
    for (;;) {
      const chunk = await store.listObjects({ after, limit: 3 });
      seen.push(...chunk.map((o) => o.sha256));
      for (const o of chunk) expect(o).toMatchObject({ pinned: o.sha256 === pinned.sha256, size: expect.any(Number), mtimeMs: expect.any(Number) });
      if (chunk.length < 3) break;
      after = chunk.at(-1)!.sha256;
    }
    expect(seen).toEqual(expected);
    await pinned.pin!.release();
    expect((await store.listObjects({ limit: 100 })).find((o) => o.sha256 === pinned.sha256)?.pinned).toBe(false);
    await expect(store.listObjects({ after: '../x', limit: 1 })).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it('an empty or absent store lists nothing', async () => {
    expect(await store.listObjects({ limit: 10 })).toEqual([]);
  });
});
