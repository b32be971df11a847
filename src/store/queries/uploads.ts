/**
 * tus uploads: one row per upload (its bytes are files the tus store keeps),
 * recording its owner and expiry; an import binds it to the job that
 * consumes it, and the engine's sweep lists the ones to delete.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema.js';
import { ACTIVE_STATUSES, FINAL_STATUSES } from '../../domain/jobs.js';

export interface UploadRow {
  id: string;
  userId: number;
  libraryId: string | null;
  size: number | null;
  createdAt: number;
  expiresAt: number;
  jobId: number | null;
}

export async function uploadInsert(
  db: Kysely<Database>,
  p: { id: string; userId: number; libraryId: string | null; size: number | null; now: number; expiresAt: number },
): Promise<void> {
  await db
    .insertInto('uploads')
    .values({ id: p.id, user_id: p.userId, library_id: p.libraryId, size: p.size, created_at: p.now, expires_at: p.expiresAt, job_id: null })
    .execute();
}

export async function uploadGetById(db: Kysely<Database>, p: { id: string }): Promise<UploadRow | undefined> {
  const row = await db.selectFrom('uploads').selectAll().where('id', '=', p.id).executeTakeFirst();
  return (
    row && {
      id: row.id,
      userId: Number(row.user_id),
      libraryId: row.library_id,
      size: row.size === null ? null : Number(row.size),
      createdAt: Number(row.created_at),
      expiresAt: Number(row.expires_at),
      jobId: row.job_id === null ? null : Number(row.job_id),
    }
  );
}

/**
 * Binds the upload to the import job that reads it, unless another job still
 * running holds it; keeps it at least until `keepUntil`. True when bound.
 */
export async function uploadBindJob(db: Kysely<Database>, p: { id: string; jobId: number; keepUntil: number }): Promise<boolean> {
  const result = await db
    .updateTable('uploads')
    .set({
      job_id: p.jobId,
      expires_at: sql<number>`CASE WHEN expires_at < ${p.keepUntil} THEN ${p.keepUntil} ELSE expires_at END`,
    })
    .where('id', '=', p.id)
    .where((eb) =>
      eb.or([
        eb('job_id', 'is', null),
        eb('job_id', '=', p.jobId),
        eb.not(eb.exists(eb.selectFrom('jobs').select('jobs.id').whereRef('jobs.id', '=', 'uploads.job_id').where('jobs.status', 'in', [...ACTIVE_STATUSES]))),
      ]),
    )
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/**
 * Uploads to delete: consumed (their job ended with no failed item, or the
 * job is gone), or expired and held by no running job (a job that ended with
 * failures keeps its upload until expiry, for a retry).
 */
export async function uploadListSweepable(db: Kysely<Database>, p: { now: number; limit: number }): Promise<string[]> {
  const rows = await db
    .selectFrom('uploads')
    .leftJoin('jobs', 'jobs.id', 'uploads.job_id')
    .select('uploads.id')
    .where((eb) =>
      eb.or([
        eb.and([eb('uploads.job_id', 'is', null), eb('uploads.expires_at', '<=', p.now)]),
        eb.and([eb('uploads.job_id', 'is not', null), eb('jobs.id', 'is', null)]),
        eb.and([
          eb('jobs.status', 'in', [...FINAL_STATUSES]),
          eb.or([eb('jobs.failed', '=', 0), eb('uploads.expires_at', '<=', p.now)]),
        ]),
      ]),
    )
    .orderBy('uploads.id')
    .limit(p.limit)
    .execute();
  return rows.map((r) => r.id);
}

export async function uploadDelete(db: Kysely<Database>, p: { id: string }): Promise<boolean> {
  const result = await db.deleteFrom('uploads').where('id', '=', p.id).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
