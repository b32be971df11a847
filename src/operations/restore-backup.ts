/**
 * `restore_backup {snapshotId | at, paths?, destination?, targetLibraryId?,
 * onConflict?}`: a snapshot (or chosen paths of it) back into a library, to
 * where it was or into `destination`, in the same library or another one.
 * `at` picks the newest snapshot of the library taken at or before that time.
 *
 * The planner walks the snapshot's trees depth first (its cursor: the open
 * folders, each with how far it got), a step of up to 5,000 entries at a
 * time, and plans a folder's children as tasks naming a slice of its tree
 * (`{tree, dir}` in the context, each entry only the child's target path:
 * the task reads the rest from the tree, kept parsed by
 * snapshot-tree-cache.ts), in the phase of their depth (a folder is restored
 * before what is inside it; no phase after the first starts before planning
 * ends); selected roots are tasks of their own, whole. Each task
 * (restore-backup-apply.ts) inserts its items and their blob references in
 * one commit. `prepare` looks for the chunk's blobs in the snapshot's
 * location (a missing one fails its items, naming the hash) and, when the
 * target library lives in another location, copies the ones it lacks there
 * first. A task's items commit together, so a crash makes another process
 * run the task again from the start; the same restore submitted again finds
 * what the first one restored in the way (a folder merges, a file follows
 * `onConflict`: `skip` resumes it).
 *
 * Needs READER on the snapshot's library and WRITER on the target.
 */
import type { Operation, OperationContext, PlanStep, PlannedTask } from '../jobs/operation.js';
import type { Job, OnConflict } from '../domain/jobs.js';
import type { Snapshot } from '../store/queries/snapshots.js';
import { RestoreBackupParams } from '../domain/job-params/index.js';
import { InvalidArgumentError } from '../domain/errors.js';
import { childPath, normalizePath } from '../domain/item-path.js';
import type { SnapshotEntry } from '../domain/snapshot-tree.js';
import { copyMissingBlobs } from './blob-copy.js';
import { ITEMS_PER_STEP, chunkSizeFor } from './subtree-planner.js';
import { applyRestore, resolveEntries, type ResolvedEntry, type RestoreContext, type RestoreEntry, type RestoreRef, type RestoreTaskEntry } from './restore-backup-apply.js';
import { entryNamed, snapshotTreeEntries } from './snapshot-tree-cache.js';

type Params = { snapshotId?: number; at?: string; paths?: string[]; destination?: string; targetLibraryId?: string; onConflict?: OnConflict };

function depthOf(path: string): number {
  return path === '/' ? 0 : path.split('/').length - 1;
}

function below(root: string, path: string): string[] | undefined {
  if (path === root) return [];
  if (root === '/') return path.slice(1).split('/');
  return path.startsWith(`${root}/`) ? path.slice(root.length + 1).split('/') : undefined;
}

/** Drops selected paths inside another selected one. */
function pruneNested(paths: string[]): string[] {
  const sorted = [...new Set(paths)].sort();
  return sorted.filter((p) => !sorted.some((q) => q !== p && (q === '/' || p.startsWith(`${q}/`))));
}

async function findSnapshot(ctx: OperationContext, job: Job & { params: Params }): Promise<Snapshot | string> {
  const { snapshotId, at } = job.params;
  if (snapshotId !== undefined) {
    const s = await ctx.store.snapshotGetById({ id: snapshotId });
    return s && s.libraryId === job.libraryId ? s : `snapshot ${snapshotId} not found in library '${job.libraryId}'`;
  }
  const s = await ctx.store.snapshotLatestAt({ libraryId: job.libraryId, at: Date.parse(at!) });
  return s ?? `no snapshot of library '${job.libraryId}' taken at or before ${at}`;
}

/**
 * One open folder of the depth-first walk: its tree, its target path, how
 * many of its children were planned (as tree tasks) and how far its folder
 * children were descended into. A tree is immutable, so indexes into it stay
 * valid across steps.
 */
interface Frame {
  tree: string;
  dir: string;
  planned: number;
  descended: number;
}

/**
 * Where planning goes on: the snapshot (resolved once: a later step must not
 * pick a newer one by `at`), the next selected path, and the walk's open folders.
 */
interface RestoreCursor {
  snapshotId: number;
  next: number;
  stack: Frame[];
}

/** A frame as an earlier version saved it (the name of the last child given out, its folders walked): where it stood. */
async function upgradeFrame(frame: Frame | { tree: string; dir: string; after: string | null }, entriesOf: (hash: string) => Promise<SnapshotEntry[]>): Promise<Frame> {
  if (!('after' in frame)) return frame;
  const after = frame.after;
  const done = after === null ? 0 : (await entriesOf(frame.tree)).filter((e) => e.name <= after).length;
  return { tree: frame.tree, dir: frame.dir, planned: done, descended: done };
}

async function plan(ctx: OperationContext, job: Job & { params: Params }, cursor: RestoreCursor | null): Promise<PlanStep<RestoreCursor>> {
  const { params } = job;
  const failures: PlanStep['failures'] = [];
  const snapshot = cursor ? await ctx.store.snapshotGetById({ id: cursor.snapshotId }) : await findSnapshot(ctx, job);
  if (typeof snapshot === 'string' || !snapshot) {
    const message = snapshot ?? `snapshot ${cursor!.snapshotId} was forgotten while the restore was planned`;
    return { tasks: [], failures: [{ entry: {}, itemId: null, path: params.at ?? String(params.snapshotId), code: 'NOT_FOUND', message, phase: 1, context: null }], cursor: null };
  }
  const entriesOf = (hash: string) => snapshotTreeEntries(ctx.store, snapshot.storage, hash);
  const context: RestoreContext = { snapshotId: snapshot.id, storage: snapshot.storage, targetLibraryId: job.targetLibraryId ?? job.libraryId, onConflict: params.onConflict ?? 'fail' };
  const chunk = chunkSizeFor(ctx.store);
  const tasks: PlannedTask[] = [];
  const tops: RestoreEntry[] = [];
  let bytesTotal = 0;
  let budget = ITEMS_PER_STEP;
  const state: RestoreCursor = cursor
    ? { ...cursor, stack: await Promise.all(cursor.stack.map((f) => upgradeFrame(f, entriesOf))) }
    : { snapshotId: snapshot.id, next: 0, stack: [] };
  const selection = pruneNested(params.paths ?? [snapshot.path]);

  while (budget > 0) {
    const top = state.stack.at(-1);
    if (top) {
      // A folder's children go out as tasks naming slices of its tree, then its subfolders are walked one by one.
      const entries = await entriesOf(top.tree);
      if (top.planned < entries.length) {
        const slice = entries.slice(top.planned, top.planned + Math.min(chunk, budget));
        top.planned += slice.length;
        budget -= slice.length;
        for (const e of slice) bytesTotal += e.size;
        const phase = Math.max(1, depthOf(top.dir) + 1);
        tasks.push({ phase, context: { ...context, tree: top.tree, dir: top.dir }, entries: slice.map((e): RestoreRef => ({ path: childPath(top.dir, e.name) })) });
        continue;
      }
      let i = top.descended;
      while (i < entries.length && entries[i]!.kind !== 'folder') i++;
      top.descended = i + 1;
      const folder = entries[i];
      if (!folder) {
        state.stack.pop();
        continue;
      }
      state.stack.push({ tree: folder.tree!, dir: childPath(top.dir, folder.name), planned: 0, descended: 0 });
      budget--; // reading a folder's tree counts (a walk through many empty folders ends its step too)
      continue;
    }
    if (state.next >= selection.length) break;
    const path = selection[state.next++]!;
    budget--;
    const segments = below(snapshot.path, path);
    let node: SnapshotEntry | null = null;
    let tree: string | null = snapshot.rootTree;
    for (const name of segments ?? []) {
      node = tree === null ? null : (entryNamed(await entriesOf(tree), name) ?? null);
      if (!node) break;
      tree = node.tree;
    }
    if (!segments || (segments.length > 0 && !node)) {
      failures.push({ entry: { path }, itemId: null, path, code: 'NOT_FOUND', message: `${path} is not in snapshot ${snapshot.id}`, phase: 1, context: null });
      continue;
    }
    // The whole library's snapshot root is '/': its entries go into the destination (or back into '/').
    const base = params.destination === undefined ? path : path === '/' ? params.destination : childPath(params.destination, path.slice(path.lastIndexOf('/') + 1));
    const entry: RestoreEntry = node
      ? { path: base, kind: node.kind, size: node.size, sha256: node.sha256, contentType: node.contentType, createdAt: node.createdAt, modifiedAt: node.modifiedAt, top: true }
      : { path: base, kind: 'folder', size: 0, sha256: null, contentType: null, createdAt: snapshot.createdAt, modifiedAt: snapshot.createdAt, top: true };
    tops.push(entry);
    bytesTotal += entry.size;
    if (tree) state.stack.push({ tree, dir: base, planned: 0, descended: 0 });
  }

  // Selected roots by depth (a folder before what is inside it), in chunks.
  const byPhase = new Map<number, RestoreEntry[]>();
  for (const e of tops) {
    const phase = Math.max(1, depthOf(e.path));
    let list = byPhase.get(phase);
    if (!list) byPhase.set(phase, (list = []));
    list.push(e);
  }
  for (const [phase, list] of byPhase) {
    for (let k = 0; k < list.length; k += chunk) tasks.push({ phase, context, entries: list.slice(k, k + chunk) });
  }
  const done = state.stack.length === 0 && state.next >= selection.length;
  return { tasks, failures, bytesTotal, cursor: done ? null : state };
}

export const restoreBackupOperation: Operation<typeof RestoreBackupParams, RestoreCursor, RestoreContext, RestoreTaskEntry, { resolved: ResolvedEntry[]; missing: Set<string> }> = {
  type: 'restore_backup',
  params: RestoreBackupParams,
  sourceRight: 'READER',
  async validate(params, ctx) {
    if ((params.snapshotId === undefined) === (params.at === undefined)) {
      throw new InvalidArgumentError('params.snapshotId: give either snapshotId or at (not both)', { field: 'params.snapshotId' });
    }
    const out: Params = {};
    if (params.snapshotId !== undefined) out.snapshotId = params.snapshotId;
    if (params.at !== undefined) {
      const at = Date.parse(params.at);
      if (!Number.isFinite(at) || !/^\d{4}-\d{2}-\d{2}T/.test(params.at)) throw new InvalidArgumentError('params.at: must be an ISO 8601 time (2026-01-31T23:00:00Z)', { field: 'params.at' });
      out.at = new Date(at).toISOString();
    }
    if (params.paths !== undefined) out.paths = params.paths.map((p, i) => normalizePath(p, `params.paths[${i}]`));
    if (params.destination !== undefined) out.destination = normalizePath(params.destination, 'params.destination');
    out.onConflict = params.onConflict ?? 'fail';
    const targetLibraryId = params.targetLibraryId ?? ctx.library.library.id;
    await ctx.access(targetLibraryId, 'WRITER');
    if (params.targetLibraryId !== undefined) out.targetLibraryId = params.targetLibraryId;
    return { params: out, targetLibraryId: targetLibraryId === ctx.library.library.id ? null : targetLibraryId };
  },
  plan,
  async prepare(ctx, _job, task) {
    const resolved = await resolveEntries(ctx.store, task.context, task.entries);
    const hashes = [...new Set(resolved.flatMap(({ item: e }) => (e?.kind === 'file' && e.sha256 ? [e.sha256] : [])))];
    if (hashes.length === 0) return { resolved, missing: new Set() };
    const missing = new Set(await ctx.blobs.get(task.context.storage).absent(hashes));
    const target = await ctx.library(task.context.targetLibraryId, ctx.store);
    if (target.storage !== task.context.storage) {
      await copyMissingBlobs(ctx, task.context.storage, target.storage, hashes.filter((h) => !missing.has(h)));
    }
    return { resolved, missing };
  },
  async apply(tx, ctx, _job, task, prepared) {
    const resolved = prepared?.resolved ?? (await resolveEntries(tx, task.context, task.entries));
    return applyRestore(tx, ctx, task.context, resolved, prepared?.missing ?? new Set());
  },
};
