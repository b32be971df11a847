/**
 * Copy and backup jobs between a local storage location and an S3 one (the
 * run's real Swift + s3api server), both ways: a library on the local `default`, one on
 * `s3`, one on a second local location. Small and large files (a large one
 * goes through a spool file and a multipart upload) are copied local → S3,
 * then S3 → local; each library's files download with their bytes from
 * their own location. A backup of a local library into the S3 location is
 * restored into a library on a local one.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sqliteFactory } from '../support/drivers.js';
import { engineFixture, type EngineFixture } from '../support/engine.js';
import { s3Suites, s3TestServer, type S3TestLocation } from '../support/s3-server.js';

const runS3 = (await s3Suites()) === 'run';

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe.runIf(runS3)('copy jobs between a local and an S3 storage location', () => {
  let f: EngineFixture;
  let s3: S3TestLocation;
  let second: string;
  beforeEach(async () => {
    s3 = await s3TestServer().location('s3-copy');
    second = fs.mkdtempSync(path.join(os.tmpdir(), 'by-second-'));
    f = await engineFixture(sqliteFactory, { BATCHYARD_STORAGES: `s3=${s3.urlWithCredentialsFile},second=${second}` });
    await f.startEngine();
  });
  afterEach(async () => {
    await f.dispose();
    await s3.dispose();
    fs.rmSync(second, { recursive: true, force: true });
  });

  it('moves the bytes local → S3 and S3 → local, small and multipart-sized files alike', async () => {
    const local = await f.library('Local');
    const onS3 = await f.library('OnS3', { objectStorageLocation: 's3' });
    const back = await f.library('Back', { objectStorageLocation: 'second' });
    const count = await f.tree(local, '/src', 2, 10);
    const big = crypto.randomBytes(9 * 1024 * 1024 + 3); // past one 8 MiB part
    await f.app.items.putFile(f.admin, local, '/src/big.bin', Readable.from([big]));

    const toS3 = await f.waitFor((await f.submit('copy', local, { paths: ['/src'], destination: '/', targetLibraryId: onS3 })).id);
    expect(toS3).toMatchObject({ status: 'completed', counts: { succeeded: count + 1 } });
    const fromS3 = await f.waitFor((await f.submit('copy', onS3, { paths: ['/src'], destination: '/', targetLibraryId: back })).id);
    expect(fromS3).toMatchObject({ status: 'completed', counts: { succeeded: count + 1 } });

    expect(await f.livePaths(onS3)).toEqual(await f.livePaths(local));
    expect(await f.livePaths(back)).toEqual(await f.livePaths(local));
    for (const [library, location] of [
      [local, 'default'],
      [onS3, 's3'],
      [back, 'second'],
    ] as const) {
      const bigFile = await f.app.items.openDownload(f.admin, library, { path: '/src/big.bin' });
      expect(bigFile.blobStore.name).toBe(location);
      expect((await readAll(await bigFile.blobStore.openRead(bigFile.item.sha256!))).equals(big)).toBe(true);
      const small = await f.app.items.openDownload(f.admin, library, { path: '/src/d0001/f00003.txt' });
      expect((await small.blobStore.read(small.item.sha256!)).toString()).toMatch(/^content of /);
    }
    // The S3 location holds exactly the distinct contents copied there.
    const distinct = new Set((await f.app.driver.db.selectFrom('items').select('sha256').where('library_id', '=', onS3).where('kind', '=', 'file').execute()).map((r) => r.sha256));
    const stored = await f.app.blobStores.get('s3').listObjects({ limit: 1000 });
    expect(stored.map((o) => o.sha256).sort()).toEqual([...distinct].sort());
  });

  it('backs a local library up into the S3 location, and restores that snapshot into a local one', async () => {
    const local = await f.library('Local');
    const back = await f.library('Restored', { objectStorageLocation: 'second' });
    await f.tree(local, '/docs', 2, 5);
    const big = crypto.randomBytes(300_000);
    await f.app.items.putFile(f.admin, local, '/docs/big.bin', Readable.from([big]));
    const backup = await f.waitFor((await f.submit('backup', local, { storage: 's3' })).id);
    expect(backup.status).toBe('completed');
    const snapshot = (await f.app.store.snapshotGetById({ id: (backup.result as { snapshot: { id: number } }).snapshot.id }))!;
    expect(snapshot.storage).toBe('s3');
    const restore = await f.waitFor((await f.submit('restore_backup', local, { snapshotId: snapshot.id, targetLibraryId: back, destination: '/restored' })).id);
    expect(restore.status).toBe('completed');
    const restored = await f.app.items.openDownload(f.admin, back, { path: '/restored/docs/big.bin' });
    expect(restored.blobStore.name).toBe('second');
    expect((await restored.blobStore.read(restored.item.sha256!)).equals(big)).toBe(true);
    const paths = (await f.livePaths(back)).filter((p) => p.startsWith('/restored/')).map((p) => p.slice('/restored'.length));
    expect(paths).toEqual((await f.livePaths(local)).filter((p) => p !== '/'));
  });
});
