/**
 * LocalBlobStore: content addressing, dedupe, ranges, limits, and that no
 * failed write (limit, source error, client disconnect) leaves a temp file or object.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { LocalBlobStore } from '../../src/blobs/local-blob-store.js';
import { InvalidArgumentError, NotFoundError, PayloadTooLargeError, TransientError } from '../../src/domain/errors.js';

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

let root: string;
let store: LocalBlobStore;
const tmpFiles = () => (fs.existsSync(path.join(root, 'tmp')) ? fs.readdirSync(path.join(root, 'tmp')) : []);
const objectFiles = () => {
  const dir = path.join(root, 'objects');
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => fs.statSync(path.join(dir, f)).isFile());
};

beforeEach(() => {
  root = fs.mkdtempSync(os.tmpdir() + '/by-blob-');
  store = new LocalBlobStore('default', root);
});
afterEach(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

describe('LocalBlobStore', () => {
  it('writes a large stream under objects/ab/cd/<sha256> and reads it back', async () => {
    const content = Buffer.from('hello, batchyard\n'.repeat(20_000));
    const result = await store.write(Readable.from([content.subarray(0, 700), content.subarray(700)]), { maxBytes: 1 << 20 });
    const expected = sha256(content);
    expect(result).toEqual({ sha256: expected, size: content.length, created: true });
    expect(fs.existsSync(path.join(root, 'objects', expected.slice(0, 2), expected.slice(2, 4), expected))).toBe(true);
    expect(await readAll(await store.openRead(expected))).toEqual(content);
    expect(await store.stat(expected)).toEqual({ size: content.length });
    expect(tmpFiles()).toEqual([]);
  });

  it('streams large content in many chunks intact', async () => {
    const content = crypto.randomBytes(3 * 1024 * 1024 + 17);
    const chunks = Array.from({ length: Math.ceil(content.length / 65536) }, (_, i) => content.subarray(i * 65536, (i + 1) * 65536));
    const result = await store.write(Readable.from(chunks), { maxBytes: content.length });
    expect(result.sha256).toBe(sha256(content));
    expect((await readAll(await store.openRead(result.sha256))).equals(content)).toBe(true);
  });

  it('stores empty content', async () => {
    const result = await store.write(Readable.from([]), { maxBytes: 0 });
    expect(result).toEqual({ sha256: sha256(''), size: 0, created: true });
    expect((await readAll(await store.openRead(result.sha256))).length).toBe(0);
  });

  it('stores identical content once', async () => {
    const first = await store.write(Readable.from([Buffer.from('same bytes')]), { maxBytes: 100 });
    const second = await store.write(Readable.from([Buffer.from('same '), Buffer.from('bytes')]), { maxBytes: 100 });
    const third = await store.writeBuffer(Buffer.from('same bytes'));
    expect(first.created).toBe(true);
    expect(second).toEqual({ sha256: first.sha256, size: 10, created: false });
    expect(third).toEqual({ sha256: first.sha256, size: 10, created: false });
    expect(await store.listObjects({ limit: 10 })).toHaveLength(1);
    expect(tmpFiles()).toEqual([]);
  });

  it('handles concurrent writes, including of the same content', async () => {
    const contents = Array.from({ length: 40 }, (_, i) => Buffer.from(`file ${i % 20}`));
    const results = await Promise.all(contents.map((c, i) => (i % 2 ? store.writeBuffer(c) : store.write(Readable.from([c]), { maxBytes: 100 }))));
    results.forEach((r, i) => expect(r.sha256).toBe(sha256(contents[i]!)));
    expect(await store.listObjects({ limit: 100 })).toHaveLength(20);
    expect(tmpFiles()).toEqual([]);
  });

  it('reads a byte range (inclusive)', async () => {
    const { sha256: sha } = await store.writeBuffer(Buffer.from('0123456789'));
    expect((await readAll(await store.openRead(sha, { start: 2, end: 5 }))).toString()).toBe('2345');
    expect((await readAll(await store.openRead(sha, { start: 9, end: 9 }))).toString()).toBe('9');
    await expect(store.openRead(sha, { start: 5, end: 2 })).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it('accepts exactly maxBytes and refuses one more, leaving nothing behind', async () => {
    expect((await store.write(Readable.from([Buffer.alloc(64, 1)]), { maxBytes: 64 })).size).toBe(64);
    const big = Buffer.alloc(65, 2);
    await expect(store.write(Readable.from([big.subarray(0, 40), big.subarray(40)]), { maxBytes: 64 })).rejects.toBeInstanceOf(PayloadTooLargeError);
    expect(tmpFiles()).toEqual([]);
    expect(await store.stat(sha256(big))).toBeNull();
    expect(await store.listObjects({ limit: 10 })).toHaveLength(1);
  });

  it('rejects with TransientError and removes the temp file when the source errors midway', async () => {
    let sent = 0;
    const source = new Readable({
      read() {
        if (sent++ < 3) this.push(Buffer.alloc(1000, sent));
        else this.destroy(new Error('disk on the other side caught fire'));
      },
    });
    const error = await store.write(source, { maxBytes: 1 << 20 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientError);
    expect((error as Error).message).toMatch(/upload interrupted/);
    expect(tmpFiles()).toEqual([]);
    expect(objectFiles()).toEqual([]);
  });

  it('rejects when the source closes before its end', async () => {
    const source = new Readable({ read() {} });
    source.push(Buffer.from('partial'));
    const pending = store.write(source, { maxBytes: 100 });
    setImmediate(() => source.destroy());
    await expect(pending).rejects.toBeInstanceOf(TransientError);
    expect(tmpFiles()).toEqual([]);
  });

  it('rejects and keeps nothing when an HTTP client disconnects mid-body', async () => {
    let serverWrite: Promise<unknown> | undefined;
    const server = http.createServer((req, res) => {
      serverWrite = store.write(req, { maxBytes: 1 << 21 });
      serverWrite.then(
        () => res.end('stored'),
        () => res.destroy(),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      // Past the size kept in memory, so the write has a temp file when the client goes.
      const req = http.request({ port, host: '127.0.0.1', method: 'PUT', path: '/', headers: { 'content-length': 1_000_000 } });
      req.on('error', () => {});
      req.write(Buffer.alloc(300_000, 1));
      await waitFor(() => serverWrite !== undefined && tmpFiles().length > 0, 'the server to start the upload');
      req.destroy();
      const error = await serverWrite!.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TransientError);
      expect(tmpFiles()).toEqual([]);
      expect(objectFiles()).toEqual([]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('removeOrphanTempFiles deletes leftovers and counts them', async () => {
    expect(await store.removeOrphanTempFiles()).toBe(0);
    fs.mkdirSync(path.join(root, 'tmp'), { recursive: true });
    fs.writeFileSync(path.join(root, 'tmp', 'crashed.tmp'), 'half');
    fs.writeFileSync(path.join(root, 'tmp', 'crashed2.tmp'), 'half');
    expect(await store.removeOrphanTempFiles()).toBe(2);
    expect(tmpFiles()).toEqual([]);
    // The store still writes after its tmp dir was emptied (or even removed).
    fs.rmSync(path.join(root, 'tmp'), { recursive: true });
    expect((await store.writeBuffer(Buffer.from('after cleanup'))).created).toBe(true);
  });

  it('refuses anything but 64 lowercase hex digits as an address', async () => {
    const bad = ['../../etc/passwd', 'A'.repeat(64), 'a'.repeat(63), 'a'.repeat(65), `${'a'.repeat(62)}/x`, ''];
    for (const sha of bad) {
      await expect(store.openRead(sha)).rejects.toBeInstanceOf(InvalidArgumentError);
      await expect(store.stat(sha)).rejects.toBeInstanceOf(InvalidArgumentError);
      await expect(store.delete(sha)).rejects.toBeInstanceOf(InvalidArgumentError);
    }
  });

  it('reports absent blobs: openRead NotFoundError, stat null, delete no-op', async () => {
    const absent = sha256('never stored');
    await expect(store.openRead(absent)).rejects.toBeInstanceOf(NotFoundError);
    expect(await store.stat(absent)).toBeNull();
    await store.delete(absent);
    const { sha256: sha } = await store.writeBuffer(Buffer.from('to delete'));
    await store.delete(sha);
    expect(await store.stat(sha)).toBeNull();
    // Deleted content can be stored again.
    expect((await store.writeBuffer(Buffer.from('to delete'))).created).toBe(true);
  });
});
