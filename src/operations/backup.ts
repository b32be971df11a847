/**
 * `backup {path?, storage?, label?}`: a snapshot of a library (or a folder)
 * as of one instant. One task: `prepare` reads inside one read snapshot
 * (Store.readSnapshot: users keep writing meanwhile, the backup sees none of
 * it) the folder's content-addressed trees: from the previous snapshot of the
 * same path and storage patched with the item change log's entries past the
 * position it read at (backup-incremental.ts), or, without a usable one,
 * walking the folder depth first (backup-walk.ts); keeping only the trees the
 * storage location does not hold yet (the snapshot records the position this
 * read stood at in the log, for the next backup). When `storage` is not the
 * library's own, it copies the blobs those trees reference that the location
 * lacks (bytes first). `apply` then stores the
 * new trees with their references (a later purge in the library cannot
 * reclaim bytes a snapshot needs), records the snapshot (created at the
 * read's instant, with what was added, changed and removed since the previous
 * snapshot of the same library and path: backup-trees.ts) and the
 * `snapshot.created` webhook event, in the task's commit: a crash before it
 * leaves nothing, a re-run starts over.
 *
 * The job counts the folder and every item under it. It needs WRITER on the
 * library (a snapshot holds its bytes); its result is `{snapshot: {id,
 * rootTree, storage, path, label, createdAt, counts: {files, folders}, bytes,
 * added, changed, removed, newTrees, walk}}` (`walk`: incremental from which
 * snapshot, or whole and why).
 */
import type { Operation, OperationContext, PlanStep } from '../jobs/operation.js';
import type { Job } from '../domain/jobs.js';
import { BackupParams } from '../domain/job-params/index.js';
import { normalizePath } from '../domain/item-path.js';
import { BlobCollectedError, InvalidArgumentError } from '../domain/errors.js';
import { parseTreeEntries, refsOfTreeJson } from '../domain/snapshot-tree.js';
import { recordWebhookEvent } from '../jobs/webhook-events.js';
import { diffTrees, type SnapshotDiff, type TreeLoader } from './backup-trees.js';
import { walkFolder, type TreeRecord, type WalkResult } from './backup-walk.js';
import { walkChanged } from './backup-incremental.js';
import { copyMissingBlobs } from './blob-copy.js';
import { addToJobResult } from './job-result.js';

type Params = { path?: string; storage?: string; label?: string };
type Context = { path: string };

/** How the walk went: whole (and why), or from a base snapshot through the change log. */
export type BackupWalk =
  | { kind: 'incremental'; base: number; changes: number; foldersRead: number }
  | { kind: 'whole'; reason: 'no-previous-snapshot' | 'no-position' | 'pruned' | 'root-changed' | 'too-many-changes'; base?: number };

/** Above this many changed entries an incremental backup walks whole (the entries are held in memory). */
export const MAX_CHANGED_ENTRIES = 100_000;

interface Prepared {
  at: number;
  storage: string;
  ownStorage: boolean;
  root: WalkResult['root'];
  /** Where the read stood in the item change log. */
  changesAsOf: string;
  walk: BackupWalk;
  /** Trees the location did not hold when read, children first. */
  newTrees: TreeRecord[];
  diff: SnapshotDiff;
  items: number;
}

async function plan(ctx: OperationContext, job: Job & { params: Params }): Promise<PlanStep<null>> {
  const path = job.params.path ?? '/';
  const root = await ctx.store.itemGetByPath({ libraryId: job.libraryId, path });
  if (!root || root.kind !== 'folder') {
    const message = root ? `${path} is not a folder` : `${path} not found`;
    return { tasks: [], failures: [{ entry: { path }, itemId: root?.id ?? null, path, code: root ? 'INVALID_ARGUMENT' : 'NOT_FOUND', message, phase: 1, context: null }], cursor: null };
  }
  return { tasks: [{ phase: 1, context: { path } satisfies Context, entries: [], itemCount: 1 }], failures: [], cursor: null };
}

type FolderRead = { at: number; changesAsOf: string; walk: BackupWalk; diff?: SnapshotDiff } & WalkResult;

/**
 * The folder's trees as of one instant (the read snapshot's): the change log's
 * position, the base and the changes past it, and the items are all read in
 * that one snapshot. From the base through the changes when it can
 * (backup-incremental.ts), else whole. Undefined when the folder is gone.
 */
async function readFolder(ctx: OperationContext, libraryId: string, path: string, storage: string): Promise<FolderRead | undefined> {
  return ctx.store.readSnapshot(async (view) => {
    const at = ctx.now();
    const folder = await view.itemGetByPath({ libraryId, path });
    if (!folder || folder.kind !== 'folder') return undefined;
    const changesAsOf = await view.itemChangesPosition();
    const base = await view.itemChangeBase({ libraryId, path, storage });
    const whole = async (walk: BackupWalk): Promise<FolderRead> => ({ at, changesAsOf, walk, ...(await walkFolder(view, { folder, storage, signal: ctx.signal })) });
    if ('fallback' in base) return whole({ kind: 'whole', reason: base.fallback, base: base.snapshotId });
    const since = await view.itemChangesSince({ libraryId, since: base.changesAsOf, root: folder, limit: MAX_CHANGED_ENTRIES });
    if (!since) return whole({ kind: 'whole', reason: 'too-many-changes', base: base.snapshotId });
    if (since.rootChanged) return whole({ kind: 'whole', reason: 'root-changed', base: base.snapshotId });
    const r = await walkChanged(view, { folder, storage, baseRoot: base.rootTree, changes: since.entries, signal: ctx.signal });
    return { at, changesAsOf, walk: { kind: 'incremental', base: base.snapshotId, changes: since.entries.length, foldersRead: r.foldersRead }, ...r };
  });
}

export const backupOperation: Operation<typeof BackupParams, null, Context, never, Prepared> = {
  type: 'backup',
  params: BackupParams,
  sourceRight: 'WRITER',
  retryable: false,
  async validate(params, ctx) {
    const out: Params = { path: normalizePath(params.path ?? '/', 'params.path') };
    if (params.storage !== undefined) {
      if (ctx.storages && !ctx.storages.has(params.storage)) {
        throw new InvalidArgumentError(`params.storage: no storage location '${params.storage}' (known: ${ctx.storages.names().join(', ')})`, { field: 'params.storage' });
      }
      out.storage = params.storage;
    }
    if (params.label !== undefined) out.label = params.label;
    return { params: out, targetLibraryId: null };
  },
  plan: (ctx, job) => plan(ctx, job),
  async prepare(ctx, job, task) {
    const { path } = task.context;
    const library = await ctx.library(job.libraryId, ctx.store);
    const storage = job.params.storage ?? library.storage;
    ctx.blobs.get(storage); // an unknown location fails the job, naming the known ones
    const read = await readFolder(ctx, job.libraryId, path, storage);
    if (!read) throw new Error(`${path} is no longer a folder of the library`);
    const { newTrees } = read;
    const ownStorage = storage === library.storage;
    if (!ownStorage) {
      const shas = newTrees.flatMap((t) => refsOfTreeJson(t.json).blobs.map((b) => b.sha256));
      await copyMissingBlobs(ctx, library.storage, storage, shas);
    }
    const [previous] = await ctx.store.snapshotListByLibrary({ libraryId: job.libraryId, path, order: 'desc', limit: 1 });
    const fresh = new Map(newTrees.map((t) => [t.hash, t]));
    const loadNew: TreeLoader = async (hash) => {
      const t = fresh.get(hash);
      return t ? { entries: parseTreeEntries(t.json), files: t.files, folders: t.folders } : await loadStored(ctx, storage, hash);
    };
    const loadOld: TreeLoader = (hash) => loadStored(ctx, previous!.storage, hash);
    // The incremental walk counted the difference from its base; another previous snapshot (of another location) is compared tree by tree.
    const diff = read.diff && read.walk.kind === 'incremental' && previous?.id === read.walk.base ? read.diff : await diffTrees(previous?.rootTree ?? null, read.root.hash, loadOld, loadNew);
    return { at: read.at, storage, ownStorage, root: read.root, changesAsOf: read.changesAsOf, walk: read.walk, newTrees, diff, items: read.items };
  },
  async apply(tx, ctx, job, task, prepared) {
    if (!prepared) throw new Error(`backup task of job ${job.id} has no prepared result`);
    const { root, storage } = prepared;
    await tx.snapshotTreesPut({ storage, trees: prepared.newTrees, blobs: prepared.ownStorage ? 'existing' : 'create', now: ctx.now() });
    if (!prepared.ownStorage) {
      // A blob found in the other location by prepare may have been collected since (its row then re-created above): its bytes must still be there.
      const [gone] = await ctx.blobs.get(storage).absent([...new Set(prepared.newTrees.flatMap((t) => refsOfTreeJson(t.json).blobs.map((b) => b.sha256)))]);
      if (gone !== undefined) throw new BlobCollectedError(`blob ${gone.slice(0, 12)}… left '${storage}' before the snapshot referenced it; retry`);
    }
    const snapshot = await tx.snapshotInsert({
      libraryId: job.libraryId, jobId: job.id, label: job.params.label ?? null, path: task.context.path, storage, rootTree: root.hash,
      files: root.files, folders: root.folders, bytes: root.bytes, ...prepared.diff, now: prepared.at, changesAsOf: prepared.changesAsOf,
    });
    const summary = {
      id: snapshot.id, rootTree: root.hash, storage, path: snapshot.path, label: snapshot.label, createdAt: new Date(snapshot.createdAt).toISOString(),
      counts: { files: root.files, folders: root.folders }, bytes: root.bytes, ...prepared.diff,
    };
    await recordWebhookEvent(tx, { domainId: job.domainId, type: 'snapshot.created', data: { libraryId: job.libraryId, jobId: job.id, snapshot: summary }, now: ctx.now() });
    await addToJobResult(tx, job.id, { snapshot: { ...summary, newTrees: prepared.newTrees.length, walk: prepared.walk } });
    // The folder backed up counts as the planned item, everything under it as found at run time.
    return { succeeded: prepared.items + 1, skipped: 0, failures: [], extraTotal: prepared.items };
  },
};

async function loadStored(ctx: OperationContext, storage: string, hash: string) {
  const tree = await ctx.store.snapshotTreeGet({ storage, hash });
  // Forgotten since the walk found it (a concurrent retention): run the task again.
  if (!tree) throw new BlobCollectedError(`snapshot tree ${hash.slice(0, 12)}… is no longer stored in '${storage}'; retry`);
  return tree;
}
