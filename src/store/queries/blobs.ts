/** Blob reference counts: a blob with refcount 0 may be reclaimed by the collector. */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema.js';
import { BlobCollectedError } from '../../domain/errors.js';

/**
 * Adds references to a blob; returns the new count. A row the collector is
 * deleting (-1) refuses new references with BlobCollectedError (transient):
 * the caller retries after the collector is done, writing the bytes again.
 */
export async function blobAddRef(
  db: Kysely<Database>,
  p: { storage: string; sha256: string; size: number; count?: number; now: number },
): Promise<number> {
  const count = p.count ?? 1;
  const row = await db
    .insertInto('blobs')
    .values({ storage: p.storage, sha256: p.sha256, size: p.size, refcount: count, created_at: p.now })
    .onConflict((oc) =>
      oc
        .columns(['storage', 'sha256'])
        .doUpdateSet({ refcount: sql<number>`blobs.refcount + ${count}` })
        .where('blobs.refcount', '>=', 0),
    )
    .returning('refcount')
    .executeTakeFirst();
  if (!row) throw new BlobCollectedError(`blob ${p.sha256.slice(0, 12)}… is being garbage-collected; retry`);
  return Number(row.refcount);
}

export async function blobRelease(
  db: Kysely<Database>,
  p: { storage: string; sha256: string; count?: number },
): Promise<void> {
  await db
    .updateTable('blobs')
    .set({ refcount: sql<number>`refcount - ${p.count ?? 1}` })
    .where('storage', '=', p.storage)
    .where('sha256', '=', p.sha256)
    .execute();
}

/**
 * Releases many references in one fixed order (by hash): concurrent bulk
 * tasks sharing blobs then lock those rows in the same order, where an
 * arbitrary order deadlocked PostgreSQL purges of trees with shared content.
 */
export async function blobReleaseMany(db: Kysely<Database>, p: { storage: string; blobs: ReadonlyArray<{ sha256: string; refs: number }> }): Promise<void> {
  const sorted = [...p.blobs].sort((a, b) => (a.sha256 < b.sha256 ? -1 : a.sha256 > b.sha256 ? 1 : 0));
  for (const blob of sorted) await blobRelease(db, { storage: p.storage, sha256: blob.sha256, count: blob.refs });
}

export async function blobGetRefcount(
  db: Kysely<Database>,
  p: { storage: string; sha256: string },
): Promise<number | undefined> {
  const row = await db
    .selectFrom('blobs')
    .select('refcount')
    .where('storage', '=', p.storage)
    .where('sha256', '=', p.sha256)
    .executeTakeFirst();
  return row === undefined ? undefined : Number(row.refcount);
}

/**
 * The collector's protocol, safe against a concurrent upload of the same
 * content: (1) mark a refcount-0 row as collecting (-1) — an upload adding a
 * reference then sees -1 and retries; (2) delete the bytes; (3) delete the
 * row. A crash between the steps leaves -1 rows that the next pass finishes.
 */
export async function blobListUnreferenced(db: Kysely<Database>, p: { limit: number }): Promise<Array<{ storage: string; sha256: string; refcount: number }>> {
  const rows = await db.selectFrom('blobs').select(['storage', 'sha256', 'refcount']).where('refcount', '<=', 0).limit(p.limit).execute();
  return rows.map((r) => ({ storage: r.storage, sha256: r.sha256, refcount: Number(r.refcount) }));
}

export async function blobMarkCollecting(db: Kysely<Database>, p: { storage: string; sha256: string }): Promise<boolean> {
  const result = await db
    .updateTable('blobs')
    .set({ refcount: -1 })
    .where('storage', '=', p.storage)
    .where('sha256', '=', p.sha256)
    .where('refcount', '<=', 0)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function blobDeleteCollected(db: Kysely<Database>, p: { storage: string; sha256: string }): Promise<void> {
  await db.deleteFrom('blobs').where('storage', '=', p.storage).where('sha256', '=', p.sha256).where('refcount', '=', -1).execute();
}

/**
 * Adds references to many blobs of one storage in one statement per 500
 * (rows locked in hash order, as blobReleaseMany); returns each blob's new
 * count. A row the collector is deleting (-1) refuses: BlobCollectedError
 * (transient), and the statement's other additions roll back with the caller's transaction.
 */
export async function blobAddRefMany(
  db: Kysely<Database>,
  p: { storage: string; blobs: ReadonlyArray<{ sha256: string; size: number; count: number }>; now: number },
): Promise<Array<{ sha256: string; refcount: number }>> {
  const merged = new Map<string, { size: number; count: number }>();
  for (const b of p.blobs) {
    const seen = merged.get(b.sha256);
    if (seen) seen.count += b.count;
    else merged.set(b.sha256, { size: b.size, count: b.count });
  }
  const sorted = [...merged].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const out: Array<{ sha256: string; refcount: number }> = [];
  for (let k = 0; k < sorted.length; k += 500) {
    const part = sorted.slice(k, k + 500);
    const rows = await db
      .insertInto('blobs')
      .values(part.map(([sha256, b]) => ({ storage: p.storage, sha256, size: b.size, refcount: b.count, created_at: p.now })))
      .onConflict((oc) =>
        oc
          .columns(['storage', 'sha256'])
          .doUpdateSet({ refcount: sql<number>`blobs.refcount + excluded.refcount` })
          .where('blobs.refcount', '>=', 0),
      )
      .returning(['sha256', 'refcount'])
      .execute();
    if (rows.length < part.length) {
      const added = new Set(rows.map((r) => r.sha256));
      const refused = part.find(([sha256]) => !added.has(sha256))![0];
      throw new BlobCollectedError(`blob ${refused.slice(0, 12)}… is being garbage-collected; retry`);
    }
    for (const r of rows) out.push({ sha256: r.sha256, refcount: Number(r.refcount) });
  }
  return out;
}
