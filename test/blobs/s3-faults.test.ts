/**
 * A real 503 from a real S3 server becomes a TransientError (the engine
 * retries it): a Swift + s3api server of this file's own (the run's shared
 * one must keep working for the other tests) loses its object server, a
 * SIGKILL, and its proxy answers 503 Service Unavailable to reads and writes.
 * Costs a server start (10-40 s here).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3BlobStore } from '../../src/blobs/s3/s3-blob-store.js';
import { parseS3Location } from '../../src/blobs/s3/s3-location.js';
import { TransientError } from '../../src/domain/errors.js';
import { S3_ACCESS_KEY, S3_SECRET_KEY, s3Suites, startS3Server, type StartedS3Server } from '../support/s3-server.js';

const runS3 = (await s3Suites()) === 'run';

describe.runIf(runS3)('S3BlobStore when the server answers 503', { timeout: 200_000 }, () => {
  let server: StartedS3Server;
  let store: S3BlobStore;
  let dataDir: string;
  beforeAll(async () => {
    server = await startS3Server();
    await server.ready;
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'by-s3-faults-'));
    const credentials = path.join(dataDir, 'credentials');
    fs.writeFileSync(credentials, `[default]\naws_access_key_id = ${S3_ACCESS_KEY}\naws_secret_access_key = ${S3_SECRET_KEY}\n`);
    const url = `s3://batchyard/faults?endpoint=${encodeURIComponent(server.endpoint)}&forcePathStyle=true&credentialsFile=${encodeURIComponent(credentials)}`;
    store = new S3BlobStore('faults', parseS3Location('faults', url, dataDir), { maxAttempts: 2 });
  }, 200_000);
  afterAll(async () => {
    store?.close();
    await server?.stop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('reads and writes fail with TransientError naming the 503 while the object server is down', async () => {
    const before = await store.writeBuffer(Buffer.from('stored while all was well'));
    expect(await store.stat(before.sha256)).toEqual({ size: before.size });
    process.kill(Number(fs.readFileSync(path.join(server.dir, 'run', 'object.pid'), 'utf8')), 'SIGKILL');
    for (const attempt of [() => store.writeBuffer(Buffer.from('written into the outage')), () => store.stat(before.sha256), () => store.read(before.sha256)]) {
      const error = await attempt().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TransientError);
      expect((error as Error).message).toMatch(/^S3 location 'faults' .* failed \(.*HTTP 503/);
    }
    await expect(store.check()).rejects.toThrow(/^S3 location 'faults' \(.*\) is not writable \(.*HTTP 503\)$/);
  });
});
