/**
 * Small blobs packed into append-only files: `<root>/packs/<id>.pack`, a
 * sequence of records (header: magic `byp1`, content size u32 LE, SHA-256;
 * then the content), indexed by PackIndex. Each store instance (a process, or
 * a thread of one) appends only to a pack of its own, so several processes
 * can share a location; it moves to a new pack past PACK_BYTES or once its
 * pack has been idle for ROLL_IDLE_MS.
 *
 * A record is written at once (the whole blob is in memory: it is small),
 * unsynced; `sync` makes a batch of them durable (fdatasync of each pack
 * touched, and of the packs directory when a pack was created), then
 * `index` records them, then `syncIndex` makes the rows durable. So an
 * indexed record always has durable bytes; a crash before its row leaves
 * dead bytes in a pack, which compaction reclaims.
 *
 * Compaction (`compact`): a pack whose dead bytes are at least half of it,
 * untouched for a while and not this instance's, is claimed in the index; its
 * live records are copied into this instance's pack, made durable, their
 * rows moved; the pack goes once no row points into it. A reader that looked
 * a blob up before its row moved reads the old file through a descriptor it
 * holds, or looks again when the file is gone.
 */
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { PackIndex, RECORD_HEADER_BYTES, type PackedLocation, type PackedRow } from './pack-index.js';

/** A pack takes no more records once this long. */
export const PACK_BYTES = 32 * 1024 * 1024;
/** A writer idle this long starts a new pack (a compaction may then take the old one). */
export const ROLL_IDLE_MS = 5 * 60_000;
/** How long a compaction's claim on a pack lasts (a crashed compactor's claim expires). */
const CLAIM_MS = 10 * 60_000;
/** Read descriptors kept open (per instance). */
const OPEN_READERS = 32;
const MAGIC = Buffer.from('byp1');

const fsyncData = promisify(fs.fdatasync);
const fsync = promisify(fs.fsync);
const open = promisify(fs.open);
const close = promisify(fs.close);

async function syncPath(file: string, dir = false): Promise<void> {
  let fd: number;
  try {
    fd = await open(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  try {
    await (dir ? fsync(fd) : fsyncData(fd));
  } catch (error) {
    if (!dir) throw error; // some filesystems refuse fsync on directories
  } finally {
    await close(fd);
  }
}

interface Current {
  id: number;
  fd: number;
  size: number;
  lastAppend: number;
  /** When the index last said the pack may take records. */
  checkedAt: number;
}

export class Packs {
  readonly dir: string;
  private indexDb: PackIndex | undefined;
  private current: Current | undefined;
  /** Packs created since the directory was last synced. */
  private dirDirty = false;
  private readonly readers = new Map<number, number>();

  constructor(root: string) {
    this.dir = path.join(root, 'packs');
  }

  /** The index, opened at first use. */
  get index(): PackIndex {
    this.indexDb ??= new PackIndex(path.join(this.dir, 'index.db'));
    return this.indexDb;
  }

  packPath(id: number): string {
    return path.join(this.dir, `${String(id).padStart(8, '0')}.pack`);
  }

  /** The id of the pack this instance appends to, if any. */
  get currentPack(): number | undefined {
    return this.current?.id;
  }

  /** Appends a record of `content` (unsynced); returns where its content is. */
  append(sha256: string, content: Buffer, now = Date.now()): PackedLocation {
    let c = this.current;
    // A compaction may have taken an idle pack (a grace period shorter than ROLL_IDLE_MS): looked at
    // once a second (a record appended meanwhile is refused when indexed, and written again).
    if (c && now - c.checkedAt > 1000) {
      if (!this.index.writable(c.id)) c = undefined;
      else c.checkedAt = now;
    }
    if (!c || c.size >= PACK_BYTES || now - c.lastAppend > ROLL_IDLE_MS) c = this.roll(now);
    const header = Buffer.allocUnsafe(RECORD_HEADER_BYTES);
    MAGIC.copy(header, 0);
    header.writeUInt32LE(content.length, 4);
    header.write(sha256, 8, 'hex');
    const at = c.size;
    let done = 0;
    const total = RECORD_HEADER_BYTES + content.length;
    while (done < total) {
      const parts = done < RECORD_HEADER_BYTES ? [header.subarray(done), content] : [content.subarray(done - RECORD_HEADER_BYTES)];
      done += fs.writevSync(c.fd, parts, at + done);
    }
    c.size += total;
    c.lastAppend = now;
    return { pack: c.id, offset: at + RECORD_HEADER_BYTES, size: content.length };
  }

  /** Starts a new pack: its row first (the id), then its file. */
  private roll(now: number): Current {
    this.closeCurrent();
    fs.mkdirSync(this.dir, { recursive: true });
    const id = this.index.newPack(now);
    const fd = fs.openSync(this.packPath(id), 'wx+'); // read too: see `rescue`
    this.dirDirty = true;
    this.current = { id, fd, size: 0, lastAppend: now, checkedAt: now };
    return this.current;
  }

  /**
   * Records appended to this instance's pack after a compaction took it (a
   * grace period shorter than ROLL_IDLE_MS): read back and appended to a new
   * pack (unsynced). Returns their new places; null for a row in another pack.
   */
  rescue(rows: readonly PackedRow[]): Array<PackedLocation | null> {
    const c = this.current;
    const contents = rows.map((row) => {
      if (!c || row.pack !== c.id) return null;
      const content = Buffer.allocUnsafe(row.size);
      for (let done = 0; done < row.size; ) {
        const n = fs.readSync(c.fd, content, done, row.size - done, row.offset + done);
        if (n === 0) return null;
        done += n;
      }
      return content;
    });
    if (c && rows.some((row) => row.pack === c.id)) this.closeCurrent();
    return contents.map((content, i) => (content ? this.append(rows[i]!.sha256, content) : null));
  }

  private closeCurrent(): void {
    if (this.current) fs.closeSync(this.current.fd);
    this.current = undefined;
  }

  /** Makes the records appended to `packs` durable (and the directory entries of new packs). */
  async sync(packs: Iterable<number>): Promise<void> {
    const syncs = [...new Set(packs)].map((id) => syncPath(this.packPath(id)));
    if (this.dirDirty) {
      this.dirDirty = false;
      syncs.push(syncPath(this.dir, true), syncPath(path.dirname(this.dir), true));
    }
    await Promise.all(syncs);
  }

  /** Makes the index's committed rows durable. */
  async syncIndex(): Promise<void> {
    await syncPath(this.index.walPath);
  }

  /** Reads `length` bytes of a blob's content from `start` (relative to it), or null if its pack is gone. */
  read(at: PackedLocation, start: number, length: number): Buffer | null {
    const fd = this.reader(at.pack);
    if (fd === null) return null;
    const out = Buffer.allocUnsafe(length);
    let done = 0;
    while (done < length) {
      const n = fs.readSync(fd, out, done, length - done, at.offset + start + done);
      if (n === 0) throw new Error(`pack ${at.pack} ends inside a record (offset ${at.offset}, size ${at.size})`);
      done += n;
    }
    return out;
  }

  private reader(pack: number): number | null {
    const cached = this.readers.get(pack);
    if (cached !== undefined) {
      this.readers.delete(pack);
      this.readers.set(pack, cached); // most recently used last
      return cached;
    }
    let fd: number;
    try {
      fd = fs.openSync(this.packPath(pack), 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    this.readers.set(pack, fd);
    if (this.readers.size > OPEN_READERS) {
      const [oldest, oldFd] = this.readers.entries().next().value as [number, number];
      this.readers.delete(oldest);
      fs.closeSync(oldFd);
    }
    return fd;
  }

  private dropReader(pack: number): void {
    const fd = this.readers.get(pack);
    if (fd === undefined) return;
    this.readers.delete(pack);
    fs.closeSync(fd);
  }

  /**
   * Reclaims the dead bytes of up to `maxPacks` packs untouched for
   * `olderThanMs` (not this instance's current one): those at least half
   * dead. Returns how many packs went and the file bytes freed.
   */
  async compact(options: { olderThanMs: number; maxPacks?: number; now?: number }): Promise<{ packs: number; bytes: number }> {
    if (!fs.existsSync(this.dir)) return { packs: 0, bytes: 0 };
    const now = options.now ?? Date.now();
    const result = { packs: 0, bytes: 0 };
    let budget = options.maxPacks ?? 4;
    for (const info of this.index.packs()) {
      if (budget <= 0) break;
      if (info.id === this.current?.id || info.compactingUntil > now) continue;
      const stats = fs.statSync(this.packPath(info.id), { throwIfNoEntry: false });
      const size = stats?.size ?? 0;
      if (stats && (Math.floor(stats.mtimeMs) > now - options.olderThanMs || size - info.liveBytes < size / 2)) continue;
      const rows = this.index.claim(info.id, now, now + CLAIM_MS);
      if (rows === null) continue;
      budget--;
      const moved = stats ? await this.copyOut(info.id, rows) : [];
      const dropped = this.index.moveAndDrop(info.id, moved);
      // The rows' new places durable before the old pack goes.
      await this.syncIndex();
      if (dropped) {
        this.dropReader(info.id);
        fs.rmSync(this.packPath(info.id), { force: true });
        result.packs++;
        result.bytes += size;
      }
    }
    return result;
  }

  /** Copies the records of `rows` out of `pack` into this instance's pack, durably; a record that does not read back as its row is left. */
  private async copyOut(pack: number, rows: PackedRow[]): Promise<Array<{ row: PackedRow; to: PackedLocation }>> {
    const moved: Array<{ row: PackedRow; to: PackedLocation }> = [];
    for (const [i, row] of rows.entries()) {
      if (i % 256 === 255) await new Promise((resolve) => setImmediate(resolve)); // let the event loop breathe
      const header = this.read({ ...row, offset: row.offset - RECORD_HEADER_BYTES }, 0, RECORD_HEADER_BYTES);
      if (header === null) break;
      if (!header.subarray(0, 4).equals(MAGIC) || header.readUInt32LE(4) !== row.size || header.toString('hex', 8, 40) !== row.sha256) continue;
      const content = this.read(row, 0, row.size)!;
      moved.push({ row, to: this.append(row.sha256, content) });
    }
    if (moved.length > 0) await this.sync(moved.map((m) => m.to.pack));
    return moved;
  }

  close(): void {
    this.closeCurrent();
    for (const pack of [...this.readers.keys()]) this.dropReader(pack);
    this.indexDb?.close();
    this.indexDb = undefined;
  }
}
