/**
 * Content-addressed blobs on a local filesystem: `<root>/objects/ab/cd/<sha256>`.
 * A write streams into `<root>/tmp/` while hashing, fsyncs, then renames into
 * place (or drops the temp file when the content is already stored), so a
 * write is idempotent and a crash leaves at most a temp file behind.
 */
import fsp, { type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import crypto from 'node:crypto';
import type { Readable } from 'node:stream';
import type { BlobStore, BlobWriteResult, ByteRange } from './blob-store.js';
import { BatchyardError, InvalidArgumentError, NotFoundError, PayloadTooLargeError, TransientError } from '../domain/errors.js';

const SHA256_HEX = /^[0-9a-f]{64}$/;
/** Bytes queued for the disk before the source is paused (backpressure). */
const QUEUE_HIGH_WATER = 1024 * 1024;

function assertSha256(sha256: string): void {
  if (typeof sha256 !== 'string' || !SHA256_HEX.test(sha256)) throw new InvalidArgumentError(`'${String(sha256).slice(0, 80)}' is not a SHA-256 (64 lowercase hex digits)`);
}

const isEnoent = (error: unknown) => (error as NodeJS.ErrnoException | null)?.code === 'ENOENT';
const orNullIfAbsent = (error: unknown): null => {
  if (isEnoent(error)) return null;
  throw error;
};
const ignore = () => {};

/** Writes every byte of `chunks` at the current position (a write may be partial). */
async function writeFully(handle: FileHandle, chunks: Buffer[]): Promise<void> {
  let pending = chunks;
  while (pending.length > 0) {
    const { bytesWritten } = pending.length === 1 ? await handle.write(pending[0]!) : await handle.writev(pending);
    let skip = bytesWritten;
    let i = 0;
    while (i < pending.length && skip >= pending[i]!.length) skip -= pending[i++]!.length;
    pending = pending.slice(i);
    if (skip > 0) pending[0] = pending[0]!.subarray(skip);
  }
}

/** fsync of a directory makes its entries durable; best effort (not every platform allows it). */
async function syncDir(dir: string): Promise<void> {
  const handle = await fsp.open(dir, 'r').catch(() => undefined);
  if (handle) await handle.sync().catch(ignore).finally(() => handle.close().catch(ignore));
}

/**
 * Copies `source` into `handle` while hashing and counting, with backpressure.
 * Never destroys the source: on failure the rest is drained (so an HTTP layer
 * can still answer 413); a source error or early close rejects with
 * TransientError. Settles only once no disk write is in flight.
 */
function receive(source: Readable, handle: FileHandle, maxBytes: number): Promise<{ sha256: string; size: number }> {
  return new Promise((resolve, reject) => {
    const hash = crypto.createHash('sha256');
    let queue: Buffer[] = [];
    let [size, queued] = [0, 0];
    let [writing, paused, ended, settled] = [false, false, false, false];
    let failure: Error | undefined;
    const settle = () => {
      if (settled || writing || (!failure && !(ended && queue.length === 0))) return;
      settled = true;
      if (failure) reject(failure);
      else resolve({ sha256: hash.digest('hex'), size });
    };
    const detach = () => {
      source.off('data', onData).off('end', onEnd).off('error', onError).off('aborted', onAborted).off('close', onClose);
      source.on('error', ignore); // a late error must not crash the process
    };
    const fail = (error: Error) => {
      if (!failure && !settled) {
        failure = error;
        queue = [];
        if (!ended) {
          detach();
          source.resume(); // drain and discard the rest (a live HTTP request can still be answered)
        }
      }
      settle();
    };
    const pump = () => {
      if (writing || failure || queue.length === 0) return;
      writing = true;
      const batch = queue;
      [queue, queued] = [[], 0];
      if (paused) source.resume();
      paused = false;
      const done = (error?: Error) => {
        writing = false;
        if (error) fail(error);
        else if (queue.length > 0 && !failure) pump();
        else settle();
      };
      writeFully(handle, batch).then(() => done(), done);
    };
    const onData = (chunk: Buffer | string) => {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      size += buf.length;
      if (size > maxBytes) return fail(new PayloadTooLargeError(`the content exceeds the ${maxBytes}-byte limit`, { limit: maxBytes }));
      hash.update(buf);
      queue.push(buf);
      queued += buf.length;
      if (queued >= QUEUE_HIGH_WATER && !paused) source.pause();
      paused ||= queued >= QUEUE_HIGH_WATER;
      pump();
    };
    const onEnd = () => {
      ended = true;
      detach();
      pump();
      settle();
    };
    const onError = (error: Error) => fail(error instanceof BatchyardError ? error : new TransientError(`upload interrupted: ${error.message}`));
    const onAborted = () => fail(new TransientError('upload interrupted: the client disconnected'));
    const onClose = () => !ended && fail(new TransientError('upload interrupted: the stream closed before its end'));

    if (source.readableAborted || source.errored) return fail(new TransientError('upload interrupted: the stream was aborted before the upload began'));
    if (source.readableEnded) return fail(new InvalidArgumentError('the upload stream was already consumed'));
    source.on('data', onData).on('end', onEnd).on('error', onError).on('aborted', onAborted).on('close', onClose);
  });
}

export class LocalBlobStore implements BlobStore {
  private readonly objectsDir: string;
  private readonly tmpDir: string;
  /** Object directories known to exist, so a write skips its mkdir. */
  private readonly knownDirs = new Set<string>();
  /** Temp files this instance is writing; removeOrphanTempFiles spares them. */
  private readonly activeTemps = new Set<string>();
  private tmpReady: Promise<void> | undefined;

  constructor(
    readonly name: string,
    readonly rootDir: string,
  ) {
    this.objectsDir = path.join(rootDir, 'objects');
    this.tmpDir = path.join(rootDir, 'tmp');
  }

  /** Where a blob lives; throws InvalidArgumentError unless `sha256` is 64 lowercase hex digits. */
  objectPath(sha256: string): string {
    assertSha256(sha256);
    return path.join(this.objectsDir, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  }

  async write(source: Readable, options: { maxBytes: number }): Promise<BlobWriteResult> {
    const { maxBytes } = options;
    if (!(maxBytes >= 0)) throw new InvalidArgumentError(`maxBytes must be a non-negative number, not ${maxBytes}`);
    return this.viaTemp((handle) => receive(source, handle, maxBytes), true);
  }

  async writeBuffer(content: Buffer): Promise<BlobWriteResult> {
    const sha256 = crypto.createHash('sha256').update(content).digest('hex');
    if ((await this.stat(sha256)) !== null) return { sha256, size: content.length, created: false };
    // Absent a moment ago: skip the second existence check at commit.
    return this.viaTemp(async (handle) => {
      await writeFully(handle, [content]);
      return { sha256, size: content.length };
    }, false);
  }

  async openRead(sha256: string, range?: ByteRange): Promise<Readable> {
    const file = this.objectPath(sha256);
    const { start, end } = range ?? { start: 0, end: 0 };
    if (!(Number.isSafeInteger(start) && Number.isSafeInteger(end) && start >= 0 && start <= end)) throw new InvalidArgumentError(`invalid byte range ${start}-${end}`);
    let handle: FileHandle;
    try {
      // Opening (rather than stat, then open) cannot race with a delete.
      handle = await fsp.open(file, 'r');
    } catch (error) {
      if (isEnoent(error)) throw new NotFoundError(`blob ${sha256} is not stored in '${this.name}'`);
      throw error;
    }
    return handle.createReadStream(range ? { start, end } : {});
  }

  async stat(sha256: string): Promise<{ size: number } | null> {
    const stats = await fsp.stat(this.objectPath(sha256)).catch(orNullIfAbsent);
    return stats && { size: stats.size };
  }

  async delete(sha256: string): Promise<void> {
    await fsp.rm(this.objectPath(sha256), { force: true });
  }

  async removeOrphanTempFiles(options: { olderThanMs?: number } = {}): Promise<number> {
    const names = (await fsp.readdir(this.tmpDir).catch(orNullIfAbsent)) ?? [];
    const cutoff = Date.now() - (options.olderThanMs ?? 0);
    const candidates = names.map((name) => path.join(this.tmpDir, name)).filter((file) => !this.activeTemps.has(file));
    const orphans: string[] = [];
    for (const file of candidates) {
      const stats = await fsp.stat(file).catch(orNullIfAbsent);
      if (stats && stats.mtimeMs <= cutoff) orphans.push(file);
    }
    await Promise.all(orphans.map((file) => fsp.rm(file, { force: true, recursive: true })));
    return orphans.length;
  }

  private ensureTmpDir(): Promise<void> {
    this.tmpReady ??= fsp.mkdir(this.tmpDir, { recursive: true }).then(ignore, (error: unknown) => {
      this.tmpReady = undefined;
      throw error;
    });
    return this.tmpReady;
  }

  /**
   * Fills a fresh temp file, fsyncs it and commits it. On any failure the temp
   * file is removed. Recreates `tmp/` if it vanished since it was made.
   */
  private async viaTemp(fill: (handle: FileHandle) => Promise<{ sha256: string; size: number }>, checkExisting: boolean): Promise<BlobWriteResult> {
    const tmpPath = path.join(this.tmpDir, `${crypto.randomUUID()}.tmp`);
    await this.ensureTmpDir();
    const handle = await fsp.open(tmpPath, 'wx').catch(async (error: unknown) => {
      if (!isEnoent(error)) throw error;
      this.tmpReady = undefined;
      await this.ensureTmpDir();
      return fsp.open(tmpPath, 'wx');
    });
    this.activeTemps.add(tmpPath);
    let open = true;
    try {
      const { sha256, size } = await fill(handle);
      await handle.sync();
      open = false;
      await handle.close();
      return await this.commitTemp(tmpPath, sha256, size, checkExisting);
    } catch (error) {
      if (open) await handle.close().catch(ignore);
      await fsp.rm(tmpPath, { force: true }).catch(ignore);
      throw error;
    } finally {
      this.activeTemps.delete(tmpPath);
    }
  }

  private async ensureObjectDir(dir: string): Promise<void> {
    if (this.knownDirs.has(dir)) return;
    const firstCreated = await fsp.mkdir(dir, { recursive: true });
    if (firstCreated !== undefined) {
      // New directories: make their own entries durable too.
      await syncDir(path.dirname(dir));
      if (firstCreated !== dir) await syncDir(path.dirname(path.dirname(dir)));
    }
    this.knownDirs.add(dir);
  }

  /** Moves a complete, synced temp file to its content address. The caller removes the temp file on failure. */
  private async commitTemp(tmpPath: string, sha256: string, size: number, checkExisting: boolean): Promise<BlobWriteResult> {
    const target = this.objectPath(sha256);
    if (checkExisting && (await this.stat(sha256)) !== null) {
      await fsp.rm(tmpPath, { force: true }).catch(ignore); // a leftover is reclaimed at the next start
      return { sha256, size, created: false };
    }
    const dir = path.dirname(target);
    await this.ensureObjectDir(dir);
    try {
      await fsp.rename(tmpPath, target);
    } catch (error) {
      if (!isEnoent(error) || !this.knownDirs.has(dir)) throw error;
      // The cached directory was removed behind our back: make it again, once.
      this.knownDirs.delete(dir);
      await this.ensureObjectDir(dir);
      await fsp.rename(tmpPath, target);
    }
    await syncDir(dir);
    return { sha256, size, created: true };
  }
}
