/**
 * Reads and repairs for `verify`: the distinct blobs a subtree references,
 * blob reference counts against the rows that reference each blob (file
 * items of the storage's libraries, job artifacts, snapshot trees), and a count set right.
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../schema.js';
import { prefixEnd } from './items-bulk.js';

/**
 * The distinct blobs items (live or trashed) at `path` or under it reference,
 * by hash, after `afterSha256` (the `items_sha256` index, in order).
 */
export async function itemListBlobsUnder(
  db: Kysely<Database>,
  p: { libraryId: string; path: string; afterSha256?: string; limit: number },
): Promise<string[]> {
  const prefix = p.path === '/' ? '/' : `${p.path}/`;
  let query = db
    .selectFrom('items')
    .select('sha256')
    .distinct()
    .where('library_id', '=', p.libraryId)
    .where('sha256', 'is not', null)
    .where((eb) => eb.or([eb('path', '=', p.path), eb.and([eb('path', '>', prefix), eb('path', '<', prefixEnd(prefix))])]));
  if (p.afterSha256 !== undefined) query = query.where('sha256', '>', p.afterSha256);
  const rows = await query.orderBy('sha256').limit(p.limit).execute();
  return rows.map((r) => r.sha256 as string);
}

export interface BlobRefCheck {
  sha256: string;
  /** The blob row's count; null when there is no row. */
  refcount: number | null;
  /** Rows referencing the blob: file items of the storage's libraries, job artifacts, snapshot tree entries. */
  refs: number;
  /** The size the referencing rows (or the blob row) give. */
  size: number;
}

/**
 * `(sha256, refs, size)` of the rows referencing each hash in the storage:
 * file items, job artifacts, and the file entries of the snapshot trees
 * stored there (a tree holds one reference per entry: each occurrence of the
 * hash in its JSON is one; tree hashes are never blob hashes).
 */
function referencesCte(storage: string, hashes: readonly string[]): RawBuilder<unknown> {
  const list = sql.join([...hashes]);
  const values = sql.join(hashes.map((h) => sql`(${h})`));
  return sql`hs(sha256) as (values ${values}),
  refs as (
    select x.sha256 as sha256, sum(x.refs) as refs, max(x.size) as size from (
      select i.sha256 as sha256, count(*) as refs, max(i.size) as size
        from items i join libraries l on l.id = i.library_id
        where l.storage = ${storage} and i.kind = 'file' and i.sha256 in (${list})
        group by i.sha256
      union all
      select a.sha256, count(*), max(a.size) from job_artifacts a
        where a.storage = ${storage} and a.sha256 in (${list})
        group by a.sha256
      union all
      select hs.sha256, sum((length(t.entries) - length(replace(t.entries, hs.sha256, ''))) / 64), 0 from snapshot_trees t
        join hs on t.entries like '%' || hs.sha256 || '%'
        where t.storage = ${storage}
        group by hs.sha256
    ) x group by x.sha256
  )`;
}

/**
 * Each hash's blob count beside the rows referencing it, read by one
 * statement: one snapshot, and a writer changes a reference and the count in
 * one transaction, so a mismatch seen here is in the catalog, not a race.
 * Hashes with neither a row nor a reference are left out.
 */
export async function blobCheckRefs(db: Kysely<Database>, p: { storage: string; hashes: readonly string[] }): Promise<BlobRefCheck[]> {
  if (p.hashes.length === 0) return [];
  const { rows } = await sql<{ sha256: string; refcount: number | string | null; refs: number | string | null; size: number | string | null }>`
    with ${referencesCte(p.storage, p.hashes)}
    select h.sha256 as sha256, b.refcount as refcount, r.refs as refs, coalesce(r.size, b.size) as size
    from (select sha256 from blobs where storage = ${p.storage} and sha256 in (${sql.join([...p.hashes])}) union select sha256 from refs) h
    left join blobs b on b.storage = ${p.storage} and b.sha256 = h.sha256
    left join refs r on r.sha256 = h.sha256
    order by h.sha256`.execute(db);
  return rows.map((r) => ({
    sha256: r.sha256,
    refcount: r.refcount === null ? null : Number(r.refcount),
    refs: Number(r.refs ?? 0),
    size: Number(r.size ?? 0),
  }));
}

/**
 * Sets a blob's count to the rows referencing it (creating its row if
 * references exist without one). Call inside a transaction; with `lock`
 * (concurrent writers) the row is locked first and the references counted
 * by a later statement, so every writer that changed them has committed or
 * waits for this one. A row being collected (-1) is left alone. Returns the
 * count before (null: no row) and after.
 */
export async function blobRepairRefcount(
  db: Kysely<Database>,
  p: { storage: string; sha256: string; lock: boolean; now: number },
): Promise<{ before: number | null; after: number | null }> {
  const read = async () => {
    const query = db.selectFrom('blobs').select(['refcount']).where('storage', '=', p.storage).where('sha256', '=', p.sha256);
    const row = await (p.lock ? query.forUpdate() : query).executeTakeFirst();
    return row === undefined ? undefined : Number(row.refcount);
  };
  // With the lock held, this later statement sees every writer that changed the references before it.
  const before = await read();
  const [refs] = await blobCheckRefs(db, { storage: p.storage, hashes: [p.sha256] });
  if (before === undefined) {
    if (!refs || refs.refs === 0) return { before: null, after: null };
    const inserted = await db
      .insertInto('blobs')
      .values({ storage: p.storage, sha256: p.sha256, size: refs.size, refcount: 0, created_at: p.now })
      .onConflict((oc) => oc.columns(['storage', 'sha256']).doNothing())
      .executeTakeFirst();
    const now = await read();
    if (now === undefined || now < 0) return { before: null, after: now ?? null };
    const [again] = await blobCheckRefs(db, { storage: p.storage, hashes: [p.sha256] });
    return setCount(db, p, Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0 ? null : now, again?.refs ?? 0);
  }
  if (before < 0) return { before, after: before };
  return setCount(db, p, before, refs?.refs ?? 0);
}

async function setCount(db: Kysely<Database>, p: { storage: string; sha256: string }, before: number | null, refs: number) {
  await db.updateTable('blobs').set({ refcount: refs }).where('storage', '=', p.storage).where('sha256', '=', p.sha256).where('refcount', '>=', 0).execute();
  return { before, after: refs };
}
