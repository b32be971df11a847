/**
 * The small-job path: queued jobs whose whole plan is one step of at most
 * SMALL_JOB_ITEMS items in at most one task (a noop of one item, a trash of a
 * few) run planning, their items and their end in one transaction, and up to
 * a claim round's group of them share it. Each job still goes queued →
 * running → its final status with a status event per change (no `planning`
 * between: the plan and its items commit together) and the same
 * job.started/job.<end> webhook events. The planner's fence guards the
 * commit as it guards any task: a crash before it leaves the planners to be
 * rescued and run again, and nothing of theirs committed.
 *
 * A job whose plan turns out bigger, or whose plan or prepare fails, takes
 * the normal path (plan-runner.ts, then its items tasks). A job whose apply
 * throws inside the group is taken out of it (the others commit without it)
 * and takes the normal path too, where the retry policy applies; a transient
 * error in the group counts as one of its retries.
 */
import type { ClaimedTask } from '../store/queries/job-tasks.js';
import type { Store } from '../store/store.js';
import { finalStatusOf, type Job, type JobStatus } from '../domain/jobs.js';
import type { WebhookEventType } from '../domain/webhook-events.js';
import type { ItemFailureOutcome, Operation, PlanStep, TaskBody } from '../jobs/operation.js';
import { finishIfDone } from '../jobs/job-lifecycle.js';
import { jobSnapshot } from '../jobs/events.js';
import { cacheWebhookLookups, jobWebhookData, recordWebhookEvents } from '../jobs/webhook-events.js';
import { isTransientError } from './retry-policy.js';
import type { RunnerDeps } from './task-runner.js';

/** The longest a group runs on promise continuations alone (SQLite's statements are synchronous) before it lets the event loop turn. */
const MAX_MS_WITHOUT_A_TURN = 10;

/** Gives the event loop a turn (timers, hints, the webhook sender's sockets) when it has waited MAX_MS_WITHOUT_A_TURN. */
class Turns {
  private at = Date.now();
  async maybe(): Promise<void> {
    if (Date.now() - this.at < MAX_MS_WITHOUT_A_TURN) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.at = Date.now();
  }
}

/** The most items a job may have to take the small-job path. */
export const SMALL_JOB_ITEMS = 100;
/** The most queued jobs a claim round takes together (one worker slot, one transaction). */
export const SMALL_JOB_GROUP = 100;

export interface SmallJobUnit {
  op: Operation;
  job: Job;
  /** The job's claimed planner. */
  task: ClaimedTask;
  signal: AbortSignal;
}

interface ReadyJob extends SmallJobUnit {
  step: PlanStep;
  /** The one items task the plan made, as the normal path would claim it (the planner's id and fence); none for an empty plan. */
  items: { task: ClaimedTask; body: TaskBody; prepared: unknown } | undefined;
}

/** Plans a queued job and prepares its items; undefined when it is not small (or is a retry, or resumes a plan). */
async function ready(deps: RunnerDeps, u: SmallJobUnit): Promise<ReadyJob | undefined> {
  if (u.job.status !== 'queued' || u.job.retryOf !== null) return undefined;
  if (((JSON.parse(u.task.payload) as { cursor?: unknown }).cursor ?? null) !== null) return undefined;
  const step = await u.op.plan(deps.ctx, u.job, null);
  if (step.cursor !== null || step.tasks.length > 1) return undefined;
  const planned = step.tasks[0];
  if (!planned) return { ...u, step, items: undefined };
  const itemCount = planned.itemCount ?? planned.entries.length;
  if (itemCount > SMALL_JOB_ITEMS) return undefined;
  const body: TaskBody = { context: planned.context, entries: planned.entries };
  const task: ClaimedTask = { ...u.task, phase: planned.phase, kind: 'items', payload: JSON.stringify(body), itemCount, attempts: 0 };
  await deps.hooks.beforePrepare?.(task, u.job, u.signal);
  const prepared = u.op.prepare && !u.signal.aborted ? await u.op.prepare({ ...deps.ctx, signal: u.signal }, u.job, body) : undefined;
  return { ...u, step, items: { task, body, prepared } };
}

/** A job of the group once applied: its outcome, and the counters and status it ends with. */
interface Applied {
  r: ReadyJob;
  delta: { total: number; succeeded: number; failed: number; skipped: number; bytesTotal: number; bytesDone: number };
  status: JobStatus;
  failures: Array<{ phase: number; context: unknown; f: ItemFailureOutcome; attempts: number }>;
}

/**
 * The group's plans, items and ends in `tx`, set-based: the jobs' rows locked and their planners
 * completed in one statement each, each job's items applied, then every job ended by a few
 * statements (one update per distinct outcome, one insert of all status events, one of the hints,
 * one of each webhook event type). `onJob` names the job being applied (a throw is its). Returns
 * the items each job committed.
 */
async function commitGroupSet(deps: RunnerDeps, tx: Store, group: readonly ReadyJob[], turns: Turns, onJob: (r: ReadyJob | undefined) => void): Promise<number[]> {
  const now = deps.now();
  // Job rows first (id order), then their tasks: the lock order of cancel and claim.
  const jobs = new Map((await tx.jobLockMany(group.map((r) => r.job.id))).map((j) => [j.id, j]));
  const held = new Set(await tx.taskCompleteMany({ tasks: group.map((r) => ({ id: r.task.id, fence: r.task.fence })) }));
  const applied: Applied[] = [];
  const counted = new Map<number, number>();
  for (const r of group) {
    await turns.maybe();
    const current = jobs.get(r.job.id);
    if (!held.has(r.task.id) || !current) continue; // its claim was taken over: the newer holder runs it
    // A queued job's one task is its planner (nothing else adds tasks before it runs): none remains now.
    if (current.status !== 'queued' || r.signal.aborted) {
      // Cancelled since the claim (or not what it was): as its planner would, it ends without planning.
      await finishIfDone(tx, current, now);
      continue;
    }
    const failures: Applied['failures'] = r.step.failures.map((f) => ({ phase: f.phase, context: f.context, f, attempts: 1 }));
    let outcome = { succeeded: 0, skipped: 0, failures: [] as ItemFailureOutcome[], bytesDone: 0, extraTotal: 0 };
    if (r.items) {
      onJob(r);
      const running: Job = { ...current, status: 'running' };
      await deps.hooks.beforeApply?.(r.items.task, running);
      const o = await r.op.apply(tx, { ...deps.ctx, signal: r.signal }, running, r.items.body, r.items.prepared);
      onJob(undefined);
      outcome = { succeeded: o.succeeded, skipped: o.skipped, failures: o.failures, bytesDone: o.bytesDone ?? 0, extraTotal: o.extraTotal ?? 0 };
      for (const f of o.failures) failures.push({ phase: r.items.task.phase, context: r.items.body.context, f, attempts: 1 });
    }
    const delta = {
      total: (r.items?.task.itemCount ?? 0) + r.step.failures.length + outcome.extraTotal,
      succeeded: outcome.succeeded,
      failed: failures.length,
      skipped: outcome.skipped,
      bytesTotal: r.step.bytesTotal ?? 0,
      bytesDone: outcome.bytesDone,
    };
    const counts = { total: current.counts.total + delta.total, succeeded: current.counts.succeeded + delta.succeeded, failed: current.counts.failed + delta.failed, skipped: current.counts.skipped + delta.skipped };
    applied.push({ r, delta, status: finalStatusOf({ status: 'running', counts }), failures });
    counted.set(r.job.id, delta.succeeded + delta.skipped + delta.failed);
  }
  for (const a of applied) {
    if (a.failures.length === 0) continue;
    await tx.failureInsertMany({
      jobId: a.r.job.id,
      now,
      failures: a.failures.map(({ phase, context, f, attempts }) => ({
        phase,
        context: JSON.stringify(context ?? null),
        entry: JSON.stringify(f.entry ?? null),
        itemId: f.itemId,
        path: f.path,
        code: f.code,
        message: f.message.slice(0, 2000),
        attempts,
      })),
    });
  }
  // One update per distinct outcome (a group of like jobs: one).
  const byOutcome = new Map<string, Applied[]>();
  for (const a of applied) {
    const key = JSON.stringify([a.delta, a.status]);
    byOutcome.set(key, [...(byOutcome.get(key) ?? []), a]);
  }
  const ended = new Map<number, Job>();
  for (const list of byOutcome.values()) {
    const { delta, status } = list[0]!;
    for (const job of await tx.jobEndMany({ ids: list.map((a) => a.r.job.id), delta, status, now })) ended.set(job.id, job);
  }
  const endedJobs = applied.map((a) => ended.get(a.r.job.id)!);
  // Each job's status events, running then its end (ids in that order), and a hint naming its last.
  const events = endedJobs.flatMap((job) => {
    const running: Job = { ...job, status: 'running', finishedAt: null, counts: { ...job.counts, succeeded: 0, skipped: 0, remaining: job.counts.total - job.counts.failed } };
    return [running, job].map((j) => ({ jobId: j.id, domainId: j.domainId, kind: 'status' as const, data: { jobId: j.id, ...jobSnapshot(j) }, createdAt: now }));
  });
  const ids = await tx.eventInsertMany(events);
  await tx.notifyMany(endedJobs.map((job, k) => ({ topic: 'job-event' as const, eventId: ids[2 * k + 1]!, jobId: job.id, domainId: job.domainId })));
  // Webhook events by domain and type: job.started (as running), then each end.
  const byDomain = new Map<number, Job[]>();
  for (const job of endedJobs) byDomain.set(job.domainId, [...(byDomain.get(job.domainId) ?? []), job]);
  for (const [domainId, list] of byDomain) {
    const startedData = list.map((job) => jobWebhookData({ ...job, status: 'running', finishedAt: null }));
    await recordWebhookEvents(tx, { domainId, type: 'job.started', data: startedData, now });
    for (const status of new Set(list.map((j) => j.status))) {
      const data = list.filter((j) => j.status === status).map(jobWebhookData);
      await recordWebhookEvents(tx, { domainId, type: `job.${status}` as WebhookEventType, data, now });
    }
  }
  // Root placements stay while failures may be retried (finishIfDone's rule).
  await tx.targetDeleteForJobs({ jobIds: endedJobs.filter((j) => j.counts.failed === 0).map((j) => j.id) });
  for (const job of endedJobs) {
    deps.lastProgress.delete(job.id);
    deps.taskEvents.forget(job.id);
  }
  return group.map((r) => counted.get(r.job.id) ?? 0);
}

type GroupResult = { ok: true } | { ok: false; culprit: ReadyJob | undefined; error: unknown };

async function commitGroup(deps: RunnerDeps, group: readonly ReadyJob[], turns: Turns): Promise<GroupResult> {
  let current: ReadyJob | undefined;
  try {
    const counted = await deps.store.transaction(async (tx) => {
      cacheWebhookLookups(tx);
      // Turns inside the transaction (turns.maybe): on SQLite other statements wait for its end, but timers and sockets need not.
      return commitGroupSet(deps, tx, group, turns, (r) => (current = r));
    });
    group.forEach((r, k) => deps.stats.add(r.job, { items: counted[k]! }));
    return { ok: true };
  } catch (error) {
    return { ok: false, culprit: current, error };
  }
}

/**
 * Runs a claim round's queued jobs: the small ones together in one transaction, each other one
 * (and any the group had to leave out) through `fallback`, the normal path, with its planner
 * still held.
 */
export async function runSmallJobs(deps: RunnerDeps, units: readonly SmallJobUnit[], fallback: (u: SmallJobUnit) => Promise<void>): Promise<void> {
  const rest: SmallJobUnit[] = [];
  let group: ReadyJob[] = [];
  const turns = new Turns();
  for (const u of units) {
    await turns.maybe();
    const r = await ready(deps, u).catch(() => undefined);
    if (r) group.push(r);
    else rest.push(u);
  }
  while (group.length > 0) {
    const result = await commitGroup(deps, group, turns);
    if (result.ok) break;
    const { culprit } = result;
    if (!culprit) {
      // Failed at commit: no job to blame, each takes the normal path.
      rest.push(...group);
      break;
    }
    group = group.filter((r) => r !== culprit);
    rest.push(culprit);
    if (isTransientError(result.error, (e) => deps.store.isTransient(e))) {
      // The attempt it made here counts as a retry, as a failed attempt of its items task would.
      const job = await deps.store.jobAddCounts({ id: culprit.job.id, delta: { retries: 1 }, now: deps.now() }).catch(() => undefined);
      if (job) deps.stats.add(job, { retries: 1 });
    }
  }
  for (const u of rest) await fallback(u);
}
