/**
 * The blobs a job produced (job_artifacts): its result (part 0) and the
 * parts it assembles that result from. Each row stands for one reference on
 * its blob: whoever inserts, replaces or deletes a row adds or releases that
 * reference in the same transaction (jobs/artifacts.ts, engine/artifact-expiry.ts).
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema.js';

export interface JobArtifact {
  jobId: number;
  /** 0: the job's result; 1..: a piece of it (an export's zip segment). */
  part: number;
  storage: string;
  sha256: string;
  size: number;
  name: string;
  mediaType: string;
  /** What the producing operation recorded to assemble a part (parsed JSON), null for a result. */
  meta: unknown;
  createdAt: number;
  expiresAt: number | null;
}

type Row = Database['job_artifacts'];

function toArtifact(row: Row): JobArtifact {
  return {
    jobId: Number(row.job_id),
    part: Number(row.part),
    storage: row.storage,
    sha256: row.sha256,
    size: Number(row.size),
    name: row.name,
    mediaType: row.media_type,
    meta: row.meta === null ? null : (JSON.parse(row.meta) as unknown),
    createdAt: Number(row.created_at),
    expiresAt: row.expires_at === null ? null : Number(row.expires_at),
  };
}

/** Records (or replaces) a job's artifact part; returns the row it replaced, whose blob reference the caller releases. */
export async function artifactPut(db: Kysely<Database>, a: Omit<JobArtifact, 'meta'> & { meta?: unknown }): Promise<JobArtifact | undefined> {
  const previous = await artifactGet(db, { jobId: a.jobId, part: a.part });
  const values = {
    job_id: a.jobId,
    part: a.part,
    storage: a.storage,
    sha256: a.sha256,
    size: a.size,
    name: a.name,
    media_type: a.mediaType,
    meta: a.meta === undefined || a.meta === null ? null : JSON.stringify(a.meta),
    created_at: a.createdAt,
    expires_at: a.expiresAt,
  };
  const { job_id: _j, part: _p, ...changes } = values;
  await db
    .insertInto('job_artifacts')
    .values(values)
    .onConflict((oc) => oc.columns(['job_id', 'part']).doUpdateSet(changes))
    .execute();
  return previous;
}

/** A job's artifact part (default: its result). */
export async function artifactGet(db: Kysely<Database>, p: { jobId: number; part?: number }): Promise<JobArtifact | undefined> {
  const row = await db
    .selectFrom('job_artifacts')
    .selectAll()
    .where('job_id', '=', p.jobId)
    .where('part', '=', p.part ?? 0)
    .executeTakeFirst();
  return row && toArtifact(row);
}

/** A job's parts (1..) in order, after `afterPart`. */
export async function artifactListParts(db: Kysely<Database>, p: { jobId: number; afterPart?: number; limit: number }): Promise<JobArtifact[]> {
  const rows = await db
    .selectFrom('job_artifacts')
    .selectAll()
    .where('job_id', '=', p.jobId)
    .where('part', '>', Math.max(0, p.afterPart ?? 0))
    .orderBy('part')
    .limit(p.limit)
    .execute();
  return rows.map(toArtifact);
}

/**
 * Artifacts to delete: results past their expiry, and parts of jobs that have
 * ended (left by a cancel or a failure); with `libraryId`, only those of that
 * library's jobs (the retention job's share of the housekeeping).
 */
export async function artifactListExpired(db: Kysely<Database>, p: { now: number; limit: number; libraryId?: string }): Promise<JobArtifact[]> {
  let q = db.selectFrom('job_artifacts').selectAll();
  if (p.libraryId !== undefined) {
    const libraryId = p.libraryId;
    q = q.where('job_id', 'in', (eb) => eb.selectFrom('jobs').select('jobs.id').where('jobs.library_id', '=', libraryId));
  }
  const rows = await q
    .where((eb) =>
      eb.or([
        eb.and([eb('expires_at', 'is not', null), eb('expires_at', '<=', p.now)]),
        eb.and([
          eb('part', '>', 0),
          eb.exists(
            eb
              .selectFrom('jobs')
              .select(sql<number>`1`.as('one'))
              .whereRef('jobs.id', '=', 'job_artifacts.job_id')
              .where('jobs.finished_at', 'is not', null),
          ),
        ]),
      ]),
    )
    .orderBy('job_id')
    .orderBy('part')
    .limit(p.limit)
    .execute();
  return rows.map(toArtifact);
}

/**
 * Deletes an artifact part if it still holds the given blob; true when it
 * did (the caller then releases that blob's reference in the same transaction).
 */
export async function artifactDelete(db: Kysely<Database>, p: { jobId: number; part: number; sha256: string }): Promise<boolean> {
  const result = await db
    .deleteFrom('job_artifacts')
    .where('job_id', '=', p.jobId)
    .where('part', '=', p.part)
    .where('sha256', '=', p.sha256)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
