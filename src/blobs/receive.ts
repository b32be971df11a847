/**
 * Streaming a blob's bytes into a sink (memory, then a temp file past a
 * size) while hashing and counting them. Past the size, the file is written
 * a batch of WRITE_BATCH_BYTES at a time by one positioned writev on the
 * thread pool, while the receiving thread hashes the next batch (and the
 * source reads the one after): the hash and the copy overlap instead of
 * taking turns, and a 2 GiB blob costs 512 write calls, not 32,768.
 */
import fs from 'node:fs';
import crypto from 'node:crypto';
import { promisify } from 'node:util';
import type { Readable } from 'node:stream';
import { BatchyardError, InvalidArgumentError, PayloadTooLargeError, TransientError } from '../domain/errors.js';

const ignore = () => {};
const writev = promisify(fs.writev);

/**
 * How many bytes a spilled write hands the file at once. At most two batches
 * are held per write (one being written, one filling), so a write holds at
 * most ~2 × this plus one source chunk, whatever the blob's size.
 */
export const WRITE_BATCH_BYTES = 4 * 1024 * 1024;

/**
 * Streams of large blobs are read in chunks of this many bytes (the stream
 * default, 64 KiB, spends more on per-chunk work than on the copy).
 */
export const READ_CHUNK_BYTES = 1024 * 1024;

/** Writes every byte of `chunk` at the current position (a write may be partial). */
export function writeFully(fd: number, chunk: Buffer): void {
  let offset = 0;
  while (offset < chunk.length) offset += fs.writeSync(fd, chunk, offset);
}

/** Writes `chunks` at `position` (positioned: no shared file offset), all of them (a writev may be partial). */
export async function writevFully(fd: number, chunks: Buffer[], position: number): Promise<void> {
  let rest = chunks;
  let at = position;
  while (rest.length > 0) {
    let { bytesWritten: written } = await writev(fd, rest, at);
    if (written === 0) throw new Error('writev wrote nothing');
    at += written;
    let k = 0;
    while (k < rest.length && written >= rest[k]!.length) written -= rest[k++]!.length;
    rest = rest.slice(k);
    if (written > 0) rest[0] = rest[0]!.subarray(written);
  }
}

/**
 * Copies `source` into `sink` while hashing and counting. The sink is
 * synchronous, or returns a promise to hold the source (backpressure: the
 * source is paused until it settles; a rejection fails the receive, as does
 * a throw). Resolves once the source has ended and the sink's last promise
 * has settled. Never destroys the source: on failure the rest is drained
 * (so an HTTP layer can still answer 413); a source error or early close
 * rejects with TransientError.
 */
export function receive(source: Readable, sink: (chunk: Buffer) => void | Promise<void>, maxBytes: number): Promise<{ sha256: string; size: number }> {
  return new Promise((resolve, reject) => {
    const hash = crypto.createHash('sha256');
    let size = 0;
    let settled = false;
    /** The sink's pending promise, while the source is held for it. */
    let held: Promise<void> | undefined;
    let ended = false;
    const detach = () => {
      source.off('data', onData).off('end', onEnd).off('error', onError).off('aborted', onAborted).off('close', onClose);
      source.on('error', ignore); // a late error must not crash the process
    };
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      detach();
      source.resume(); // drain and discard the rest (a live HTTP request can still be answered)
      reject(error);
    };
    const onData = (chunk: Buffer | string) => {
      if (settled) return;
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      size += buf.length;
      if (size > maxBytes) return fail(new PayloadTooLargeError(`the content exceeds the ${maxBytes}-byte limit`, { limit: maxBytes }));
      hash.update(buf);
      let pending: void | Promise<void>;
      try {
        pending = sink(buf);
      } catch (error) {
        return fail(error as Error);
      }
      if (!pending) return;
      source.pause();
      const current = pending.then(
        () => {
          if (held !== current) return;
          held = undefined;
          if (ended) finish();
          else if (!settled) source.resume();
        },
        (error: unknown) => fail(error as Error),
      );
      held = current;
    };
    const finish = () => {
      if (settled) return;
      settled = true;
      detach();
      resolve({ sha256: hash.digest('hex'), size });
    };
    const onEnd = () => {
      if (settled) return;
      ended = true;
      if (held === undefined) finish();
    };
    const onError = (error: Error) => fail(error instanceof BatchyardError ? error : new TransientError(`upload interrupted: ${error.message}`));
    const onAborted = () => fail(new TransientError('upload interrupted: the client disconnected'));
    const onClose = () => {
      if (!ended) fail(new TransientError('upload interrupted: the stream closed before its end'));
    };

    if (source.readableAborted || source.errored) return fail(new TransientError('upload interrupted: the stream was aborted before the upload began'));
    if (source.readableEnded) return fail(new InvalidArgumentError('the upload stream was already consumed'));
    source.on('data', onData).on('end', onEnd).on('error', onError).on('aborted', onAborted).on('close', onClose);
  });
}

/**
 * A receive sink that keeps the chunks in memory up to `limit` bytes and,
 * past it, writes them and every later chunk to the file `spill` opens then:
 * in batches of WRITE_BATCH_BYTES, each a positioned writev on the thread
 * pool, one at a time. `write` returns a promise (hold the source) while a
 * full batch waits for the one being written. After the receive, `finish`
 * writes the rest; on failure, `settle` waits for a write in flight (the
 * file descriptor may be closed only after it).
 */
export class SpillSink {
  private chunks: Buffer[] = [];
  private bytes = 0;
  /** The file the content went to, once it outgrew `limit`. */
  fd: number | undefined;
  /** Bytes handed to the file so far (where the next batch goes). */
  private position = 0;
  /** The batch being written; never rejects (a failure is kept in `failure`). */
  private inflight: Promise<void> | undefined;
  private failure: unknown;

  constructor(
    private readonly limit: number,
    private readonly spill: () => number,
    private readonly options: { batchBytes?: number } = {},
  ) {}

  private get batchBytes(): number {
    return this.options.batchBytes ?? WRITE_BATCH_BYTES;
  }

  readonly write = (chunk: Buffer): void | Promise<void> => {
    if (this.failure !== undefined) throw this.failure;
    if (this.fd === undefined && this.bytes + chunk.length <= this.limit) {
      this.chunks.push(chunk);
      this.bytes += chunk.length;
      return;
    }
    this.fd ??= this.spill();
    this.chunks.push(chunk);
    this.bytes += chunk.length;
    if (this.bytes < this.batchBytes) return;
    if (this.inflight === undefined) return this.flush();
    return this.inflight.then(() => {
      if (this.failure !== undefined) throw this.failure;
      if (this.inflight === undefined && this.bytes >= this.batchBytes) this.flush();
    });
  };

  /** Starts writing the chunks held (one batch); returns nothing: `inflight` tracks it. */
  private flush(): void {
    const fd = this.fd!;
    const chunks = this.chunks;
    const at = this.position;
    this.position += this.bytes;
    this.chunks = [];
    this.bytes = 0;
    const run = writevFully(fd, chunks, at).then(
      () => {
        if (this.inflight === run) this.inflight = undefined;
      },
      (error: unknown) => {
        this.failure ??= error;
        if (this.inflight === run) this.inflight = undefined;
      },
    );
    this.inflight = run;
  }

  /** Spilled: writes what is still held and waits for it; rejects with the first write's failure. */
  async finish(): Promise<void> {
    if (this.fd === undefined) return;
    await this.settle();
    if (this.failure === undefined && this.bytes > 0) {
      this.flush();
      await this.settle();
    }
    if (this.failure !== undefined) throw this.failure;
  }

  /** Waits for the write in flight, if any (never rejects). */
  async settle(): Promise<void> {
    while (this.inflight !== undefined) await this.inflight;
  }

  /** The content, when it stayed in memory. */
  content(): Buffer {
    return this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.bytes);
  }
}
