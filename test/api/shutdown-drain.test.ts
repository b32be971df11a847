/**
 * Graceful drain whatever the storage: an upload in flight when shutdown
 * begins (SIGTERM runs the same close) is let finish: its PUT answers 201,
 * its file is in the catalog and its bytes at their address, then storage
 * closes. Shutdown waits for route handlers (api/in-flight.ts), and an
 * upload's handler holds the blob store's write and the catalog commit, so
 * the drain does not depend on where the bytes go: here a local location and
 * an S3 one (the run's real Swift + s3api server). The file is 9 MiB: on S3,
 * hashed on the host as it arrives, then sent as a multipart upload, all of
 * it after the shutdown began.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { sqliteFactory, type TestDriver } from '../support/drivers.js';
import { s3Suites, s3TestServer, type S3TestLocation } from '../support/s3-server.js';
import { startServer } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createSqliteDriver } from '../../src/store/drivers/sqlite/sqlite-driver.js';
import { LocalBlobStore } from '../../src/blobs/local-blob-store.js';

const runS3 = (await s3Suites()) === 'run';
const TOKEN = 'shutdown-drain-test-token-0123456789';

describe('server shutdown with an upload in flight', { timeout: 120_000 }, () => {
  let t: TestDriver | undefined;
  let s3: S3TestLocation | undefined;
  afterEach(async () => {
    await s3?.dispose();
    s3 = undefined;
    t?.dispose().catch(() => {});
    t = undefined;
  });

  for (const where of ['local', 's3'] as const) {
    it.runIf(where === 'local' || runS3)(`lets it finish and store its file before closing (${where} storage)`, async () => {
      t = await sqliteFactory.create();
      if (where === 's3') s3 = await s3TestServer().location('shutdown-drain');
      const env = { BATCHYARD_BOOTSTRAP_TOKEN: TOKEN, LOG_LEVEL: 'silent', ...(s3 ? { BATCHYARD_STORAGES: `default=${s3.urlWithCredentialsFile}` } : {}) };
      const config = loadConfig({ data: t.dir, port: 0 }, env);
      const server = await startServer(config, { driver: t.driver, logger: pino({ level: 'silent' }), print: () => {}, shutdownGraceMs: 60_000, engine: false });
      const auth = { authorization: `Bearer ${TOKEN}` };
      const lib = (await (await fetch(`${server.url}/api/v1/libraries`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{"name":"drain"}' })).json()) as { libraryId: string };

      const content = crypto.randomBytes(9 * 1024 * 1024 + 3);
      const sha256 = crypto.createHash('sha256').update(content).digest('hex');
      const half = 5 * 1024 * 1024;
      let send!: (chunk: Buffer) => void;
      const answered = new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = http.request(`${server.url}/api/v1/libraries/${lib.libraryId}/files/in-flight.bin`, { method: 'PUT', headers: { ...auth, 'content-length': content.length } }, (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode!, body }));
        });
        req.on('error', reject);
        send = (chunk) => (chunk.length === 0 ? req.end() : req.write(chunk));
      });
      send(content.subarray(0, half));
      for (let i = 0; i < 500 && server.http.inFlight.running === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(server.http.inFlight.running).toBe(1);

      const closed = server.close();
      // The server takes no new connection meanwhile.
      await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
      send(content.subarray(half));
      send(Buffer.alloc(0));
      const response = await answered;
      expect(response.status, response.body).toBe(201);
      await closed;
      expect(server.http.inFlight.running).toBe(0);

      // After the close: the item is in the catalog, its bytes at their address in the location.
      const reopened = createSqliteDriver({ filename: path.join(t.dir, 'batchyard.sqlite') });
      const item = await reopened.db.selectFrom('items').select(['sha256', 'size']).where('path', '=', '/in-flight.bin').executeTakeFirst();
      await reopened.close();
      expect(item).toEqual({ sha256, size: content.length });
      const store = s3 ? s3.store() : new LocalBlobStore('default', path.join(t.dir, 'blobs'));
      expect(await store.stat(sha256)).toEqual({ size: content.length });
    });
  }
});
