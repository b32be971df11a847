/** Reads a stored blob through SHA-256, streamed (never the whole blob in memory), stopping when `signal` aborts. */
import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BlobStore } from '../blobs/blob-store.js';
import { NotFoundError } from '../domain/errors.js';

/** The bytes' hash and length, or null when the blob is not stored. */
export async function hashStoredBlob(blobs: BlobStore, sha256: string, signal?: AbortSignal): Promise<{ sha256: string; size: number } | null> {
  let source;
  try {
    source = await blobs.openRead(sha256);
  } catch (error) {
    if (error instanceof NotFoundError) return null;
    throw error;
  }
  const hash = createHash('sha256');
  let size = 0;
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      size += chunk.length;
      done();
    },
  });
  await pipeline(source, sink, signal ? { signal } : {});
  return { sha256: hash.digest('hex'), size };
}
