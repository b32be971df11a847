/** Streaming a blob's bytes into a sink (memory, then a temp file past a size) while hashing and counting them. */
import fs from 'node:fs';
import crypto from 'node:crypto';
import type { Readable } from 'node:stream';
import { BatchyardError, InvalidArgumentError, PayloadTooLargeError, TransientError } from '../domain/errors.js';

const ignore = () => {};

/** Writes every byte of `chunk` at the current position (a write may be partial). */
export function writeFully(fd: number, chunk: Buffer): void {
  let offset = 0;
  while (offset < chunk.length) offset += fs.writeSync(fd, chunk, offset);
}

/**
 * Copies `source` into `sink` (synchronous; a throw fails the receive) while
 * hashing and counting. Never destroys the source: on failure the rest is
 * drained (so an HTTP layer can still answer 413); a source error or early
 * close rejects with TransientError.
 */
export function receive(source: Readable, sink: (chunk: Buffer) => void, maxBytes: number): Promise<{ sha256: string; size: number }> {
  return new Promise((resolve, reject) => {
    const hash = crypto.createHash('sha256');
    let size = 0;
    let settled = false;
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
      try {
        sink(buf);
      } catch (error) {
        fail(error as Error);
      }
    };
    const onEnd = () => {
      if (settled) return;
      settled = true;
      detach();
      resolve({ sha256: hash.digest('hex'), size });
    };
    const onError = (error: Error) => fail(error instanceof BatchyardError ? error : new TransientError(`upload interrupted: ${error.message}`));
    const onAborted = () => fail(new TransientError('upload interrupted: the client disconnected'));
    const onClose = () => fail(new TransientError('upload interrupted: the stream closed before its end'));

    if (source.readableAborted || source.errored) return fail(new TransientError('upload interrupted: the stream was aborted before the upload began'));
    if (source.readableEnded) return fail(new InvalidArgumentError('the upload stream was already consumed'));
    source.on('data', onData).on('end', onEnd).on('error', onError).on('aborted', onAborted).on('close', onClose);
  });
}

/**
 * A receive sink that keeps the chunks in memory up to `limit` bytes and,
 * past it, writes them and every later chunk to the file `spill` opens then.
 */
export class SpillSink {
  private chunks: Buffer[] = [];
  private bytes = 0;
  /** The file the content went to, once it outgrew `limit`. */
  fd: number | undefined;

  constructor(
    private readonly limit: number,
    private readonly spill: () => number,
  ) {}

  readonly write = (chunk: Buffer): void => {
    if (this.fd !== undefined) return writeFully(this.fd, chunk);
    if (this.bytes + chunk.length <= this.limit) {
      this.chunks.push(chunk);
      this.bytes += chunk.length;
      return;
    }
    this.fd = this.spill();
    for (const kept of this.chunks) writeFully(this.fd, kept);
    this.chunks = [];
    writeFully(this.fd, chunk);
  };

  /** The content, when it stayed in memory. */
  content(): Buffer {
    return this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.bytes);
  }
}
