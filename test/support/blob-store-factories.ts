/**
 * The blob stores the conformance suite (test/blobs/blob-store-conformance.test.ts)
 * runs against, as test/support/drivers.ts gives the databases: a local
 * directory always; the run's real S3 server (Swift + s3api) when it started
 * (in CI it must: s3Suites throws otherwise). Each test gets a fresh store
 * and a way to see what a failed write left on local disk.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BlobStore } from '../../src/blobs/blob-store.js';
import { LocalBlobStore } from '../../src/blobs/local-blob-store.js';
import { s3Suites, s3TestServer } from './s3-server.js';

export interface TestBlobStore {
  store: BlobStore;
  /** Files a write holds or left behind on local disk (temp files, spool files): [] once every write ended. */
  leftovers(): string[];
  dispose(): Promise<void>;
}

export interface BlobStoreFactory {
  name: 'local' | 's3';
  create(): Promise<TestBlobStore>;
}

const filesIn = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir) : []);

export const localStoreFactory: BlobStoreFactory = {
  name: 'local',
  async create() {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'by-blob-'));
    const store = new LocalBlobStore('default', root);
    return {
      store,
      leftovers: () => filesIn(path.join(root, 'tmp')),
      async dispose() {
        store.close();
        fs.rmSync(root, { recursive: true, force: true });
      },
    };
  },
};

export const s3StoreFactory: BlobStoreFactory = {
  name: 's3',
  async create() {
    const location = await s3TestServer().location('conformance');
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'by-s3-blob-'));
    const store = location.store({ dataDir });
    return {
      store,
      leftovers: () => filesIn(store.location.spoolDir),
      async dispose() {
        await location.dispose();
        fs.rmSync(dataDir, { recursive: true, force: true });
      },
    };
  },
};

/** The stores to run against: local, and S3 unless its server is unavailable outside CI. */
export async function blobStoreFactories(): Promise<BlobStoreFactory[]> {
  return (await s3Suites()) === 'run' ? [localStoreFactory, s3StoreFactory] : [localStoreFactory];
}
