/**
 * The loose objects of a blob store: one file per blob at
 * `<root>/objects/ab/cd/<sha256>`, written through temp files in `<root>/tmp/`
 * (synced before they are linked or renamed at their address), and the
 * directory syncs that make those entries durable. LocalBlobStore decides
 * what goes here (blobs past SMALL_BLOB_BYTES) and holds the pins.
 */
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { promisify } from 'node:util';
import type { BlobWriteResult } from './blob-store.js';
import { InvalidArgumentError } from '../domain/errors.js';

const SHA256_HEX = /^[0-9a-f]{64}$/;
const fsync = promisify(fs.fsync);
const open = promisify(fs.open);

const fsp = fs.promises;

export function assertSha256(sha256: string): void {
  if (typeof sha256 !== 'string' || !SHA256_HEX.test(sha256)) throw new InvalidArgumentError(`'${String(sha256).slice(0, 80)}' is not a SHA-256 (64 lowercase hex digits)`);
}

export const isEnoent = (error: unknown) => (error as NodeJS.ErrnoException | null)?.code === 'ENOENT';
const orNullIfAbsent = (error: unknown): null => {
  if (isEnoent(error)) return null;
  throw error;
};
/** Errors of a filesystem that has no hard links (a pinned write then commits unpinned). */
export const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EXDEV', 'EMLINK']);

/** fsync of a file by its path (its bytes and its inode). */
export async function syncFile(file: string): Promise<void> {
  const fd = fs.openSync(file, 'r');
  try {
    await fsync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** fsync of a directory makes its entries durable; best effort (not every platform allows it). */
export async function syncDir(dir: string): Promise<void> {
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

export class LooseObjects {
  readonly objectsDir: string;
  readonly tmpDir: string;
  /** Object directories known to exist, so a write skips its mkdir. */
  private readonly knownDirs = new Set<string>();
  private tmpReady = false;

  constructor(rootDir: string) {
    this.objectsDir = path.join(rootDir, 'objects');
    this.tmpDir = path.join(rootDir, 'tmp');
  }

  /** Where a loose blob lives; throws InvalidArgumentError unless `sha256` is 64 lowercase hex digits. */
  objectPath(sha256: string): string {
    assertSha256(sha256);
    return path.join(this.objectsDir, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  }

  /** A fresh temp file's path. */
  tempPath(): string {
    return path.join(this.tmpDir, `${crypto.randomUUID()}.tmp`);
  }

  private ensureTmpDir(): void {
    if (this.tmpReady) return;
    fs.mkdirSync(this.tmpDir, { recursive: true });
    this.tmpReady = true;
  }

  /** Creating a file can wait on the filesystem journal: it stays off the event loop. */
  async openTemp(tmpPath: string): Promise<number> {
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

  /** openTemp from inside a receive (synchronous): only a write past SMALL_BLOB_BYTES gets here, whose bytes dwarf it. */
  openTempSync(tmpPath: string): number {
    this.ensureTmpDir();
    try {
      return fs.openSync(tmpPath, 'wx');
    } catch (error) {
      if (!isEnoent(error)) throw error;
      this.tmpReady = false;
      this.ensureTmpDir();
      return fs.openSync(tmpPath, 'wx');
    }
  }

  /**
   * Stores a synced temp file at its address (an existing copy is kept),
   * noting the directories to sync; true when it was renamed there (no hard
   * links here: the temp file is gone).
   */
  linkSynced(e: { tmpPath: string; sha256: string }, dirs: Set<string>, seen: string[]): boolean {
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
        return this.linkSynced(e, dirs, seen);
      }
      if (NO_HARD_LINKS.has(code)) {
        fs.renameSync(e.tmpPath, target);
        dirs.add(dir);
        return true;
      } else if (code !== 'EEXIST') throw error;
    }
    // Also when the content was there: a writer that linked it may not have synced the directory yet.
    dirs.add(dir);
    return false;
  }

  /** Notes directories made by linkSynced once their sync is done. */
  knownNow(dirs: readonly string[]): void {
    for (const dir of dirs) this.knownDirs.add(dir);
  }

  /** Hard-links `file` at the blob's address; false when something is stored there already. */
  async linkInto(file: string, sha256: string): Promise<boolean> {
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
  async commitTemp(tmpPath: string, sha256: string, size: number, checkExisting: boolean): Promise<BlobWriteResult> {
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

  /** Removes temp files not in `active`, unmodified for `olderThanMs`; returns how many. */
  async removeOrphanTempFiles(active: ReadonlySet<string>, options: { olderThanMs?: number } = {}): Promise<number> {
    const names = (await fsp.readdir(this.tmpDir).catch(orNullIfAbsent)) ?? [];
    const cutoff = Date.now() - (options.olderThanMs ?? 0);
    const candidates = names.map((name) => path.join(this.tmpDir, name)).filter((file) => !active.has(file));
    const orphans: string[] = [];
    for (const file of candidates) {
      const stats = await fsp.stat(file).catch(orNullIfAbsent);
      // mtimeMs has a fraction of a millisecond, Date.now() none: a file written this very millisecond is 0 ms old, not younger.
      if (stats && Math.floor(stats.mtimeMs) <= cutoff) orphans.push(file);
    }
    await Promise.all(orphans.map((file) => fsp.rm(file, { force: true, recursive: true })));
    return orphans.length;
  }
}
