/**
 * Running copy and move tasks. Roots (phase 1) are placed at the destination
 * (conflicts follow `onConflict`; `overwrite` moves the item in the way to the
 * trash, so nothing is lost) and their placement is recorded; subtree chunks
 * (phase 2) follow their root there: a move within a library rewrites paths
 * in one statement, a copy or a move across libraries inserts the copies and
 * adds blob references (a move also deletes the sources in the same
 * transaction); a cross-library move deletes emptied source folders last (phase 3).
 */
import type { Store } from '../store/store.js';
import type { Item, Library } from '../domain/types.js';
import type { Static } from '@sinclair/typebox';
import type { Job, OnConflict } from '../domain/jobs.js';
import type { CopyMoveParams } from '../domain/job-params/index.js';
import type { ItemFailureOutcome, JobOf, OperationContext, TaskOutcome } from '../jobs/operation.js';
import type { BlobStore } from '../blobs/blob-store.js';
import type { NewItemRow } from '../store/queries/items-bulk.js';
import { BatchyardError, UnprocessableError } from '../domain/errors.js';
import { childPath, parentPath, parsePath } from '../domain/item-path.js';
import { ensureFolder, freeName } from '../services/folders.js';
import { addBlobRef, addBlobRefs } from '../services/blob-refs.js';
import { isPlannedRoot, rootRefLabel, type MembersContext, type RootRef } from './subtree-planner.js';

interface Run {
  tx: Store;
  job: Job;
  source: Library;
  target: Library;
  sourceBlobs: BlobStore;
  targetBlobs: BlobStore;
  move: boolean;
  cross: boolean;
  onConflict: OnConflict;
  now: number;
}

async function trashInTheWay(tx: Store, item: Item, now: number): Promise<void> {
  if (item.kind === 'folder') await tx.itemTrashSubtreeRest({ libraryId: item.libraryId, prefix: `${item.path}/`, rootId: item.id, now });
  await tx.itemTrashMany({ ids: [item.id], rootId: item.id, now });
}

function row(r: Run, item: Item, parentId: number, name: string, path: string): NewItemRow {
  return {
    libraryId: r.target.id,
    parentId,
    name,
    path,
    kind: item.kind,
    size: item.kind === 'file' ? item.size : 0,
    sha256: item.sha256,
    contentType: item.contentType,
    createdAt: r.now,
    modifiedAt: item.modifiedAt,
  };
}

/** Removes moved sources (rows and their blob references). */
async function deleteSources(r: Run, ids: number[]): Promise<void> {
  const gone = await r.tx.itemDeleteMany({ ids });
  await r.tx.blobReleaseMany({ storage: r.source.storage, blobs: gone.blobs });
}

async function resolveRoot(r: Run, entry: RootRef): Promise<Item | undefined> {
  const item = 'id' in entry ? await r.tx.itemGetById({ libraryId: r.source.id, id: entry.id }) : await r.tx.itemGetByPath({ libraryId: r.source.id, path: entry.path });
  return item && item.trashedAt === null ? item : undefined;
}

async function placeRoot(r: Run, entry: RootRef, destination: string): Promise<'skipped' | number | ItemFailureOutcome> {
  const item = await resolveRoot(r, entry);
  const fail = (code: string, message: string): ItemFailureOutcome => ({ entry, itemId: item?.id ?? null, path: item?.path ?? rootRefLabel(entry), code, message });
  if (!item) return isPlannedRoot(entry) ? 'skipped' : fail('NOT_FOUND', `${rootRefLabel(entry)} not found`);
  if (!r.cross && (destination === item.path || destination.startsWith(`${item.path}/`))) {
    return fail('UNPROCESSABLE', `'${destination}' is inside '${item.path}'`);
  }
  let name = item.name;
  let path = childPath(destination, name);
  if (!r.cross && r.move && path === item.path) return 'skipped';
  const folder = await ensureFolder(r.tx, r.target, parsePath(destination), r.now);
  const clash = await r.tx.itemGetByPath({ libraryId: r.target.id, path });
  if (clash) {
    if (r.onConflict === 'skip') return 'skipped';
    if (r.onConflict === 'fail') return fail('CONFLICT', `'${path}' exists in the destination`);
    if (r.onConflict === 'rename') {
      name = await freeName(r.tx, r.target.id, destination, item.name);
      path = childPath(destination, name);
    } else {
      await trashInTheWay(r.tx, clash, r.now);
    }
  }
  let targetId: number;
  if (r.move && !r.cross) {
    await r.tx.itemSetPlace({ id: item.id, parentId: folder.id, name, path, now: r.now });
    targetId = item.id;
  } else {
    const [created] = await r.tx.itemInsertMany([row(r, item, folder.id, name, path)]);
    targetId = created!.id;
    if (item.kind === 'file' && item.sha256) await addBlobRef(r.tx, r.targetBlobs, { sha256: item.sha256, size: item.size, now: r.now });
    if (r.move && item.kind === 'file') await deleteSources(r, [item.id]);
  }
  await r.tx.targetSet({ jobId: r.job.id, sourceId: item.id, targetId, targetPath: path });
  return item.kind === 'file' ? item.size : 0;
}

async function applyRoots(r: Run, entries: RootRef[], destination: string): Promise<TaskOutcome> {
  const out: TaskOutcome = { succeeded: 0, skipped: 0, failures: [], bytesDone: 0 };
  for (const entry of entries) {
    let result: 'skipped' | number | ItemFailureOutcome;
    try {
      await r.tx.savepoint('copy_root');
      result = await placeRoot(r, entry, destination);
      await r.tx.releaseSavepoint('copy_root');
    } catch (error) {
      if (!(error instanceof BatchyardError) || error.transient) throw error;
      await r.tx.rollbackToSavepoint('copy_root');
      result = { entry, itemId: 'id' in entry ? entry.id : null, path: rootRefLabel(entry), code: error.code, message: error.message };
    }
    if (result === 'skipped') out.skipped++;
    else if (typeof result === 'number') {
      out.succeeded++;
      out.bytesDone! += result;
    } else out.failures.push(result);
  }
  return out;
}

/**
 * Where a root was placed: by this job or, for a retry, by the job it retries
 * (a retry replays failed subtree chunks whose root the original placed).
 */
async function placementOf(r: Run, rootId: number): Promise<{ targetId: number; targetPath: string } | undefined> {
  let jobId: number | null = r.job.id;
  let retryOf: number | null = r.job.retryOf;
  while (jobId !== null) {
    const placed = await r.tx.targetGet({ jobId, sourceId: rootId });
    if (placed) return placed;
    jobId = retryOf;
    retryOf = jobId === null ? null : ((await r.tx.jobGetById(jobId))?.retryOf ?? null);
  }
  return undefined;
}

async function applyMembers(r: Run, context: MembersContext, ids: number[]): Promise<TaskOutcome> {
  const placed = await placementOf(r, context.root);
  if (!placed) return { succeeded: 0, skipped: ids.length, failures: [] };
  const newPrefix = `${placed.targetPath}/`;
  if (r.move && !r.cross) {
    const moved = await r.tx.itemRewritePaths({ ids, oldPrefix: context.prefix, newPrefix });
    return { succeeded: moved, skipped: ids.length - moved, failures: [] };
  }
  const items = (await r.tx.itemGetMany({ ids }))
    .filter((i) => i.trashedAt === null && i.libraryId === r.source.id && i.path.startsWith(context.prefix))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const out: TaskOutcome = { succeeded: 0, skipped: ids.length - items.length, failures: [], bytesDone: 0 };
  const newPath = (i: Item) => newPrefix + i.path.slice(context.prefix.length);
  const existing = new Map((await r.tx.itemGetLiveByPaths({ libraryId: r.target.id, paths: items.map(newPath) })).map((i) => [i.path, i]));
  const folders = new Map<string, number>([[placed.targetPath, placed.targetId]]);
  const parentIdOf = async (path: string): Promise<number> => {
    const cached = folders.get(path);
    if (cached !== undefined) return cached;
    const folder = await ensureFolder(r.tx, r.target, parsePath(path), r.now);
    folders.set(path, folder.id);
    return folder.id;
  };
  const fileRows: NewItemRow[] = [];
  const refs = new Map<string, { size: number; count: number }>();
  const done: number[] = [];
  for (const item of items) {
    let path = newPath(item);
    let name = item.name;
    const clash = existing.get(path);
    if (clash && item.kind === 'folder' && clash.kind === 'folder') {
      folders.set(path, clash.id);
      out.succeeded++;
      done.push(item.id);
      continue;
    }
    if (clash) {
      if (r.onConflict === 'skip') {
        out.skipped++;
        continue;
      }
      if (r.onConflict === 'fail') {
        out.failures.push({ entry: item.id, itemId: item.id, path: item.path, code: 'CONFLICT', message: `'${path}' exists in the destination` });
        continue;
      }
      if (r.onConflict === 'rename') {
        name = await freeName(r.tx, r.target.id, parentPath(path), item.name);
        path = childPath(parentPath(path), name);
      } else {
        await trashInTheWay(r.tx, clash, r.now);
      }
    }
    const parentId = await parentIdOf(parentPath(path));
    if (item.kind === 'folder') {
      // Another chunk may create the same folder concurrently (as a missing parent): then it is merged into.
      const created =
        (await r.tx.itemInsertIfAbsent({ libraryId: r.target.id, parentId, name, path, kind: 'folder', size: 0, sha256: null, contentType: null, now: r.now })) ??
        (await r.tx.itemGetByPath({ libraryId: r.target.id, path }));
      if (!created || created.kind !== 'folder') {
        out.failures.push({ entry: item.id, itemId: item.id, path: item.path, code: 'CONFLICT', message: `'${path}' exists in the destination and is not a folder` });
        continue;
      }
      folders.set(path, created.id);
    } else {
      fileRows.push(row(r, item, parentId, name, path));
      if (item.sha256) {
        const ref = refs.get(item.sha256) ?? { size: item.size, count: 0 };
        ref.count++;
        refs.set(item.sha256, ref);
      }
      out.bytesDone! += item.size;
    }
    out.succeeded++;
    done.push(item.id);
  }
  for (let k = 0; k < fileRows.length; k += 500) await r.tx.itemInsertMany(fileRows.slice(k, k + 500));
  // One statement per 500 blobs (a chunk of distinct files is a statement per file otherwise).
  await addBlobRefs(r.tx, r.targetBlobs, [...refs].map(([sha256, ref]) => ({ sha256, ...ref })), r.now);
  if (r.move) await deleteSources(r, done);
  return out;
}

/** A cross-library move's last step: the emptied source folders go (one that gained items meanwhile stays). */
async function applyFinal(r: Run, entries: RootRef[]): Promise<TaskOutcome> {
  for (const entry of entries) {
    const item = await resolveRoot(r, entry);
    if (!item || item.kind !== 'folder') continue;
    if (!(await placementOf(r, item.id))) continue;
    const left = await r.tx.itemListSubtreeLive({ libraryId: r.source.id, prefix: `${item.path}/`, limit: 1 });
    if (left.length === 0) await deleteSources(r, [item.id]);
  }
  return { succeeded: 0, skipped: 0, failures: [] };
}

export async function applyCopyMove(
  tx: Store,
  ctx: OperationContext,
  job: JobOf<Static<typeof CopyMoveParams>>,
  context: MembersContext | { final: true } | null,
  entries: Array<number | RootRef>,
): Promise<TaskOutcome> {
  const source = await ctx.library(job.libraryId, tx);
  const target = job.targetLibraryId ? await ctx.library(job.targetLibraryId, tx) : source;
  const move = job.type === 'move';
  const r: Run = {
    tx,
    job,
    source,
    target,
    sourceBlobs: ctx.blobs.get(source.storage),
    targetBlobs: ctx.blobs.get(target.storage),
    move,
    cross: target.id !== source.id,
    onConflict: job.params.onConflict ?? 'fail',
    now: ctx.now(),
  };
  if (move && (source.state === 'ARCHIVED' || source.state === 'DELETING')) throw new UnprocessableError(`the source library is ${source.state}`);
  if (target.state === 'ARCHIVED' || target.state === 'DELETING') throw new UnprocessableError(`the target library is ${target.state}`);
  if (context === null) return applyRoots(r, entries as RootRef[], job.params.destination);
  if ('final' in context) return applyFinal(r, entries as RootRef[]);
  return applyMembers(r, context, entries as number[]);
}

