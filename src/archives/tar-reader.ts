/**
 * tar and tar.gz archives read sequentially with tar-stream (tar.gz through
 * zlib's gunzip, whose output is guarded by the ratio limit on the actual
 * bytes). Each entry records where its data starts in the tar stream, so a
 * plain tar entry can be reopened later by a byte range; a tar.gz entry
 * cannot (its bytes are only ever read in the one pass). Listing a plain tar
 * reads its headers, not the data of the entries nobody opens: tar-stream
 * is handed zeros for those (it counts data bytes, never looks at them), and
 * reading resumes past them, so listing a 2 GiB entry costs no 2 GiB read.
 */
import { PassThrough, Readable } from 'node:stream';
import zlib from 'node:zlib';
import tar from 'tar-stream';
import type { ArchiveLimits } from '../domain/archive-limits.js';
import type { ByteSource } from './byte-source.js';
import { PullReadable } from '../blobs/pull-source.js';
import { ArchiveError, asArchiveError } from './archive-error.js';
import { ByteCounter, ExactSizeGuard, RatioGuard, chain } from './stream-guards.js';
import type { ArchiveEntry, EntryKind, TarLocator } from './types.js';

type TarEntry = tar.Extract extends AsyncIterable<infer S> ? S : never;

function emptyStream(): Readable {
  const empty = new PassThrough();
  empty.end();
  return empty;
}

function kindOf(type: tar.Header['type'] | null | undefined): EntryKind {
  switch (type) {
    case 'file':
    case 'contiguous-file':
      return 'file';
    case 'directory':
      return 'folder';
    case 'symlink':
    case 'link':
      return 'link';
    default:
      return 'special';
  }
}

/** Resolves once the entry stream has ended, closed or failed (its error is not raised here: the extractor reports it). */
function settled(stream: TarEntry): Promise<void> {
  return new Promise((resolve) => {
    const done = () => resolve();
    stream.once('end', done);
    stream.once('close', done);
    stream.once('error', done);
  });
}

/**
 * An entry's bytes as a Node stream, with backpressure. If its reader gives
 * up early (destroys it), the rest of the entry is skipped, not the archive.
 */
function toNodeStream(entry: TarEntry, what: string): Readable {
  const out = new PassThrough();
  let ended = false;
  entry.on('data', (chunk: unknown) => {
    if (!out.destroyed && !out.write(chunk as Buffer)) entry.pause();
  });
  out.on('drain', () => entry.resume());
  entry.on('end', () => {
    ended = true;
    out.end();
  });
  entry.on('error', (error: unknown) => out.destroy(asArchiveError(error, 'archive', what)));
  out.on('close', () => {
    if (!ended) entry.resume();
  });
  return out;
}

/** Stands in for the data of a plain tar's entries that nobody reads. */
const ZEROS = Buffer.alloc(1024 * 1024);

/**
 * A plain tar's bytes in order, except that the data up to `skip.until` (set
 * once an entry is passed unread) comes as zeros without being read.
 */
async function* tarBytesSkipping(source: ByteSource, skip: { until: number }): AsyncGenerator<Buffer> {
  let pos = 0;
  while (pos < source.size) {
    const until = Math.min(skip.until, source.size);
    if (until > pos) {
      const n = Math.min(until - pos, ZEROS.length);
      pos += n;
      yield ZEROS.subarray(0, n);
      continue;
    }
    const stream = await source.openRange(pos, source.size);
    try {
      for await (const chunk of stream) {
        pos += (chunk as Buffer).length;
        yield chunk as Buffer;
        if (skip.until > pos) break;
      }
    } finally {
      stream.destroy();
    }
  }
}

/** A plain tar entry's bytes from its locator (exactly `size` bytes, or CORRUPT_ARCHIVE when the archive is cut short). */
export async function openTarEntry(source: ByteSource, locator: TarLocator, name: string): Promise<Readable> {
  const what = `entry ${JSON.stringify(name)}`;
  if (locator.offset + locator.size > source.size) throw new ArchiveError('CORRUPT_ARCHIVE', `${what}: the archive ends before its data`, 'entry');
  if (locator.size === 0) return emptyStream();
  const raw = await source.openRange(locator.offset, locator.offset + locator.size);
  // A PullReadable holds exactly its range (or fails): a guard would only turn it back into a plain stream.
  if (raw instanceof PullReadable) return raw;
  return chain([raw, new ExactSizeGuard(locator.size, null, what)], 'entry', what);
}

/**
 * The entries of a tar (gzip: through gunzip) in archive order, in one pass.
 * Limits: entry count and total file bytes (the tar headers' sizes are the
 * bytes that follow them, so they cannot lie), and for gzip the ratio of
 * the whole stream; each is an archive-scope LIMIT_EXCEEDED. Truncated or
 * corrupt input rejects the iteration with CORRUPT_ARCHIVE.
 */
export async function* listTar(source: ByteSource, gzip: boolean, limits: ArchiveLimits, signal?: AbortSignal): AsyncGenerator<ArchiveEntry> {
  const skip = { until: 0 };
  const input = source.size === 0 ? emptyStream() : gzip ? await source.openRange(0, source.size) : Readable.from(tarBytesSkipping(source, skip), { objectMode: false });
  const stages: Readable[] = [input];
  if (gzip) {
    const compressed = new ByteCounter();
    stages.push(compressed, zlib.createGunzip(), new RatioGuard(compressed, limits.maxRatio, 'archive', source.label));
  }
  const tarBytes = stages.length > 1 ? chain(stages, 'archive', source.label) : input;
  const extract = tar.extract();
  let failure: Error | undefined;
  tarBytes.on('error', (error) => {
    failure ??= asArchiveError(error, 'archive', source.label);
    extract.destroy(failure);
  });
  tarBytes.pipe(extract);
  const entries = extract[Symbol.asyncIterator]();
  let current: { entry: TarEntry; finished: Promise<void>; dataEnd: number | null; out?: Readable } | undefined;
  let total = 0;
  try {
    for (let index = 0; ; index++) {
      signal?.throwIfAborted();
      if (current) {
        // What the reader left unread is skipped (drained), so the next header can be parsed.
        if (current.out) current.out.resume();
        else {
          // Unopened: its data need not be read (a plain tar's reader skips to where it ends).
          if (current.dataEnd !== null) skip.until = Math.max(skip.until, current.dataEnd);
          current.entry.resume();
        }
        await current.finished;
        current = undefined;
      }
      let step: IteratorResult<TarEntry>;
      try {
        step = await entries.next();
      } catch (error) {
        throw asArchiveError(failure ?? error, 'archive', `${source.label}: not a readable tar`);
      }
      if (failure) throw failure;
      if (step.done) return;
      const entry = step.value;
      const header = entry.header;
      if (index >= limits.maxEntries) {
        throw new ArchiveError('LIMIT_EXCEEDED', `${source.label}: more than ${limits.maxEntries} entries (the limit is BATCHYARD_ARCHIVE_MAX_ENTRIES)`);
      }
      const kind = kindOf(header.type);
      const size = kind === 'file' ? (header.size ?? 0) : 0;
      total += size;
      if (total > limits.maxTotalBytes) {
        throw new ArchiveError('LIMIT_EXCEEDED', `${source.label}: more than ${limits.maxTotalBytes} uncompressed bytes (the limit is BATCHYARD_ARCHIVE_MAX_BYTES)`);
      }
      const offset = (header as tar.Header & { byteOffset?: number }).byteOffset;
      const slot: { entry: TarEntry; finished: Promise<void>; dataEnd: number | null; out?: Readable } = {
        entry,
        finished: settled(entry),
        dataEnd: !gzip && typeof offset === 'number' ? offset + (header.size ?? 0) : null,
      };
      current = slot;
      const what = `entry ${JSON.stringify(header.name)}`;
      const mtime = header.mtime?.getTime();
      yield {
        index,
        name: header.name,
        kind,
        size,
        modifiedAt: mtime !== undefined && Number.isFinite(mtime) ? mtime : null,
        locator: !gzip && kind === 'file' && typeof offset === 'number' ? { format: 'tar', offset, size } : null,
        open: async () => {
          if (slot.out || current !== slot) throw new Error(`${what}: a tar entry can be opened once, before the next entry is read`);
          slot.out = toNodeStream(entry, what);
          return slot.out;
        },
      };
    }
  } finally {
    current?.out?.destroy();
    for (const stage of stages) stage.destroy();
    tarBytes.destroy();
    extract.destroy();
  }
}
