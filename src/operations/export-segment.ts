/**
 * One zip segment of an export: the local headers and data of a chunk of
 * items, then an index of their entries (one JSON line each, offsets relative
 * to the segment), then a 16-byte trailer (data size, entry count). Segments
 * are written in parallel by the export's chunk tasks; the assembly
 * (export-assemble.ts) concatenates their data and writes one central
 * directory from their indexes.
 *
 * Streamed: small files (≤ SMALL_FILE bytes) are read a bounded window ahead
 * and deflated in the thread pool (level 6, zip's default; stored when that
 * is no smaller, or when the media type is compressed already); larger files
 * are stored, streamed through with their CRC taken on the way and their
 * sizes in a data descriptor, so a file of any size passes at disk speed and
 * never whole in memory. An item whose blob is missing or unreadable fails
 * alone (BLOB_MISSING); the rest of the chunk is packaged.
 */
import zlib from 'node:zlib';
import { promisify } from 'node:util';
import { Buffer } from 'node:buffer';
import type { Readable } from 'node:stream';
import type { BlobStore } from '../blobs/blob-store.js';
import type { ItemFailureOutcome } from '../jobs/operation.js';
import { NotFoundError } from '../domain/errors.js';
import { DEFLATE, STORE, ZIP64_ENTRY_THRESHOLD, dataDescriptor, localHeader, type ZipEntry } from './export-zip-format.js';

const deflateRaw = promisify(zlib.deflateRaw);

/** Files up to this size are read whole (a window ahead) and may be deflated; larger ones are streamed and stored. */
export const SMALL_FILE = 256 * 1024;
/** How many small files are read and deflated ahead of the writer. */
const WINDOW = 64;
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

function blobFailure(item: SegmentItem, error: unknown): string {
  if (error instanceof NotFoundError) return `the content of '${item.path}' (blob ${item.sha256?.slice(0, 12)}…) is missing from storage`;
  return `the content of '${item.path}' could not be read: ${error instanceof Error ? error.message : String(error)}`;
}

async function readSmall(blobs: BlobStore, item: SegmentItem): Promise<Fetched> {
  let data: Buffer;
  try {
    const chunks: Buffer[] = [];
    for await (const chunk of await blobs.openRead(item.sha256!)) chunks.push(chunk as Buffer);
    data = Buffer.concat(chunks);
  } catch (error) {
    return { failure: blobFailure(item, error) };
  }
  if (data.length !== item.size) return { failure: `the content of '${item.path}' is ${data.length} bytes in storage, ${item.size} in the catalog` };
  const crc = zlib.crc32(data);
  if (data.length > 0 && compressible(item)) {
    const deflated = await deflateRaw(data, { level: DEFLATE_LEVEL });
    if (deflated.length < data.length) return { data: deflated, crc, method: DEFLATE };
  }
  return { data, crc, method: STORE };
}

/** Reads (and deflates) the small files of a chunk a bounded window ahead of the writer. */
class SmallFiles {
  private readonly pending = new Map<number, Promise<Fetched>>();
  private next = 0;

  constructor(
    private readonly items: readonly SegmentItem[],
    private readonly blobs: BlobStore,
  ) {}

  private isSmall(i: number): boolean {
    const item = this.items[i]!;
    return item.kind === 'file' && item.size <= SMALL_FILE;
  }

  take(i: number): Promise<Fetched> {
    this.next = Math.max(this.next, i);
    while (this.next < this.items.length && this.pending.size < WINDOW) {
      const k = this.next++;
      if (!this.isSmall(k)) continue;
      const fetched = readSmall(this.blobs, this.items[k]!);
      fetched.catch(() => {}); // awaited by take(k); never an unhandled rejection meanwhile
      this.pending.set(k, fetched);
    }
    const fetched = this.pending.get(i) ?? readSmall(this.blobs, this.items[i]!);
    this.pending.delete(i);
    return fetched;
  }
}

function failureOf(item: SegmentItem, message: string): ItemFailureOutcome {
  return { entry: item.id, itemId: item.id, path: item.path, code: 'BLOB_MISSING', message };
}

/** The segment's bytes, as an async iterable a blob write consumes (pulls: no more is read than is written). */
export async function* segmentBytes(items: readonly SegmentItem[], blobs: BlobStore, outcome: SegmentOutcome, signal?: AbortSignal): AsyncGenerator<Buffer> {
  const index: ZipEntry[] = [];
  const small = new SmallFiles(items, blobs);
  let offset = 0;
  const emit = (entry: Omit<ZipEntry, 'offset'>): Buffer => {
    const header = localHeader(entry);
    index.push({ ...entry, offset });
    offset += header.length;
    return header;
  };
  for (let i = 0; i < items.length; i++) {
    signal?.throwIfAborted();
    const item = items[i]!;
    const base = { name: item.name, mtime: item.modifiedAt, directory: false, descriptor: false, zip64: false };
    if (item.kind === 'folder') {
      yield emit({ ...base, name: `${item.name}/`, method: STORE, crc: 0, compressedSize: 0, size: 0, directory: true });
    } else if (item.size <= SMALL_FILE) {
      const fetched = await small.take(i);
      if ('failure' in fetched) {
        outcome.failures.push(failureOf(item, fetched.failure));
        continue;
      }
      yield emit({ ...base, method: fetched.method, crc: fetched.crc, compressedSize: fetched.data.length, size: item.size });
      yield fetched.data;
      offset += fetched.data.length;
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
      const header = emit({ ...base, method: STORE, crc: 0, compressedSize: 0, size: 0, descriptor: true, zip64 });
      yield header;
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
      const entry = index.at(-1)!;
      Object.assign(entry, { crc, compressedSize: size, size });
      const descriptor = dataDescriptor({ crc, compressedSize: size, size, zip64 });
      yield descriptor;
      offset += size + descriptor.length;
      outcome.bytesDone += size;
    }
    outcome.succeeded++;
  }
  outcome.dataSize = offset;
  outcome.entries = index.length;
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
