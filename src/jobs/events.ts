/**
 * The job event log and its hints. An event row (status change or progress)
 * is written in the transaction that caused it; a hint naming its id is
 * published on the `jobs` channel (NOTIFY at commit on PostgreSQL, in-process
 * on SQLite). Listeners treat hints as "something new": they re-read the log
 * from the last id they saw, so a lost hint delays and never corrupts.
 */
import type { Store } from '../store/store.js';
import type { Job } from '../domain/jobs.js';
import { progressOf } from '../domain/jobs.js';

export const JOBS_CHANNEL = 'batchyard_jobs';
/** "There may be work": wakes idle workers (new job, tasks planned, a retry due). */
export const WORK_CHANNEL = 'batchyard_work';

export function jobSnapshot(job: Job): Record<string, unknown> {
  return {
    status: job.status,
    counts: job.counts,
    bytes: job.bytes,
    progress: progressOf(job),
    lastActivityAt: new Date(job.lastActivityAt).toISOString(),
  };
}

export async function recordJobEvent(tx: Store, job: Job, kind: 'status' | 'progress', now: number): Promise<number> {
  const id = await tx.eventInsert({ jobId: job.id, domainId: job.domainId, kind, data: { jobId: job.id, ...jobSnapshot(job) }, createdAt: now });
  await tx.notify(JOBS_CHANNEL, `${id}:${job.id}:${job.domainId}`);
  return id;
}

export function parseJobHint(payload: string): { eventId: number; jobId: number; domainId: number } | undefined {
  const [eventId, jobId, domainId] = payload.split(':').map(Number);
  if (!Number.isInteger(eventId) || !Number.isInteger(jobId) || !Number.isInteger(domainId)) return undefined;
  return { eventId: eventId!, jobId: jobId!, domainId: domainId! };
}
