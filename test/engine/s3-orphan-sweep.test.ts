/**
 * The engine's orphan sweep on an S3 location (the run's real Swift + s3api
 * server) as the default: bytes with no catalog row go once past the grace
 * period (by the objects' Last-Modified), referenced ones stay, and an
 * uploaded file stays readable, a range of it too.
 */
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sqliteFactory } from '../support/drivers.js';
import { engineFixture, type EngineFixture } from '../support/engine.js';
import { s3Suites, s3TestServer, type S3TestLocation } from '../support/s3-server.js';
import { S3BlobStore } from '../../src/blobs/s3/s3-blob-store.js';

const runS3 = (await s3Suites()) === 'run';
const HOUR = 60 * 60_000;

describe.runIf(runS3)('orphan sweep on an S3 location', () => {
  let f: EngineFixture;
  let s3: S3TestLocation;
  let clock = Date.now();
  beforeEach(async () => {
    s3 = await s3TestServer().location('s3-sweep');
    f = await engineFixture(sqliteFactory, { BATCHYARD_STORAGES: `default=${s3.urlWithCredentialsFile}` });
    clock = Date.now();
    await f.startEngine({ orphanSweepMs: 0, orphanGraceMs: HOUR, now: () => clock });
  });
  afterEach(async () => {
    await f.dispose();
    await s3.dispose();
  });

  it('keeps bytes without a row within the grace period, removes them past it, and keeps referenced ones', async () => {
    const lib = await f.library();
    const blobs = f.app.blobStores.get('default');
    expect(blobs).toBeInstanceOf(S3BlobStore);
    const big = Buffer.alloc(300_000, 7); // past the size held in memory: spooled, then PUT
    const { item } = await f.app.items.putFile(f.admin, lib, '/kept.bin', Readable.from([big]));
    const lost = (await blobs.writeBuffer(Buffer.from('written, never referenced'))).sha256;

    expect(await f.engine!.sweepOrphans()).toMatchObject({ removed: 0 });
    expect(await blobs.stat(lost)).not.toBeNull();

    clock += 2 * HOUR;
    expect(await f.engine!.sweepOrphans()).toMatchObject({ removed: 1 });
    expect(await blobs.stat(lost)).toBeNull();
    expect(await blobs.stat(item.sha256!)).toEqual({ size: big.length });
    const download = await f.app.items.openDownload(f.admin, lib, { path: '/kept.bin' });
    expect((await text(await download.blobStore.openRead(download.item.sha256!, { start: 0, end: 9 }))).length).toBe(10);
  });
});
