/**
 * A blob's bytes pulled from a PullSource through a few reused buffers: the
 * next chunk is read (thread pool) while this one is hashed (the calling
 * thread) and the ones before it are written at their offsets, one write
 * at a time (thread pool), so reading, hashing and writing overlap and nothing is allocated
 * per chunk. Content up to `limit` bytes stays in memory (a small blob);
 * past it, it goes to the file `spill` opens then.
 */
import crypto from 'node:crypto';
import { BatchyardError, PayloadTooLargeError, TransientError } from '../domain/errors.js';
import { PULL_CHUNK_BYTES, type PullSource } from './pull-source.js';
import { writevFully } from './receive.js';

/** Buffers per copy: one being read, one hashed, the others written or waiting their turn (4 MiB per copy in all). */
const RING = 4;

export interface PulledContent {
  sha256: string;
  size: number;
  /** The content, when it stayed within `limit` (no file was opened). */
  content?: Buffer;
}

export interface PullOptions {
  maxBytes: number;
  limit: number;
  /** Opens the file the content goes to once it outgrows `limit`. */
  spill: () => number;
  /** Receives the spilled file's descriptor as soon as it is open (the caller closes it, on failure too). */
  file: { fd?: number };
}

const asSourceError = (error: unknown): unknown =>
  error instanceof BatchyardError ? error : new TransientError(`reading the content failed: ${error instanceof Error ? error.message : String(error)}`);

/**
 * Copies `source` to the end, hashing and counting; closes the source.
 * Rejects with PayloadTooLargeError past `maxBytes`, with the source's own
 * BatchyardError (or a TransientError for any other read failure), or with
 * a write's error; in every case only after the writes in flight
 * have settled (the caller may then close and remove the file).
 */
export async function pullInto(source: PullSource, options: PullOptions): Promise<PulledContent> {
  const { maxBytes, limit, file } = options;
  const ring = Array.from({ length: RING }, () => Buffer.allocUnsafeSlow(PULL_CHUNK_BYTES));
  /** Each buffer's write in flight (never rejects: a failure is kept in `state`). */
  const writing: Array<Promise<void> | undefined> = new Array(RING);
  const state: { failure?: { error: unknown } } = {};
  const throwIfFailed = () => {
    if (state.failure) throw state.failure.error;
  };
  const hash = crypto.createHash('sha256');
  let kept: Buffer[] = [];
  let size = 0;

  /**
   * Writes go one after another (each after the one before): concurrent
   * writes to one file only queue on its inode lock, and cost more CPU
   * than they save (measured: a 2 GiB export slower than with one stream).
   */
  let lastWrite: Promise<void> = Promise.resolve();
  const write = (fd: number, chunks: Buffer[], at: number): Promise<void> => {
    lastWrite = lastWrite.then(() =>
      state.failure
        ? undefined
        : writevFully(fd, chunks, at).then(
            () => {},
            (error: unknown) => {
              state.failure ??= { error };
            },
          ),
    );
    return lastWrite;
  };
  const pullInto = async (k: number): Promise<number> => {
    await writing[k];
    if (state.failure) return 0;
    try {
      return await source.pull(ring[k]!);
    } catch (error) {
      throw asSourceError(error);
    }
  };

  let pending: Promise<number> = pullInto(0);
  try {
    for (let k = 0; ; k = (k + 1) % RING) {
      const n = await pending;
      throwIfFailed();
      if (n === 0) break;
      const chunk = ring[k]!.subarray(0, n);
      const at = size;
      size += n;
      if (size > maxBytes) throw new PayloadTooLargeError(`the content exceeds the ${maxBytes}-byte limit`, { limit: maxBytes });
      // The next chunk is read while this one is hashed and written.
      pending = pullInto((k + 1) % RING);
      hash.update(chunk);
      if (file.fd === undefined && size <= limit) {
        kept.push(Buffer.from(chunk));
        continue;
      }
      if (file.fd === undefined) {
        file.fd = options.spill();
        const before = kept;
        kept = [];
        if (before.length > 0) await write(file.fd, before, 0);
        throwIfFailed();
      }
      writing[k] = write(file.fd, [chunk], at);
    }
    await Promise.all(writing);
    throwIfFailed();
  } catch (error) {
    await pending.catch(() => 0);
    throw error;
  } finally {
    await Promise.all(writing);
    await source.close().catch(() => {});
  }
  const sha256 = hash.digest('hex');
  return file.fd === undefined ? { sha256, size, content: kept.length === 1 ? kept[0]! : Buffer.concat(kept, size) } : { sha256, size };
}
