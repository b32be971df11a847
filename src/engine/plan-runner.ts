/**
 * Runs a job's planner task: repeatedly asks the operation for the next step
 * and commits its tasks, its selection failures, the job's totals and the
 * saved cursor in one fenced transaction, so planning resumes where it stopped
 * after a crash and never holds more than one step in memory.
 */
import type { ClaimedTask } from '../store/queries/job-tasks.js';
import type { Job } from '../domain/jobs.js';
import type { Operation } from '../jobs/operation.js';
import { finishIfDone, markPlanning, markRunning } from '../jobs/job-lifecycle.js';
import { hintWork } from '../jobs/events.js';
import { LeaseLostError, type RunnerDeps } from './task-runner.js';
import { planRetry, type RetryCursor } from './retry-planner.js';

/** How long a planner keeps its worker slot before re-queuing itself. */
const PLAN_SLICE_MS = 50;

/** `sliceMs`: how long it plans before re-queuing itself (0: one step, for a planner run among a group's). */
export async function runPlanTask(
  deps: RunnerDeps,
  op: Operation,
  initial: Job,
  task: ClaimedTask,
  stopping: () => boolean,
  { sliceMs = PLAN_SLICE_MS }: { sliceMs?: number } = {},
): Promise<void> {
  const { store, ctx } = deps;
  let job = initial;
  if (job.status === 'queued') {
    job = (await store.transaction((tx) => markPlanning(tx, job, deps.now()))) ?? job;
  }
  const sliceStart = Date.now();
  let cursor: unknown = (JSON.parse(task.payload) as { cursor: unknown }).cursor ?? null;
  for (;;) {
    if (stopping()) return;
    const step = job.retryOf !== null ? await planRetry(ctx, op, job, cursor as RetryCursor | null) : await op.plan(ctx, job, cursor);
    const done = step.cursor === null;
    const carryOn = await store.transaction(async (tx) => {
      const now = deps.now();
      const current = await tx.jobGetForUpdate(job.id);
      if (!current || current.status === 'cancelling' || !['planning', 'running', 'queued'].includes(current.status)) {
        await tx.taskComplete({ id: task.id, fence: task.fence });
        if (current) await finishIfDone(tx, current, now);
        return false;
      }
      // After a time slice the planner gives its slot back: it re-queues itself behind the tasks it
      // just planned, so planning a huge job never holds a worker while its items (or other jobs) wait.
      const yieldSlot = !done && Date.now() - sliceStart >= sliceMs;
      const fenced =
        done || yieldSlot
          ? await tx.taskComplete({ id: task.id, fence: task.fence })
          : await tx.taskSavePayload({ id: task.id, fence: task.fence, payload: JSON.stringify({ cursor: step.cursor }) });
      if (!fenced) throw new LeaseLostError(task.id);
      await tx.taskInsertMany(
        step.tasks.map((t) => ({
          jobId: job.id,
          phase: t.phase,
          kind: 'items' as const,
          payload: JSON.stringify({ context: t.context, entries: t.entries }),
          itemCount: t.itemCount ?? t.entries.length,
          runAfter: now,
        })),
      );
      await tx.failureInsertMany({
        jobId: job.id,
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
      if (yieldSlot) {
        await tx.taskInsertMany([{ jobId: job.id, phase: task.phase, kind: 'plan', payload: JSON.stringify({ cursor: step.cursor }), itemCount: 0, runAfter: now }]);
      }
      const planned = step.tasks.reduce((n, t) => n + (t.itemCount ?? t.entries.length), 0) + step.failures.length;
      let updated = await tx.jobAddCounts({
        id: job.id,
        delta: { total: planned, failed: step.failures.length, bytesTotal: step.bytesTotal },
        now,
        planned: done,
      });
      if (done) {
        updated = (await markRunning(tx, updated, now)) ?? updated;
        await finishIfDone(tx, updated, now);
      }
      if (step.tasks.length > 0 || yieldSlot) await hintWork(tx, job.id);
      job = updated;
      return !done && !yieldSlot;
    });
    if (!carryOn) return;
    cursor = step.cursor;
    await new Promise((resolve) => setImmediate(resolve));
  }
}
