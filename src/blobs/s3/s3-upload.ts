/**
 * One object's bytes into a bucket: content in memory by one PUT (with its
 * Content-MD5, which every S3 server checks), a spooled file through
 * lib-storage's Upload — a single PUT while it fits one part, a multipart
 * upload past it (PART_BYTES per part, PART_QUEUE parts in flight, each part
 * retried by the SDK). A multipart upload that fails, or is aborted, is
 * aborted on the server: lib-storage does so, and so do we once more after it
 * (its abort races the rejection we see), so no upload is left behind to
 * hold parts; a process killed mid-upload leaves one for the orphan sweep
 * (S3Sweep: stale uploads are listed and aborted).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { AbortMultipartUploadCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { Readable } from 'node:stream';

/** A multipart upload's part size (S3's minimum is 5 MiB; 10,000 parts make 80 GiB at this size, grown past it). */
export const PART_BYTES = 8 * 1024 * 1024;
/** Parts in flight per upload (each held in memory while it is sent). */
export const PART_QUEUE = 4;
/** S3's most parts per upload. */
const MAX_PARTS = 10_000;

/** Bytes waiting to go: in memory, or a file on local disk (with its size). */
export type HeldBytes = { kind: 'memory'; content: Buffer } | { kind: 'file'; path: string; size: number };

export interface PutTarget {
  client: S3Client;
  bucket: string;
  key: string;
  signal?: AbortSignal;
}

/** Stores `held` at the target key (replacing what is there). */
export async function putObject(target: PutTarget, held: HeldBytes): Promise<void> {
  if (held.kind === 'memory') {
    const md5 = crypto.createHash('md5').update(held.content).digest('base64');
    await target.client.send(
      new PutObjectCommand({ Bucket: target.bucket, Key: target.key, Body: held.content, ContentLength: held.content.length, ContentMD5: md5 }),
      { abortSignal: target.signal },
    );
    return;
  }
  await uploadStream(target, fs.createReadStream(held.path), held.size);
}

/**
 * Streams `body` (of `size` bytes, when known) to the target key, multipart
 * past one part. On any failure, the multipart upload (if one was begun) is
 * aborted before this rejects.
 */
export async function uploadStream(target: PutTarget, body: Readable, size?: number): Promise<void> {
  const partSize = size === undefined ? PART_BYTES : Math.max(PART_BYTES, Math.ceil(size / MAX_PARTS));
  const abortController = new AbortController();
  const onAbort = () => abortController.abort();
  target.signal?.addEventListener('abort', onAbort, { once: true });
  const upload = new Upload({
    client: target.client,
    params: { Bucket: target.bucket, Key: target.key, Body: body, ...(size !== undefined ? { ContentLength: size } : {}) },
    partSize,
    queueSize: PART_QUEUE,
    leavePartsOnError: false,
    abortController,
  });
  try {
    await upload.done();
  } catch (error) {
    body.destroy();
    const uploadId = (upload as unknown as { uploadId?: string }).uploadId;
    if (uploadId !== undefined) await abortUpload(target.client, target.bucket, target.key, uploadId).catch(() => {});
    throw error;
  } finally {
    target.signal?.removeEventListener('abort', onAbort);
  }
}

/** Aborts a multipart upload; one already gone (completed, aborted) is not an error. */
export async function abortUpload(client: S3Client, bucket: string, key: string, uploadId: string): Promise<void> {
  try {
    await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }));
  } catch (error) {
    const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
    if (e.name === 'NoSuchUpload' || e.$metadata?.httpStatusCode === 404) return;
    throw error;
  }
}
