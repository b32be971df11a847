/**
 * BlobStore.read: a whole small blob as a buffer, the same bytes a stream
 * gives; an absent blob is a NotFoundError, a malformed address an
 * InvalidArgumentError (never a path outside the store).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalBlobStore } from '../../src/blobs/local-blob-store.js';
import { InvalidArgumentError, NotFoundError } from '../../src/domain/errors.js';

let root: string;
let store: LocalBlobStore;

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'by-blob-read-'));
  store = new LocalBlobStore('default', root);
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

describe('BlobStore.read', () => {
  it('gives the stored bytes whole, as the stream does', async () => {
    const content = crypto.randomBytes(200_000);
    const { sha256 } = await store.writeBuffer(content);
    expect((await store.read(sha256)).equals(content)).toBe(true);
    const streamed: Buffer[] = [];
    for await (const chunk of await store.openRead(sha256)) streamed.push(chunk as Buffer);
    expect(Buffer.concat(streamed).equals(content)).toBe(true);
    const empty = await store.writeBuffer(Buffer.alloc(0));
    expect((await store.read(empty.sha256)).length).toBe(0);
  });

  it('rejects an absent blob with NotFoundError and a malformed address with InvalidArgumentError', async () => {
    await expect(store.read('a'.repeat(64))).rejects.toBeInstanceOf(NotFoundError);
    await expect(store.read('../../etc/passwd')).rejects.toBeInstanceOf(InvalidArgumentError);
  });
});
