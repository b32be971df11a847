/**
 * Where each packed blob lives: a small SQLite database per storage location
 * (`<root>/packs/index.db`, better-sqlite3, WAL), shared by every process on
 * the host that writes to the location. A row says blob → (pack, offset,
 * size); a pack row counts the bytes its indexed records hold (the rest of
 * its file is dead: deleted blobs, duplicates, records a crash left
 * unindexed) and carries the claim of a compaction in progress.
 *
 * Durability: commits do not fsync (synchronous=NORMAL); the writer makes a
 * batch durable by fdatasync of the WAL (`walPath`) after its commit, which
 * together with SQLite's own syncs around a checkpoint is what FULL would do,
 * without blocking the event loop.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

/** Where a packed blob's bytes are: `offset` is that of its content (past the record header). */
export interface PackedLocation {
  pack: number;
  offset: number;
  size: number;
}

export interface PackedRow extends PackedLocation {
  sha256: string;
}

export interface PackInfo {
  id: number;
  liveBytes: number;
  /** A compaction's claim on this pack runs until then (0: none). */
  compactingUntil: number;
}

/** Bytes of a record's header: magic (4), content size (u32 LE, 4), SHA-256 (32). */
export const RECORD_HEADER_BYTES = 40;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS packs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  created_at INTEGER NOT NULL,
  live_bytes INTEGER NOT NULL DEFAULT 0,
  compacting_until INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS packed (
  sha256 TEXT PRIMARY KEY,
  pack INTEGER NOT NULL,
  at_byte INTEGER NOT NULL,
  size INTEGER NOT NULL,
  written_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS packed_by_pack ON packed (pack);
`;

function statements(db: Database.Database) {
  return {
    get: db.prepare<[string], { pack: number; offset: number; size: number }>('SELECT pack, at_byte AS "offset", size FROM packed WHERE sha256 = ?'),
    insert: db.prepare('INSERT INTO packed (sha256, pack, at_byte, size, written_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING'),
    packAlive: db.prepare<[number], { ok: number }>('SELECT 1 AS ok FROM packs WHERE id = ? AND compacting_until = 0'),
    addLive: db.prepare('UPDATE packs SET live_bytes = live_bytes + ? WHERE id = ?'),
    delete: db.prepare<[string], { pack: number; size: number }>('DELETE FROM packed WHERE sha256 = ? RETURNING pack, size'),
    list: db.prepare<[string, number], { sha256: string; size: number; written_at: number }>('SELECT sha256, size, written_at FROM packed WHERE sha256 > ? ORDER BY sha256 LIMIT ?'),
    newPack: db.prepare('INSERT INTO packs (created_at) VALUES (?)'),
    packs: db.prepare<[], { id: number; live_bytes: number; compacting_until: number }>('SELECT id, live_bytes, compacting_until FROM packs ORDER BY id'),
    claim: db.prepare('UPDATE packs SET compacting_until = ? WHERE id = ? AND compacting_until < ?'),
    unclaim: db.prepare('UPDATE packs SET compacting_until = 0 WHERE id = ?'),
    rowsOf: db.prepare<[number], PackedRow>('SELECT sha256, pack, at_byte AS "offset", size FROM packed WHERE pack = ? ORDER BY at_byte'),
    move: db.prepare('UPDATE packed SET pack = ?, at_byte = ? WHERE sha256 = ? AND pack = ? AND at_byte = ?'),
    countOf: db.prepare<[number], { n: number }>('SELECT count(*) AS n FROM packed WHERE pack = ?'),
    dropPack: db.prepare('DELETE FROM packs WHERE id = ?'),
    };
}

export class PackIndex {
  readonly walPath: string;
  private readonly db: Database.Database;
  private readonly q: ReturnType<typeof statements>;

  constructor(file: string) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('busy_timeout = 10000');
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(SCHEMA);
    this.walPath = `${file}-wal`;
    this.q = statements(this.db);
  }

  /** Whether `pack` may take records: it exists and no compaction has claimed it. */
  writable(pack: number): boolean {
    return this.q.packAlive.get(pack) !== undefined;
  }

  get(sha256: string): PackedLocation | undefined {
    return this.q.get.get(sha256);
  }

  /** A new pack's id (its file is `<id>.pack`). */
  newPack(now: number): number {
    return Number(this.q.newPack.run(now).lastInsertRowid);
  }

  /**
   * Indexes records written (and made durable) in their packs, in one
   * transaction; a blob indexed already keeps its row. Returns the rows whose
   * pack was gone or claimed by a compaction (not indexed: write them again).
   */
  insert(rows: readonly PackedRow[], now: number): PackedRow[] {
    const refused: PackedRow[] = [];
    this.db.transaction(() => {
      // Only into packs that exist and no compaction has claimed (their records are not being moved).
      const live = new Map<number, number>();
      for (const pack of new Set(rows.map((r) => r.pack))) if (this.writable(pack)) live.set(pack, 0);
      for (const r of rows) {
        const added = live.get(r.pack);
        if (added === undefined) refused.push(r);
        else if (this.q.insert.run(r.sha256, r.pack, r.offset, r.size, now).changes === 1) live.set(r.pack, added + r.size + RECORD_HEADER_BYTES);
      }
      for (const [pack, bytes] of live) if (bytes > 0) this.q.addLive.run(bytes, pack);
    }).immediate();
    return refused;
  }

  /** Those of `sha256s` with no row, looked up in one read transaction. */
  absent(sha256s: readonly string[]): string[] {
    return this.db.transaction(() => sha256s.filter((sha256) => this.q.get.get(sha256) === undefined))();
  }

  /** Removes a blob's row; returns whether there was one. */
  delete(sha256: string): boolean {
    return this.db.transaction(() => {
      const gone = this.q.delete.get(sha256);
      if (gone) this.q.addLive.run(-(gone.size + RECORD_HEADER_BYTES), gone.pack);
      return gone !== undefined;
    }).immediate();
  }

  /** Up to `limit` packed blobs after `after`, in address order. */
  list(after: string, limit: number): Array<{ sha256: string; size: number; mtimeMs: number }> {
    return this.q.list.all(after, limit).map((r) => ({ sha256: r.sha256, size: r.size, mtimeMs: r.written_at }));
  }

  packs(): PackInfo[] {
    return this.q.packs.all().map((p) => ({ id: p.id, liveBytes: p.live_bytes, compactingUntil: p.compacting_until }));
  }

  /** Claims `pack` for a compaction until `until`, unless another holds a live claim; then its indexed records. */
  claim(pack: number, now: number, until: number): PackedRow[] | null {
    return this.db.transaction(() => (this.q.claim.run(until, pack, now).changes === 1 ? this.q.rowsOf.all(pack) : null)).immediate();
  }

  /**
   * Points the rows of records copied out of `from` at their copies (a row
   * deleted or moved meanwhile is left alone), then drops `from` if no row
   * points into it any more (true: its file can go), else releases the claim.
   */
  moveAndDrop(from: number, moved: ReadonlyArray<{ row: PackedRow; to: PackedLocation }>): boolean {
    return this.db.transaction(() => {
      for (const { row, to } of moved) {
        if (this.q.move.run(to.pack, to.offset, row.sha256, from, row.offset).changes !== 1) continue;
        this.q.addLive.run(row.size + RECORD_HEADER_BYTES, to.pack);
        this.q.addLive.run(-(row.size + RECORD_HEADER_BYTES), from);
      }
      if (this.q.countOf.get(from)!.n > 0) {
        this.q.unclaim.run(from);
        return false;
      }
      this.q.dropPack.run(from);
      return true;
    }).immediate();
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
