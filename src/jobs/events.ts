/**
 * The job event log and its hints. An event row (status change, progress, a
 * task's failed attempt) is written in the transaction that caused it, after that transaction has
 * updated the job's row (so one job's events commit in id order), and a
 * `job-event` hint naming it is published (NOTIFY at commit on PostgreSQL,
 * after commit in-process on SQLite). Listeners treat hints as "something
 * new": they re-read the log from the last id they saw, so a lost hint delays
 * and never corrupts. `work` hints wake idle workers.
 */
import type { Store } from '../store/store.js';
import type { Job } from '../domain/jobs.js';
import { progressOf } from '../domain/jobs.js';
import { jobWebhookData, recordWebhookEvent, recordWebhookEvents } from './webhook-events.js';

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
  // A job's only `queued` status event is the one its creation records (no change leads back to the queue).
  if (kind === 'status' && job.status === 'queued') await recordWebhookEvent(tx, { domainId: job.domainId, type: 'job.created', data: jobWebhookData(job), now });
  return id;
}

/**
 * The creation events of new jobs of one domain (a batch submission), as recordJobEvent records
 * each one's: a `status` event per job (ids in the jobs' order) and `job.created` for the domain's
 * webhooks, in a few statements. One `job-event` hint names the last event: a feed re-reads the
 * log up to the id a hint names, and no feed can follow one of these jobs before they commit.
 */
export async function recordJobsCreated(tx: Store, jobs: readonly Job[], now: number): Promise<void> {
  const last = jobs.at(-1);
  if (!last) return;
  if (jobs.some((j) => j.domainId !== last.domainId || j.status !== 'queued')) throw new Error('recordJobsCreated: new jobs of one domain only');
  const ids = await tx.eventInsertMany(jobs.map((job) => ({ jobId: job.id, domainId: job.domainId, kind: 'status' as const, data: { jobId: job.id, ...jobSnapshot(job) }, createdAt: now })));
  await tx.notify({ topic: 'job-event', eventId: ids.at(-1)!, jobId: last.id, domainId: last.domainId });
  await recordWebhookEvents(tx, { domainId: last.domainId, type: 'job.created', data: jobs.map(jobWebhookData), now });
}

/** What a task event says: which task, its attempt, how many items it carries and the error it met. */
export interface TaskEventData {
  taskId: number;
  phase: number;
  /** The attempt that failed (1 for the first). */
  attempt: number;
  maxAttempts: number;
  items: number;
  error: { code: string; message: string };
  /** task-retry: when the next attempt may run (epoch ms). */
  retryAt?: number;
  /** Task events of this job this engine left out (throttled) since the last one it recorded. */
  suppressed?: number;
}

/** The longest error message a task event keeps. */
const TASK_EVENT_MESSAGE_MAX = 1000;

/**
 * Records a task's failed attempt: `task-retry` (put back after a transient
 * error) or `task-failed` (its items recorded as failed). Like every event,
 * written after the transaction has locked or updated the job's row.
 */
export async function recordTaskEvent(tx: Store, job: Pick<Job, 'id' | 'domainId'>, kind: 'task-retry' | 'task-failed', data: TaskEventData, now: number): Promise<number> {
  const { retryAt, suppressed, ...rest } = data;
  const payload = {
    jobId: job.id,
    ...rest,
    error: { code: data.error.code, message: data.error.message.slice(0, TASK_EVENT_MESSAGE_MAX) },
    ...(retryAt !== undefined ? { retryAt: new Date(retryAt).toISOString() } : {}),
    ...(suppressed ? { suppressed } : {}),
  };
  const id = await tx.eventInsert({ jobId: job.id, domainId: job.domainId, kind, data: payload, createdAt: now });
  await tx.notify({ topic: 'job-event', eventId: id, jobId: job.id, domainId: job.domainId });
  return id;
}

/** Tells idle workers that `jobId` may have work (at commit, inside a transaction). */
export function hintWork(tx: Store, jobId: number): Promise<void> {
  return tx.notify({ topic: 'work', jobId });
}
