/**
 * Status changes of a job, each in the caller's transaction with its event:
 * start planning, planning done, finish (when no task remains), cancel.
 */
import type { Store } from '../store/store.js';
import type { Job, JobStatus } from '../domain/jobs.js';
import { ACTIVE_STATUSES, FINAL_STATUSES, finalStatusOf } from '../domain/jobs.js';
import type { WebhookEventType } from '../domain/webhook-events.js';
import { recordJobEvent } from './events.js';
import { jobWebhookData, recordWebhookEvent } from './webhook-events.js';

/** The webhook event a status change makes true: `job.started` leaving the queue, `job.<status>` at the end. */
function webhookEventOf(from: JobStatus, to: JobStatus): WebhookEventType | undefined {
  if (FINAL_STATUSES.includes(to)) return `job.${to}` as WebhookEventType;
  if (from === 'queued' && (to === 'planning' || to === 'running')) return 'job.started';
  return undefined;
}

async function transition(tx: Store, job: Job, status: JobStatus, from: readonly JobStatus[], now: number, extra: { started?: boolean; finished?: boolean } = {}) {
  const changed = await tx.jobSetStatus({ id: job.id, status, from, now, ...extra });
  if (!changed) return undefined;
  const updated = (await tx.jobGetById(job.id))!;
  await recordJobEvent(tx, updated, 'status', now);
  const hook = webhookEventOf(job.status, status);
  if (hook) await recordWebhookEvent(tx, { domainId: job.domainId, type: hook, data: jobWebhookData(updated), now });
  return updated;
}

export function markPlanning(tx: Store, job: Job, now: number) {
  return transition(tx, job, 'planning', ['queued'], now, { started: true });
}

export function markRunning(tx: Store, job: Job, now: number) {
  return transition(tx, job, 'running', ['queued', 'planning'], now, { started: true });
}

/**
 * Ends the job if its work is done: planning finished (or a cancel dropped
 * it) and no task remains. Call after the job row was updated in this
 * transaction (on PostgreSQL that row lock orders concurrent finishers, and
 * the task check then sees their committed deletes).
 *
 * A cancelled job's items that were never done (tasks the cancel dropped,
 * tasks stopped mid-way) count as skipped, so succeeded + failed + skipped =
 * total. Its total is what was planned before the cancel: cancelled during
 * planning, the items never planned are not counted at all.
 */
export async function finishIfDone(tx: Store, job: Job, now: number): Promise<Job | undefined> {
  if (!ACTIVE_STATUSES.includes(job.status)) return undefined;
  if (!job.planned && job.status !== 'cancelling') return undefined;
  if (await tx.taskExistsForJob({ jobId: job.id })) return undefined;
  if (job.status === 'cancelling' && job.counts.remaining > 0) {
    job = await tx.jobAddCounts({ id: job.id, delta: { skipped: job.counts.remaining }, now });
  }
  const status = finalStatusOf(job);
  const done = await transition(tx, job, status, ACTIVE_STATUSES, now, { finished: true });
  if (done) {
    await tx.eventPruneProgress({ jobId: job.id });
    // Root placements stay while failures may be retried: a retry's subtree chunks follow them.
    if (done.counts.failed === 0) await tx.targetDeleteForJob({ jobId: job.id });
  }
  return done;
}

/**
 * Requests a stop: queued tasks are dropped, running ones stop between their
 * chunks and commit nothing more (engines notice within `cancelCheckMs`, and
 * any task committing after this sees it), then the job ends `cancelled` with
 * its undone items counted skipped.
 */
export async function cancelJob(tx: Store, job: Job, now: number): Promise<Job> {
  if (!ACTIVE_STATUSES.includes(job.status) || job.status === 'cancelling') return job;
  const cancelling = (await transition(tx, job, 'cancelling', ACTIVE_STATUSES, now)) ?? job;
  await tx.taskDeleteReady({ jobId: job.id });
  return (await finishIfDone(tx, cancelling, now)) ?? cancelling;
}
