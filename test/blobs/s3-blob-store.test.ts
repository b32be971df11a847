/**
 * S3BlobStore beyond the BlobStore contract (blob-store-conformance.test.ts),
 * against the run's real S3 server (Swift + s3api): multipart uploads of
 * large blobs and ranged reads across their parts; a multipart upload whose
 * source fails is aborted (none listed after); the sweep aborts stale
 * uploads, removes stale probe keys and spool files, and spares fresh ones;
 * the objects' keys; `absent` of many hashes by listing their key range
 * (pages walked with StartAfter, the HEAD fallback when pages settle few);
 * failures the engine should retry (nothing listening)
 * are TransientError, and those it should not (a wrong secret) are not.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { CreateMultipartUploadCommand, HeadObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command, PutObjectCommand, UploadPartCommand } from '@aws-sdk/client-s3';
import { S3BlobStore } from '../../src/blobs/s3/s3-blob-store.js';
import { parseS3Location } from '../../src/blobs/s3/s3-location.js';
import { PART_BYTES, uploadStream } from '../../src/blobs/s3/s3-upload.js';
import { presentByListing } from '../../src/blobs/s3/s3-absent.js';
import { TransientError } from '../../src/domain/errors.js';
import { S3_BUCKET, s3Suites, s3TestServer, type S3TestLocation } from '../support/s3-server.js';

const sha256 = (data: Buffer | string) => crypto.createHash('sha256').update(data).digest('hex');
const runS3 = (await s3Suites()) === 'run';

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe.runIf(runS3)('S3BlobStore on a real S3 server', () => {
  let location: S3TestLocation;
  let dataDir: string;
  let store: S3BlobStore;
  beforeEach(async () => {
    location = await s3TestServer().location('s3-store');
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'by-s3-store-'));
    store = location.store({ dataDir });
  });
  afterEach(async () => {
    await location.dispose();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const uploads = async () => (await store.client.send(new ListMultipartUploadsCommand({ Bucket: S3_BUCKET, Prefix: store.location.prefix }))).Uploads ?? [];

  it('stores a blob of several parts by a multipart upload, at <prefix>objects/<sha256>, and reads ranges across its parts', async () => {
    const content = crypto.randomBytes(2 * PART_BYTES + 12_345);
    const chunks = Array.from({ length: Math.ceil(content.length / 1_000_000) }, (_, i) => content.subarray(i * 1_000_000, (i + 1) * 1_000_000));
    const written = await store.write(Readable.from(chunks), { maxBytes: content.length });
    expect(written).toEqual({ sha256: sha256(content), size: content.length, created: true });
    const head = await store.client.send(new HeadObjectCommand({ Bucket: S3_BUCKET, Key: `${store.location.prefix}objects/${written.sha256}` }));
    expect(head.ContentLength).toBe(content.length);
    expect(head.ETag).toMatch(/-3"$/); // three parts
    const start = PART_BYTES - 10;
    const end = 2 * PART_BYTES + 10;
    expect((await readAll(await store.openRead(written.sha256, { start, end }))).equals(content.subarray(start, end + 1))).toBe(true);
    expect((await readAll(await store.openRead(written.sha256))).equals(content)).toBe(true);
    // Written again: found by its HEAD, not sent again.
    expect((await store.write(Readable.from([content]), { maxBytes: content.length })).created).toBe(false);
    expect(await uploads()).toEqual([]);
    expect(fs.readdirSync(store.location.spoolDir)).toEqual([]);
  });

  it('aborts a multipart upload whose source fails after some parts: no upload is left, no object appears', async () => {
    let sent = 0;
    const failing = new Readable({
      read() {
        if (sent++ < 3) this.push(crypto.randomBytes(PART_BYTES));
        else this.destroy(new Error('the source failed mid-upload'));
      },
    });
    const key = `${store.location.prefix}objects/${'e'.repeat(64)}`;
    await expect(uploadStream({ client: store.client, bucket: S3_BUCKET, key }, failing)).rejects.toThrow(/the source failed mid-upload/);
    expect(await uploads()).toEqual([]);
    expect((await store.client.send(new ListObjectsV2Command({ Bucket: S3_BUCKET, Prefix: store.location.prefix }))).KeyCount ?? 0).toBe(0);
  });

  it('the sweep aborts stale multipart uploads and removes stale probe keys and spool files, sparing fresh ones', async () => {
    const key = `${store.location.prefix}objects/${'d'.repeat(64)}`;
    const { UploadId } = await store.client.send(new CreateMultipartUploadCommand({ Bucket: S3_BUCKET, Key: key }));
    await store.client.send(new UploadPartCommand({ Bucket: S3_BUCKET, Key: key, UploadId, PartNumber: 1, Body: Buffer.alloc(1000, 1) }));
    await store.client.send(new PutObjectCommand({ Bucket: S3_BUCKET, Key: `${store.location.prefix}tmp/check-crashed`, Body: 'probe' }));
    fs.mkdirSync(store.location.spoolDir, { recursive: true });
    fs.writeFileSync(path.join(store.location.spoolDir, 'crashed.spool'), 'half');
    // Within the grace period: all spared (a writer in another process may own them).
    expect(await store.removeOrphanTempFiles({ olderThanMs: 3_600_000 })).toBe(0);
    expect(await uploads()).toHaveLength(1);
    // Past it (no grace): an upload, a probe key and a spool file.
    expect(await store.removeOrphanTempFiles({ olderThanMs: 0 })).toBe(3);
    expect(await uploads()).toEqual([]);
    expect((await store.client.send(new ListObjectsV2Command({ Bucket: S3_BUCKET, Prefix: `${store.location.prefix}tmp/` }))).KeyCount ?? 0).toBe(0);
    expect(fs.readdirSync(store.location.spoolDir)).toEqual([]);
  });

  it('leaves keys that are not a blob at its own address out of the walk, and never removes them', async () => {
    const stored = await store.writeBuffer(Buffer.from('a blob'));
    await store.client.send(new PutObjectCommand({ Bucket: S3_BUCKET, Key: `${store.location.prefix}objects/README`, Body: 'not a blob' }));
    expect((await store.listObjects({ limit: 10 })).map((o) => o.sha256)).toEqual([stored.sha256]);
  });

  it('absent of many hashes, some stored, some asked twice: exactly the missing ones in the order asked (found by one LIST, not a HEAD each)', async () => {
    const stored = await Promise.all(Array.from({ length: 40 }, (_, i) => store.writeBuffer(Buffer.from(`stored ${i}`))));
    const missing = Array.from({ length: 60 }, (_, i) => sha256(`never stored ${i}`));
    await store.client.send(new PutObjectCommand({ Bucket: S3_BUCKET, Key: `${store.location.prefix}objects/README`, Body: 'not a blob' }));
    const asked = [...stored.map((s) => s.sha256), ...missing, missing[3]!, stored[5]!.sha256].sort(() => Math.random() - 0.5);
    expect(await store.absent(asked)).toEqual(asked.filter((h) => missing.includes(h)));
    // Fewer than the listing threshold: by HEADs, the same answer.
    expect(await store.absent([stored[0]!.sha256, missing[0]!])).toEqual([missing[0]]);
  });

  it('the listing walks page after page from just before each unsettled hash, and leaves the rest to HEADs once a page settles few', async () => {
    const stored = (await Promise.all(Array.from({ length: 20 }, (_, i) => store.writeBuffer(Buffer.from(`paged ${i}`))))).map((s) => s.sha256);
    const missing = Array.from({ length: 30 }, (_, i) => sha256(`paged missing ${i}`));
    // Every other stored hash asked, with the missing ones: pages of 3 keys.
    const asked = [...stored.filter((_, i) => i % 2 === 0), ...missing].sort();
    const keys = { client: store.client, bucket: S3_BUCKET, prefix: store.location.prefix, objects: `${store.location.prefix}objects/`, tmp: `${store.location.prefix}tmp/` };
    const walked = await presentByListing(keys, asked, { pageKeys: 3, minSettledPerPage: 0 });
    expect([...walked.present].sort()).toEqual(stored.filter((_, i) => i % 2 === 0).sort());
    expect(walked.unsettled).toEqual([]);
    // A full page that settles fewer than asked for: what it has not reached is left unsettled, a suffix of the hashes asked.
    const cut = await presentByListing(keys, asked, { pageKeys: 3, minSettledPerPage: 100 });
    expect(cut.unsettled.length).toBeGreaterThan(0);
    expect(cut.unsettled).toEqual(asked.slice(asked.length - cut.unsettled.length));
    expect([...cut.present].every((h) => stored.includes(h) && !cut.unsettled.includes(h))).toBe(true);
    const settled = asked.slice(0, asked.length - cut.unsettled.length);
    expect([...cut.present].sort()).toEqual(settled.filter((h) => stored.includes(h)).sort());
  });

  it('fails with an Error that is not transient when the secret is wrong, and check says the location refuses writes', async () => {
    const credentials = path.join(dataDir, 'wrong-credentials');
    fs.writeFileSync(credentials, '[default]\naws_access_key_id = batchyard:s3\naws_secret_access_key = not-the-secret\n');
    const wrong = new S3BlobStore('wrong', parseS3Location('wrong', `${location.url}&credentialsFile=${encodeURIComponent(credentials)}`, dataDir));
    try {
      const error = await wrong.writeBuffer(Buffer.from('refused')).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect(error).not.toBeInstanceOf(TransientError);
      expect((error as Error).message).toMatch(/^S3 location 'wrong' \(s3:\/\/batchyard\/.*\): looking up blob .* failed \(.*HTTP 403/);
      expect((error as Error).message).not.toContain('not-the-secret');
      await expect(wrong.check()).rejects.toThrow(/^S3 location 'wrong' \(.*\) refuses writes \(.*HTTP 403\)$/);
    } finally {
      wrong.close();
    }
  });
});

describe('S3BlobStore with nothing listening at its endpoint', () => {
  it('fails with TransientError (the engine retries it), and check says the location is not reachable', async () => {
    // A port that was free a moment ago: connections are refused.
    const port = await new Promise<number>((resolve) => {
      const server = net.createServer().listen(0, '127.0.0.1', () => {
        const { port: p } = server.address() as net.AddressInfo;
        server.close(() => resolve(p));
      });
    });
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'by-s3-closed-'));
    const closed = new S3BlobStore(
      'closed',
      parseS3Location('closed', `s3://batchyard/x?endpoint=http://127.0.0.1:${port}&forcePathStyle=true&credentialsFile=${encodeURIComponent(path.join(dataDir, 'none'))}`, dataDir),
      { maxAttempts: 2 },
    );
    fs.writeFileSync(path.join(dataDir, 'none'), '[default]\naws_access_key_id = a\naws_secret_access_key = b\n');
    try {
      for (const attempt of [
        () => closed.writeBuffer(Buffer.from('nowhere')),
        () => closed.stat('a'.repeat(64)),
        () => closed.openRead('a'.repeat(64)),
        () => closed.listObjects({ limit: 10 }),
      ]) {
        const error = await attempt().catch((e: unknown) => e);
        expect(error).toBeInstanceOf(TransientError);
        expect((error as Error).message).toMatch(/^S3 location 'closed' .* failed \(.*ECONNREFUSED/);
      }
      await expect(closed.check()).rejects.toThrow(/^S3 location 'closed' \(.*\) is not reachable \(/);
    } finally {
      closed.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('fails with TransientError when the server accepts and never answers (a timeout)', async () => {
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((socket) => sockets.add(socket.on('error', () => {})));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'by-s3-silent-'));
    fs.writeFileSync(path.join(dataDir, 'credentials'), '[default]\naws_access_key_id = a\naws_secret_access_key = b\n');
    const hung = new S3BlobStore(
      'hung',
      parseS3Location('hung', `s3://batchyard/x?endpoint=http://127.0.0.1:${port}&forcePathStyle=true&credentialsFile=${encodeURIComponent(path.join(dataDir, 'credentials'))}`, dataDir),
      { maxAttempts: 1, requestTimeoutMs: 500 },
    );
    try {
      const error = await hung.stat('b'.repeat(64)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TransientError);
      expect((error as Error).message).toMatch(/^S3 location 'hung' .* failed \(TimeoutError/);
    } finally {
      hung.close();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
