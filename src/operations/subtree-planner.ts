/**
 * The planner shared by the subtree operations: walks the selected roots one
 * after another and, for a folder, its descendants in keyset chunks; emits
 * descendant chunks in one phase and the roots in another, and resumes from
 * a small cursor (which root, and the last descendant seen).
 */
import type { Store } from '../store/store.js';
import type { Item } from '../domain/types.js';
import type { ItemRef } from '../store/queries/items-bulk.js';
import type { ItemFailureOutcome, PlanStep, PlannedTask } from '../jobs/operation.js';

/**
 * Items per task. Where writers run concurrently (PostgreSQL) small chunks
 * keep row locks short; a single serialized writer (SQLite) gains from
 * fewer, larger transactions (a commit per chunk is its fixed cost).
 */
export const CHUNK = 500;
export const SINGLE_WRITER_CHUNK = 1_000;
export const ITEMS_PER_STEP = 5_000;

export function chunkSizeFor(store: Store): number {
  return store.capabilities.concurrentWriters ? CHUNK : SINGLE_WRITER_CHUNK;
}

/** A root entry: the selected item itself. */
export interface RootEntry {
  id: number;
  path: string;
  kind: 'file' | 'folder';
  /** The root was in the trash when planned (restore, purge by id, empty_trash). */
  trashed: boolean;
}

/** What the descendant chunks of one root share. */
export interface MembersContext {
  root: number;
  /** The root's path plus '/' when planned. */
  prefix: string;
  trashed: boolean;
}

export interface SubtreeCursor {
  /** Index of the selection entry being walked. */
  i: number;
  root?: RootEntry;
  /** Last descendant seen: a path (live subtree) or an id (trashed subtree). */
  afterPath?: string;
  afterId?: number;
}

export interface SubtreePlanOptions {
  store: Store;
  libraryId: string;
  /** How many selection entries there are. */
  count: number;
  /** Resolves selection entry `i` to its root item, a failure, or `covered` (inside another selected folder: not planned on its own). */
  resolve(i: number): Promise<{ item: Item } | { failure: ItemFailureOutcome } | { covered: true }>;
  rootPhase: number;
  membersPhase: number;
  /** If set, folder roots are handed over once more in this phase, after their subtrees (e.g. to delete a moved folder's source). */
  finalPhase?: number;
  /** Report the selection's file bytes as the job's bytes total (operations that move bytes). */
  countBytes?: boolean;
}

function toRoot(item: Item): RootEntry {
  return { id: item.id, path: item.path, kind: item.kind, trashed: item.trashedAt !== null };
}

export async function planSubtrees(o: SubtreePlanOptions, cursor: SubtreeCursor | null): Promise<PlanStep<SubtreeCursor>> {
  const chunk = chunkSizeFor(o.store);
  let state: SubtreeCursor = cursor ?? { i: 0 };
  const tasks: PlannedTask[] = [];
  const roots: RootEntry[] = [];
  const failures: PlanStep['failures'] = [];
  let budget = ITEMS_PER_STEP;
  let bytesTotal = 0;
  while (budget > 0 && state.i < o.count) {
    if (!state.root) {
      const resolved = await o.resolve(state.i);
      budget--;
      if ('failure' in resolved) {
        failures.push({ ...resolved.failure, phase: o.rootPhase, context: null });
        state = { i: state.i + 1 };
        continue;
      }
      if ('covered' in resolved) {
        state = { i: state.i + 1 };
        continue;
      }
      const root = toRoot(resolved.item);
      roots.push(root);
      bytesTotal += resolved.item.kind === 'file' ? resolved.item.size : 0;
      if (root.kind !== 'folder') {
        state = { i: state.i + 1 };
        continue;
      }
      state = { i: state.i, root };
    }
    const root = state.root!;
    const prefix = `${root.path}/`;
    const limit = Math.min(chunk, budget);
    let members: ItemRef[];
    if (root.trashed) {
      members = await o.store.itemListTrashMembers({ rootId: root.id, afterId: state.afterId, limit });
    } else {
      members = await o.store.itemListSubtreeLive({ libraryId: o.libraryId, prefix, afterPath: state.afterPath, limit });
    }
    if (members.length > 0) {
      const context: MembersContext = { root: root.id, prefix, trashed: root.trashed };
      tasks.push({ phase: o.membersPhase, context, entries: members.map((m) => m.id) });
      for (const m of members) bytesTotal += m.kind === 'file' ? m.size : 0;
      budget -= members.length;
      const last = members.at(-1)!;
      state = root.trashed ? { i: state.i, root, afterId: last.id } : { i: state.i, root, afterPath: last.path };
    }
    if (members.length < limit) state = { i: state.i + 1 };
  }
  for (let k = 0; k < roots.length; k += chunk) {
    tasks.push({ phase: o.rootPhase, context: null, entries: roots.slice(k, k + chunk) });
  }
  if (o.finalPhase !== undefined) {
    const folders = roots.filter((r) => r.kind === 'folder');
    for (let k = 0; k < folders.length; k += chunk) {
      tasks.push({ phase: o.finalPhase, context: { final: true }, entries: folders.slice(k, k + chunk), itemCount: 0 });
    }
  }
  return { tasks, failures, bytesTotal: o.countBytes ? bytesTotal : 0, cursor: state.i < o.count ? state : null };
}

/** A root-phase entry: planned (RootEntry), or a selection ref replayed by a retry ({path} or {id}). */
export type RootRef = RootEntry | { path: string } | { id: number };

export function isPlannedRoot(entry: RootRef): entry is RootEntry {
  return 'kind' in entry;
}

export function rootRefLabel(entry: RootRef): string {
  return 'path' in entry ? entry.path : `item ${entry.id}`;
}
