/**
 * LocalBlobStore.check (what GET /readyz and `batchyard doctor` ask of a
 * location): a usable directory passes and keeps nothing of the probe; a
 * directory gone, a file where the directory should be, or a tmp/ that
 * cannot take a file each fail with the directory and the cause named. The
 * check never makes the location's directory again; a new store makes it.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalBlobStore } from '../../src/blobs/local-blob-store.js';

let dir: string;
let root: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'by-location-check-'));
  root = path.join(dir, 'blobs');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('LocalBlobStore.check', () => {
  it('passes on a new location (made by the store) and on a used one, leaving no probe behind', async () => {
    const store = new LocalBlobStore('default', root);
    expect(fs.statSync(root).isDirectory()).toBe(true);
    await expect(store.check()).resolves.toBeUndefined();
    await store.writeBuffer(Buffer.alloc(300_000, 1));
    await expect(store.check()).resolves.toBeUndefined();
    expect(fs.readdirSync(path.join(root, 'tmp'))).toEqual([]);
    store.close();
  });

  it('fails while the directory is gone, without making it again, and passes once it is back', async () => {
    const store = new LocalBlobStore('default', root);
    fs.renameSync(root, `${root}.away`);
    await expect(store.check()).rejects.toThrow(`directory ${root} is not reachable (ENOENT)`);
    expect(fs.existsSync(root)).toBe(false);
    fs.renameSync(`${root}.away`, root);
    await expect(store.check()).resolves.toBeUndefined();
    store.close();
  });

  it('fails when a file stands where the directory should be', async () => {
    const store = new LocalBlobStore('default', root);
    fs.rmSync(root, { recursive: true });
    fs.writeFileSync(root, 'not a directory');
    await expect(store.check()).rejects.toThrow(`${root} is not a directory`);
    store.close();
  });

  it('fails when the directory takes no file (its tmp/ is not a directory), naming the cause', async () => {
    const store = new LocalBlobStore('default', root);
    fs.writeFileSync(path.join(root, 'tmp'), 'in the way');
    await expect(store.check()).rejects.toThrow(new RegExp(`^directory ${root} is not writable \\((EEXIST|ENOTDIR)\\)$`));
    store.close();
  });

  it('stops at an aborted signal', async () => {
    const store = new LocalBlobStore('default', root);
    await expect(store.check({ signal: AbortSignal.abort() })).rejects.toThrow();
    expect(fs.readdirSync(root).filter((name) => name !== 'tmp')).toEqual([]);
    store.close();
  });
});
