/**
 * Runs one claimed items task: bytes first (`prepare`), then one fenced
 * transaction holding the task's catalog effects, its per-item failures, the
 * job's counters, a throttled progress event and, if it was the last task,
 * the job's end. A transient error puts the task back with a backoff; after
 * the last attempt (or on a permanent error) its items are recorded as failed;
 * either way a task event (task-retry, task-failed) records the attempt and its
 * error, throttled per job. What committed is counted for the engine's stats.
 * A job cancelled while its task waits or runs (`signal`, and the job's status
 * read again inside the transaction) commits none of the task's items: they
 * count as skipped.
 */
import type { Store } from '../store/store.js';
import type { ClaimedTask } from '../store/queries/job-tasks.js';
import type { Job } from '../domain/jobs.js';
import type { ItemFailureOutcome, Operation, OperationContext, TaskBody } from '../jobs/operation.js';
import { backoffDelay, describeError, isTransientError, type RetryPolicy } from './retry-policy.js';
import { finishIfDone, markRunning } from '../jobs/job-lifecycle.js';
import { hintWork, recordJobEvent, recordTaskEvent } from '../jobs/events.js';
import type { EngineStats } from './engine-stats.js';
import type { TaskEventThrottle } from './task-event-throttle.js';

/** Thrown inside a task's transaction when its claim was taken over: the transaction rolls back. */
export class LeaseLostError extends Error {
  constructor(taskId: number) {
    super(`task ${taskId}: lease lost to a newer claim; nothing committed`);
  }
}

/** Why a task's signal aborts: its job is no longer running (cancelled). */
export class JobStoppedError extends Error {
  constructor(jobId: number) {
    super(`job ${jobId} is being cancelled; this task's remaining items are skipped`);
  }
}

export interface EngineHooks {
  /** Test-only: runs before an items task's `prepare`, with the signal that aborts when its job is cancelled. */
  beforePrepare?(task: ClaimedTask, job: Job, signal: AbortSignal): void | Promise<void>;
  /** Test-only fault injection: runs inside the task's transaction before its effects. */
  beforeApply?(task: ClaimedTask, job: Job): void | Promise<void>;
}

/** Statuses in which a job's tasks still do their work (a `cancelling` job's tasks skip theirs). */
const WORKING: readonly Job['status'][] = ['queued', 'planning', 'running'];

export function isWorking(status: Job['status']): boolean {
  return WORKING.includes(status);
}

export interface RunnerDeps {
  store: Store;
  ctx: OperationContext;
  policy: RetryPolicy;
  hooks: EngineHooks;
  progressIntervalMs: number;
  lastProgress: Map<number, number>;
  /** What this engine did, written with its heartbeat (engine-stats.ts). */
  stats: EngineStats;
  /** How many task-retry/task-failed events it writes per job. */
  taskEvents: TaskEventThrottle;
  now(): number;
}

/** The item id an entry names (entries are ids, or objects with an `id`). */
function entryItemId(entry: unknown): number | null {
  if (typeof entry === 'number') return entry;
  const id = (entry as { id?: unknown } | null)?.id;
  return typeof id === 'number' ? id : null;
}

async function failuresFor(store: Store, task: ClaimedTask, body: TaskBody, code: string, message: string): Promise<ItemFailureOutcome[]> {
  if (body.entries.length < task.itemCount) {
    // Synthetic items (noop) have no entries: one record per item all the same, so counters match the records.
    return Array.from({ length: task.itemCount }, (_, k) => ({ entry: k, itemId: null, path: `#${k + 1} of task ${task.id}`, code, message }));
  }
  const ids = body.entries.map(entryItemId).filter((id): id is number => id !== null);
  const items = await store.itemGetMany({ ids });
  const byId = new Map(items.map((i) => [i.id, i]));
  return body.entries.map((entry) => {
    const id = entryItemId(entry);
    const path = (entry as { path?: unknown } | null)?.path;
    return {
      entry,
      itemId: id,
      path: (id !== null ? byId.get(id)?.path : undefined) ?? (typeof path === 'string' ? path : `item ${id ?? '?'}`),
      code,
      message,
    };
  });
}

export async function commitOutcome(
  deps: RunnerDeps,
  tx: Store,
  job: Job,
  task: ClaimedTask,
  outcome: { succeeded: number; skipped: number; failures: ItemFailureOutcome[]; bytesDone?: number; extraTotal?: number },
  context: unknown,
  attempts: number,
): Promise<void> {
  const now = deps.now();
  await tx.failureInsertMany({
    jobId: job.id,
    now,
    failures: outcome.failures.map((f) => ({
      phase: task.phase,
      context: JSON.stringify(context ?? null),
      entry: JSON.stringify(f.entry ?? null),
      itemId: f.itemId,
      path: f.path,
      code: f.code,
      message: f.message.slice(0, 2000),
      attempts,
    })),
  });
  let updated = await tx.jobAddCounts({
    id: job.id,
    delta: { succeeded: outcome.succeeded, skipped: outcome.skipped, failed: outcome.failures.length, bytesDone: outcome.bytesDone, total: outcome.extraTotal },
    now,
  });
  if (updated.status === 'queued') updated = (await markRunning(tx, updated, now)) ?? updated;
  const finished = await finishIfDone(tx, updated, now);
  if (finished) {
    deps.lastProgress.delete(job.id);
    deps.taskEvents.forget(job.id);
  } else if (now - (deps.lastProgress.get(job.id) ?? 0) >= deps.progressIntervalMs) {
    deps.lastProgress.set(job.id, now);
    await recordJobEvent(tx, updated, 'progress', now);
  }
}

/** Commits a task of a cancelled job: none of its items done, all counted skipped. Returns the items it counted. */
async function commitSkipped(deps: RunnerDeps, tx: Store, job: Job, task: ClaimedTask, body: TaskBody, attempts: number): Promise<number> {
  await commitOutcome(deps, tx, job, task, { succeeded: 0, skipped: task.itemCount, failures: [] }, body.context, attempts);
  return task.itemCount;
}

/** A task event unless the job has had many lately (task-event-throttle.ts); call with the job's row locked or updated. */
async function taskEvent(
  deps: RunnerDeps,
  tx: Store,
  job: Job,
  task: ClaimedTask,
  kind: 'task-retry' | 'task-failed',
  attempt: number,
  error: { code: string; message: string },
  retryAt?: number,
): Promise<void> {
  const now = deps.now();
  const suppressed = deps.taskEvents.admit(job.id, now);
  if (suppressed === undefined) return;
  const data = { taskId: task.id, phase: task.phase, attempt, maxAttempts: deps.policy.maxAttempts, items: task.itemCount, error, retryAt, suppressed };
  await recordTaskEvent(tx, job, kind, data, now);
}

/**
 * Runs one items task. `signal` aborts when the job is cancelled meanwhile:
 * `prepare` stops between its chunks, and the commit checks the job's status
 * once more inside the transaction (a cancel committed before it always wins).
 */
export async function runItemsTask(deps: RunnerDeps, op: Operation, job: Job, task: ClaimedTask, signal: AbortSignal): Promise<void> {
  const { store } = deps;
  const ctx = { ...deps.ctx, signal };
  const body = JSON.parse(task.payload) as TaskBody;
  const attempts = task.attempts + 1;
  try {
    await deps.hooks.beforePrepare?.(task, job, signal);
    const prepared = op.prepare && !signal.aborted ? await op.prepare(ctx, job, body) : undefined;
    const done = await store.transaction(async (tx) => {
      if (!(await tx.taskComplete({ id: task.id, fence: task.fence }))) throw new LeaseLostError(task.id);
      await deps.hooks.beforeApply?.(task, job);
      if (signal.aborted || !isWorking((await tx.jobGetById(job.id))?.status ?? 'cancelled')) {
        return { items: await commitSkipped(deps, tx, job, task, body, attempts), bytes: 0 };
      }
      const outcome = await op.apply(tx, ctx, job, body, prepared);
      await commitOutcome(deps, tx, job, task, outcome, body.context, attempts);
      return { items: outcome.succeeded + outcome.skipped + outcome.failures.length, bytes: outcome.bytesDone ?? 0 };
    });
    deps.stats.add(job, done);
  } catch (error) {
    if (error instanceof LeaseLostError) return;
    if (signal.aborted) {
      // Stopped mid-way (or failed while being cancelled): nothing of the task is committed.
      const skipped = await store.transaction(async (tx) =>
        (await tx.taskComplete({ id: task.id, fence: task.fence })) ? commitSkipped(deps, tx, job, task, body, attempts) : 0,
      );
      deps.stats.add(job, { items: skipped });
      return;
    }
    const transient = isTransientError(error, (e) => store.isTransient(e));
    if (transient && attempts < deps.policy.maxAttempts) {
      const runAfter = deps.now() + backoffDelay(deps.policy, attempts);
      // Job row before task row (the lock order of cancel and claim); a lost lease rolls the count back.
      const counted = await store
        .transaction(async (tx): Promise<{ retries?: number; items?: number }> => {
          const current = await tx.jobAddCounts({ id: job.id, delta: { retries: 1 }, now: deps.now() });
          if (!isWorking(current.status)) {
            // Cancelled meanwhile: no retry after a backoff that would only delay the job's end.
            if (!(await tx.taskComplete({ id: task.id, fence: task.fence }))) throw new LeaseLostError(task.id);
            return { items: await commitSkipped(deps, tx, current, task, body, attempts) };
          }
          if (!(await tx.taskReschedule({ id: task.id, fence: task.fence, runAfter, attempts }))) throw new LeaseLostError(task.id);
          await taskEvent(deps, tx, current, task, 'task-retry', attempts, { code: 'TRANSIENT', message: describeError(error).message }, runAfter);
          await hintWork(tx, job.id);
          return { retries: 1 };
        })
        .catch((e: unknown) => {
          if (!(e instanceof LeaseLostError)) throw e;
          return {};
        });
      deps.stats.add(job, counted);
      return;
    }
    const { code, message } = store.isUniqueViolation(error)
      ? { code: 'CONFLICT', message: 'an item with the same name appeared concurrently' }
      : describeError(error);
    const failures = await failuresFor(store, task, body, code, message);
    const failed = await store.transaction(async (tx) => {
      if (!(await tx.taskComplete({ id: task.id, fence: task.fence }))) return 0;
      // The job's row first (its events commit in id order), then the task's event before the outcome's (a final status ends a feed).
      const current = (await tx.jobGetForUpdate(job.id)) ?? job;
      await taskEvent(deps, tx, current, task, 'task-failed', attempts, { code, message });
      await commitOutcome(deps, tx, job, task, { succeeded: 0, skipped: 0, failures }, body.context, attempts);
      return failures.length;
    });
    deps.stats.add(job, { items: failed });
  }
}
