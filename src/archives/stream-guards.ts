/**
 * Streams that enforce an archive's limits on the bytes actually produced
 * (never on what a header declares: a header can lie), and a chain helper
 * that wires stages so any failure destroys them all (no file descriptor,
 * zlib context or parser is left waiting: nothing hangs).
 */
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import zlib from 'node:zlib';
import { RATIO_GRACE_BYTES } from '../domain/archive-limits.js';
import { ArchiveError, asArchiveError } from './archive-error.js';

/** Counts the bytes that pass (e.g. compressed bytes fed to zlib). */
export class ByteCounter extends Transform {
  bytes = 0;
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    callback(null, chunk);
  }
}

/**
 * Guards decompressed output against its compressed input (`input` counts
 * those bytes): past RATIO_GRACE_BYTES, more than `maxRatio` bytes out per
 * byte in is a LIMIT_EXCEEDED of the given scope.
 */
export class RatioGuard extends Transform {
  bytes = 0;
  constructor(
    private readonly input: ByteCounter,
    private readonly maxRatio: number,
    private readonly scope: 'entry' | 'archive',
    private readonly what: string,
  ) {
    super();
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > RATIO_GRACE_BYTES && this.bytes > this.maxRatio * Math.max(1, this.input.bytes)) {
      return callback(
        new ArchiveError(
          'LIMIT_EXCEEDED',
          `${this.what}: more than ${this.maxRatio} uncompressed bytes per compressed byte (${this.bytes} from ${this.input.bytes}; the limit is BATCHYARD_ARCHIVE_MAX_RATIO)`,
          this.scope,
        ),
      );
    }
    callback(null, chunk);
  }
}

/**
 * A zip entry's output: exactly `size` bytes (its header's word; more or
 * fewer is a CORRUPT_ARCHIVE, so a lying header stops at the first extra
 * byte) whose CRC-32 matches.
 */
export class ExactSizeGuard extends Transform {
  private bytes = 0;
  private crc = 0;
  constructor(
    private readonly size: number,
    private readonly crc32: number | null,
    private readonly what: string,
  ) {
    super();
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.size) return callback(new ArchiveError('CORRUPT_ARCHIVE', `${this.what}: more bytes than its header says (${this.size})`, 'entry'));
    if (this.crc32 !== null) this.crc = zlib.crc32(chunk, this.crc);
    callback(null, chunk);
  }
  override _flush(callback: TransformCallback): void {
    if (this.bytes < this.size) return callback(new ArchiveError('CORRUPT_ARCHIVE', `${this.what}: ${this.bytes} bytes where its header says ${this.size}`, 'entry'));
    if (this.crc32 !== null && this.crc >>> 0 !== this.crc32 >>> 0) return callback(new ArchiveError('CORRUPT_ARCHIVE', `${this.what}: CRC-32 mismatch (the bytes are damaged)`, 'entry'));
    callback();
  }
}

/**
 * Pipes `stages` in order and returns the last one. An error in any stage
 * destroys every stage, the last one with the error as an ArchiveError of
 * `scope` (parser and zlib errors become CORRUPT_ARCHIVE); the last stage
 * closing early (its reader gave up) destroys the others.
 */
export function chain(stages: Array<Readable | Transform>, scope: 'entry' | 'archive', what: string): Readable {
  const last = stages.at(-1)!;
  let failed = false;
  const teardown = (error?: unknown) => {
    if (failed) return;
    failed = true;
    for (const stage of stages) if (stage !== last && !stage.destroyed) stage.destroy();
    if (error !== undefined && !last.destroyed) last.destroy(asArchiveError(error, scope, what));
  };
  for (let i = 0; i < stages.length - 1; i++) {
    const stage = stages[i]!;
    stage.on('error', teardown);
    stage.pipe(stages[i + 1] as Transform);
  }
  last.on('close', () => teardown());
  last.on('error', () => teardown());
  return last;
}
