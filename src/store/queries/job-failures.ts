/** Per-item failures: what failed, why (a stable code), after how many attempts, and how to run it again. */
import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';

export interface ItemFailure {
  itemId: number | null;
  path: string;
  code: string;
  message: string;
  attempts: number;
  /** Epoch ms when it was recorded; null for failures recorded before times were kept. */
  failedAt: number | null;
}

export interface FailureRecord extends ItemFailure {
  id: number;
  jobId: number;
  phase: number;
  /** The task context and entry the failed item was planned with (JSON), for a retry. */
  context: string;
  entry: string;
}

export async function failureInsertMany(db: Kysely<Database>, p: { jobId: number; now: number; failures: Omit<FailureRecord, 'id' | 'jobId' | 'failedAt'>[] }): Promise<void> {
  if (p.failures.length === 0) return;
  await db
    .insertInto('job_failures')
    .values(
      p.failures.map((f) => ({
        job_id: p.jobId,
        phase: f.phase,
        context: f.context,
        entry: f.entry,
        item_id: f.itemId,
        path: f.path,
        code: f.code,
        message: f.message,
        attempts: f.attempts,
        failed_at: p.now,
      })),
    )
    .execute();
}

export async function failureList(db: Kysely<Database>, p: { jobId: number; afterId?: number; limit: number }): Promise<FailureRecord[]> {
  let q = db.selectFrom('job_failures').selectAll().where('job_id', '=', p.jobId);
  if (p.afterId !== undefined) q = q.where('id', '>', p.afterId);
  const rows = await q.orderBy('id').limit(p.limit).execute();
  return rows.map((r) => ({
    id: Number(r.id),
    jobId: Number(r.job_id),
    phase: Number(r.phase),
    context: r.context,
    entry: r.entry,
    itemId: r.item_id === null ? null : Number(r.item_id),
    path: r.path,
    code: r.code,
    message: r.message,
    attempts: Number(r.attempts),
    failedAt: Number(r.failed_at) === 0 ? null : Number(r.failed_at),
  }));
}
