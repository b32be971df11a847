/**
 * A replicate job's `result`: what it changed (a dry run: what it would
 * change) — `created`, `updated` (content replaced, or a folder and a file
 * swapped), `trashed`, `unchanged`, content `bytes` written — and for a dry run
 * the changes one by one, the first CHANGES_LISTED in path order. Each task
 * adds its part in its own transaction (the job row locked), so the result
 * holds exactly what committed; the planner's last step always plans a tally
 * task, so a job that ran to its end has a result even with nothing to do.
 */
import type { Store } from '../store/store.js';
import type { ItemKind } from '../domain/types.js';
import type { ChangeAction } from './replicate-model.js';
import { comparePaths } from './path-order.js';

export const CHANGES_LISTED = 1_000;

export interface ListedChange {
  action: ChangeAction;
  /** The target item's path (created, replaced or trashed). */
  path: string;
  /** The kind the target item has (trash: the kind it had). */
  kind: ItemKind;
}

export interface ReplicateTally {
  created: number;
  updated: number;
  trashed: number;
  unchanged: number;
  bytes: number;
}

export interface ReplicateResult extends ReplicateTally {
  dryRun: boolean;
  /** Dry runs only: the would-be changes, in path order, at most CHANGES_LISTED. */
  changes?: ListedChange[];
  /** Dry runs only: more changes than `changes` lists. */
  changesTruncated?: boolean;
}

export function emptyTally(): ReplicateTally {
  return { created: 0, updated: 0, trashed: 0, unchanged: 0, bytes: 0 };
}

export function emptyResult(dryRun: boolean): ReplicateResult {
  return { dryRun, ...emptyTally(), ...(dryRun ? { changes: [], changesTruncated: false } : {}) };
}

function isResult(value: unknown): value is ReplicateResult {
  return typeof value === 'object' && value !== null && typeof (value as ReplicateResult).created === 'number';
}

/** Adds a task's tally (and a dry run's listed changes) to the job's result, inside the task's transaction. */
export async function addToResult(tx: Store, jobId: number, dryRun: boolean, tally: ReplicateTally, changes: ListedChange[]): Promise<void> {
  const job = await tx.jobGetForUpdate(jobId);
  if (!job) return;
  const base = isResult(job.result) ? job.result : emptyResult(dryRun);
  const next: ReplicateResult = {
    ...base,
    created: base.created + tally.created,
    updated: base.updated + tally.updated,
    trashed: base.trashed + tally.trashed,
    unchanged: base.unchanged + tally.unchanged,
    bytes: base.bytes + tally.bytes,
  };
  if (dryRun) {
    const listed = [...(base.changes ?? []), ...changes].sort((a, b) => comparePaths(a.path, b.path)).slice(0, CHANGES_LISTED);
    next.changes = listed;
    next.changesTruncated = next.created + next.updated + next.trashed > listed.length;
  }
  await tx.jobSetResult({ id: jobId, result: { ...next } });
}
