/**
 * The files API on a library whose storage location is S3 (the run's real
 * Swift + s3api server): an upload streams into the bucket, a download and
 * its byte ranges stream out of it with the same answers as from a
 * directory (206 and Content-Range, 416 past the end).
 */
import crypto from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sqliteFactory } from '../support/drivers.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { s3Suites, s3TestServer, type S3TestLocation } from '../support/s3-server.js';

const runS3 = (await s3Suites()) === 'run';
const sha256 = (data: Buffer | string) => crypto.createHash('sha256').update(data).digest('hex');

describe.runIf(runS3)('files API on an S3 storage location', () => {
  let t: TestApp;
  let s3: S3TestLocation;
  let lib: string;
  const files = (p: string) => `/api/v1/libraries/${lib}/files/${p}`;
  beforeEach(async () => {
    s3 = await s3TestServer().location('s3-files');
    t = await startTestApp(sqliteFactory, { BATCHYARD_STORAGES: `default=${s3.urlWithCredentialsFile}` });
    lib = (await t.call('POST', '/api/v1/libraries', { json: { name: 'On S3' } })).body.libraryId;
  });
  afterEach(async () => {
    await t.dispose();
    await s3.dispose();
  });

  it('uploads into the bucket and serves the bytes back whole and by ranges', async () => {
    const content = crypto.randomBytes(1_000_000);
    const put = await t.call('PUT', files('data/blob.bin'), { body: content });
    expect(put.status).toBe(201);
    expect(put.body).toMatchObject({ size: content.length, sha256: sha256(content) });
    expect(await t.app.blobStores.get('default').stat(sha256(content))).toEqual({ size: content.length });

    const whole = await t.call('GET', files('data/blob.bin'));
    expect(whole.status).toBe(200);
    expect(whole.raw.equals(content)).toBe(true);
    const part = await t.call('GET', files('data/blob.bin'), { headers: { range: 'bytes=300000-700009' } });
    expect(part.status).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 300000-700009/${content.length}`);
    expect(part.raw.equals(content.subarray(300_000, 700_010))).toBe(true);
    expect((await t.call('GET', files('data/blob.bin'), { headers: { range: 'bytes=-10' } })).raw.equals(content.subarray(-10))).toBe(true);
    const bad = await t.call('GET', files('data/blob.bin'), { headers: { range: 'bytes=2000000-2000010' } });
    expect(bad.status).toBe(416);
  });
});
