/**
 * Random-access bytes an archive is read from: a local file (an upload on
 * disk) or a stored blob (ranged reads through BlobStore, so the same code
 * reads an archive on any storage location, local or object storage).
 */
import fs from 'node:fs';
import type { Readable } from 'node:stream';
import type { BlobStore } from '../blobs/blob-store.js';
import { fileRangeSource, PullReadable } from '../blobs/pull-source.js';
import { ArchiveError } from './archive-error.js';

export interface ByteSource {
  /** Total size in bytes. */
  readonly size: number;
  /** What the bytes are, for messages (`/a.zip`, a file path). */
  readonly label: string;
  /** The bytes [start, end) (end exclusive); start < end ≤ size. The caller consumes or destroys the stream. */
  openRange(start: number, end: number): Promise<Readable>;
}

/**
 * Reads of a local file go in chunks of up to this many bytes: an upload's
 * entries are read straight through, where 64 KiB (the stream default)
 * spends more on thread-pool round trips and garbage than on the copy.
 */
const FILE_READ_CHUNK = 1024 * 1024;

/**
 * A local file; its size is read now (it must not change while being read).
 * A range of up to FILE_READ_CHUNK bytes is a plain stream; a longer one a
 * PullReadable (exactly its bytes: a file cut shorter meanwhile is a
 * CORRUPT_ARCHIVE of the entry), which a blob write pulls into its own
 * buffers instead of streaming.
 */
export async function fileSource(path: string, label = path): Promise<ByteSource> {
  const { size } = await fs.promises.stat(path);
  return {
    size,
    label,
    openRange: async (start, end) => {
      if (end - start <= FILE_READ_CHUNK) return fs.createReadStream(path, { start, end: end - 1, highWaterMark: Math.max(end - start, 1) });
      const short = (got: number) => new ArchiveError('CORRUPT_ARCHIVE', `${label}: the bytes ${start}-${end} end after ${got} (the file was cut short)`, 'entry');
      return new PullReadable(fileRangeSource({ path }, start, end, short), FILE_READ_CHUNK);
    },
  };
}

/** A stored blob of known size. */
export function blobSource(store: BlobStore, sha256: string, size: number, label = `blob ${sha256.slice(0, 12)}…`): ByteSource {
  return {
    size,
    label,
    openRange: (start, end) => store.openRead(sha256, { start, end: end - 1 }),
  };
}

/** Reads [start, end) fully into a buffer (small reads: headers, signatures). */
export async function readBytes(source: ByteSource, start: number, end: number): Promise<Buffer> {
  const stop = Math.min(end, source.size);
  if (stop <= start) return Buffer.alloc(0);
  const stream = await source.openRange(start, stop);
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
