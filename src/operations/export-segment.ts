/**
 * One zip segment of an export: the local headers and data of a chunk of
 * items, then an index of their entries (one JSON line each, offsets relative
 * to the segment), then a 16-byte trailer (data size, entry count). Segments
 * are written in parallel by the export's chunk tasks; the assembly
 * (export-assemble.ts) concatenates their data and writes one central
 * directory from their indexes.
 *
 * Streamed: small files (≤ SMALL_FILE bytes) are read whole (one read each)
 * and deflated (level 6, zip's default; stored when that is no smaller, or
 * when the media type is compressed already), synchronously: at these sizes
 * the thread pool's round trips cost more than the work (measured: 4 KiB
 * deflated in 12–32 µs of CPU, 270–600 µs through zlib's async calls); the
 * pieces go to the writer in buffers of about 256 KiB. Larger files are
 * stored, streamed through with their CRC taken on the way and their sizes
 * in a data descriptor, never whole in memory. Files of LARGE_FILE bytes or
 * more are not in a segment at all: the chunk task records their blobs as
 * parts of the job and lists them in the segment's meta, and the assembly
 * streams them from where they are stored (one copy of their bytes, not
 * two). An item whose blob is missing or unreadable fails alone
 * (BLOB_MISSING); the rest of the chunk is packaged.
 */
import zlib from 'node:zlib';
import { Buffer } from 'node:buffer';
import type { Readable } from 'node:stream';
import type { BlobStore } from '../blobs/blob-store.js';
import type { ItemFailureOutcome } from '../jobs/operation.js';
import { NotFoundError } from '../domain/errors.js';
import { DEFLATE, STORE, ZIP64_ENTRY_THRESHOLD, dataDescriptor, localHeader, type ZipEntry } from './export-zip-format.js';

/** Files up to this size are read whole and may be deflated; larger ones are streamed and stored. */
export const SMALL_FILE = 256 * 1024;
/** Files from this size on are read by the assembly from their own blobs, not copied into a segment first. */
export const LARGE_FILE = 4 * 1024 * 1024;
export const DEFLATE_LEVEL = 6;
export const TRAILER_BYTES = 16;

/** Media types whose content is compressed already: stored as is. */
const COMPRESSED = /^(image\/(jpeg|png|gif|webp|avif|heic|heif)|video\/|audio\/(mpeg|mp4|aac|ogg|opus|webm|flac)|application\/(zip|gzip|x-gzip|x-7z-compressed|vnd\.rar|x-rar-compressed|x-bzip2|x-xz|zstd|x-zstd|pdf|vnd\.openxmlformats-officedocument\.[a-z.]+|vnd\.oasis\.opendocument\.[a-z.]+|epub\+zip|java-archive))$/i;

export interface SegmentItem {
  id: number;
  /** The item's path in the library (for failures). */
  path: string;
  /** Its name in the archive (no trailing slash). */
  name: string;
  kind: 'file' | 'folder';
  size: number;
  sha256: string | null;
  modifiedAt: number;
  contentType: string | null;
}

/** What a segment packaged: counts for the task's outcome, filled in while the segment is written. */
export interface SegmentOutcome {
  succeeded: number;
  bytesDone: number;
  failures: ItemFailureOutcome[];
  entries: number;
  dataSize: number;
}

type Fetched = { data: Buffer; crc: number; method: typeof STORE | typeof DEFLATE } | { failure: string };

function compressible(item: SegmentItem): boolean {
  return item.contentType === null || !COMPRESSED.test(item.contentType.split(';')[0]!.trim());
}

export function blobFailure(item: Pick<SegmentItem, 'path' | 'sha256'>, error: unknown): string {
  if (error instanceof NotFoundError) return `the content of '${item.path}' (blob ${item.sha256?.slice(0, 12)}…) is missing from storage`;
  return `the content of '${item.path}' could not be read: ${error instanceof Error ? error.message : String(error)}`;
}

async function readSmall(blobs: BlobStore, item: SegmentItem): Promise<Fetched> {
  let data: Buffer;
  try {
    data = await blobs.read(item.sha256!);
  } catch (error) {
    return { failure: blobFailure(item, error) };
  }
  if (data.length !== item.size) return { failure: `the content of '${item.path}' is ${data.length} bytes in storage, ${item.size} in the catalog` };
  const crc = zlib.crc32(data);
  if (data.length > 0 && compressible(item)) {
    // Synchronous: for files this small a thread-pool round trip costs several times the deflate itself.
    const deflated = zlib.deflateRawSync(data, { level: DEFLATE_LEVEL });
    if (deflated.length < data.length) return { data: deflated, crc, method: DEFLATE };
  }
  return { data, crc, method: STORE };
}

export function failureOf(item: Pick<SegmentItem, 'id' | 'path'>, message: string): ItemFailureOutcome {
  return { entry: item.id, itemId: item.id, path: item.path, code: 'BLOB_MISSING', message };
}

/** Small pieces (headers, small files) go to the writer together, in buffers of about this size. */
const COALESCE_BYTES = 256 * 1024;

/** The segment's bytes, as an async iterable a blob write consumes (pulls: no more is read than is written). */
export async function* segmentBytes(items: readonly SegmentItem[], blobs: BlobStore, outcome: SegmentOutcome, signal?: AbortSignal): AsyncGenerator<Buffer> {
  const index: ZipEntry[] = [];
  let offset = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const put = (bytes: Buffer): void => {
    pending.push(bytes);
    pendingBytes += bytes.length;
    offset += bytes.length;
  };
  const take = (): Buffer => {
    const out = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
    pending = [];
    pendingBytes = 0;
    return out;
  };
  const emit = (entry: Omit<ZipEntry, 'offset'>): void => {
    index.push({ ...entry, offset });
    put(localHeader(entry));
  };
  for (let i = 0; i < items.length; i++) {
    signal?.throwIfAborted();
    const item = items[i]!;
    const base = { name: item.name, mtime: item.modifiedAt, directory: false, descriptor: false, zip64: false };
    if (item.kind === 'folder') {
      emit({ ...base, name: `${item.name}/`, method: STORE, crc: 0, compressedSize: 0, size: 0, directory: true });
    } else if (item.size <= SMALL_FILE) {
      const fetched = await readSmall(blobs, item);
      if ('failure' in fetched) {
        outcome.failures.push(failureOf(item, fetched.failure));
        continue;
      }
      emit({ ...base, method: fetched.method, crc: fetched.crc, compressedSize: fetched.data.length, size: item.size });
      put(fetched.data);
      outcome.bytesDone += item.size;
    } else {
      let source: Readable;
      try {
        source = await blobs.openRead(item.sha256!);
      } catch (error) {
        outcome.failures.push(failureOf(item, blobFailure(item, error)));
        continue;
      }
      const zip64 = item.size > ZIP64_ENTRY_THRESHOLD;
      emit({ ...base, method: STORE, crc: 0, compressedSize: 0, size: 0, descriptor: true, zip64 });
      yield take();
      let crc = 0;
      let size = 0;
      for await (const chunk of source) {
        signal?.throwIfAborted();
        const bytes = chunk as Buffer;
        crc = zlib.crc32(bytes, crc);
        size += bytes.length;
        yield bytes;
      }
      // A short or long read would leave a broken entry: the task fails and runs again.
      if (size !== item.size) throw new Error(`the content of '${item.path}' is ${size} bytes in storage, ${item.size} in the catalog`);
      offset += size;
      const entry = index.at(-1)!;
      Object.assign(entry, { crc, compressedSize: size, size });
      put(dataDescriptor({ crc, compressedSize: size, size, zip64 }));
      outcome.bytesDone += size;
    }
    outcome.succeeded++;
    if (pendingBytes >= COALESCE_BYTES) yield take();
  }
  outcome.dataSize = offset;
  outcome.entries = index.length;
  if (pendingBytes > 0) yield take();
  let lines: string[] = [];
  for (const entry of index) {
    lines.push(JSON.stringify(entry));
    if (lines.length === 256) {
      yield Buffer.from(`${lines.join('\n')}\n`, 'utf8');
      lines = [];
    }
  }
  if (lines.length > 0) yield Buffer.from(`${lines.join('\n')}\n`, 'utf8');
  const trailer = Buffer.alloc(TRAILER_BYTES);
  trailer.writeBigUInt64LE(BigInt(offset), 0);
  trailer.writeBigUInt64LE(BigInt(index.length), 8);
  yield trailer;
}
