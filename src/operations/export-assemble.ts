/**
 * The last step of an export: one zip from its segments (export-segment.ts),
 * streamed — each segment's data in part order, each followed by the large
 * files its meta lists (streamed from their own blobs, stored, their CRC
 * taken on the way, sizes in a data descriptor), then one central directory
 * built from the segments' indexes with every offset moved by where its
 * segment landed, then the end records (ZIP64 once the entry count, a size
 * or an offset passes what the classic fields hold). Memory holds one
 * segment's index line at a time, plus one entry per large file.
 */
import readline from 'node:readline';
import zlib from 'node:zlib';
import { Buffer } from 'node:buffer';
import type { Readable } from 'node:stream';
import type { BlobStore } from '../blobs/blob-store.js';
import { concatSource, PullReadable, tapSource, type PullSource } from '../blobs/pull-source.js';
import { STORE, ZIP64_ENTRY_THRESHOLD, centralRecord, dataDescriptor, endOfArchive, localHeader, type ZipEntry } from './export-zip-format.js';
import { TRAILER_BYTES } from './export-segment.js';

export interface SegmentBlob {
  sha256: string;
  size: number;
  /** The segment part's meta: the large files that follow its data. */
  meta?: unknown;
}

/** A large file of a chunk, read from its own blob by the assembly. */
export interface ExternalFile {
  sha256: string;
  size: number;
  /** Its name in the archive. */
  name: string;
  /** Modification time, epoch ms. */
  mtime: number;
}

/** A segment part's meta. */
export interface SegmentMeta {
  external: ExternalFile[];
}

export interface SegmentLayout extends SegmentBlob {
  dataSize: number;
  entries: number;
  external: ExternalFile[];
}

function externalOf(meta: unknown): ExternalFile[] {
  const list = (meta as Partial<SegmentMeta> | null | undefined)?.external;
  return Array.isArray(list) ? list : [];
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A segment's data size and entry count, from its trailer. */
export async function segmentLayout(blobs: BlobStore, segment: SegmentBlob): Promise<SegmentLayout> {
  if (segment.size < TRAILER_BYTES) throw new Error(`zip segment ${segment.sha256.slice(0, 12)}… is ${segment.size} bytes: too short for its trailer`);
  const trailer = await readAll(await blobs.openRead(segment.sha256, { start: segment.size - TRAILER_BYTES, end: segment.size - 1 }));
  const dataSize = Number(trailer.readBigUInt64LE(0));
  const entries = Number(trailer.readBigUInt64LE(8));
  if (dataSize > segment.size - TRAILER_BYTES) throw new Error(`zip segment ${segment.sha256.slice(0, 12)}…: its trailer names ${dataSize} data bytes in ${segment.size}`);
  return { ...segment, dataSize, entries, external: externalOf(segment.meta) };
}

export interface AssembleOptions {
  /** ZIP64 end records and central fields for every entry, whatever the sizes (tests; readers must cope). */
  forceZip64?: boolean;
  signal?: AbortSignal;
}

/** What the archive holds once written (filled in as it streams). */
export interface Assembled {
  entries: number;
  zip64: boolean;
}

/**
 * A large file's local header, bytes and data descriptor; `entry` gets its
 * CRC and sizes once they have passed. The bytes are a part to pull where
 * the store reads a blob that way (a local file, pulled straight into the
 * writer's buffers), else its stream's chunks.
 */
async function* externalBytes(blobs: BlobStore, file: ExternalFile, entry: ZipEntry, signal?: AbortSignal): AsyncGenerator<Buffer | PullSource> {
  yield localHeader(entry);
  let crc = 0;
  let size = 0;
  const see = (bytes: Buffer) => {
    signal?.throwIfAborted();
    crc = zlib.crc32(bytes, crc);
    size += bytes.length;
  };
  const stream = await blobs.openRead(file.sha256);
  const source = stream instanceof PullReadable ? stream.takeSource() : undefined;
  if (source) {
    // The next part is asked for once this one has ended: `size` is complete by then.
    yield tapSource(source, see, () => {});
  } else {
    for await (const chunk of stream) {
      see(chunk as Buffer);
      yield chunk as Buffer;
    }
  }
  // A short or long read would leave a broken entry: the assembly fails and runs again.
  if (size !== file.size) throw new Error(`the content of '${file.name}' (blob ${file.sha256.slice(0, 12)}…) is ${size} bytes in storage, ${file.size} in the catalog`);
  Object.assign(entry, { crc, compressedSize: size, size });
  yield dataDescriptor(entry);
}

/** A blob's bytes [start, end] as parts: its source to pull, when the store reads it that way, else its chunks. */
async function* blobBytes(blobs: BlobStore, sha256: string, start: number, end: number): AsyncGenerator<Buffer | PullSource> {
  const stream = await blobs.openRead(sha256, { start, end });
  const source = stream instanceof PullReadable ? stream.takeSource() : undefined;
  if (source) yield source;
  else for await (const chunk of stream) yield chunk as Buffer;
}

/**
 * The archive as a stream for a blob write: a PullReadable over its parts,
 * which a store that pulls (LocalBlobStore) copies through its own buffers.
 */
export function assembleZip(blobs: BlobStore, segments: readonly SegmentLayout[], result: Assembled, options: AssembleOptions = {}): Readable {
  return new PullReadable(concatSource(zipParts(blobs, segments, result, options)));
}

/** The archive's bytes, in parts: buffers (headers, the central directory) and sources (files, segments' data) to pull. */
async function* zipParts(blobs: BlobStore, segments: readonly SegmentLayout[], result: Assembled, options: AssembleOptions = {}): AsyncGenerator<Buffer | PullSource> {
  let offset = 0;
  /** Where each segment's data landed, and its large files' entries. */
  const starts: number[] = [];
  const externals: ZipEntry[][] = [];
  for (const segment of segments) {
    options.signal?.throwIfAborted();
    starts.push(offset);
    if (segment.dataSize > 0) yield* blobBytes(blobs, segment.sha256, 0, segment.dataSize - 1);
    offset += segment.dataSize;
    const entries: ZipEntry[] = [];
    for (const file of segment.external) {
      const entry: ZipEntry = { name: file.name, mtime: file.mtime, method: STORE, crc: 0, compressedSize: 0, size: 0, directory: false, descriptor: true, zip64: file.size > ZIP64_ENTRY_THRESHOLD, offset };
      for await (const part of externalBytes(blobs, file, entry, options.signal)) {
        // A part to pull is the file's bytes: file.size of them, or externalBytes fails once they have passed.
        offset += Buffer.isBuffer(part) ? part.length : file.size;
        yield part;
      }
      entries.push(entry);
    }
    externals.push(entries);
  }
  const cdOffset = offset;
  let cdSize = 0;
  let entries = 0;
  for (const [k, segment] of segments.entries()) {
    options.signal?.throwIfAborted();
    const base = starts[k]!;
    let batch: Buffer[] = [];
    const add = (record: Buffer) => {
      batch.push(record);
      cdSize += record.length;
      entries++;
    };
    const indexEnd = segment.size - TRAILER_BYTES - 1;
    if (indexEnd >= segment.dataSize) {
      const lines = readline.createInterface({ input: await blobs.openRead(segment.sha256, { start: segment.dataSize, end: indexEnd }), crlfDelay: Infinity });
      for await (const line of lines) {
        if (line === '') continue;
        const entry = JSON.parse(line) as ZipEntry;
        add(centralRecord({ ...entry, offset: entry.offset + base }, options.forceZip64));
        if (batch.length === 256) {
          yield Buffer.concat(batch);
          batch = [];
        }
      }
    }
    for (const entry of externals[k]!) add(centralRecord(entry, options.forceZip64));
    if (batch.length > 0) yield Buffer.concat(batch);
  }
  const end = endOfArchive({ entries, cdOffset, cdSize, force: options.forceZip64 });
  result.entries = entries;
  result.zip64 = end.length > 22;
  yield end;
}
