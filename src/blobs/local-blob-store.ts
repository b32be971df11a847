/**
 * Content-addressed blobs on a local filesystem: `<root>/objects/ab/cd/<sha256>`.
 * A write streams into `<root>/tmp/` while hashing, fsyncs, then renames into
 * place (or drops the temp file when the content is already stored), so a
 * write is idempotent and a crash leaves at most a temp file behind.
 *
 * A deferred write (`defer`) stops at its unsynced temp file; `persist`
 * makes a batch of them durable in one pass (GroupFlush: their fsyncs issued
 * together), then links each at its address and syncs each directory it
 * touched once. So a file at its address has always been synced before it
 * got there, whichever way it was written: a crash never leaves a partial
 * blob at an address (a later write of the same content would trust it).
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
import type { BlobPin, BlobStore, BlobWriteResult, ByteRange, StoredObject } from './blob-store.js';
import { GroupFlush } from './group-flush.js';
import { receive, writeFully } from './receive.js';
import { walkObjects } from './object-walk.js';
import { InvalidArgumentError, NotFoundError } from '../domain/errors.js';

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
/** Errors of a filesystem that has no hard links (a pinned write then commits unpinned). */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EXDEV', 'EMLINK']);

/** fsync of a file by its path (its bytes and its inode). */
async function syncFile(file: string): Promise<void> {
  const fd = fs.openSync(file, 'r');
  try {
    await fsync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** A deferred write waiting for (or past) `persist`: its pinned temp file and how its pass went. */
interface Deferred {
  tmpPath: string;
  sha256: string;
  /** The pass that makes it durable, once asked for. */
  durable?: Promise<void>;
  failure?: unknown;
  released: boolean;
  /** Stored by a rename (no hard links here): the pin cannot put the bytes back. */
  renamed: boolean;
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

export class LocalBlobStore implements BlobStore {
  private readonly objectsDir: string;
  private readonly tmpDir: string;
  /** Object directories known to exist, so a write skips its mkdir. */
  private readonly knownDirs = new Set<string>();
  /** Temp files this instance is writing; removeOrphanTempFiles spares them. */
  private readonly activeTemps = new Set<string>();
  /** Blobs this instance holds a pin on (listObjects flags them: their commit is in flight). */
  private readonly pinned = new Map<string, number>();
  /** Deferred writes by their pin (a result may be copied; its pin is the same object). */
  private readonly deferredByPin = new WeakMap<BlobPin, Deferred>();
  private readonly flusher = new GroupFlush<Deferred>((batch) => this.flushDeferred(batch));
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

  async write(source: Readable, options: { maxBytes: number; pin?: boolean; defer?: boolean }): Promise<BlobWriteResult> {
    const { maxBytes } = options;
    if (!(maxBytes >= 0)) throw new InvalidArgumentError(`maxBytes must be a non-negative number, not ${maxBytes}`);
    const mode = options.defer === true ? 'defer' : options.pin === true ? 'pin' : 'commit';
    return this.viaTemp((fd) => receive(source, fd, maxBytes), true, mode);
  }

  async persist(writes: readonly BlobWriteResult[]): Promise<void> {
    const entries: Deferred[] = [];
    for (const write of writes) {
      const entry = write.pin && this.deferredByPin.get(write.pin);
      if (entry) entries.push(entry);
    }
    const fresh = entries.filter((e) => e.durable === undefined);
    if (fresh.length > 0) {
      const pass = this.flusher.add(fresh);
      for (const e of fresh) e.durable = pass;
    }
    await Promise.all(entries.map((e) => e.durable));
    const failed = entries.find((e) => e.failure !== undefined);
    if (failed) throw failed.failure;
  }

  async listObjects(p: { after?: string; limit: number }): Promise<StoredObject[]> {
    if (p.after !== undefined) assertSha256(p.after);
    const found = await walkObjects(this.objectsDir, p);
    return found.map((o) => ({ ...o, pinned: this.pinned.has(o.sha256) }));
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
   * Fills a fresh temp file, fsyncs it and commits it (or, deferred, leaves it
   * pinned and unsynced for `persist`). On any failure the temp file is removed. Recreates `tmp/` if it vanished since it was made.
   */
  private async viaTemp(
    fill: (fd: number) => Promise<{ sha256: string; size: number }>,
    checkExisting: boolean,
    mode: 'commit' | 'pin' | 'defer' = 'commit',
  ): Promise<BlobWriteResult> {
    const tmpPath = path.join(this.tmpDir, `${crypto.randomUUID()}.tmp`);
    const fd = await this.openTemp(tmpPath);
    this.activeTemps.add(tmpPath);
    let open = true;
    let pinned = false;
    try {
      const { sha256, size } = await fill(fd);
      if (mode === 'defer') {
        open = false;
        fs.closeSync(fd);
        pinned = true;
        return this.deferredResult(tmpPath, sha256, size);
      }
      await fsync(fd);
      open = false;
      fs.closeSync(fd);
      if (mode === 'pin') {
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
    this.addPin(sha256);
    const pin: BlobPin = {
      restore: async () => {
        await this.linkInto(tmpPath, sha256);
      },
      release: async () => {
        if (!this.activeTemps.delete(tmpPath)) return;
        this.dropPin(sha256);
        await fsp.rm(tmpPath, { force: true });
      },
    };
    return { sha256, size, created, pin };
  }

  /** A complete, unsynced temp file, pinned until released, made durable and stored by `persist`. */
  private deferredResult(tmpPath: string, sha256: string, size: number): BlobWriteResult {
    const entry: Deferred = { tmpPath, sha256, released: false, renamed: false };
    this.addPin(sha256);
    const pin: BlobPin = {
      restore: async () => {
        if (entry.durable === undefined) return this.persist([result]);
        if (!entry.renamed) await this.linkInto(tmpPath, sha256);
      },
      release: async () => {
        if (entry.released) return;
        entry.released = true;
        this.activeTemps.delete(tmpPath);
        this.dropPin(sha256);
        await fsp.rm(tmpPath, { force: true });
      },
    };
    this.deferredByPin.set(pin, entry);
    const result: BlobWriteResult = { sha256, size, created: !fs.existsSync(this.objectPath(sha256)), pin, deferred: true };
    return result;
  }

  private addPin(sha256: string): void {
    this.pinned.set(sha256, (this.pinned.get(sha256) ?? 0) + 1);
  }

  private dropPin(sha256: string): void {
    const n = (this.pinned.get(sha256) ?? 1) - 1;
    if (n > 0) this.pinned.set(sha256, n);
    else this.pinned.delete(sha256);
  }

  /**
   * One pass over a batch of deferred writes: their fsyncs issued together,
   * then each linked at its address, then each directory whose entries
   * changed (or that this instance had not yet seen synced) fsynced once.
   * Records each write's failure on it; never rejects (GroupFlush).
   */
  private async flushDeferred(batch: Deferred[]): Promise<void> {
    const live = () => batch.filter((e) => !e.released && e.failure === undefined);
    await Promise.all(
      live().map(async (e) => {
        try {
          await syncFile(e.tmpPath);
        } catch (error) {
          e.failure = error;
        }
      }),
    );
    const dirs = new Set<string>();
    const seen: string[] = [];
    for (const e of live()) {
      try {
        this.linkDeferred(e, dirs, seen);
      } catch (error) {
        e.failure = error;
      }
    }
    await Promise.all([...dirs].map(syncDir));
    for (const dir of seen) this.knownDirs.add(dir);
  }

  /** Stores a synced deferred write at its address (an existing copy is kept), noting the directories to sync. */
  private linkDeferred(e: Deferred, dirs: Set<string>, seen: string[]): void {
    const target = this.objectPath(e.sha256);
    const dir = path.dirname(target);
    if (!this.knownDirs.has(dir)) {
      fs.mkdirSync(dir, { recursive: true });
      // Made now or by another writer whose sync may still be running: its parents' entries too.
      dirs.add(path.dirname(dir)).add(path.dirname(path.dirname(dir)));
      seen.push(dir);
    }
    try {
      fs.linkSync(e.tmpPath, target);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? '';
      if (code === 'ENOENT' && this.knownDirs.has(dir)) {
        // The cached directory was removed behind our back: make it again, once.
        this.knownDirs.delete(dir);
        return this.linkDeferred(e, dirs, seen);
      }
      if (NO_HARD_LINKS.has(code)) {
        fs.renameSync(e.tmpPath, target);
        e.renamed = true;
      } else if (code !== 'EEXIST') throw error;
    }
    // Also when the content was there: a writer that linked it may not have synced the directory yet.
    dirs.add(dir);
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
    fs.mkdirSync(dir, { recursive: true });
    // Made now, or by a writer whose sync may still be running: make its entry (and its parent's) durable.
    await syncDir(path.dirname(dir));
    await syncDir(path.dirname(path.dirname(dir)));
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
