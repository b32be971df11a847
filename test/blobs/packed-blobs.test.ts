/**
 * Small blobs in packs: stored as records of an append-only pack (no file of
 * their own), read whole, by range and as streams; not found before persist,
 * nor ever when released before it; listed with the loose ones in address
 * order; deleted; put back by a pin; shared by two stores on one location
 * (two processes); and their dead space (deleted blobs, records never
 * indexed) reclaimed by compaction, the live records still readable.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalBlobStore } from '../../src/blobs/local-blob-store.js';
import { SMALL_BLOB_BYTES } from '../../src/blobs/blob-store.js';
import { NotFoundError } from '../../src/domain/errors.js';

const sha = (content: Buffer | string) => crypto.createHash('sha256').update(content).digest('hex');

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('LocalBlobStore packs', () => {
  let root: string;
  let store: LocalBlobStore;
  const stores: LocalBlobStore[] = [];
  const another = () => {
    const s = new LocalBlobStore('default', root);
    stores.push(s);
    return s;
  };
  const looseFiles = () => (fs.existsSync(path.join(root, 'objects')) ? fs.readdirSync(path.join(root, 'objects'), { recursive: true }).filter((f) => fs.statSync(path.join(root, 'objects', String(f))).isFile()) : []);
  const packFiles = () => (fs.existsSync(path.join(root, 'packs')) ? fs.readdirSync(path.join(root, 'packs')).filter((f) => f.endsWith('.pack')) : []);
  const packBytes = () => packFiles().reduce((sum, f) => sum + fs.statSync(path.join(root, 'packs', f)).size, 0);

  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'by-packs-'));
    store = another();
  });
  afterEach(() => {
    for (const s of stores.splice(0)) s.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('stores a small blob as a record in a pack and a large one as a file; both read back whole, by range and as a stream', async () => {
    const small = crypto.randomBytes(SMALL_BLOB_BYTES);
    const large = crypto.randomBytes(SMALL_BLOB_BYTES + 1);
    const a = await store.write(Readable.from([small.subarray(0, 1000), small.subarray(1000)]), { maxBytes: 1 << 20 });
    const b = await store.write(Readable.from([large.subarray(0, 1000), large.subarray(1000)]), { maxBytes: 1 << 20 });
    expect(a).toEqual({ sha256: sha(small), size: small.length, created: true });
    expect(b).toEqual({ sha256: sha(large), size: large.length, created: true });
    expect(looseFiles()).toEqual([path.join(b.sha256.slice(0, 2), b.sha256.slice(2, 4), b.sha256)]);
    expect(packFiles()).toHaveLength(1);
    for (const [written, content] of [[a, small], [b, large]] as const) {
      expect((await store.read(written.sha256)).equals(content)).toBe(true);
      expect((await readAll(await store.openRead(written.sha256))).equals(content)).toBe(true);
      expect((await readAll(await store.openRead(written.sha256, { start: 10, end: 19 }))).equals(content.subarray(10, 20))).toBe(true);
      expect(await store.stat(written.sha256)).toEqual({ size: content.length });
    }
    // A range past the end stops at the end, as a file's does.
    expect((await readAll(await store.openRead(a.sha256, { start: small.length - 2, end: small.length + 5 }))).equals(small.subarray(-2))).toBe(true);
    const empty = await store.writeBuffer(Buffer.alloc(0));
    expect((await readAll(await store.openRead(empty.sha256))).length).toBe(0);
    expect(await store.stat(empty.sha256)).toEqual({ size: 0 });
  });

  it('stores identical content once, and a deferred write is found only once persisted (never when released first)', async () => {
    const first = await store.writeBuffer(Buffer.from('same'));
    const again = await store.write(Readable.from([Buffer.from('sa'), Buffer.from('me')]), { maxBytes: 10 });
    expect(again).toEqual({ sha256: first.sha256, size: 4, created: false });
    const deferred = await store.write(Readable.from([Buffer.from('later')]), { maxBytes: 10, defer: true });
    const dropped = await store.writeBuffer(Buffer.from('dropped'), { defer: true });
    expect(deferred).toMatchObject({ created: true, deferred: true });
    expect(await store.stat(deferred.sha256)).toBeNull();
    await expect(store.openRead(deferred.sha256)).rejects.toBeInstanceOf(NotFoundError);
    await dropped.pin!.release();
    await store.persist([deferred, dropped]);
    expect((await store.read(deferred.sha256)).toString()).toBe('later');
    expect(await store.stat(dropped.sha256)).toBeNull();
    await deferred.pin!.release();
    expect((await store.listObjects({ limit: 10 })).map((o) => o.sha256).sort()).toEqual([first.sha256, deferred.sha256].sort());
  });

  it('lists packed and loose blobs together in address order, a chunk at a time, the pinned flagged', async () => {
    const contents = Array.from({ length: 12 }, (_, i) => (i % 4 === 0 ? crypto.randomBytes(SMALL_BLOB_BYTES + 10) : Buffer.from(`packed ${i}`)));
    for (const c of contents) await store.writeBuffer(c);
    const pinned = await store.write(Readable.from([Buffer.from('pinned')]), { maxBytes: 100, pin: true });
    // The same content both ways (a loose copy beside the packed one) is listed once.
    const both = Buffer.from('packed 1');
    fs.mkdirSync(path.dirname(store.objectPath(sha(both))), { recursive: true });
    fs.writeFileSync(store.objectPath(sha(both)), both);
    const expected = [...contents.map(sha), pinned.sha256].sort();
    const seen: string[] = [];
    let after: string | undefined;
    for (;;) {
      const chunk = await store.listObjects({ after, limit: 5 });
      for (const o of chunk) expect(o.pinned).toBe(o.sha256 === pinned.sha256);
      seen.push(...chunk.map((o) => o.sha256));
      if (chunk.length < 5) break;
      after = chunk.at(-1)!.sha256;
    }
    expect(seen).toEqual(expected);
    await pinned.pin!.release();
  });

  it('delete removes a packed blob; a pin puts it back (the collector took it between write and commit)', async () => {
    const written = await store.write(Readable.from([Buffer.from('pinned bytes')]), { maxBytes: 100, pin: true, defer: true });
    await store.persist([written]);
    await store.delete(written.sha256);
    expect(await store.stat(written.sha256)).toBeNull();
    await written.pin!.restore();
    expect((await store.read(written.sha256)).toString()).toBe('pinned bytes');
    await written.pin!.release();
    // Content found stored already: its pin is the stored record.
    const same = await store.writeBuffer(Buffer.from('pinned bytes'), { pin: true });
    expect(same.created).toBe(false);
    await store.delete(same.sha256);
    await same.pin!.restore();
    expect((await store.read(same.sha256)).toString()).toBe('pinned bytes');
    await same.pin!.release();
    await store.delete(same.sha256);
    await store.delete(same.sha256); // absent: no error
  });

  it('two stores on one location (two processes) write packs of their own and read each other’s blobs', async () => {
    const other = another();
    const mine = await Promise.all(Array.from({ length: 20 }, (_, i) => store.writeBuffer(Buffer.from(`mine ${i}`), { defer: true })));
    const theirs = await Promise.all(Array.from({ length: 20 }, (_, i) => other.writeBuffer(Buffer.from(`theirs ${i}`), { defer: true })));
    await Promise.all([store.persist(mine), other.persist(theirs)]);
    expect(packFiles()).toHaveLength(2);
    for (const [i, w] of theirs.entries()) expect((await store.read(w.sha256)).toString()).toBe(`theirs ${i}`);
    for (const [i, w] of mine.entries()) expect((await other.read(w.sha256)).toString()).toBe(`mine ${i}`);
    expect(await other.listObjects({ limit: 100 })).toHaveLength(40);
  });

  it('compaction reclaims dead records (deleted, never indexed), keeps the live ones readable, and spares fresh packs', async () => {
    const kept = await Promise.all(Array.from({ length: 10 }, (_, i) => store.writeBuffer(crypto.randomBytes(1000 + i), { defer: true })));
    const deleted = await Promise.all(Array.from({ length: 30 }, () => store.writeBuffer(crypto.randomBytes(2000), { defer: true })));
    const neverIndexed = await store.writeBuffer(crypto.randomBytes(5000), { defer: true });
    await neverIndexed.pin!.release();
    await store.persist([...kept, ...deleted]);
    const contents = new Map(await Promise.all(kept.map(async (w) => [w.sha256, await store.read(w.sha256)] as const)));
    for (const w of deleted) await store.delete(w.sha256);
    const before = packBytes();

    const compactor = another();
    // Within the grace period nothing goes; the writer's own current pack is never taken by the writer.
    expect(await compactor.compact({ olderThanMs: 60_000 })).toEqual({ packs: 0, bytes: 0 });
    expect(await store.compact()).toEqual({ packs: 0, bytes: 0 });
    expect(await compactor.compact()).toEqual({ packs: 1, bytes: before });
    const liveBytes = kept.reduce((sum, w) => sum + 40 + w.size, 0);
    expect(packBytes()).toBe(liveBytes);
    for (const [sha256, content] of contents) expect((await store.read(sha256)).equals(content)).toBe(true);
    for (const w of deleted) expect(await store.stat(w.sha256)).toBeNull();
    expect(await store.stat(neverIndexed.sha256)).toBeNull();

    // The compacted pack's writer goes on in a new pack of its own.
    const after = await store.writeBuffer(Buffer.from('after the compaction'));
    expect((await compactor.read(after.sha256)).toString()).toBe('after the compaction');
    expect(packFiles()).toHaveLength(2);
    // A pack all of whose blobs are gone is removed whole.
    for (const sha256 of contents.keys()) await store.delete(sha256);
    expect((await store.compact()).packs).toBe(1);
    expect(packFiles()).toHaveLength(1);
  });
});
