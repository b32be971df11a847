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
import type { Job } from '../domain/jobs.js';
import type { Operation, PlanStep, TaskBody } from '../jobs/operation.js';
import { finishIfDone, markRunning } from '../jobs/job-lifecycle.js';
import { cacheWebhookLookups } from '../jobs/webhook-events.js';
import { isTransientError } from './retry-policy.js';
import { commitOutcome, type RunnerDeps } from './task-runner.js';

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

/** One job's plan, items and end in `tx`; returns the items it committed (0 when its claim was lost or it was cancelled). */
async function commitSmallJob(deps: RunnerDeps, tx: Store, r: ReadyJob): Promise<number> {
  const now = deps.now();
  // The job's row first, then its task (the lock order of cancel and claim).
  const current = await tx.jobGetForUpdate(r.job.id);
  if (!(await tx.taskComplete({ id: r.task.id, fence: r.task.fence }))) return 0;
  if (!current) return 0;
  if (current.status !== 'queued' || r.signal.aborted) {
    // Cancelled (or moved on) since the claim: as its planner would, it ends without planning.
    await finishIfDone(tx, current, now);
    return 0;
  }
  const { step } = r;
  await tx.failureInsertMany({
    jobId: r.job.id,
    now,
    failures: step.failures.map((f) => ({
      phase: f.phase,
      context: JSON.stringify(f.context ?? null),
      entry: JSON.stringify(f.entry ?? null),
      itemId: f.itemId,
      path: f.path,
      code: f.code,
      message: f.message,
      attempts: 1,
    })),
  });
  const total = (r.items?.task.itemCount ?? 0) + step.failures.length;
  let job = await tx.jobAddCounts({ id: r.job.id, delta: { total, failed: step.failures.length, bytesTotal: step.bytesTotal }, now, planned: true });
  job = (await markRunning(tx, job, now)) ?? job;
  if (!r.items) {
    await finishIfDone(tx, job, now);
    return step.failures.length;
  }
  const { task, body, prepared } = r.items;
  await deps.hooks.beforeApply?.(task, job);
  const outcome = await r.op.apply(tx, { ...deps.ctx, signal: r.signal }, job, body, prepared);
  await commitOutcome(deps, tx, job, task, outcome, body.context, 1);
  return step.failures.length + outcome.succeeded + outcome.skipped + outcome.failures.length;
}

type GroupResult = { ok: true } | { ok: false; culprit: ReadyJob | undefined; error: unknown };

async function commitGroup(deps: RunnerDeps, group: readonly ReadyJob[], turns: Turns): Promise<GroupResult> {
  let current: ReadyJob | undefined;
  try {
    const counted = await deps.store.transaction(async (tx) => {
      cacheWebhookLookups(tx);
      const items: number[] = [];
      for (const r of group) {
        // A turn inside the transaction: on SQLite other statements wait for its end, but timers and sockets need not.
        await turns.maybe();
        current = r;
        items.push(await commitSmallJob(deps, tx, r));
      }
      current = undefined;
      return items;
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
