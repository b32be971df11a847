/**
 * Content-addressed blobs on a local filesystem. A small blob (at most
 * SMALL_BLOB_BYTES) is a record in an append-only pack (`<root>/packs/`,
 * packs.ts: many blobs made durable by one fsync); a larger one is a file of
 * its own, `<root>/objects/ab/cd/<sha256>` (a loose object). Reads look in
 * the pack index first, then for a loose object.
 *
 * A write keeps the content in memory while hashing until it outgrows
 * SMALL_BLOB_BYTES; then it streams into `<root>/tmp/`, fsyncs, and renames
 * into place (or drops the temp file when the content is already stored), so
 * a write is idempotent and a crash leaves at most a temp file behind. A
 * small write appends its record to this instance's pack, then makes it
 * durable and indexes it (at once, or with a batch: `defer` + `persist`).
 *
 * A deferred write (`defer`) stops at its unsynced record or temp file;
 * `persist` makes a batch of them durable in one pass (GroupFlush: the packs'
 * and temp files' fsyncs issued together), then indexes the records (one
 * transaction, one fsync of the index's log) and links each temp file at its
 * address, syncing each directory it touched once. So an indexed record or a
 * file at its address has always been synced first, whichever way it was
 * written: a crash never leaves a partial blob at an address (a later write
 * of the same content would trust it).
 *
 * Only what can wait for the disk, or is big, leaves the event loop: fsync,
 * the opens that create a file or read a directory (they can wait on the
 * filesystem journal), and a large write's batches. Small writes, close and
 * rename work on the page cache and return in microseconds, while each
 * thread-pool round trip costs far more CPU than that (measured: 917 µs of
 * CPU per open+write+close of a 4 KiB file through fs/promises against
 * 129 µs done synchronously, on the 2-core VM of BENCHMARKS.md). A large
 * write's bytes go to its temp file 4 MiB at a time on the thread pool while
 * the next 4 MiB are hashed (receive.ts: SpillSink), or, pulled from a
 * PullReadable, through four reused 1 MiB buffers (pull-copy.ts). (An
 * fdatasync started every 64 MiB while writing, measured on the bigfile
 * bench, made imports and exports slower, not faster: the fsync before the
 * commit does it all.)
 */
import fs from 'node:fs';
import crypto from 'node:crypto';
import { promisify } from 'node:util';
import { Readable } from 'node:stream';
import { SMALL_BLOB_BYTES, type BlobPin, type BlobStore, type BlobWriteResult, type ByteRange, type StoredObject } from './blob-store.js';
import { GroupFlush } from './group-flush.js';
import { receive, SpillSink, writeFully } from './receive.js';
import { fileRangeSource, PullReadable, type PullSource } from './pull-source.js';
import { pullInto, type PulledContent } from './pull-copy.js';
import { walkObjects } from './object-walk.js';
import { checkDirectory } from './directory-check.js';
import { Packs } from './packs.js';
import type { PackedLocation, PackedRow } from './pack-index.js';
import { assertSha256, isEnoent, LooseObjects, NO_HARD_LINKS, syncDir, syncFile } from './loose-objects.js';
import { InvalidArgumentError, NotFoundError, TransientError } from '../domain/errors.js';

const fsync = promisify(fs.fsync);
const fsp = fs.promises;
const modeOf = (o: { pin?: boolean; defer?: boolean }): WriteMode => (o.defer === true ? 'defer' : o.pin === true ? 'pin' : 'commit');

/** A deferred write waiting for (or past) `persist`, and how its pass went. */
interface DeferredBase {
  sha256: string;
  /** The pass that makes it durable, once asked for. */
  durable?: Promise<void>;
  failure?: unknown;
  released: boolean;
}

/** A large write: its pinned temp file. */
interface LooseDeferred extends DeferredBase {
  kind: 'loose';
  tmpPath: string;
  /** Stored by a rename (no hard links here): the pin cannot put the bytes back. */
  renamed: boolean;
}

/** A small write: its record in a pack (appended by this write, or the stored copy it found). */
interface PackedDeferred extends DeferredBase {
  kind: 'packed';
  at: PackedLocation;
  appended: boolean;
  /** Its pass's index stage (after its bytes are durable). */
  indexed?: Promise<void>;
}

type Deferred = LooseDeferred | PackedDeferred;
type WriteMode = 'commit' | 'pin' | 'defer';

export class LocalBlobStore implements BlobStore {
  private readonly loose: LooseObjects;
  private readonly packs: Packs;
  /** Temp files this instance is writing; removeOrphanTempFiles spares them. */
  private readonly activeTemps = new Set<string>();
  /** Blobs this instance holds a pin on (listObjects flags them: their commit is in flight). */
  private readonly pinned = new Map<string, number>();
  /** Deferred writes by their pin (a result may be copied; its pin is the same object). */
  private readonly deferredByPin = new WeakMap<BlobPin, Deferred>();
  private readonly flusher = new GroupFlush<Deferred>((batch) => this.flushDeferred(batch));
  private readonly indexer = new GroupFlush<PackedDeferred>((batch) => this.indexDeferred(batch));

  constructor(
    readonly name: string,
    readonly rootDir: string,
  ) {
    this.loose = new LooseObjects(rootDir);
    this.packs = new Packs(rootDir);
    // A new location starts as an empty directory, so `check` finds it before the first write
    // (which would make it too); one that cannot be made is what `check` reports.
    try {
      fs.mkdirSync(rootDir, { recursive: true });
    } catch {
      // reported by check
    }
  }

  /** Where a loose blob lives; throws InvalidArgumentError unless `sha256` is 64 lowercase hex digits. */
  objectPath(sha256: string): string {
    return this.loose.objectPath(sha256);
  }

  async write(source: Readable, options: { maxBytes: number; pin?: boolean; defer?: boolean }): Promise<BlobWriteResult> {
    const { maxBytes } = options;
    if (!(maxBytes >= 0)) throw new InvalidArgumentError(`maxBytes must be a non-negative number, not ${maxBytes}`);
    const mode = modeOf(options);
    const pullable = source instanceof PullReadable ? source.takeSource() : undefined;
    if (pullable) {
      try {
        return await this.writePulled(pullable, maxBytes, mode);
      } finally {
        source.destroy();
      }
    }
    let tmpPath = '';
    const sink = new SpillSink(
      SMALL_BLOB_BYTES,
      () => {
        tmpPath = this.loose.tempPath();
        const fd = this.loose.openTempSync(tmpPath);
        this.activeTemps.add(tmpPath);
        return fd;
      },
    );
    let received: { sha256: string; size: number };
    try {
      received = await receive(source, sink.write, maxBytes);
      await sink.finish();
    } catch (error) {
      if (sink.fd !== undefined) {
        // A batch may still be on its way to the file: the descriptor is closed after it.
        await sink.settle();
        fs.closeSync(sink.fd);
        fs.rmSync(tmpPath, { force: true });
        this.activeTemps.delete(tmpPath);
      }
      throw error;
    }
    if (sink.fd === undefined) return this.writeSmall(sink.content(), received.sha256, mode);
    const fd = sink.fd;
    return this.viaTemp(tmpPath, fd, async () => received, true, mode);
  }

  /** `write` of a PullReadable's source: pulled through reused buffers (pull-copy.ts) instead of streamed. */
  private async writePulled(source: PullSource, maxBytes: number, mode: WriteMode): Promise<BlobWriteResult> {
    let tmpPath = '';
    const file: { fd?: number } = {};
    const spill = () => {
      tmpPath = this.loose.tempPath();
      const fd = this.loose.openTempSync(tmpPath);
      this.activeTemps.add(tmpPath);
      return fd;
    };
    let pulled: PulledContent;
    try {
      pulled = await pullInto(source, { maxBytes, limit: SMALL_BLOB_BYTES, spill, file });
    } catch (error) {
      if (file.fd !== undefined) {
        fs.closeSync(file.fd);
        fs.rmSync(tmpPath, { force: true });
        this.activeTemps.delete(tmpPath);
      }
      throw error;
    }
    if (file.fd === undefined) return this.writeSmall(pulled.content!, pulled.sha256, mode);
    return this.viaTemp(tmpPath, file.fd, async () => pulled, true, mode);
  }

  async writeBuffer(content: Buffer, options: { pin?: boolean; defer?: boolean } = {}): Promise<BlobWriteResult> {
    const mode = modeOf(options);
    const sha256 = crypto.createHash('sha256').update(content).digest('hex');
    if (content.length <= SMALL_BLOB_BYTES) return this.writeSmall(content, sha256, mode);
    if (mode === 'commit' && (await this.stat(sha256)) !== null) return { sha256, size: content.length, created: false };
    const tmpPath = this.loose.tempPath();
    const fd = await this.loose.openTemp(tmpPath);
    this.activeTemps.add(tmpPath);
    const fill = async () => {
      writeFully(fd, content);
      return { sha256, size: content.length };
    };
    // Absent a moment ago (commit): skip the second existence check.
    return this.viaTemp(tmpPath, fd, fill, mode !== 'commit', mode);
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
      for (const e of fresh) e.durable = pass.then(() => (e.kind === 'packed' ? e.indexed : undefined));
    }
    await Promise.all(entries.map((e) => e.durable));
    const failed = entries.find((e) => e.failure !== undefined);
    if (failed) throw failed.failure;
  }

  async listObjects(p: { after?: string; limit: number }): Promise<StoredObject[]> {
    if (p.after !== undefined) assertSha256(p.after);
    const loose = await walkObjects(this.loose.objectsDir, p);
    const packed = this.packs.index.list(p.after ?? '', p.limit);
    // Both in address order: merge them (a blob stored both ways is listed once).
    const out: StoredObject[] = [];
    let [i, j] = [0, 0];
    while (out.length < p.limit && (i < loose.length || j < packed.length)) {
      const a = loose[i];
      const b = packed[j];
      const next = !b || (a && a.sha256 <= b.sha256) ? a! : b;
      if (a && next.sha256 === a.sha256) i++;
      if (b && next.sha256 === b.sha256) j++;
      out.push({ ...next, pinned: this.pinned.has(next.sha256) });
    }
    return out;
  }

  async openRead(sha256: string, range?: ByteRange): Promise<Readable> {
    const file = this.objectPath(sha256);
    const { start, end } = range ?? { start: 0, end: Number.MAX_SAFE_INTEGER - 1 };
    if (!(Number.isSafeInteger(start) && Number.isSafeInteger(end) && start >= 0 && start <= end)) throw new InvalidArgumentError(`invalid byte range ${start}-${end}`);
    const content = this.readPacked(sha256, start, end);
    if (content !== null) return Readable.from(content.length > 0 ? [content] : [], { objectMode: false });
    let fd: number;
    try {
      // Opening (rather than stat, then open) cannot race with a delete.
      fd = fs.openSync(file, 'r');
    } catch (error) {
      if (isEnoent(error)) throw new NotFoundError(`blob ${sha256} is not stored in '${this.name}'`);
      throw error;
    }
    // Pulled by a writer that knows PullReadable (a copy, an export's zip), streamed for anyone else.
    let size: number;
    try {
      size = fs.fstatSync(fd).size;
    } catch (error) {
      fs.closeSync(fd);
      throw error;
    }
    const stop = Math.min(end + 1, size);
    const short = (got: number) => new TransientError(`blob ${sha256.slice(0, 12)}… ended after ${got} of ${stop - start} bytes while being read`);
    return new PullReadable(fileRangeSource({ fd }, Math.min(start, stop), stop, short));
  }

  /** Synchronous, like the writes' page-cache work: a small blob's one read costs less than a thread-pool round trip. */
  async read(sha256: string): Promise<Buffer> {
    const file = this.objectPath(sha256);
    const content = this.readPacked(sha256, 0, Number.MAX_SAFE_INTEGER - 1);
    if (content !== null) return content;
    try {
      return fs.readFileSync(file);
    } catch (error) {
      if (isEnoent(error)) throw new NotFoundError(`blob ${sha256} is not stored in '${this.name}'`);
      throw error;
    }
  }

  async stat(sha256: string): Promise<{ size: number } | null> {
    const file = this.objectPath(sha256);
    const packed = this.packs.index.get(sha256);
    if (packed) return { size: packed.size };
    const stats = fs.statSync(file, { throwIfNoEntry: false });
    return stats ? { size: stats.size } : null;
  }

  async absent(sha256s: readonly string[]): Promise<string[]> {
    for (const sha256 of sha256s) assertSha256(sha256);
    return this.packs.index.absent(sha256s).filter((sha256) => !fs.existsSync(this.objectPath(sha256)));
  }

  async delete(sha256: string): Promise<void> {
    await fsp.rm(this.objectPath(sha256), { force: true });
    this.packs.index.delete(sha256);
  }

  async compact(options: { olderThanMs?: number } = {}): Promise<{ packs: number; bytes: number }> {
    return this.packs.compact({ olderThanMs: options.olderThanMs ?? 0 });
  }

  /** Closes the pack index and the open packs (the store is not used after). */
  close(): void {
    this.packs.close();
  }

  async removeOrphanTempFiles(options: { olderThanMs?: number } = {}): Promise<number> {
    return this.loose.removeOrphanTempFiles(this.activeTemps, options);
  }

  async check(options: { signal?: AbortSignal } = {}): Promise<void> {
    await checkDirectory(this.rootDir, this.loose.tmpDir, options.signal);
  }

  /** `end` inclusive, clamped to the blob's end; null when no pack holds the blob. */
  private readPacked(sha256: string, start: number, end: number): Buffer | null {
    // A compaction may move the record between the look-up and the read: look again.
    for (let attempt = 0; attempt < 3; attempt++) {
      const at = this.packs.index.get(sha256);
      if (!at) return null;
      const length = Math.max(0, Math.min(end, at.size - 1) - start + 1);
      const content = this.packs.read(at, start, length);
      if (content !== null) return content;
    }
    return null;
  }

  /**
   * A small write: its record appended to this instance's pack (unless the
   * pack index has the content already: then the stored copy is its pin),
   * made durable and indexed now, or (deferred) by `persist`.
   */
  private async writeSmall(content: Buffer, sha256: string, mode: WriteMode): Promise<BlobWriteResult> {
    // A deferred write skips the look-up (a statement per file): a duplicate record is dead space once persist finds the row there.
    const indexed = mode === 'defer' ? undefined : this.packs.index.get(sha256);
    const created = mode === 'defer' || (!indexed && !fs.existsSync(this.objectPath(sha256)));
    const entry: PackedDeferred = indexed
      ? { kind: 'packed', sha256, at: indexed, appended: false, released: false }
      : { kind: 'packed', sha256, at: this.packs.append(sha256, content), appended: true, released: false };
    const result = this.deferredResult(entry, content.length, created);
    if (mode === 'defer') return result;
    try {
      await this.persist([result]);
    } catch (error) {
      await result.pin!.release();
      throw error;
    }
    if (mode === 'pin') return { sha256, size: content.length, created, pin: result.pin! };
    await result.pin!.release();
    return { sha256, size: content.length, created };
  }

  /**
   * Fills an open temp file (registered in activeTemps), fsyncs it and
   * commits it (or, deferred, leaves it pinned and unsynced for `persist`).
   * On any failure the temp file is removed.
   */
  private async viaTemp(
    tmpPath: string,
    fd: number,
    fill: () => Promise<{ sha256: string; size: number }>,
    checkExisting: boolean,
    mode: WriteMode,
  ): Promise<BlobWriteResult> {
    let open = true;
    let pinned = false;
    try {
      const { sha256, size } = await fill();
      if (mode === 'defer') {
        open = false;
        fs.closeSync(fd);
        pinned = true;
        const entry: LooseDeferred = { kind: 'loose', tmpPath, sha256, released: false, renamed: false };
        return this.deferredResult(entry, size, !fs.existsSync(this.objectPath(sha256)));
      }
      await fsync(fd);
      open = false;
      fs.closeSync(fd);
      if (mode === 'pin') {
        const result = await this.linkPinned(tmpPath, sha256, size);
        pinned = result.pin !== undefined;
        return result;
      }
      return await this.loose.commitTemp(tmpPath, sha256, size, checkExisting);
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
      created = await this.loose.linkInto(tmpPath, sha256);
    } catch (error) {
      if (!NO_HARD_LINKS.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
      return this.loose.commitTemp(tmpPath, sha256, size, true);
    }
    this.addPin(sha256);
    const pin: BlobPin = {
      restore: async () => {
        await this.loose.linkInto(tmpPath, sha256);
      },
      release: async () => {
        if (!this.activeTemps.delete(tmpPath)) return;
        this.dropPin(sha256);
        await fsp.rm(tmpPath, { force: true });
      },
    };
    return { sha256, size, created, pin };
  }

  /** A deferred write's result: pinned until released, made durable (and, loose, stored) by `persist`. */
  private deferredResult(entry: Deferred, size: number, created: boolean): BlobWriteResult {
    this.addPin(entry.sha256);
    const pin: BlobPin = {
      restore: async () => {
        if (entry.durable === undefined) return this.persist([result]);
        if (entry.kind === 'loose') {
          if (!entry.renamed) await this.loose.linkInto(entry.tmpPath, entry.sha256);
          return;
        }
        // The collector took the row: point it at the record again (durable since persist).
        if (this.packs.index.insert([{ sha256: entry.sha256, ...entry.at }], Date.now()).length > 0) {
          throw new TransientError(`blob ${entry.sha256.slice(0, 12)}… was collected and its pack compacted; retry`);
        }
        await this.packs.syncIndex();
      },
      release: async () => {
        if (entry.released) return;
        entry.released = true;
        this.dropPin(entry.sha256);
        if (entry.kind === 'loose') {
          this.activeTemps.delete(entry.tmpPath);
          await fsp.rm(entry.tmpPath, { force: true });
        }
      },
    };
    this.deferredByPin.set(pin, entry);
    const result: BlobWriteResult = { sha256: entry.sha256, size, created, pin, deferred: true };
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
   * One pass over a batch of deferred writes. First the bytes: the loose
   * writes' temp files and the packs the packed ones appended to, their
   * fsyncs issued together. Then the loose writes are linked at their
   * addresses and each directory whose entries changed (or that this
   * instance had not yet seen synced) is fsynced once, while the packed ones
   * go to the index stage (indexDeferred: one transaction, one fsync), which
   * overlaps the next pass's fsyncs. Records each write's failure on it;
   * never rejects (GroupFlush).
   */
  private async flushDeferred(batch: Deferred[]): Promise<void> {
    const live = () => batch.filter((e) => !e.released && e.failure === undefined);
    const failAll = (entries: Deferred[]) => (error: unknown) => {
      for (const e of entries) e.failure = error;
    };
    const packed = live().filter((e): e is PackedDeferred => e.kind === 'packed');
    const appended = packed.filter((e) => e.appended);
    await Promise.all([
      ...live().map(async (e) => {
        if (e.kind === 'loose') await syncFile(e.tmpPath).catch(failAll([e]));
      }),
      appended.length > 0 ? this.packs.sync(appended.map((e) => e.at.pack)).catch(failAll(appended)) : undefined,
    ]);
    const dirs = new Set<string>();
    const seen: string[] = [];
    for (const e of live()) {
      if (e.kind !== 'loose') continue;
      try {
        e.renamed = this.loose.linkSynced(e, dirs, seen);
      } catch (error) {
        e.failure = error;
      }
    }
    // The index stage runs on its own (not awaited here): the next batch's fsyncs overlap this one's index.
    const toIndex = packed.filter((e) => e.failure === undefined);
    if (toIndex.length > 0) {
      const stage = this.indexer.add(toIndex);
      for (const e of toIndex) e.indexed = stage;
    }
    await Promise.all([...dirs].map(syncDir));
    this.loose.knownNow(seen);
  }

  /** The second stage of a pass: the packed writes' rows in one transaction, then the index durable. Never rejects. */
  private async indexDeferred(batch: PackedDeferred[]): Promise<void> {
    await this.indexPacked(batch.filter((e) => e.appended && !e.released && e.failure === undefined));
    const indexed = batch.filter((e) => e.failure === undefined);
    if (indexed.length === 0) return;
    await this.packs.syncIndex().catch((error: unknown) => {
      for (const e of indexed) e.failure = error;
    });
  }

  /**
   * Indexes durable records. One whose pack a compaction took meanwhile is
   * written again into a new pack, made durable and indexed; failing that, the
   * write fails (transient: a retry writes it again).
   */
  private async indexPacked(entries: PackedDeferred[]): Promise<void> {
    if (entries.length === 0) return;
    const rowsOf = (list: PackedDeferred[]) => new Map<PackedRow, PackedDeferred>(list.map((e) => [{ sha256: e.sha256, ...e.at }, e]));
    try {
      let rows = rowsOf(entries);
      for (let attempt = 0; ; attempt++) {
        const refused = this.packs.index.insert([...rows.keys()], Date.now());
        if (refused.length === 0) return;
        const moved = attempt === 0 ? this.packs.rescue(refused) : refused.map(() => null);
        const again: PackedDeferred[] = [];
        refused.forEach((row, i) => {
          const e = rows.get(row)!;
          const to = moved[i];
          if (to) {
            e.at = to;
            again.push(e);
          } else e.failure = new TransientError(`pack ${row.pack} was taken by a compaction before blob ${row.sha256.slice(0, 12)}… was indexed; retry`);
        });
        if (again.length === 0) return;
        await this.packs.sync(again.map((e) => e.at.pack));
        rows = rowsOf(again);
      }
    } catch (error) {
      for (const e of entries) if (e.failure === undefined) e.failure = error;
    }
  }


}
