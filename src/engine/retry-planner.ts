/**
 * Plans a retry job from the original job's per-item failures, in failure-id
 * order, a bounded step at a time.
 *
 * For operations whose subtrees follow their roots (`replanFailedRoots`:
 * copy, move), a failed root had its subtree chunks skipped, not failed, so
 * replaying the root alone would place the folder without its contents (a
 * move would even leave its descendants' paths behind). Those roots are
 * planned afresh first, in batches, by the operation's own planner over a
 * selection of just them; failed chunks of such a root are then not replayed
 * (its fresh plan covers them).
 *
 * Every other failure is replayed as a task with the phase and context it
 * first ran with (selection failures as root refs the operation resolves
 * again).
 */
import type { Job } from '../domain/jobs.js';
import type { FailureRecord } from '../store/queries/job-failures.js';
import type { Operation, OperationContext, PlanStep, PlannedTask } from '../jobs/operation.js';

const CHUNK = 500;
const PER_STEP = 5_000;
/** Failed roots planned afresh together (a selection of this many). */
const ROOTS_PER_BATCH = 200;

type Selection = { itemIds: number[] } | { paths: string[] };

export interface RetryCursor {
  /** Replanning failed roots (first), or replaying the other failures. A cursor without a stage is a replay (older planners). */
  stage?: 'roots' | 'replay';
  /** Failures of the original read so far in this stage. */
  afterId: number;
  /** Set when failed roots were planned afresh (those by id listed): root failures and those roots' chunks are not replayed. */
  replanned?: number[];
  /** A batch of failed roots being planned: their selection, the operation's cursor, the last failure read for it. */
  batch?: { selection: Selection; inner: unknown; through: number };
}

function parse(json: string): unknown {
  return JSON.parse(json) as unknown;
}

/** The root a failure names, if it is a root's failure (a root-phase task's entry, or a selection failure). */
function failedRoot(f: FailureRecord): { id: number } | { path: string } | undefined {
  if (f.context !== 'null') return undefined;
  const entry = parse(f.entry) as { id?: unknown; path?: unknown } | null;
  if (typeof entry?.id === 'number') return { id: entry.id };
  if (typeof entry?.path === 'string') return { path: entry.path };
  return undefined;
}

/** The root a failed subtree chunk belongs to (subtree contexts name it). */
function chunkRoot(f: FailureRecord): number | undefined {
  const root = (parse(f.context) as { root?: unknown } | null)?.root;
  return typeof root === 'number' ? root : undefined;
}

function hasSelection(params: unknown): boolean {
  return typeof params === 'object' && params !== null && ('paths' in params || 'itemIds' in params);
}

export async function planRetry(ctx: OperationContext, op: Operation, job: Job, cursor: RetryCursor | null): Promise<PlanStep<RetryCursor>> {
  const replan = op.replanFailedRoots === true && hasSelection(job.params);
  const state: RetryCursor = cursor ?? { stage: replan ? 'roots' : 'replay', afterId: 0 };
  if (state.stage === 'roots') return planRoots(ctx, op, job, state);
  return replay(ctx, job, state);
}

/** Plans failed roots afresh, a batch at a time; then hands over to the replay of the rest. */
async function planRoots(ctx: OperationContext, op: Operation, job: Job, state: RetryCursor): Promise<PlanStep<RetryCursor>> {
  const replanned = state.replanned ?? [];
  let batch = state.batch;
  let afterId = state.afterId;
  if (!batch) {
    const failures = await ctx.store.failureList({ jobId: job.retryOf!, afterId, limit: PER_STEP });
    const ids: number[] = [];
    const paths: string[] = [];
    for (const f of failures) {
      const root = failedRoot(f);
      if (root && ('id' in root ? paths.length === 0 : ids.length === 0)) {
        if ('id' in root) ids.push(root.id);
        else paths.push(root.path);
      } else if (root) break; // a batch is all ids or all paths
      afterId = f.id;
      if (ids.length + paths.length >= ROOTS_PER_BATCH) break;
    }
    if (ids.length + paths.length > 0) {
      batch = { selection: ids.length > 0 ? { itemIds: ids } : { paths }, inner: null, through: afterId };
    } else if (failures.length === PER_STEP) {
      return { tasks: [], failures: [], cursor: { stage: 'roots', afterId, replanned } };
    } else {
      return { tasks: [], failures: [], cursor: { stage: 'replay', afterId: 0, replanned } };
    }
  }
  // The operation plans the batch as if it were the job's whole selection.
  const { paths: _paths, itemIds: _ids, ...rest } = job.params as Record<string, unknown>;
  const step = await op.plan(ctx, { ...job, params: { ...rest, ...batch.selection } }, batch.inner);
  if (step.cursor !== null) return { ...step, cursor: { stage: 'roots', afterId: state.afterId, replanned, batch: { ...batch, inner: step.cursor } } };
  const ids = 'itemIds' in batch.selection ? batch.selection.itemIds : [];
  return { ...step, cursor: { stage: 'roots', afterId: batch.through, replanned: [...replanned, ...ids] } };
}

/** Replays the failures as tasks of their first phase and context, except what was planned afresh. */
async function replay(ctx: OperationContext, job: Job, state: RetryCursor): Promise<PlanStep<RetryCursor>> {
  const rootsPlanned = state.replanned !== undefined;
  const replanned = new Set(state.replanned ?? []);
  const failures = await ctx.store.failureList({ jobId: job.retryOf!, afterId: state.afterId, limit: PER_STEP });
  const tasks: PlannedTask[] = [];
  let current: (PlannedTask & { key: string }) | undefined;
  for (const f of failures) {
    if (rootsPlanned) {
      if (failedRoot(f)) continue; // planned afresh (by id or by path) in the roots stage
      const owner = chunkRoot(f);
      if (owner !== undefined && replanned.has(owner)) continue;
    }
    const key = `${f.phase}\u0000${f.context}`;
    if (!current || current.key !== key || current.entries.length >= CHUNK) {
      current = { key, phase: f.phase, context: parse(f.context), entries: [] };
      tasks.push(current);
    }
    current.entries.push(parse(f.entry));
  }
  const last = failures.at(-1);
  return {
    tasks: tasks.map(({ phase, context, entries }) => ({ phase, context, entries })),
    failures: [],
    cursor: failures.length === PER_STEP && last ? { stage: 'replay', afterId: last.id, ...(rootsPlanned ? { replanned: [...replanned] } : {}) } : null,
  };
}
