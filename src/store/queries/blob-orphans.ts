/**
 * The orphan sweep's side of the blob rows: bytes at an address with no row
 * were written and never referenced (a crash between bytes and catalog, an
 * aborted upload). The sweep claims such an address with a row being
 * collected (-1) before it deletes the bytes: a concurrent reference then
 * sees -1 and retries (BlobCollectedError), as with the collector; once the
 * bytes are gone, the collector's blobDeleteCollected removes the row.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';

/** Which of `sha256s` have a row in `storage` (at any count, -1 included). */
export async function blobListKnown(db: Kysely<Database>, p: { storage: string; sha256s: readonly string[] }): Promise<string[]> {
  const known: string[] = [];
  for (let k = 0; k < p.sha256s.length; k += 500) {
    const part = p.sha256s.slice(k, k + 500);
    const rows = await db.selectFrom('blobs').select('sha256').where('storage', '=', p.storage).where('sha256', 'in', part).execute();
    for (const r of rows) known.push(r.sha256);
  }
  return known;
}

/** Inserts a row being collected (-1) for bytes nothing references; false when a row exists (then they are not orphans). */
export async function blobClaimOrphan(db: Kysely<Database>, p: { storage: string; sha256: string; size: number; now: number }): Promise<boolean> {
  const row = await db
    .insertInto('blobs')
    .values({ storage: p.storage, sha256: p.sha256, size: p.size, refcount: -1, created_at: p.now })
    .onConflict((oc) => oc.columns(['storage', 'sha256']).doNothing())
    .returning('sha256')
    .executeTakeFirst();
  return row !== undefined;
}
