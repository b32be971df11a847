/**
 * `retention {}`: a library's housekeeping, by its own settings.
 *
 * - Snapshots (planned first): the library's snapshots, grouped by the folder
 *   they were taken of (restic groups by host and paths), are run through its
 *   `retention` policy (domain/retention-policy.ts: restic's forget, evaluated
 *   at the job's creation time). One task records what is kept and why;
 *   tasks of a few snapshots each forget the rest (`snapshotDelete`: the
 *   snapshot and the trees and blob references only it held). A snapshot
 *   already gone when its task runs is counted skipped.
 * - Artifacts: one task deletes the library's jobs' results past their expiry
 *   and the parts of its ended jobs, releasing their blobs (the work
 *   engine/artifact-expiry.ts does for every library on a timer).
 * - Trash: the roots trashed at least `daysBeforeDelete` days before the job
 *   was created are purged with their subtrees, planned and applied exactly
 *   as `empty_trash {olderThanDays: daysBeforeDelete}`.
 *
 * Bytes are not deleted here: what loses its last reference is reclaimed by
 * the blob collector. Items: each forgotten snapshot, each purged item, each
 * deleted artifact. The result: `{snapshots: {policy, kept, removed, keep:
 * {<id>: {createdAt, path, reasons}}, remove: {<id>: {createdAt, path}},
 * treesDeleted, blobReferencesReleased}, artifacts: {expired}, trash:
 * {olderThanDays, purged}}`.
 */
import type { Operation, OperationContext, PlanStep, PlannedTask, TaskOutcome } from '../jobs/operation.js';
import type { Job } from '../domain/jobs.js';
import type { Store } from '../store/store.js';
import { assertWritable } from '../domain/library-rules.js';
import { RetentionParams } from '../domain/job-params/index.js';
import { applyRetentionPolicy, type RetentionPolicy } from '../domain/retention-policy.js';
import { emptyTrashOperation } from './empty-trash.js';
import { applyPurge } from './purge.js';
import { addToJobResult, type ResultDelta } from './job-result.js';
import type { MembersContext, RootRef } from './subtree-planner.js';

type TrashCursor = Parameters<typeof emptyTrashOperation.plan>[2];

type Cursor = { stage: 'snapshots' } | { stage: 'artifacts'; olderThanDays: number } | { stage: 'trash'; olderThanDays: number; inner: TrashCursor };

interface KeptSnapshot {
  snapshot: number;
  createdAt: number;
  path: string;
  reasons: string[];
}

/** A snapshot to forget; `path` labels it in failure records. */
interface ForgetEntry {
  snapshot: number;
  createdAt: number;
  folder: string;
  path: string;
}

type Context =
  | { kind: 'keep'; policy: RetentionPolicy; olderThanDays: number; kept: KeptSnapshot[] }
  | { kind: 'forget' }
  | { kind: 'artifacts' }
  | { kind: 'trash'; inner: MembersContext | null };

type Entry = ForgetEntry | number | RootRef;

const LIST_PAGE = 1000;
/** Snapshots forgotten per task: each releases its own trees and blob references in the task's transaction. */
const FORGET_CHUNK = 10;
/** Artifacts deleted by the job at most: the engine's periodic expiry takes any rest. */
const ARTIFACT_LIMIT = 2000;

const iso = (ms: number) => new Date(ms).toISOString();

async function planSnapshots(ctx: OperationContext, job: Job): Promise<PlanStep<Cursor>> {
  const library = await ctx.library(job.libraryId, ctx.store);
  const groups = new Map<string, Array<{ id: number; at: number }>>();
  let after: { createdAt: number; id: number } | undefined;
  for (;;) {
    const page = await ctx.store.snapshotListByLibrary({ libraryId: job.libraryId, order: 'desc', limit: LIST_PAGE, after });
    for (const s of page) {
      const group = groups.get(s.path) ?? [];
      group.push({ id: s.id, at: s.createdAt });
      groups.set(s.path, group);
    }
    if (page.length < LIST_PAGE) break;
    const last = page.at(-1)!;
    after = { createdAt: last.createdAt, id: last.id };
  }
  const kept: KeptSnapshot[] = [];
  const forget: ForgetEntry[] = [];
  for (const [folder, group] of [...groups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const decision = applyRetentionPolicy(group, library.retention, job.createdAt);
    for (const k of decision.keep) kept.push({ snapshot: k.snapshot.id, createdAt: k.snapshot.at, path: folder, reasons: k.reasons });
    for (const s of decision.remove) forget.push({ snapshot: s.id, createdAt: s.at, folder, path: `snapshot ${s.id} of ${folder} taken ${iso(s.at)}` });
  }
  // The trash's age limit is read with the policy, once: a re-planned step decides the same.
  const olderThanDays = library.daysBeforeDelete;
  const tasks: PlannedTask[] = [{ phase: 1, context: { kind: 'keep', policy: library.retention, olderThanDays, kept } satisfies Context, entries: [], itemCount: 0 }];
  for (let k = 0; k < forget.length; k += FORGET_CHUNK) {
    tasks.push({ phase: 1, context: { kind: 'forget' } satisfies Context, entries: forget.slice(k, k + FORGET_CHUNK) });
  }
  return { tasks, failures: [], cursor: { stage: 'artifacts', olderThanDays } };
}

async function planTrash(ctx: OperationContext, job: Job, state: Extract<Cursor, { stage: 'trash' }>): Promise<PlanStep<Cursor>> {
  const trashJob = { ...job, type: 'empty_trash' as const, params: { olderThanDays: state.olderThanDays } };
  const step = await emptyTrashOperation.plan(ctx, trashJob, state.inner);
  const wrap = (inner: unknown): Context => ({ kind: 'trash', inner: inner as MembersContext | null });
  return {
    tasks: step.tasks.map((t) => ({ ...t, context: wrap(t.context) })),
    failures: step.failures.map((f) => ({ ...f, context: wrap(f.context) })),
    bytesTotal: step.bytesTotal,
    cursor: step.cursor === null ? null : { ...state, inner: step.cursor },
  };
}

async function applyKeep(tx: Store, job: Job, context: Extract<Context, { kind: 'keep' }>): Promise<TaskOutcome> {
  const keep: ResultDelta = {};
  for (const k of context.kept) keep[String(k.snapshot)] = { createdAt: iso(k.createdAt), path: k.path, reasons: k.reasons };
  await addToJobResult(tx, job.id, {
    snapshots: { policy: { ...context.policy }, kept: context.kept.length, removed: 0, keep, remove: {} },
    artifacts: { expired: 0 },
    trash: { olderThanDays: context.olderThanDays, purged: 0 },
  });
  return { succeeded: 0, skipped: 0, failures: [] };
}

async function applyForget(tx: Store, job: Job, entries: ForgetEntry[]): Promise<TaskOutcome> {
  const remove: ResultDelta = {};
  let treesDeleted = 0;
  let blobReferencesReleased = 0;
  let skipped = 0;
  for (const entry of entries) {
    const gone = await tx.snapshotDelete({ id: entry.snapshot });
    if (!gone) {
      // Deleted meanwhile (DELETE …/snapshots/{sid}, or another retention run).
      skipped++;
      continue;
    }
    treesDeleted += gone.trees;
    blobReferencesReleased += gone.blobRefs;
    remove[String(entry.snapshot)] = { createdAt: iso(entry.createdAt), path: entry.folder };
  }
  const removed = entries.length - skipped;
  await addToJobResult(tx, job.id, { snapshots: { removed, remove, treesDeleted, blobReferencesReleased } });
  return { succeeded: removed, skipped, failures: [] };
}

async function applyArtifacts(tx: Store, ctx: OperationContext, job: Job): Promise<TaskOutcome> {
  const expired = await tx.artifactListExpired({ now: ctx.now(), limit: ARTIFACT_LIMIT, libraryId: job.libraryId });
  let deleted = 0;
  for (const artifact of expired) {
    if (!(await tx.artifactDelete({ jobId: artifact.jobId, part: artifact.part, sha256: artifact.sha256 }))) continue;
    await tx.blobRelease({ storage: artifact.storage, sha256: artifact.sha256 });
    deleted++;
  }
  await addToJobResult(tx, job.id, { artifacts: { expired: deleted } });
  return { succeeded: deleted, skipped: 0, failures: [], extraTotal: deleted };
}

export const retentionOperation: Operation<typeof RetentionParams, Cursor, Context, Entry> = {
  type: 'retention',
  params: RetentionParams,
  sourceRight: 'WRITER',
  // Each run decides afresh from the library's state: submit another instead of replaying failed items.
  retryable: false,
  async validate(params, ctx) {
    assertWritable(ctx.library.library.state);
    return { params, targetLibraryId: null };
  },
  async plan(ctx, job, cursor) {
    const state: Cursor = cursor ?? { stage: 'snapshots' };
    if (state.stage === 'snapshots') return planSnapshots(ctx, job);
    if (state.stage === 'artifacts') {
      return {
        tasks: [{ phase: 1, context: { kind: 'artifacts' } satisfies Context, entries: [], itemCount: 0 }],
        failures: [],
        cursor: { stage: 'trash', olderThanDays: state.olderThanDays, inner: null },
      };
    }
    return planTrash(ctx, job, state);
  },
  async apply(tx, ctx, job, task) {
    const context = task.context;
    switch (context.kind) {
      case 'keep':
        return applyKeep(tx, job, context);
      case 'forget':
        return applyForget(tx, job, task.entries as ForgetEntry[]);
      case 'artifacts':
        return applyArtifacts(tx, ctx, job);
      case 'trash': {
        const outcome = await applyPurge(tx, ctx, job, context.inner, task.entries as Array<number | RootRef>);
        await addToJobResult(tx, job.id, { trash: { purged: outcome.succeeded } });
        return outcome;
      }
    }
  },
};
