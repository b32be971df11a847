/**
 * `backup {path?, storage?, label?}`: a snapshot of a library (or a folder)
 * as of one instant. One task: `prepare` reads every live item under the path
 * inside one read snapshot (Store.readSnapshot: users keep writing meanwhile,
 * the backup sees none of it), builds the content-addressed trees
 * (backup-trees.ts), keeps those the storage location does not hold yet and,
 * when `storage` is not the library's own, copies the blobs they reference
 * that the location lacks (bytes first). `apply` then stores the new trees
 * with their references (a later purge in the library cannot reclaim bytes a
 * snapshot needs), records the snapshot (created at the read's instant, with
 * what was added, changed and removed since the previous snapshot of the same
 * library and path) and the `snapshot.created` webhook event, in the task's
 * commit: a crash before it leaves nothing, a re-run starts over.
 *
 * The job counts the folder and every item under it. It needs WRITER on the
 * library (a snapshot holds its bytes); its result
 * is `{snapshot: {id, rootTree, storage, counts: {files, folders}, bytes,
 * added, changed, removed, newTrees}}`.
 */
import type { Operation, OperationContext, PlanStep } from '../jobs/operation.js';
import type { Job } from '../domain/jobs.js';
import { BackupParams } from '../domain/job-params/index.js';
import { normalizePath } from '../domain/item-path.js';
import { BlobCollectedError, InvalidArgumentError } from '../domain/errors.js';
import { blobRefsOf, type SnapshotTree } from '../domain/snapshot-tree.js';
import type { SnapshotSourceRow } from '../store/queries/snapshots.js';
import { recordWebhookEvent } from '../jobs/webhook-events.js';
import { buildTrees, diffTrees, type SnapshotDiff, type TreeLoader } from './backup-trees.js';
import { copyMissingBlobs } from './blob-copy.js';
import { addToJobResult } from './job-result.js';

type Params = { path?: string; storage?: string; label?: string };
type Context = { path: string };

interface Prepared {
  at: number;
  storage: string;
  ownStorage: boolean;
  root: SnapshotTree;
  /** Trees the location did not hold when read, children first. */
  newTrees: SnapshotTree[];
  diff: SnapshotDiff;
  items: number;
}

const READ_CHUNK = 5000;

async function plan(ctx: OperationContext, job: Job & { params: Params }): Promise<PlanStep<null>> {
  const path = job.params.path ?? '/';
  const root = await ctx.store.itemGetByPath({ libraryId: job.libraryId, path });
  if (!root || root.kind !== 'folder') {
    const message = root ? `${path} is not a folder` : `${path} not found`;
    return { tasks: [], failures: [{ entry: { path }, itemId: root?.id ?? null, path, code: root ? 'INVALID_ARGUMENT' : 'NOT_FOUND', message, phase: 1, context: null }], cursor: null };
  }
  return { tasks: [{ phase: 1, context: { path } satisfies Context, entries: [], itemCount: 1 }], failures: [], cursor: null };
}

/** Every live item under `path` as of one instant; undefined when the folder is gone. */
async function readSubtree(ctx: OperationContext, libraryId: string, path: string): Promise<{ at: number; rows: SnapshotSourceRow[] } | undefined> {
  return ctx.store.readSnapshot(async (view) => {
    const at = ctx.now();
    const root = await view.itemGetByPath({ libraryId, path });
    if (!root || root.kind !== 'folder') return undefined;
    const prefix = path === '/' ? '/' : `${path}/`;
    const rows: SnapshotSourceRow[] = [];
    let after: string | undefined;
    for (;;) {
      ctx.signal?.throwIfAborted();
      const chunk = await view.itemListForSnapshot({ libraryId, prefix, after, limit: READ_CHUNK });
      rows.push(...chunk);
      if (chunk.length < READ_CHUNK) break;
      after = chunk.at(-1)!.path;
    }
    return { at, rows };
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
    const read = await readSubtree(ctx, job.libraryId, path);
    if (!read) throw new Error(`${path} is no longer a folder of the library`);
    const built = buildTrees(path, read.rows);
    const existing = await ctx.store.snapshotTreesExisting({ storage, hashes: built.ordered.map((t) => t.hash) });
    const newTrees = built.ordered.filter((t) => !existing.has(t.hash));
    const ownStorage = storage === library.storage;
    if (!ownStorage) {
      const shas = newTrees.flatMap((t) => blobRefsOf(t.entries).map((b) => b.sha256));
      await copyMissingBlobs(ctx, library.storage, storage, shas);
    }
    const [previous] = await ctx.store.snapshotListByLibrary({ libraryId: job.libraryId, path, order: 'desc', limit: 1 });
    const loadNew: TreeLoader = async (hash) => built.byHash.get(hash) ?? (await loadStored(ctx, storage, hash));
    const loadOld: TreeLoader = (hash) => loadStored(ctx, previous!.storage, hash);
    const diff = await diffTrees(previous?.rootTree ?? null, built.root.hash, loadOld, loadNew);
    return { at: read.at, storage, ownStorage, root: built.root, newTrees, diff, items: read.rows.length };
  },
  async apply(tx, ctx, job, task, prepared) {
    if (!prepared) throw new Error(`backup task of job ${job.id} has no prepared result`);
    const { root, storage } = prepared;
    await tx.snapshotTreesPut({ storage, trees: prepared.newTrees, blobs: prepared.ownStorage ? 'existing' : 'create', now: ctx.now() });
    if (!prepared.ownStorage) {
      // A blob found in the other location by prepare may have been collected since (its row then re-created above): its bytes must still be there.
      const [gone] = await ctx.blobs.get(storage).absent([...new Set(prepared.newTrees.flatMap((t) => blobRefsOf(t.entries).map((b) => b.sha256)))]);
      if (gone !== undefined) throw new BlobCollectedError(`blob ${gone.slice(0, 12)}… left '${storage}' before the snapshot referenced it; retry`);
    }
    const snapshot = await tx.snapshotInsert({
      libraryId: job.libraryId, jobId: job.id, label: job.params.label ?? null, path: task.context.path, storage, rootTree: root.hash,
      files: root.files, folders: root.folders, bytes: root.bytes, ...prepared.diff, now: prepared.at,
    });
    const summary = {
      id: snapshot.id, rootTree: root.hash, storage, path: snapshot.path, label: snapshot.label, createdAt: new Date(snapshot.createdAt).toISOString(),
      counts: { files: root.files, folders: root.folders }, bytes: root.bytes, ...prepared.diff,
    };
    await recordWebhookEvent(tx, { domainId: job.domainId, type: 'snapshot.created', data: { libraryId: job.libraryId, jobId: job.id, snapshot: summary }, now: ctx.now() });
    await addToJobResult(tx, job.id, { snapshot: { ...summary, newTrees: prepared.newTrees.length } });
    // The folder backed up counts as the planned item, everything under it as found at run time.
    return { succeeded: prepared.items + 1, skipped: 0, failures: [], extraTotal: prepared.items };
  },
};

async function loadStored(ctx: OperationContext, storage: string, hash: string) {
  const tree = await ctx.store.snapshotTreeGet({ storage, hash });
  if (!tree) throw new Error(`snapshot tree ${hash} is not stored in '${storage}'`);
  return tree;
}
