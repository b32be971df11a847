/**
 * The last step of an export: one zip from its segments (export-segment.ts),
 * streamed — each segment's data in part order, then one central directory
 * built from the segments' indexes with every offset moved by where its
 * segment landed, then the end records (ZIP64 once the entry count, a size
 * or an offset passes what the classic fields hold). Memory holds one
 * segment's index line at a time, whatever the archive's size.
 */
import readline from 'node:readline';
import { Buffer } from 'node:buffer';
import type { Readable } from 'node:stream';
import type { BlobStore } from '../blobs/blob-store.js';
import { centralRecord, endOfArchive, type ZipEntry } from './export-zip-format.js';
import { TRAILER_BYTES } from './export-segment.js';

export interface SegmentBlob {
  sha256: string;
  size: number;
}

export interface SegmentLayout extends SegmentBlob {
  dataSize: number;
  entries: number;
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
  return { ...segment, dataSize, entries };
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

/** The archive's bytes, pulled by the blob write that stores it. */
export async function* assembleZip(blobs: BlobStore, segments: readonly SegmentLayout[], result: Assembled, options: AssembleOptions = {}): AsyncGenerator<Buffer> {
  let offset = 0;
  for (const segment of segments) {
    options.signal?.throwIfAborted();
    if (segment.dataSize > 0) {
      for await (const chunk of await blobs.openRead(segment.sha256, { start: 0, end: segment.dataSize - 1 })) yield chunk as Buffer;
    }
    offset += segment.dataSize;
  }
  const cdOffset = offset;
  let cdSize = 0;
  let entries = 0;
  let base = 0;
  for (const segment of segments) {
    options.signal?.throwIfAborted();
    const indexEnd = segment.size - TRAILER_BYTES - 1;
    if (indexEnd >= segment.dataSize) {
      const lines = readline.createInterface({ input: await blobs.openRead(segment.sha256, { start: segment.dataSize, end: indexEnd }), crlfDelay: Infinity });
      let batch: Buffer[] = [];
      for await (const line of lines) {
        if (line === '') continue;
        const entry = JSON.parse(line) as ZipEntry;
        const record = centralRecord({ ...entry, offset: entry.offset + base }, options.forceZip64);
        batch.push(record);
        cdSize += record.length;
        entries++;
        if (batch.length === 256) {
          yield Buffer.concat(batch);
          batch = [];
        }
      }
      if (batch.length > 0) yield Buffer.concat(batch);
    }
    base += segment.dataSize;
  }
  const end = endOfArchive({ entries, cdOffset, cdSize, force: options.forceZip64 });
  result.entries = entries;
  result.zip64 = end.length > 22;
  yield end;
}
