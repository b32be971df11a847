/** Blob reference counts: a blob with refcount 0 may be reclaimed by the collector. */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema.js';

export async function blobAddRef(
  db: Kysely<Database>,
  p: { storage: string; sha256: string; size: number; count?: number; now: number },
): Promise<void> {
  const count = p.count ?? 1;
  await db
    .insertInto('blobs')
    .values({ storage: p.storage, sha256: p.sha256, size: p.size, refcount: count, created_at: p.now })
    .onConflict((oc) => oc.columns(['storage', 'sha256']).doUpdateSet({ refcount: sql<number>`blobs.refcount + ${count}` }))
    .execute();
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
