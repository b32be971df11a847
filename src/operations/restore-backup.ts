/**
 * `restore_backup {snapshotId | at, paths?, destination?, targetLibraryId?,
 * onConflict?}`: a snapshot (or chosen paths of it) back into a library, to
 * where it was or into `destination`, in the same library or another one.
 * `at` picks the newest snapshot of the library taken at or before that time.
 *
 * The planner walks the snapshot's trees depth first, a step of up to 5,000
 * entries at a time (its cursor: the open folders), and plans the entries by
 * the depth of their target path, a phase per depth (a folder is restored
 * before what is inside it; no phase after the first starts before planning
 * ends), in chunks; each task (restore-backup-apply.ts) inserts
 * its items and their blob references in one commit. `prepare` looks for the
 * chunk's blobs in the snapshot's location (a missing one fails its items,
 * naming the hash) and, when the target library lives in another location,
 * copies the ones it lacks there first. A task's items commit together, so
 * a crash makes another process run the task again from the start; the same
 * restore submitted again finds what the first one restored in the way (a
 * folder merges, a file follows `onConflict`: `skip` resumes it).
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
import { ITEMS_PER_STEP } from './subtree-planner.js';
import { applyRestore, type RestoreContext, type RestoreEntry } from './restore-backup-apply.js';

type Params = { snapshotId?: number; at?: string; paths?: string[]; destination?: string; targetLibraryId?: string; onConflict?: OnConflict };

const CHUNK = 500;

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
 * Where planning goes on: the snapshot (resolved once: a later step must not
 * pick a newer one by `at`), the next selected path, and the depth-first walk
 * in progress (each open folder's tree, its target path, the last entry given out).
 */
interface RestoreCursor {
  snapshotId: number;
  next: number;
  stack: Array<{ tree: string; dir: string; after: string | null }>;
}

async function plan(ctx: OperationContext, job: Job & { params: Params }, cursor: RestoreCursor | null): Promise<PlanStep<RestoreCursor>> {
  const { params } = job;
  const failures: PlanStep['failures'] = [];
  const snapshot = cursor ? await ctx.store.snapshotGetById({ id: cursor.snapshotId }) : await findSnapshot(ctx, job);
  if (typeof snapshot === 'string' || !snapshot) {
    const message = snapshot ?? `snapshot ${cursor!.snapshotId} was forgotten while the restore was planned`;
    return { tasks: [], failures: [{ entry: {}, itemId: null, path: params.at ?? String(params.snapshotId), code: 'NOT_FOUND', message, phase: 1, context: null }], cursor: null };
  }
  const trees = new Map<string, SnapshotEntry[]>();
  const entriesOf = async (hash: string) => {
    let entries = trees.get(hash);
    if (!entries) {
      const tree = await ctx.store.snapshotTreeGet({ storage: snapshot.storage, hash });
      if (!tree) throw new Error(`snapshot ${snapshot.id}: tree ${hash} is not stored in '${snapshot.storage}'`);
      trees.set(hash, (entries = tree.entries));
    }
    return entries;
  };
  const planned: RestoreEntry[] = [];
  const state: RestoreCursor = cursor ?? { snapshotId: snapshot.id, next: 0, stack: [] };
  const selection = pruneNested(params.paths ?? [snapshot.path]);

  while (planned.length < ITEMS_PER_STEP) {
    const top = state.stack.at(-1);
    if (top) {
      const entries = await entriesOf(top.tree);
      const e = top.after === null ? entries[0] : entries.find((x) => x.name > top.after!);
      if (!e) {
        state.stack.pop();
        continue;
      }
      top.after = e.name;
      const p = childPath(top.dir, e.name);
      planned.push({ path: p, kind: e.kind, size: e.size, sha256: e.sha256, contentType: e.contentType, createdAt: e.createdAt, modifiedAt: e.modifiedAt });
      if (e.tree) state.stack.push({ tree: e.tree, dir: p, after: null });
      continue;
    }
    if (state.next >= selection.length) break;
    const path = selection[state.next++]!;
    const segments = below(snapshot.path, path);
    let node: SnapshotEntry | null = null;
    let tree: string | null = snapshot.rootTree;
    for (const name of segments ?? []) {
      node = tree === null ? null : ((await entriesOf(tree)).find((e) => e.name === name) ?? null);
      if (!node) break;
      tree = node.tree;
    }
    if (!segments || (segments.length > 0 && !node)) {
      failures.push({ entry: { path }, itemId: null, path, code: 'NOT_FOUND', message: `${path} is not in snapshot ${snapshot.id}`, phase: 1, context: null });
      continue;
    }
    // The whole library's snapshot root is '/': its entries go into the destination (or back into '/').
    const base = params.destination === undefined ? path : path === '/' ? params.destination : childPath(params.destination, path.slice(path.lastIndexOf('/') + 1));
    planned.push(
      node
        ? { path: base, kind: node.kind, size: node.size, sha256: node.sha256, contentType: node.contentType, createdAt: node.createdAt, modifiedAt: node.modifiedAt, top: true }
        : { path: base, kind: 'folder', size: 0, sha256: null, contentType: null, createdAt: snapshot.createdAt, modifiedAt: snapshot.createdAt, top: true },
    );
    if (tree) state.stack.push({ tree, dir: base, after: null });
  }

  const context: RestoreContext = { snapshotId: snapshot.id, storage: snapshot.storage, targetLibraryId: job.targetLibraryId ?? job.libraryId, onConflict: params.onConflict ?? 'fail' };
  const byPhase = new Map<number, RestoreEntry[]>();
  for (const e of planned) {
    const phase = Math.max(1, depthOf(e.path));
    let list = byPhase.get(phase);
    if (!list) byPhase.set(phase, (list = []));
    list.push(e);
  }
  const tasks: PlannedTask[] = [];
  let bytesTotal = 0;
  for (const [phase, list] of [...byPhase].sort(([a], [b]) => a - b)) {
    for (let k = 0; k < list.length; k += CHUNK) tasks.push({ phase, context, entries: list.slice(k, k + CHUNK) });
    for (const e of list) bytesTotal += e.size;
  }
  const done = state.stack.length === 0 && state.next >= selection.length;
  return { tasks, failures, bytesTotal, cursor: done ? null : state };
}

export const restoreBackupOperation: Operation<typeof RestoreBackupParams, RestoreCursor, RestoreContext, RestoreEntry, { missing: Set<string> }> = {
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
    const hashes = [...new Set(task.entries.flatMap((e) => (e.kind === 'file' && e.sha256 ? [e.sha256] : [])))];
    if (hashes.length === 0) return { missing: new Set() };
    const missing = new Set(await ctx.blobs.get(task.context.storage).absent(hashes));
    const target = await ctx.library(task.context.targetLibraryId, ctx.store);
    if (target.storage !== task.context.storage) {
      await copyMissingBlobs(ctx, task.context.storage, target.storage, hashes.filter((h) => !missing.has(h)));
    }
    return { missing };
  },
  async apply(tx, ctx, _job, task, prepared) {
    return applyRestore(tx, ctx, task.context, task.entries, prepared?.missing ?? new Set());
  },
};
