/**
 * Large writes (past SMALL_BLOB_BYTES): the content goes to its temp file in
 * batches written on the thread pool while the next ones are hashed
 * (receive.ts: SpillSink). A blob
 * written in many uneven chunks hashes and reads back exactly; a write that
 * fails midway (source error, size limit) with a batch in flight leaves no
 * temp file and stores nothing; receive holds its source while the sink asks.
 * Pulled writes (pull-source.ts, pull-copy.ts): a PullReadable's source is
 * copied through reused buffers, the same bytes and hash as streamed; a
 * file cut short fails the write with the source's error, leaving nothing.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { LocalBlobStore } from '../../src/blobs/local-blob-store.js';
import { receive, SpillSink, WRITE_BATCH_BYTES } from '../../src/blobs/receive.js';
import { concatSource, fileRangeSource, PullReadable, tapSource, type PullSource } from '../../src/blobs/pull-source.js';
import { PayloadTooLargeError, TransientError } from '../../src/domain/errors.js';

const sha256 = (data: Buffer) => crypto.createHash('sha256').update(data).digest('hex');

/** `size` pseudo-random bytes (seeded: the same content every run). */
function content(size: number, seed = 1): Buffer {
  const out = Buffer.alloc(size);
  let x = seed;
  for (let i = 0; i < size; i += 4) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out.writeUInt32LE(x, i + 4 <= size ? i : size - 4);
  }
  return out;
}

/** `data` cut in uneven chunks (1 byte to ~300 KiB), as a network or a parser hands them. */
function unevenChunks(data: Buffer): Buffer[] {
  const chunks: Buffer[] = [];
  let x = 7;
  for (let at = 0; at < data.length; ) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    const n = x % 5 === 0 ? 1 : 1 + (x % 300_000);
    chunks.push(data.subarray(at, at + n));
    at += n;
  }
  return chunks;
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

let root: string;
let store: LocalBlobStore;
const tmpFiles = () => (fs.existsSync(path.join(root, 'tmp')) ? fs.readdirSync(path.join(root, 'tmp')) : []);

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'by-large-blob-'));
  store = new LocalBlobStore('default', root);
});
afterEach(() => {
  store.close();
  fs.rmSync(root, { recursive: true, force: true });
});

describe('large blob writes', () => {
  // Three full batches and a partial one.
  const big = content(3 * WRITE_BATCH_BYTES + 123_457);

  it('a blob written in many uneven chunks hashes right and reads back byte for byte', async () => {
    const written = await store.write(Readable.from(unevenChunks(big)), { maxBytes: big.length });
    expect(written).toEqual({ sha256: sha256(big), size: big.length, created: true });
    expect(fs.statSync(store.objectPath(written.sha256)).size).toBe(big.length);
    expect((await readAll(await store.openRead(written.sha256))).equals(big)).toBe(true);
    const range = await readAll(await store.openRead(written.sha256, { start: WRITE_BATCH_BYTES - 5, end: WRITE_BATCH_BYTES + 4 }));
    expect(range.equals(big.subarray(WRITE_BATCH_BYTES - 5, WRITE_BATCH_BYTES + 5))).toBe(true);
    expect(tmpFiles()).toEqual([]);
  });

  it('a deferred large write is stored by persist, identical', async () => {
    const written = await store.write(Readable.from(unevenChunks(big)), { maxBytes: big.length, defer: true });
    expect(written.sha256).toBe(sha256(big));
    expect(await store.stat(written.sha256)).toBeNull();
    await store.persist([written]);
    await written.pin!.release();
    expect((await readAll(await store.openRead(written.sha256))).equals(big)).toBe(true);
    expect(tmpFiles()).toEqual([]);
  });

  it('a source that fails after several batches leaves no temp file and stores nothing', async () => {
    const source = new PassThrough();
    const pending = store.write(source, { maxBytes: big.length });
    const chunks = unevenChunks(big);
    let sent = 0;
    for (const chunk of chunks) {
      if (sent > 2 * WRITE_BATCH_BYTES + 1000) break;
      if (!source.write(chunk)) await new Promise((resolve) => source.once('drain', resolve));
      sent += chunk.length;
    }
    source.destroy(new Error('the client went away'));
    const error = await pending.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientError);
    expect(tmpFiles()).toEqual([]);
    expect(await store.listObjects({ limit: 10 })).toEqual([]);
  });

  it('content past maxBytes after several batches is refused, leaving nothing behind', async () => {
    const error = await store.write(Readable.from(unevenChunks(big)), { maxBytes: big.length - 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect(tmpFiles()).toEqual([]);
    expect(await store.listObjects({ limit: 10 })).toEqual([]);
  });

  it('SpillSink: small batches write the content exactly, in order', async () => {
    const file = path.join(root, 'spilled.bin');
    fs.mkdirSync(root, { recursive: true });
    const data = content(700_000, 3);
    const sink = new SpillSink(1000, () => fs.openSync(file, 'wx'), { batchBytes: 4096 });
    const received = await receive(Readable.from(unevenChunks(data)), sink.write, data.length);
    await sink.finish();
    fs.closeSync(sink.fd!);
    expect(received).toEqual({ sha256: sha256(data), size: data.length });
    expect(fs.readFileSync(file).equals(data)).toBe(true);
  });

  it('SpillSink: content within the limit stays in memory (no file)', async () => {
    const data = content(999, 4);
    const sink = new SpillSink(1000, () => {
      throw new Error('no file for content within the limit');
    });
    await receive(Readable.from([data.subarray(0, 500), data.subarray(500)]), sink.write, 1000);
    await sink.finish();
    expect(sink.fd).toBeUndefined();
    expect(sink.content().equals(data)).toBe(true);
  });
});

describe('receive', () => {
  it('holds the source while the sink asks, and ends after the last promise', async () => {
    const source = new PassThrough();
    const seen: string[] = [];
    let release: () => void = () => {};
    const sink = (chunk: Buffer): void | Promise<void> => {
      seen.push(chunk.toString());
      if (chunk.toString() !== 'a') return;
      return new Promise<void>((resolve) => {
        release = () => {
          seen.push('released');
          resolve();
        };
      });
    };
    const done = receive(source, sink, 100);
    source.write('a');
    source.write('b');
    source.end();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(seen).toEqual(['a']);
    expect(source.isPaused()).toBe(true);
    release();
    const result = await done;
    expect(seen).toEqual(['a', 'released', 'b']);
    expect(result).toEqual({ sha256: sha256(Buffer.from('ab')), size: 2 });
  });

  it('a sink promise that rejects fails the receive with its error and drains the rest', async () => {
    const source = new PassThrough();
    const done = receive(source, () => Promise.reject(new Error('disk full')), 100);
    source.write('a');
    await expect(done).rejects.toThrow('disk full');
    source.end('more');
    await new Promise((resolve) => source.once('end', resolve));
    expect(source.readableEnded).toBe(true);
  });
});

describe('pulled writes (PullReadable)', () => {
  const big = content(5 * 1024 * 1024 + 4321, 9);
  const fileOf = (data: Buffer) => {
    const file = path.join(root, `src-${crypto.randomUUID()}.bin`);
    fs.writeFileSync(file, data);
    return file;
  };
  const shortError = (got: number) => new TransientError(`cut short after ${got}`);

  it('a file range is pulled into the store: the same address, size and bytes as streamed', async () => {
    const file = fileOf(big);
    const range = new PullReadable(fileRangeSource({ path: file }, 1000, big.length, shortError));
    const written = await store.write(range, { maxBytes: big.length });
    const expected = big.subarray(1000);
    expect(written).toEqual({ sha256: sha256(expected), size: expected.length, created: true });
    expect((await readAll(await store.openRead(written.sha256))).equals(expected)).toBe(true);
    // The same range read as a plain stream gives the same bytes.
    expect((await readAll(new PullReadable(fileRangeSource({ path: file }, 1000, big.length, shortError)))).equals(expected)).toBe(true);
    expect(tmpFiles()).toEqual([]);
  });

  it('a small pulled range stays a small blob (no temp file), deferred until persist', async () => {
    const file = fileOf(big);
    const written = await store.write(new PullReadable(fileRangeSource({ path: file }, 10, 1010, shortError)), { maxBytes: 1000, defer: true });
    expect(written.sha256).toBe(sha256(big.subarray(10, 1010)));
    await store.persist([written]);
    await written.pin!.release();
    expect((await store.read(written.sha256)).equals(big.subarray(10, 1010))).toBe(true);
  });

  it('a loose blob copied from openRead to another store is pulled, and identical', async () => {
    const first = await store.write(Readable.from(unevenChunks(big)), { maxBytes: big.length });
    const stream = await store.openRead(first.sha256);
    expect(stream).toBeInstanceOf(PullReadable);
    const otherRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'by-large-blob-2-'));
    const other = new LocalBlobStore('other', otherRoot);
    try {
      const copied = await other.write(stream, { maxBytes: big.length });
      expect(copied.sha256).toBe(first.sha256);
      expect((await readAll(await other.openRead(copied.sha256))).equals(big)).toBe(true);
    } finally {
      other.close();
      fs.rmSync(otherRoot, { recursive: true, force: true });
    }
  });

  it('a file cut short fails the write with the range\'s error and leaves nothing behind', async () => {
    const file = fileOf(big);
    // The range claims more bytes than the file holds (a file truncated after it was listed).
    const error = await store.write(new PullReadable(fileRangeSource({ path: file }, 0, big.length + 100, shortError)), { maxBytes: big.length + 100 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientError);
    expect((error as Error).message).toBe(`cut short after ${big.length}`);
    expect(tmpFiles()).toEqual([]);
    expect(await store.listObjects({ limit: 10 })).toEqual([]);
  });

  it('past maxBytes a pulled write is refused, leaving nothing behind', async () => {
    const file = fileOf(big);
    const error = await store.write(new PullReadable(fileRangeSource({ path: file }, 0, big.length, shortError)), { maxBytes: big.length - 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect(tmpFiles()).toEqual([]);
  });

  it('concatSource joins buffers and sources in order; tapSource sees every byte and the total', async () => {
    const file = fileOf(big);
    const seen: Buffer[] = [];
    let total = -1;
    async function* parts(): AsyncGenerator<Buffer | PullSource> {
      yield Buffer.from('head:');
      yield tapSource(fileRangeSource({ path: file }, 0, big.length, shortError), (bytes) => seen.push(Buffer.from(bytes)), (n) => (total = n));
      yield Buffer.from(':tail');
      yield Buffer.alloc(0);
    }
    const written = await store.write(new PullReadable(concatSource(parts())), { maxBytes: Number.MAX_SAFE_INTEGER });
    const expected = Buffer.concat([Buffer.from('head:'), big, Buffer.from(':tail')]);
    expect(written.sha256).toBe(sha256(expected));
    expect(Buffer.concat(seen).equals(big)).toBe(true);
    expect(total).toBe(big.length);
  });

  it('a PullReadable that has been read as a stream is no longer handed out as a source', async () => {
    const file = fileOf(big);
    const stream = new PullReadable(fileRangeSource({ path: file }, 0, big.length, shortError));
    stream.pause();
    stream.read(0);
    expect(stream.takeSource()).toBeUndefined();
    // It goes on as the stream it became (read to its end before the test's directory goes).
    expect((await readAll(stream)).equals(big)).toBe(true);
  });
});
