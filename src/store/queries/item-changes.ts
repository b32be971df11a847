/**
 * The item change log (migration 17) as an incremental backup reads it.
 * Triggers on `items` append a row per folder entry a change may have
 * touched, `(library_id, parent_id, name)`, in the writer's transaction.
 *
 * A *position* says which entries a read snapshot saw. Where commits are
 * serialized (SQLite) it is the highest id handed out (`sqlite_sequence`:
 * AUTOINCREMENT never reuses an id), and a snapshot sees exactly the ids up
 * to it. Where they are not (`snapshots`, PostgreSQL) an id order would be
 * wrong (a transaction that drew a lower number can commit after the read),
 * so entries carry their writer's transaction id and the position is the read
 * snapshot itself (`pg_current_snapshot()`): the entries a later backup must
 * read are exactly those not visible in it, found from its `xmin` up by the
 * index. Read the position and the entries inside the same read snapshot as
 * the items (Store.readSnapshot), so they agree.
 *
 * Positions are ordered: a snapshot taken later sees everything an earlier
 * one saw. A prune deletes the entries visible in one position `H` and
 * records it (`item_change_horizons`, kept at the newest such `H`); a backup
 * may start from a previous snapshot only if that snapshot saw everything `H`
 * saw (`covers`), otherwise an entry it needs may be gone and it walks whole.
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../schema.js';
import type { Item } from '../../domain/types.js';
import { ACTIVE_STATUSES } from '../../domain/jobs.js';
import { toItem } from '../rows.js';
import { prefixEnd } from './items-bulk.js';

type Driver = { snapshots: boolean };

/** A folder entry that may have changed: `name` in the live folder at `folder` (its path). */
export interface ChangedEntry {
  folder: string;
  name: string;
}

/** What an incremental backup starts from, or why it cannot. */
export type ChangeBase =
  | { snapshotId: number; rootTree: string; changesAsOf: string }
  | { fallback: 'no-previous-snapshot' | 'no-position' | 'pruned'; snapshotId?: number };

/** `later` saw every change `earlier` saw (positions as text). */
function covers(d: Driver, later: RawBuilder<unknown>, earlier: RawBuilder<unknown>): RawBuilder<boolean> {
  if (!d.snapshots) return sql<boolean>`(CAST(${earlier} AS INTEGER) <= CAST(${later} AS INTEGER))`;
  return sql<boolean>`(pg_snapshot_xmax(${earlier}::pg_snapshot) <= pg_snapshot_xmax(${later}::pg_snapshot)
    AND NOT EXISTS (SELECT 1 FROM pg_snapshot_xip(${later}::pg_snapshot) x WHERE pg_visible_in_snapshot(x, ${earlier}::pg_snapshot)))`;
}

/** Entries of the log the position `at` did not see (`c` is item_changes). */
function unseenBy(d: Driver, at: string): RawBuilder<boolean> {
  return d.snapshots
    ? sql<boolean>`(c.xid >= pg_snapshot_xmin(${at}::pg_snapshot) AND NOT pg_visible_in_snapshot(c.xid, ${at}::pg_snapshot))`
    : sql<boolean>`(c.id > ${Number(at)})`;
}

/** Entries of the log the position `at` saw. */
function seenBy(d: Driver, at: string): RawBuilder<boolean> {
  return d.snapshots
    ? sql<boolean>`(c.xid < pg_snapshot_xmax(${at}::pg_snapshot) AND pg_visible_in_snapshot(c.xid, ${at}::pg_snapshot))`
    : sql<boolean>`(c.id <= ${Number(at)})`;
}

/** The current read's position in the log; inside a read snapshot, the snapshot's. */
export async function itemChangesPosition(db: Kysely<Database>, d: Driver): Promise<string> {
  if (d.snapshots) {
    const { rows } = await sql<{ at: string }>`SELECT pg_current_snapshot()::text AS at`.execute(db);
    return rows[0]!.at;
  }
  const { rows } = await sql<{ at: number | null }>`SELECT (SELECT seq FROM sqlite_sequence WHERE name = 'item_changes') AS at`.execute(db);
  return String(rows[0]?.at ?? 0);
}

/**
 * The base of an incremental backup of `path` into `storage`: the newest
 * snapshot of that library, path and storage, when it recorded its position
 * and no prune has deleted entries it did not see.
 */
export async function itemChangeBase(db: Kysely<Database>, d: Driver & { libraryId: string; path: string; storage: string }): Promise<ChangeBase> {
  const latest = await db
    .selectFrom('snapshots')
    .select(['id', 'root_tree', 'changes_as_of'])
    .where('library_id', '=', d.libraryId)
    .where('path', '=', d.path)
    .where('storage', '=', d.storage)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!latest) return { fallback: 'no-previous-snapshot' };
  const snapshotId = Number(latest.id);
  if (latest.changes_as_of === null) return { fallback: 'no-position', snapshotId };
  const at = latest.changes_as_of;
  const { rows } = await sql<{ ok: boolean | number }>`
    SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM item_change_horizons h WHERE h.library_id = ${d.libraryId} AND NOT ${covers(d, sql`${at}`, sql`h.pruned`)}) THEN 1 ELSE 0 END AS ok`.execute(db);
  if (!Number(rows[0]!.ok)) return { fallback: 'pruned', snapshotId };
  return { snapshotId, rootTree: latest.root_tree, changesAsOf: at };
}

/**
 * The distinct entries the position `since` did not see, of live folders at or
 * under `root` (entries of folders since trashed or purged are left out: those
 * folders' own entries are logged in their parents); `rootChanged` when the
 * root folder's own entry was logged (renamed, moved, replaced: the base's
 * tree may be another folder's). Undefined when there are more than `limit`
 * entries, or more than 4 × `limit` log rows (the caller walks whole).
 */
export async function itemChangesSince(
  db: Kysely<Database>,
  d: Driver & { libraryId: string; since: string; root: { path: string; parentId: number | null; name: string }; limit: number },
): Promise<{ entries: ChangedEntry[]; rootChanged: boolean } | undefined> {
  // Rows first (an index range, at most 4 × limit read): many rows (a bulk job) make the distinct query's cost a whole walk's anyway.
  const { rows: raw } = await sql<{ n: number | string }>`
    SELECT count(*) AS n FROM (SELECT 1 FROM item_changes c WHERE c.library_id = ${d.libraryId} AND ${unseenBy(d, d.since)} LIMIT ${4 * d.limit + 1}) x`.execute(db);
  if (Number(raw[0]!.n) > 4 * d.limit) return undefined;
  const rootPath = d.root.path;
  const prefix = rootPath === '/' ? '/' : `${rootPath}/`;
  const under = rootPath === '/' ? sql`1 = 1` : sql`(f.path = ${rootPath} OR (f.path > ${prefix} AND f.path < ${prefixEnd(prefix)}))`;
  const { rows } = await sql<{ folder: string; name: string }>`
    SELECT DISTINCT f.path AS folder, c.name AS name
    FROM item_changes c JOIN items f ON f.id = c.parent_id
    WHERE c.library_id = ${d.libraryId} AND ${unseenBy(d, d.since)}
      AND f.library_id = ${d.libraryId} AND f.trashed_at IS NULL AND f.kind = 'folder' AND ${under}
    LIMIT ${d.limit + 1}`.execute(db);
  if (rows.length > d.limit) return undefined;
  let rootChanged = false;
  if (d.root.parentId !== null) {
    const { rows: own } = await sql<{ n: number }>`
      SELECT 1 AS n FROM item_changes c
      WHERE c.library_id = ${d.libraryId} AND c.parent_id = ${d.root.parentId} AND c.name = ${d.root.name} AND ${unseenBy(d, d.since)} LIMIT 1`.execute(db);
    rootChanged = own.length > 0;
  }
  return { entries: rows.map((r) => ({ folder: r.folder, name: r.name })), rootChanged };
}

/** The live children of a folder with these names (an incremental backup's look at its changed entries). */
export async function itemListLiveChildrenNamed(db: Kysely<Database>, p: { parentId: number; names: readonly string[] }): Promise<Item[]> {
  const out: Item[] = [];
  for (let k = 0; k < p.names.length; k += 500) {
    const rows = await db
      .selectFrom('items')
      .selectAll()
      .where('parent_id', '=', p.parentId)
      .where('name', 'in', p.names.slice(k, k + 500))
      .where('trashed_at', 'is', null)
      .execute();
    out.push(...rows.map(toItem));
  }
  return out;
}

/** Libraries with entries in the log, in id order after `after` (one index seek each). */
export async function itemChangesLibraries(db: Kysely<Database>, p: { after?: string; limit: number }): Promise<string[]> {
  const out: string[] = [];
  let after = p.after;
  while (out.length < p.limit) {
    let q = db.selectFrom('item_changes').select('library_id');
    if (after !== undefined) q = q.where('library_id', '>', after);
    const row = await q.orderBy('library_id').limit(1).executeTakeFirst();
    if (!row) break;
    out.push(row.library_id);
    after = row.library_id;
  }
  return out;
}

/**
 * Deletes up to `limit` of a library's entries that no backup can need any
 * more: those seen by the oldest position among its snapshots a backup may
 * start from (the newest of each path and storage that recorded one); with no
 * such snapshot, those the current read sees (a first backup walks whole),
 * unless a backup job of the library is under way (its snapshot will be a
 * base whose read may predate the current one).
 * Records the position in `item_change_horizons` (kept at the newest). Run
 * inside a transaction. Returns how many entries it deleted.
 */
export async function itemChangesPrune(db: Kysely<Database>, d: Driver & { libraryId: string; limit: number }): Promise<number> {
  // In this order, each statement seeing what committed before it: the current position, then whether a
  // backup is under way, then the bases. A backup that commits its snapshot (with its job's end) after the
  // bases are read was still active when the jobs were; one not yet active reads after the position.
  const now = await itemChangesPosition(db, d);
  const backing = await db
    .selectFrom('jobs')
    .select('id')
    .where('library_id', '=', d.libraryId)
    .where('type', '=', 'backup')
    .where('status', 'in', [...ACTIVE_STATUSES])
    .limit(1)
    .executeTakeFirst();
  const bases = await sql<{ at: string }>`
    SELECT s.changes_as_of AS at FROM snapshots s
    WHERE s.library_id = ${d.libraryId} AND s.changes_as_of IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM snapshots n WHERE n.library_id = s.library_id AND n.path = s.path AND n.storage = s.storage
        AND (n.created_at > s.created_at OR (n.created_at = s.created_at AND n.id > s.id)))`.execute(db);
  let horizon: string;
  if (bases.rows.length === 0) {
    // No base: nothing logged so far is needed, unless a backup is under way (its read may predate `now`).
    if (backing) return 0;
    horizon = now;
  } else {
    // The oldest: the one every other covers (positions are ordered by when they were read).
    horizon = bases.rows[0]!.at;
    for (const { at } of bases.rows.slice(1)) {
      const { rows } = await sql<{ older: boolean | number }>`SELECT CASE WHEN ${covers(d, sql`${horizon}`, sql`${at}`)} THEN 1 ELSE 0 END AS older`.execute(db);
      if (Number(rows[0]!.older)) horizon = at;
    }
  }
  const victims = d.snapshots
    ? sql`ctid IN (SELECT c.ctid FROM item_changes c WHERE c.library_id = ${d.libraryId} AND ${seenBy(d, horizon)} LIMIT ${d.limit})`
    : sql`id IN (SELECT c.id FROM item_changes c WHERE c.library_id = ${d.libraryId} AND ${seenBy(d, horizon)} ORDER BY c.id LIMIT ${d.limit})`;
  const deleted = await sql`DELETE FROM item_changes WHERE ${victims}`.execute(db);
  await sql`
    INSERT INTO item_change_horizons (library_id, pruned) VALUES (${d.libraryId}, ${horizon})
    ON CONFLICT (library_id) DO UPDATE SET pruned = CASE WHEN ${covers(d, sql`excluded.pruned`, sql`item_change_horizons.pruned`)} THEN excluded.pruned ELSE item_change_horizons.pruned END`.execute(db);
  return Number(deleted.numAffectedRows ?? 0);
}
