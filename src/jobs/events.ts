/**
 * The job event log and its hints. An event row (status change or progress)
 * is written in the transaction that caused it, after that transaction has
 * updated the job's row (so one job's events commit in id order), and a
 * `job-event` hint naming it is published (NOTIFY at commit on PostgreSQL,
 * after commit in-process on SQLite). Listeners treat hints as "something
 * new": they re-read the log from the last id they saw, so a lost hint delays
 * and never corrupts. `work` hints wake idle workers.
 */
import type { Store } from '../store/store.js';
import type { Job } from '../domain/jobs.js';
import { progressOf } from '../domain/jobs.js';

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
  await tx.notify({ topic: 'job-event', eventId: id, jobId: job.id, domainId: job.domainId });
  return id;
}

/** Tells idle workers that `jobId` may have work (at commit, inside a transaction). */
export function hintWork(tx: Store, jobId: number): Promise<void> {
  return tx.notify({ topic: 'work', jobId });
}
