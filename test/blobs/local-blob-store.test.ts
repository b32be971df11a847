/**
 * LocalBlobStore beyond the BlobStore contract (blob-store-conformance.test.ts
 * runs that against every store): where a loose blob lives on disk, that the
 * sweep removes crashed writers' temp files, and that the walk skips files
 * that are not a blob at their own address. Packs: packed-blobs.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { LocalBlobStore } from '../../src/blobs/local-blob-store.js';
import { SMALL_BLOB_BYTES } from '../../src/blobs/blob-store.js';

const sha256 = (data: Buffer | string) => crypto.createHash('sha256').update(data).digest('hex');

let root: string;
let store: LocalBlobStore;
const tmpFiles = () => (fs.existsSync(path.join(root, 'tmp')) ? fs.readdirSync(path.join(root, 'tmp')) : []);

beforeEach(() => {
  root = fs.mkdtempSync(os.tmpdir() + '/by-blob-');
  store = new LocalBlobStore('default', root);
});
afterEach(() => {
  store.close();
  fs.rmSync(root, { recursive: true, force: true });
});

describe('LocalBlobStore', () => {
  it('writes a large blob under objects/ab/cd/<sha256>', async () => {
    const content = Buffer.from('hello, batchyard\n'.repeat(20_000));
    const result = await store.write(Readable.from([content.subarray(0, 700), content.subarray(700)]), { maxBytes: 1 << 20 });
    const expected = sha256(content);
    expect(result).toEqual({ sha256: expected, size: content.length, created: true });
    expect(fs.existsSync(path.join(root, 'objects', expected.slice(0, 2), expected.slice(2, 4), expected))).toBe(true);
    expect(store.objectPath(expected)).toBe(path.join(root, 'objects', expected.slice(0, 2), expected.slice(2, 4), expected));
    expect(tmpFiles()).toEqual([]);
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

  it('listObjects skips names that are not a blob at their own address', async () => {
    const stored = await store.writeBuffer(Buffer.alloc(SMALL_BLOB_BYTES + 1, 7));
    fs.writeFileSync(path.join(root, 'objects', 'README'), 'not a blob');
    fs.writeFileSync(path.join(path.dirname(store.objectPath(stored.sha256)), 'x'.repeat(64)), 'not an address');
    const misplaced = sha256('misplaced');
    fs.writeFileSync(path.join(path.dirname(store.objectPath(stored.sha256)), misplaced), 'misplaced');
    expect((await store.listObjects({ limit: 10 })).map((o) => o.sha256)).toEqual([stored.sha256]);
  });
});
