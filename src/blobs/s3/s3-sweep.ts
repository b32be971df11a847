/**
 * What the orphan sweep needs of an S3 location: its blobs in address order
 * a chunk at a time (ListObjectsV2 after a key), and its leftovers removed —
 * multipart uploads begun and never completed (a writer killed mid-upload;
 * their parts are billed and invisible), probe keys under `tmp/` a crashed
 * `check` stranded, and spool files a crashed process left on local disk.
 * Each is spared while younger than the grace period; an upload is judged by
 * its newest part (a long upload in another process keeps adding parts),
 * and those this process is running are never touched. (Servers round
 * times to the second, Swift upwards: with no grace at all, everything goes.)
 */
import fs from 'node:fs';
import path from 'node:path';
import { DeleteObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command, ListPartsCommand, type S3Client } from '@aws-sdk/client-s3';
import type { StoredObject } from '../blob-store.js';
import { abortUpload } from './s3-upload.js';

const SHA256_HEX = /^[0-9a-f]{64}$/;

export interface S3Keys {
  client: S3Client;
  bucket: string;
  /** `<prefix>objects/`: a blob is `<objects><sha256>`. */
  objects: string;
  /** `<prefix>tmp/`: probe keys. */
  tmp: string;
  /** The location's key prefix ('' or ending in '/'). */
  prefix: string;
}

/** Up to `limit` blobs after `after` in address order (S3 lists keys in UTF-8 byte order, which is address order here). */
export async function listBlobs(keys: S3Keys, p: { after?: string; limit: number }, isPinned: (sha256: string) => boolean): Promise<StoredObject[]> {
  const out: StoredObject[] = [];
  let token: string | undefined;
  do {
    const page = await keys.client.send(
      new ListObjectsV2Command({
        Bucket: keys.bucket,
        Prefix: keys.objects,
        MaxKeys: Math.min(1000, p.limit - out.length),
        ...(token !== undefined ? { ContinuationToken: token } : p.after !== undefined ? { StartAfter: keys.objects + p.after } : {}),
      }),
    );
    for (const object of page.Contents ?? []) {
      const sha256 = object.Key?.slice(keys.objects.length) ?? '';
      if (!SHA256_HEX.test(sha256)) continue; // not a blob at its own address: never reported, never removed
      out.push({ sha256, size: object.Size ?? 0, mtimeMs: object.LastModified?.getTime() ?? 0, pinned: isPinned(sha256) });
      if (out.length >= p.limit) return out;
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  return out;
}

/** Aborts the location's multipart uploads untouched for `olderThanMs` (but those to keys this process is uploading, `running`); returns how many. */
export async function abortStaleUploads(keys: S3Keys, olderThanMs: number, running: ReadonlySet<string>, now = Date.now()): Promise<number> {
  let aborted = 0;
  let keyMarker: string | undefined;
  let uploadIdMarker: string | undefined;
  for (;;) {
    const page = await keys.client.send(
      new ListMultipartUploadsCommand({ Bucket: keys.bucket, Prefix: keys.prefix, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker }),
    );
    for (const upload of page.Uploads ?? []) {
      if (!upload.Key || !upload.UploadId || running.has(upload.Key)) continue;
      if (olderThanMs > 0 && now - (upload.Initiated?.getTime() ?? 0) < olderThanMs) continue;
      if (olderThanMs > 0 && now - (await newestPartMs(keys, upload.Key, upload.UploadId)) < olderThanMs) continue;
      await abortUpload(keys.client, keys.bucket, upload.Key, upload.UploadId);
      aborted++;
    }
    if (!page.IsTruncated) return aborted;
    keyMarker = page.NextKeyMarker;
    uploadIdMarker = page.NextUploadIdMarker;
  }
}

/** When the upload last received a part (0 when it has none). */
async function newestPartMs(keys: S3Keys, key: string, uploadId: string): Promise<number> {
  let newest = 0;
  let marker: string | undefined;
  for (;;) {
    const page = await keys.client.send(new ListPartsCommand({ Bucket: keys.bucket, Key: key, UploadId: uploadId, PartNumberMarker: marker }));
    for (const part of page.Parts ?? []) newest = Math.max(newest, part.LastModified?.getTime() ?? 0);
    if (!page.IsTruncated || page.NextPartNumberMarker === undefined) return newest;
    marker = page.NextPartNumberMarker;
  }
}

/** Removes probe keys under `tmp/` older than `olderThanMs`; returns how many. */
export async function removeStaleTmpKeys(keys: S3Keys, olderThanMs: number, now = Date.now()): Promise<number> {
  let removed = 0;
  let token: string | undefined;
  do {
    const page = await keys.client.send(new ListObjectsV2Command({ Bucket: keys.bucket, Prefix: keys.tmp, ContinuationToken: token }));
    for (const object of page.Contents ?? []) {
      if (!object.Key || (olderThanMs > 0 && now - (object.LastModified?.getTime() ?? 0) < olderThanMs)) continue;
      await keys.client.send(new DeleteObjectCommand({ Bucket: keys.bucket, Key: object.Key }));
      removed++;
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  return removed;
}

/** Removes spool files under `dir` untouched for `olderThanMs` (but `active`'s); returns how many. */
export async function removeStaleSpoolFiles(dir: string, olderThanMs: number, active: ReadonlySet<string>, now = Date.now()): Promise<number> {
  let names: string[];
  try {
    names = await fs.promises.readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
  let removed = 0;
  for (const name of names) {
    const file = path.join(dir, name);
    if (active.has(file)) continue;
    const stats = fs.statSync(file, { throwIfNoEntry: false });
    if (!stats?.isFile() || now - Math.floor(stats.mtimeMs) < olderThanMs) continue;
    await fs.promises.rm(file, { force: true });
    removed++;
  }
  return removed;
}
