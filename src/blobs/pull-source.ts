/**
 * Bytes a writer pulls into buffers of its own: a file range read straight
 * into the caller's buffer, or parts one after the other (an export's zip:
 * headers in memory, files from their blobs). LocalBlobStore.write copies a
 * PullReadable's source through a few reused buffers (read, hash and write
 * overlapping, nothing allocated per chunk: a 2 GiB copy through 1 MiB
 * stream chunks allocated 2,048 buffers, whose external memory set off a
 * full garbage collection every few dozen of them). Anything else that
 * reads a PullReadable gets an ordinary byte stream.
 */
import fs from 'node:fs';
import { promisify } from 'node:util';
import { Readable } from 'node:stream';

const read = promisify(fs.read);
const open = promisify(fs.open);
const close = promisify(fs.close);

/** Chunk size of a PullReadable read as a stream (and of the buffers a pulling writer reuses). */
export const PULL_CHUNK_BYTES = 1024 * 1024;

export interface PullSource {
  /**
   * Fills `into` (from its start) with the next bytes; resolves with how
   * many (0 only at the end; fewer than `into.length` is not the end).
   * Called one at a time.
   */
  pull(into: Buffer): Promise<number>;
  /** Releases what the source holds (file descriptors); safe to call twice, and after the end. */
  close(): Promise<void>;
}

/**
 * A Readable over a PullSource: a stream for anyone, and for a writer that
 * knows the class (`takeSource`), the source itself, pulled into its own buffers.
 */
export class PullReadable extends Readable {
  private taken = false;

  constructor(
    private readonly source: PullSource,
    private readonly chunkBytes = PULL_CHUNK_BYTES,
  ) {
    // Read as a stream, it keeps up to two chunks ahead (a socket drains one while the next is read).
    super({ highWaterMark: 2 * chunkBytes });
  }

  /** The source, for a writer that pulls it directly; undefined once the stream has been read (or taken). */
  takeSource(): PullSource | undefined {
    if (this.taken || this.readableDidRead || this.readableFlowing !== null || this.destroyed) return undefined;
    this.taken = true;
    return this.source;
  }

  override _read(): void {
    const chunk = Buffer.allocUnsafe(this.chunkBytes);
    this.source.pull(chunk).then(
      (n) => this.push(n > 0 ? chunk.subarray(0, n) : null),
      (error: unknown) => this.destroy(error as Error),
    );
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (this.taken) return callback(error);
    this.source.close().then(
      () => callback(error),
      (closeError: unknown) => callback(error ?? (closeError as Error)),
    );
  }
}

/**
 * The bytes [start, end) of a file, read at their offsets (no shared file
 * position). Exactly end − start bytes: a file that ends sooner is `short()`'s
 * error. The file is opened at the first pull (`fd`: one opened already,
 * which close() then closes).
 */
export function fileRangeSource(file: { path: string } | { fd: number }, start: number, end: number, short: (got: number) => Error): PullSource {
  let fd = 'fd' in file ? file.fd : undefined;
  let position = start;
  let closed = false;
  /** The pull in flight: close waits for it (a descriptor closed under a read could be reused by another open). */
  let reading: Promise<unknown> | undefined;
  const pull = async (into: Buffer): Promise<number> => {
    const want = Math.min(into.length, end - position);
    if (want <= 0) return 0;
    fd ??= await open((file as { path: string }).path, 'r');
    const { bytesRead } = await read(fd, into, 0, want, position);
    if (bytesRead === 0) throw short(position - start);
    position += bytesRead;
    return bytesRead;
  };
  return {
    pull(into) {
      if (closed) return Promise.reject(new Error('the file range was closed'));
      const run = pull(into);
      reading = run.catch(() => {});
      return run;
    },
    async close() {
      if (closed) return;
      closed = true;
      await reading;
      if (fd !== undefined) await close(fd);
    },
  };
}

/** A source that shows each pulled slice to `see` (a checksum taken on the way) and calls `end` with the total when it ends. */
export function tapSource(source: PullSource, see: (bytes: Buffer) => void, end: (total: number) => void): PullSource {
  let total = 0;
  let ended = false;
  return {
    async pull(into) {
      const n = await source.pull(into);
      if (n > 0) {
        total += n;
        see(into.subarray(0, n));
      } else if (!ended) {
        ended = true;
        end(total);
      }
      return n;
    },
    close: () => source.close(),
  };
}

/**
 * Parts one after the other: buffers (copied into the puller's buffer, so
 * small headers join the bytes around them) and sources (pulled into it),
 * from an iterator that may make each part when it is reached. A source is
 * closed when it ends, the rest (and the iterator) on `close`.
 */
export function concatSource(parts: AsyncIterator<Buffer | PullSource>): PullSource {
  let current: Buffer | PullSource | undefined;
  let done = false;
  const next = async (): Promise<boolean> => {
    if (done) return false;
    const step = await parts.next();
    if (step.done) {
      done = true;
      return false;
    }
    current = step.value;
    return true;
  };
  return {
    async pull(into) {
      let filled = 0;
      while (filled < into.length) {
        if (current === undefined && !(await next())) break;
        const part = current!;
        if (Buffer.isBuffer(part)) {
          const n = part.copy(into, filled);
          filled += n;
          current = n < part.length ? part.subarray(n) : undefined;
          continue;
        }
        const n = await part.pull(filled === 0 ? into : into.subarray(filled));
        if (n === 0) {
          await part.close();
          current = undefined;
          continue;
        }
        // A source's bytes end this pull: the puller hashes and writes them while the next part reads.
        return filled + n;
      }
      return filled;
    },
    async close() {
      const part = current;
      current = undefined;
      if (part !== undefined && !Buffer.isBuffer(part)) await part.close();
      if (!done) {
        done = true;
        await parts.return?.(undefined);
      }
    },
  };
}
