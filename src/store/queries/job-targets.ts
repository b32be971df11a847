/** Where a copy or move placed each selected root, so the root's subtree chunks land under it. */
import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';

export async function targetSet(db: Kysely<Database>, p: { jobId: number; sourceId: number; targetId: number; targetPath: string }): Promise<void> {
  await db
    .insertInto('job_targets')
    .values({ job_id: p.jobId, source_id: p.sourceId, target_id: p.targetId, target_path: p.targetPath })
    .onConflict((oc) => oc.columns(['job_id', 'source_id']).doUpdateSet({ target_id: p.targetId, target_path: p.targetPath }))
    .execute();
}

export async function targetGet(db: Kysely<Database>, p: { jobId: number; sourceId: number }): Promise<{ targetId: number; targetPath: string } | undefined> {
  const row = await db
    .selectFrom('job_targets')
    .select(['target_id', 'target_path'])
    .where('job_id', '=', p.jobId)
    .where('source_id', '=', p.sourceId)
    .executeTakeFirst();
  return row && { targetId: Number(row.target_id), targetPath: row.target_path };
}

export async function targetDeleteForJob(db: Kysely<Database>, p: { jobId: number }): Promise<void> {
  await db.deleteFrom('job_targets').where('job_id', '=', p.jobId).execute();
}
