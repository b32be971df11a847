/**
 * Zip archives read with yauzl over a ByteSource (random access: the
 * central directory is listed without reading any entry's data, and an
 * entry is reopened later from its locator alone, without listing again).
 *
 * Names are decoded without yauzl's own checks (which stop the whole
 * listing at the first bad name) so that each entry is judged on its own
 * (entry-name.ts). Entry data is read raw and inflated here, between a
 * counter of the compressed bytes and the guards (ratio on the actual
 * bytes, exact size, CRC-32).
 */
import { PassThrough, type Readable } from 'node:stream';
import zlib from 'node:zlib';
import yauzl from 'yauzl';
import type { ArchiveLimits } from '../domain/archive-limits.js';
import { RATIO_GRACE_BYTES } from '../domain/archive-limits.js';
import { readBytes, type ByteSource } from './byte-source.js';
import { ArchiveError, asArchiveError } from './archive-error.js';
import { ByteCounter, ExactSizeGuard, RatioGuard, chain } from './stream-guards.js';
import type { ArchiveEntry, EntryKind, ZipLocator } from './types.js';

/** Reads are served from one cached window: the central directory is read sequentially, in small pieces. */
const WINDOW_BYTES = 256 * 1024;

class SourceReader extends yauzl.RandomAccessReader {
  private window: { start: number; bytes: Buffer } | undefined;
  constructor(private readonly source: ByteSource) {
    super();
  }
  override _readStreamForRange(start: number, end: number): Readable {
    const out = new PassThrough();
    this.source.openRange(start, end).then(
      (stream) => {
        stream.on('error', (error) => out.destroy(error));
        out.on('close', () => stream.destroy());
        stream.pipe(out);
      },
      (error: unknown) => out.destroy(error as Error),
    );
    return out;
  }
  override read(buffer: Buffer, offset: number, length: number, position: number, callback: (err: Error | null, bytesRead?: number) => void): void {
    const w = this.window;
    if (w && position >= w.start && position + length <= w.start + w.bytes.length) {
      w.bytes.copy(buffer, offset, position - w.start, position - w.start + length);
      setImmediate(() => callback(null, length));
      return;
    }
    readBytes(this.source, position, position + Math.max(length, WINDOW_BYTES)).then(
      (bytes) => {
        this.window = { start: position, bytes };
        const n = Math.min(length, bytes.length);
        bytes.copy(buffer, offset, 0, n);
        callback(null, n);
      },
      (error: unknown) => callback(error as Error),
    );
  }
}

export async function openZip(source: ByteSource): Promise<yauzl.ZipFile> {
  const reader = new SourceReader(source);
  try {
    return await yauzl.fromRandomAccessReaderPromise(reader, source.size, {
      lazyEntries: true,
      autoClose: false,
      decodeStrings: false,
      validateEntrySizes: false,
      strictFileNames: true,
    });
  } catch (error) {
    throw asArchiveError(error, 'archive', `${source.label}: not a readable zip`);
  }
}

/** Unix file types in the high bits of external attributes (made by Unix or macOS). */
const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;

function kindOf(entry: yauzl.Entry, name: string): EntryKind {
  const madeBy = entry.versionMadeBy >> 8;
  if (madeBy === 3 || madeBy === 19) {
    const type = (entry.externalFileAttributes >>> 16) & S_IFMT;
    if (type === S_IFLNK) return 'link';
    if (type === S_IFDIR) return 'folder';
    if (type !== 0 && type !== S_IFREG) return 'special';
  }
  if (name.endsWith('/') || (madeBy === 0 && (entry.externalFileAttributes & 0x10) !== 0)) return 'folder';
  return 'file';
}

function nextEntry(zip: yauzl.ZipFile): Promise<yauzl.Entry | null> {
  return new Promise((resolve, reject) => {
    const onEntry = (entry: yauzl.Entry) => done(() => resolve(entry));
    const onEnd = () => done(() => resolve(null));
    const onError = (error: Error) => done(() => reject(error));
    const done = (then: () => void) => {
      zip.off('entry', onEntry).off('end', onEnd).off('error', onError);
      then();
    };
    zip.on('entry', onEntry).on('end', onEnd).on('error', onError);
    zip.readEntry();
  });
}

function locatorOf(entry: yauzl.Entry): ZipLocator {
  return {
    offset: entry.relativeOffsetOfLocalHeader,
    compressedSize: entry.compressedSize,
    size: entry.uncompressedSize,
    method: entry.compressionMethod,
    flags: entry.generalPurposeBitFlag,
    crc32: entry.crc32,
  };
}

/** Why an entry cannot be read at all, seen from its central directory record. */
function refusal(locator: ZipLocator, what: string, limits: ArchiveLimits): ArchiveError | undefined {
  if ((locator.flags & 0x1) !== 0) return new ArchiveError('UNSUPPORTED_ENTRY', `${what}: encrypted entries are not supported`, 'entry');
  if (locator.method !== 0 && locator.method !== 8) return new ArchiveError('UNSUPPORTED_ENTRY', `${what}: compression method ${locator.method} is not supported (only stored and deflate)`, 'entry');
  if (locator.method === 0 && locator.compressedSize !== locator.size) return new ArchiveError('CORRUPT_ARCHIVE', `${what}: a stored entry whose sizes differ (${locator.compressedSize} != ${locator.size})`, 'entry');
  if (locator.size > RATIO_GRACE_BYTES && locator.size > limits.maxRatio * Math.max(1, locator.compressedSize)) {
    return new ArchiveError('LIMIT_EXCEEDED', `${what}: declares ${locator.size} bytes from ${locator.compressedSize} (more than ${limits.maxRatio}:1; the limit is BATCHYARD_ARCHIVE_MAX_RATIO)`, 'entry');
  }
  return undefined;
}

/** Opens one entry's bytes: raw data, inflated here, guarded by ratio (actual bytes), exact size and CRC-32. */
export async function openZipEntry(zip: yauzl.ZipFile, locator: ZipLocator, name: string, limits: ArchiveLimits): Promise<Readable> {
  const what = `entry ${JSON.stringify(name)}`;
  const refused = refusal(locator, what, limits);
  if (refused) throw refused;
  const entry = Object.assign(new yauzl.Entry(), {
    relativeOffsetOfLocalHeader: locator.offset,
    compressedSize: locator.compressedSize,
    uncompressedSize: locator.size,
    compressionMethod: locator.method,
    generalPurposeBitFlag: locator.flags,
  });
  let raw: Readable;
  try {
    raw = await zip.openReadStreamPromise(entry, { decodeFileData: false });
  } catch (error) {
    throw asArchiveError(error, 'entry', what);
  }
  const counter = new ByteCounter();
  const stages: Readable[] = [raw, counter];
  if (locator.method === 8) stages.push(zlib.createInflateRaw(), new RatioGuard(counter, limits.maxRatio, 'entry', what));
  stages.push(new ExactSizeGuard(locator.size, locator.crc32, what));
  return chain(stages, 'entry', what);
}

/** The entries of a zip in central-directory order (names decoded, kinds told; data not read). */
export async function* listZip(zip: yauzl.ZipFile, source: ByteSource, limits: ArchiveLimits, signal?: AbortSignal): AsyncGenerator<ArchiveEntry> {
  if (zip.entryCount > limits.maxEntries) {
    throw new ArchiveError('LIMIT_EXCEEDED', `${source.label}: ${zip.entryCount} entries (the limit is ${limits.maxEntries}, BATCHYARD_ARCHIVE_MAX_ENTRIES)`);
  }
  let total = 0;
  for (let index = 0; ; index++) {
    signal?.throwIfAborted();
    let entry: yauzl.Entry | null;
    try {
      entry = await nextEntry(zip);
    } catch (error) {
      throw asArchiveError(error, 'archive', `${source.label}: the zip's directory is damaged`);
    }
    if (!entry) return;
    const name = yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, true);
    const kind = kindOf(entry, name);
    const locator = locatorOf(entry);
    if (kind === 'file') {
      total += locator.size;
      if (total > limits.maxTotalBytes) {
        throw new ArchiveError('LIMIT_EXCEEDED', `${source.label}: more than ${limits.maxTotalBytes} uncompressed bytes (the limit is BATCHYARD_ARCHIVE_MAX_BYTES)`);
      }
    }
    const what = `entry ${JSON.stringify(name)}`;
    let modifiedAt: number | null = null;
    try {
      const date = entry.getLastModDate({ timezone: 'UTC' }).getTime();
      if (Number.isFinite(date)) modifiedAt = date;
    } catch {
      modifiedAt = null;
    }
    yield {
      index,
      name,
      kind,
      size: kind === 'file' ? locator.size : 0,
      modifiedAt,
      locator: { format: 'zip', ...locator },
      ...(kind === 'file' ? { problem: refusal(locator, what, limits) } : {}),
      open: () => openZipEntry(zip, locator, name, limits),
    };
  }
}

