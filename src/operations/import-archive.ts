/**
 * An import of an uploaded archive (zip, tar, tar.gz; told by content) read
 * with the safe archive reader (src/archives): planned by listing its entries
 * a step at a time (the cursor counts the entries seen, so a crash resumes
 * there), in tasks of at most `chunk` entries or TASK_BYTES bytes that reopen
 * their entries by locator and stream them into the library's storage before
 * their catalog commit. A tar.gz only streams, so its first planning step
 * unpacks the gzip layer once into a plain tar beside the upload (limits
 * enforced on the bytes: ratio and size), and the rest reads that.
 *
 * Entries that cannot be unpacked are per-item failures with the reader's
 * codes: UNSAFE_PATH (`../`, absolute, drive letter, backslash), INVALID_NAME,
 * LINK_ENTRY (symbolic and hard links), SPECIAL_FILE (devices, FIFOs),
 * DUPLICATE_ENTRY (a second entry with the same path within a planning step;
 * across steps the second is a name conflict, following onConflict),
 * UNSUPPORTED_ENTRY, LIMIT_EXCEEDED, CORRUPT_ARCHIVE.
 */
import fs from 'node:fs';
import zlib from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import { Transform, type TransformCallback } from 'node:stream';
import type { OperationContext, PlanStep, PlannedTask, TaskBody } from '../jobs/operation.js';
import type { Library } from '../domain/types.js';
import type { ArchiveLimits } from '../domain/archive-limits.js';
import { PayloadTooLargeError } from '../domain/errors.js';
import { ArchiveError, detectFormat, entryKey, entrySegments, fileSource, isArchiveError, openArchive, type EntryLocator } from '../archives/index.js';
import { ByteCounter, RatioGuard, chain } from '../archives/stream-guards.js';
import { chunkSizeFor, ITEMS_PER_STEP } from './subtree-planner.js';
import { TASK_BYTES } from './import-dir.js';
import type { BlobWriteResult } from '../blobs/blob-store.js';
import { releaseImportPins, type ImportBytes, type ImportEntry } from './import-apply.js';

/** A file entry of an archive task: where its bytes are, and its time. */
export interface ArchiveEntryRef extends ImportEntry {
  l?: EntryLocator;
  m?: number | null;
  /** The entry's name as stored (for messages). */
  n?: string;
}

export interface ArchiveCursor {
  /** Entries of the archive seen so far. */
  seen: number;
}

const READ_PARALLELISM = 4;

/** The file an upload's entries are read from: the upload itself, or (tar.gz) its unpacked tar. */
export function unpackedTarPath(uploadPath: string): string {
  return `${uploadPath}.tar`;
}

/** Fails past `max` bytes (the unpacked tar of a tar.gz may not outgrow the archive limits). */
class SizeCap extends Transform {
  private bytes = 0;
  constructor(private readonly max: number) {
    super();
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.max) return callback(new ArchiveError('LIMIT_EXCEEDED', `the archive unpacks to more than ${this.max} bytes (BATCHYARD_ARCHIVE_MAX_BYTES)`));
    callback(null, chunk);
  }
}

/** The gzip layer of a tar.gz unpacked once to a plain tar (atomically: a crash leaves only a temp file, made again). */
async function gunzipOnce(uploadPath: string, limits: ArchiveLimits): Promise<string> {
  const target = unpackedTarPath(uploadPath);
  if (fs.existsSync(target)) return target;
  const temp = `${target}.partial`;
  const counter = new ByteCounter();
  const source = chain([fs.createReadStream(uploadPath), counter, zlib.createGunzip(), new RatioGuard(counter, limits.maxRatio, 'archive', 'the uploaded archive')], 'archive', 'the uploaded archive');
  try {
    // Headers and padding: at most 1.5 KiB per entry beyond the entries' own bytes.
    await pipeline(source, new SizeCap(limits.maxTotalBytes + 1536 * limits.maxEntries), fs.createWriteStream(temp));
    fs.renameSync(temp, target);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw error;
  }
  return target;
}

/** The file to read entries from: the upload, or for a tar.gz its unpacked tar (made on first use). */
export async function archiveFileOf(uploadPath: string, limits: ArchiveLimits): Promise<string> {
  if (fs.existsSync(unpackedTarPath(uploadPath))) return unpackedTarPath(uploadPath);
  const format = await detectFormat(await fileSource(uploadPath, 'the uploaded archive'));
  return format === 'tar.gz' ? gunzipOnce(uploadPath, limits) : uploadPath;
}

function failureOf(entry: ArchiveEntryRef, label: string, code: string, message: string): PlanStep['failures'][number] {
  return { entry, itemId: null, path: label, code, message, phase: 1, context: null };
}

/** One planning step: up to ITEMS_PER_STEP entries after `cursor.seen`, grouped into tasks. */
export async function planArchive(
  ctx: OperationContext,
  uploadPath: string,
  limits: ArchiveLimits,
  labelOf: (rel: string) => string,
  cursor: ArchiveCursor | null,
): Promise<PlanStep<ArchiveCursor>> {
  const file = await archiveFileOf(uploadPath, limits);
  const archive = await openArchive(await fileSource(file, 'the uploaded archive'), limits);
  const chunk = chunkSizeFor(ctx.store);
  const tasks: PlannedTask[] = [];
  const failures: PlanStep['failures'] = [];
  const keys = new Set<string>();
  let current: ArchiveEntryRef[] = [];
  let currentBytes = 0;
  let bytesTotal = 0;
  const close = () => {
    if (current.length > 0) tasks.push({ phase: 1, context: null, entries: current });
    current = [];
    currentBytes = 0;
  };
  const skip = cursor?.seen ?? 0;
  let seen = 0;
  let finished = true;
  try {
    for await (const entry of archive.entries({ signal: ctx.signal })) {
      if (seen++ < skip) continue;
      if (seen - skip > ITEMS_PER_STEP) {
        seen--;
        finished = false;
        break;
      }
      const shown = entry.name.length > 200 ? `${entry.name.slice(0, 200)}…` : entry.name;
      const asEntry = (p: string): ArchiveEntryRef => ({ p, k: entry.kind, s: entry.size, n: shown });
      let segments: string[];
      try {
        segments = entrySegments(entry.name);
      } catch (error) {
        if (!isArchiveError(error)) throw error;
        failures.push(failureOf(asEntry(shown), labelOf(shown), error.reason, error.message));
        continue;
      }
      if (segments.length === 0) continue; // `./`: the destination itself
      const key = entryKey(segments);
      const ref = asEntry(key);
      if (entry.kind === 'link') {
        failures.push(failureOf(ref, labelOf(key), 'LINK_ENTRY', `entry '${shown}' is a link; links are never unpacked`));
        continue;
      }
      if (entry.kind === 'special') {
        failures.push(failureOf(ref, labelOf(key), 'SPECIAL_FILE', `entry '${shown}' is a device, FIFO or socket; it is not unpacked`));
        continue;
      }
      if (entry.problem) {
        failures.push(failureOf(ref, labelOf(key), entry.problem.reason, entry.problem.message));
        continue;
      }
      if (keys.has(key)) {
        failures.push(failureOf(ref, labelOf(key), 'DUPLICATE_ENTRY', `entry '${shown}' names '${key}' again; the first one is imported`));
        continue;
      }
      keys.add(key);
      if (entry.kind === 'file') {
        if (!entry.locator) throw new Error(`entry '${shown}' of a ${archive.format} archive has no locator`);
        ref.l = entry.locator;
        ref.m = entry.modifiedAt;
      }
      if (current.length >= chunk || (current.length > 0 && currentBytes + entry.size > TASK_BYTES)) close();
      current.push(ref);
      currentBytes += entry.size;
      bytesTotal += entry.size;
    }
  } catch (error) {
    // The archive as a whole is unreadable past this point (corrupt, truncated, a limit): what was listed stands.
    if (!isArchiveError(error)) throw error;
    failures.push(failureOf({ p: '', k: 'file', s: 0 }, labelOf(`#${seen}`), error.reason, error.message));
    finished = true;
  } finally {
    await archive.close();
  }
  close();
  return { tasks, failures, bytesTotal, cursor: finished ? null : { seen } };
}

/** Bytes first: each file entry of the task reopened by its locator and streamed into the library's storage. */
export async function prepareArchive(
  ctx: OperationContext,
  library: Library,
  uploadPath: string,
  limits: ArchiveLimits,
  task: TaskBody<unknown, ArchiveEntryRef>,
): Promise<ImportBytes> {
  const files = task.entries.filter((e) => e.k === 'file' && e.l !== undefined);
  const bytes: ImportBytes = { files: new Map(), pins: [] };
  const out = bytes.files;
  if (files.length === 0) return bytes;
  const blobs = ctx.blobs.get(library.storage);
  const writes: BlobWriteResult[] = [];
  const archive = await openArchive(await fileSource(await archiveFileOf(uploadPath, limits), 'the uploaded archive'), limits);
  try {
    let next = 0;
    const worker = async () => {
      while (next < files.length) {
        ctx.signal?.throwIfAborted();
        const entry = files[next++]!;
        try {
          const written = await blobs.write(await archive.openAt(entry.l!, entry.n ?? entry.p), { maxBytes: entry.s, defer: true });
          writes.push(written);
          if (written.pin) bytes.pins.push(written.pin);
          out.set(entry.p, { sha256: written.sha256, size: written.size, modifiedAt: entry.m ?? ctx.now() });
        } catch (error) {
          if (error instanceof PayloadTooLargeError) {
            out.set(entry.p, { code: 'CORRUPT_ARCHIVE', message: `entry '${entry.n ?? entry.p}' holds more bytes than its header says (${entry.s})` });
            continue;
          }
          if (!isArchiveError(error)) throw error;
          out.set(entry.p, { code: error.reason, message: error.message });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(READ_PARALLELISM, files.length) }, worker));
    await blobs.persist(writes);
  } catch (error) {
    await releaseImportPins(bytes);
    throw error;
  } finally {
    await archive.close();
  }
  return bytes;
}
