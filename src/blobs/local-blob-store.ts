/**
 * Content-addressed blobs on a local filesystem: `<root>/objects/ab/cd/<sha256>`.
 * A write streams into `<root>/tmp/` while hashing, fsyncs, then renames into
 * place (or drops the temp file when the content is already stored), so a
 * write is idempotent and a crash leaves at most a temp file behind.
 *
 * Only what can wait for the disk leaves the event loop: fsync, and the
 * opens that create a file or read a directory (they can wait on the
 * filesystem journal). write, close and rename work on the page cache and
 * return in microseconds, while each thread-pool round trip costs far more
 * CPU than that (measured: 917 µs of CPU per open+write+close of a 4 KiB
 * file through fs/promises against 129 µs done synchronously, on the 2-core
 * VM of BENCHMARKS.md). Writes go in chunks as they arrive (≤ 64 KiB each).
 */
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { promisify } from 'node:util';
import type { Readable } from 'node:stream';
import type { BlobPin, BlobStore, BlobWriteResult, ByteRange } from './blob-store.js';
import { BatchyardError, InvalidArgumentError, NotFoundError, PayloadTooLargeError, TransientError } from '../domain/errors.js';

const SHA256_HEX = /^[0-9a-f]{64}$/;
const fsync = promisify(fs.fsync);
const open = promisify(fs.open);
const fsp = fs.promises;

function assertSha256(sha256: string): void {
  if (typeof sha256 !== 'string' || !SHA256_HEX.test(sha256)) throw new InvalidArgumentError(`'${String(sha256).slice(0, 80)}' is not a SHA-256 (64 lowercase hex digits)`);
}

const isEnoent = (error: unknown) => (error as NodeJS.ErrnoException | null)?.code === 'ENOENT';
const orNullIfAbsent = (error: unknown): null => {
  if (isEnoent(error)) return null;
  throw error;
};
const ignore = () => {};
/** Errors of a filesystem that has no hard links (a pinned write then commits unpinned). */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EXDEV', 'EMLINK']);

/** Writes every byte of `chunk` at the current position (a write may be partial). */
function writeFully(fd: number, chunk: Buffer): void {
  let offset = 0;
  while (offset < chunk.length) offset += fs.writeSync(fd, chunk, offset);
}

/** fsync of a directory makes its entries durable; best effort (not every platform allows it). */
async function syncDir(dir: string): Promise<void> {
  let fd: number;
  try {
    fd = await open(dir, 'r');
  } catch {
    return;
  }
  try {
    await fsync(fd);
  } catch {
    // Some filesystems refuse fsync on directories.
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Copies `source` into `fd` while hashing and counting. Never destroys the
 * source: on failure the rest is drained (so an HTTP layer can still answer
 * 413); a source error or early close rejects with TransientError.
 */
function receive(source: Readable, fd: number, maxBytes: number): Promise<{ sha256: string; size: number }> {
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
        writeFully(fd, buf);
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

export class LocalBlobStore implements BlobStore {
  private readonly objectsDir: string;
  private readonly tmpDir: string;
  /** Object directories known to exist, so a write skips its mkdir. */
  private readonly knownDirs = new Set<string>();
  /** Temp files this instance is writing; removeOrphanTempFiles spares them. */
  private readonly activeTemps = new Set<string>();
  private tmpReady = false;

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

  async write(source: Readable, options: { maxBytes: number; pin?: boolean }): Promise<BlobWriteResult> {
    const { maxBytes } = options;
    if (!(maxBytes >= 0)) throw new InvalidArgumentError(`maxBytes must be a non-negative number, not ${maxBytes}`);
    return this.viaTemp((fd) => receive(source, fd, maxBytes), true, options.pin === true);
  }

  async writeBuffer(content: Buffer): Promise<BlobWriteResult> {
    const sha256 = crypto.createHash('sha256').update(content).digest('hex');
    if ((await this.stat(sha256)) !== null) return { sha256, size: content.length, created: false };
    // Absent a moment ago: skip the second existence check at commit.
    return this.viaTemp(async (fd) => {
      writeFully(fd, content);
      return { sha256, size: content.length };
    }, false);
  }

  async openRead(sha256: string, range?: ByteRange): Promise<Readable> {
    const file = this.objectPath(sha256);
    const { start, end } = range ?? { start: 0, end: 0 };
    if (!(Number.isSafeInteger(start) && Number.isSafeInteger(end) && start >= 0 && start <= end)) throw new InvalidArgumentError(`invalid byte range ${start}-${end}`);
    let fd: number;
    try {
      // Opening (rather than stat, then open) cannot race with a delete.
      fd = fs.openSync(file, 'r');
    } catch (error) {
      if (isEnoent(error)) throw new NotFoundError(`blob ${sha256} is not stored in '${this.name}'`);
      throw error;
    }
    return fs.createReadStream(file, { fd, ...(range ? { start, end } : {}) });
  }

  async stat(sha256: string): Promise<{ size: number } | null> {
    const stats = fs.statSync(this.objectPath(sha256), { throwIfNoEntry: false });
    return stats ? { size: stats.size } : null;
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

  private ensureTmpDir(): void {
    if (this.tmpReady) return;
    fs.mkdirSync(this.tmpDir, { recursive: true });
    this.tmpReady = true;
  }

  /** Creating a file can wait on the filesystem journal: it stays off the event loop. */
  private async openTemp(tmpPath: string): Promise<number> {
    this.ensureTmpDir();
    try {
      return await open(tmpPath, 'wx');
    } catch (error) {
      if (!isEnoent(error)) throw error;
      this.tmpReady = false; // tmp/ vanished since it was made
      this.ensureTmpDir();
      return open(tmpPath, 'wx');
    }
  }

  /**
   * Fills a fresh temp file, fsyncs it and commits it. On any failure the temp
   * file is removed. Recreates `tmp/` if it vanished since it was made.
   */
  private async viaTemp(fill: (fd: number) => Promise<{ sha256: string; size: number }>, checkExisting: boolean, pin = false): Promise<BlobWriteResult> {
    const tmpPath = path.join(this.tmpDir, `${crypto.randomUUID()}.tmp`);
    const fd = await this.openTemp(tmpPath);
    this.activeTemps.add(tmpPath);
    let open = true;
    let pinned = false;
    try {
      const { sha256, size } = await fill(fd);
      await fsync(fd);
      open = false;
      fs.closeSync(fd);
      if (pin) {
        const result = await this.linkPinned(tmpPath, sha256, size);
        pinned = result.pin !== undefined;
        return result;
      }
      return await this.commitTemp(tmpPath, sha256, size, checkExisting);
    } catch (error) {
      if (open) fs.closeSync(fd);
      fs.rmSync(tmpPath, { force: true });
      throw error;
    } finally {
      if (!pinned) this.activeTemps.delete(tmpPath);
    }
  }

  /**
   * Stores a complete, synced temp file at its address by a hard link (unless
   * the content is stored already) and keeps the temp file as the pin: the
   * same bytes, which `restore` links back if the stored copy was removed.
   * Where hard links are refused, commits as an unpinned write.
   */
  private async linkPinned(tmpPath: string, sha256: string, size: number): Promise<BlobWriteResult> {
    let created: boolean;
    try {
      created = await this.linkInto(tmpPath, sha256);
    } catch (error) {
      if (!NO_HARD_LINKS.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
      return this.commitTemp(tmpPath, sha256, size, true);
    }
    const pin: BlobPin = {
      restore: async () => {
        await this.linkInto(tmpPath, sha256);
      },
      release: async () => {
        this.activeTemps.delete(tmpPath);
        await fsp.rm(tmpPath, { force: true });
      },
    };
    return { sha256, size, created, pin };
  }

  /** Hard-links `file` at the blob's address; false when something is stored there already. */
  private async linkInto(file: string, sha256: string): Promise<boolean> {
    const target = this.objectPath(sha256);
    const dir = path.dirname(target);
    await this.ensureObjectDir(dir);
    const link = (): boolean => {
      try {
        fs.linkSync(file, target);
        return true;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
        throw error;
      }
    };
    let created: boolean;
    try {
      created = link();
    } catch (error) {
      if (!isEnoent(error) || !this.knownDirs.has(dir)) throw error;
      // The cached directory was removed behind our back: make it again, once.
      this.knownDirs.delete(dir);
      await this.ensureObjectDir(dir);
      created = link();
    }
    if (created) await syncDir(dir);
    return created;
  }

  private async ensureObjectDir(dir: string): Promise<void> {
    if (this.knownDirs.has(dir)) return;
    const firstCreated = fs.mkdirSync(dir, { recursive: true });
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
    if (checkExisting && fs.existsSync(target)) {
      fs.rmSync(tmpPath, { force: true });
      return { sha256, size, created: false };
    }
    const dir = path.dirname(target);
    await this.ensureObjectDir(dir);
    try {
      fs.renameSync(tmpPath, target);
    } catch (error) {
      if (!isEnoent(error) || !this.knownDirs.has(dir)) throw error;
      // The cached directory was removed behind our back: make it again, once.
      this.knownDirs.delete(dir);
      await this.ensureObjectDir(dir);
      fs.renameSync(tmpPath, target);
    }
    await syncDir(dir);
    return { sha256, size, created: true };
  }
}
