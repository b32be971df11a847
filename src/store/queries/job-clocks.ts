/**
 * Each domain's job creation clock: the creation time of a job about to be
 * inserted, never earlier than any before it in the domain. The upsert locks
 * the domain's row until the transaction ends (where writers run concurrently,
 * the next submit of the domain waits there), so a domain's jobs commit in
 * (created_at, id) order: a reader walking `created_asc` never passes a job
 * that has yet to commit (the id is drawn after the stamp, under the lock).
 * Call it inside the transaction that inserts the job, before the insert.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema.js';

export async function jobClockAdvance(db: Kysely<Database>, p: { domainId: number; now: number }): Promise<number> {
  const row = await db
    .insertInto('job_clocks')
    .values({ domain_id: p.domainId, last_created_at: p.now })
    .onConflict((oc) =>
      oc.column('domain_id').doUpdateSet({
        last_created_at: sql<number>`CASE WHEN excluded.last_created_at > job_clocks.last_created_at THEN excluded.last_created_at ELSE job_clocks.last_created_at END`,
      }),
    )
    .returning('last_created_at')
    .executeTakeFirstOrThrow();
  return Number(row.last_created_at);
}
