/**
 * Library usage (items, bytes) as the sum of a library's delta rows, which
 * triggers on `items` append in the writer's own transaction (migration 10).
 * Housekeeping folds a library's rows into one; verify compares the sum
 * with the catalog and, repairing, appends the difference as one more row.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema.js';

export interface LibraryUsage {
  /** Items but the root folder, live and trashed. */
  items: number;
  /** Sum of the files' sizes, live and trashed. */
  bytes: number;
}

export async function libraryUsageGet(db: Kysely<Database>, p: { libraryId: string }): Promise<LibraryUsage> {
  const row = await db
    .selectFrom('library_usage')
    .select([sql<number | string>`coalesce(sum(items), 0)`.as('items'), sql<number | string>`coalesce(sum(bytes), 0)`.as('bytes')])
    .where('library_id', '=', p.libraryId)
    .executeTakeFirst();
  return { items: Number(row?.items ?? 0), bytes: Number(row?.bytes ?? 0) };
}

/** Libraries whose usage is spread over more than one row (the fold's work), most rows first. */
export async function libraryUsageListUnfolded(db: Kysely<Database>, p: { limit: number }): Promise<string[]> {
  const rows = await db
    .selectFrom('library_usage')
    .select('library_id')
    .groupBy('library_id')
    .having(sql<boolean>`count(*) > 1`)
    .orderBy(sql`count(*)`, 'desc')
    .limit(p.limit)
    .execute();
  return rows.map((r) => r.library_id);
}

/**
 * Folds up to `limit` of a library's rows into one: deletes them, returning
 * what they held, and appends their sum. Call inside a transaction. Rows a
 * concurrent writer adds meanwhile are not deleted (they stay as they are),
 * and of two concurrent folds each re-adds only the rows it deleted.
 */
export async function libraryUsageFold(db: Kysely<Database>, p: { libraryId: string; limit: number }): Promise<number> {
  const gone = await db
    .deleteFrom('library_usage')
    .where('id', 'in', (eb) => eb.selectFrom('library_usage').select('id').where('library_id', '=', p.libraryId).orderBy('id').limit(p.limit))
    .returning(['items', 'bytes'])
    .execute();
  if (gone.length === 0) return 0;
  let items = 0;
  let bytes = 0;
  for (const row of gone) {
    items += Number(row.items);
    bytes += Number(row.bytes);
  }
  await db.insertInto('library_usage').values({ library_id: p.libraryId, items, bytes }).execute();
  return gone.length;
}

/** The actual usage, counted from the items table (a scan of the library's rows). */
const actualItems = (libraryId: string) =>
  sql<number | string>`(select coalesce(sum(case when i.parent_id is null then 0 else 1 end), 0) from items i where i.library_id = ${libraryId})`;
const actualBytes = (libraryId: string) =>
  sql<number | string>`(select coalesce(sum(case when i.kind = 'file' then i.size else 0 end), 0) from items i where i.library_id = ${libraryId})`;
const recordedItems = (libraryId: string) => sql<number | string>`(select coalesce(sum(u.items), 0) from library_usage u where u.library_id = ${libraryId})`;
const recordedBytes = (libraryId: string) => sql<number | string>`(select coalesce(sum(u.bytes), 0) from library_usage u where u.library_id = ${libraryId})`;

/**
 * The recorded usage and the catalog's, read by one statement: one snapshot
 * on every database, so a change committing meanwhile (its items and its
 * delta row commit together) is in both or in neither.
 */
export async function libraryUsageCheck(db: Kysely<Database>, p: { libraryId: string }): Promise<{ recorded: LibraryUsage; actual: LibraryUsage }> {
  const { rows } = await sql<{ ri: number | string; rb: number | string; ai: number | string; ab: number | string }>`select ${recordedItems(p.libraryId)} as ri, ${recordedBytes(p.libraryId)} as rb, ${actualItems(p.libraryId)} as ai, ${actualBytes(p.libraryId)} as ab`.execute(db);
  const row = rows[0]!;
  return { recorded: { items: Number(row.ri), bytes: Number(row.rb) }, actual: { items: Number(row.ai), bytes: Number(row.ab) } };
}

/**
 * Makes the recorded usage equal the catalog's: appends their difference as
 * one row, computed by one statement (one snapshot, as in the check), so
 * concurrent writers' own rows stay valid. Returns the correction (0, 0 when none was needed).
 */
export async function libraryUsageRepair(db: Kysely<Database>, p: { libraryId: string }): Promise<LibraryUsage> {
  const { rows } = await sql<{ items: number | string; bytes: number | string }>`
    insert into library_usage (library_id, items, bytes)
    select ${p.libraryId}, d.items, d.bytes from (
      select ${actualItems(p.libraryId)} - ${recordedItems(p.libraryId)} as items, ${actualBytes(p.libraryId)} - ${recordedBytes(p.libraryId)} as bytes
    ) d
    where d.items <> 0 or d.bytes <> 0
    returning items, bytes`.execute(db);
  const row = rows[0];
  return { items: Number(row?.items ?? 0), bytes: Number(row?.bytes ?? 0) };
}
