/**
 * Running a replicate task. Each entry is decided again against both trees
 * as they are now (`decide`), then, in one savepoint for the whole task, the
 * changes are made set-based: folders created in path order (a missing
 * parent made on the way, a file in its way trashed), file rows inserted 500
 * at a time, blob references added in one statement per 500, content
 * replaced in place (the item keeps its id), what the source lacks trashed
 * (a folder with its subtree). An entry that fails for good (a name taken
 * concurrently, a path too long) rolls the savepoint back and the task runs
 * entry by entry, each in its own savepoint, so only that entry fails. A dry
 * run decides the same way and writes nothing but the job's result.
 */
import type { Store } from '../store/store.js';
import type { Item, Library } from '../domain/types.js';
import type { BlobStore } from '../blobs/blob-store.js';
import type { ItemFailureOutcome, JobOf, OperationContext, TaskOutcome } from '../jobs/operation.js';
import type { NewItemRow } from '../store/queries/items-bulk.js';
import { BatchyardError, ConflictError, UnprocessableError } from '../domain/errors.js';
import { MAX_DEPTH, MAX_PATH_BYTES, parentPath, parsePath } from '../domain/item-path.js';
import { ensureFolder } from '../services/folders.js';
import { addBlobRefs } from '../services/blob-refs.js';
import { comparePaths } from './path-order.js';
import { addToResult, emptyTally, type ListedChange, type ReplicateTally } from './replicate-result.js';
import { checkFolders } from './replicate-plan.js';
import { sameItem, sidesOf, type ChangeEntry, type ReplicateContext, type ReplicateEntry, type ReplicateJobParams, type Sides } from './replicate-model.js';

interface Run {
  tx: Store;
  job: JobOf<ReplicateJobParams>;
  sides: Sides;
  source: Library;
  target: Library;
  targetBlobs: BlobStore;
  dryRun: boolean;
  deleteExtraneous: boolean;
  now: number;
}

type Decision =
  | { kind: 'none' }
  | { kind: 'gone' }
  | { kind: 'create'; source: Item }
  | { kind: 'update'; source: Item; target: Item }
  | { kind: 'replace'; source: Item; target: Item }
  | { kind: 'trash'; target: Item };

/** What an entry calls for now: `gone` when there is nothing left to do (the source item went, or the extraneous one did). */
function decide(r: Run, entry: ChangeEntry, source: Item | undefined, target: Item | undefined): Decision {
  if (entry.action === 'trash') {
    // Back in the source meanwhile: not extraneous any more (the next replicate compares the two).
    if (!target || source || !r.deleteExtraneous) return { kind: 'gone' };
    return { kind: 'trash', target };
  }
  if (!source) return { kind: 'gone' };
  if (!target) return { kind: 'create', source };
  if (sameItem(source, target)) return { kind: 'none' };
  return source.kind !== target.kind ? { kind: 'replace', source, target } : { kind: 'update', source, target };
}

function relOf(r: Run, entry: ChangeEntry): string {
  const prefix = entry.action === 'trash' ? r.sides.targetPrefix : r.sides.sourcePrefix;
  if (!entry.path.startsWith(prefix)) throw new UnprocessableError(`'${entry.path}' is not under '${prefix}'`);
  return entry.path.slice(prefix.length);
}

/** A target path the catalog cannot hold (the target folder is deeper than the source's). */
function pathLimit(path: string): string | undefined {
  if (Buffer.byteLength(path, 'utf8') > MAX_PATH_BYTES) return `'${path.slice(0, 200)}…' would be longer than ${MAX_PATH_BYTES} bytes`;
  if (path.split('/').length - 1 > MAX_DEPTH) return `'${path.slice(0, 200)}…' would be more than ${MAX_DEPTH} levels deep`;
  return undefined;
}

async function trashItem(r: Run, item: Item): Promise<void> {
  if (item.kind === 'folder') await r.tx.itemTrashSubtreeRest({ libraryId: item.libraryId, prefix: `${item.path}/`, rootId: item.id, now: r.now });
  await r.tx.itemTrashMany({ ids: [item.id], rootId: item.id, now: r.now });
}

interface BatchOutcome {
  out: TaskOutcome;
  tally: ReplicateTally;
  changes: ListedChange[];
}

/** Decides and (unless a dry run) applies `entries`; a permanent error of any of them is thrown. */
async function applyBatch(r: Run, entries: ChangeEntry[]): Promise<BatchOutcome> {
  const { tx, sides } = r;
  const work = entries.map((entry) => ({ entry, rel: relOf(r, entry) })).sort((a, b) => comparePaths(a.rel, b.rel));
  const sources = await tx.itemGetLiveByPaths({ libraryId: r.source.id, paths: work.map((w) => sides.sourcePrefix + w.rel) });
  const targets = await tx.itemGetLiveByPaths({ libraryId: r.target.id, paths: work.map((w) => sides.targetPrefix + w.rel) });
  const sourceAt = new Map(sources.map((i) => [i.path.slice(sides.sourcePrefix.length), i]));
  const targetAt = new Map(targets.map((i) => [i.path.slice(sides.targetPrefix.length), i]));
  const out: TaskOutcome = { succeeded: 0, skipped: 0, failures: [], bytesDone: 0 };
  const tally = emptyTally();
  const changes: ListedChange[] = [];

  const folders = new Map<string, number>();
  for (const t of targets) if (t.kind === 'folder') folders.set(t.path, t.id);
  let rootId: number | undefined;
  const folderId = async (path: string): Promise<number> => {
    if (path === sides.targetPath) return (rootId ??= (await ensureFolder(tx, r.target, parsePath(sides.targetPath), r.now)).id);
    const known = folders.get(path);
    if (known !== undefined) return known;
    // A parent another task creates (or has yet to): made here on the way; a file in its way is
    // replaced (the source has a folder there, since it has this child).
    const parentId = await folderId(parentPath(path));
    const existing = await tx.itemGetByPath({ libraryId: r.target.id, path });
    if (existing && existing.kind !== 'folder') await trashItem(r, existing);
    const folder =
      existing?.kind === 'folder'
        ? existing
        : ((await tx.itemInsertIfAbsent({ libraryId: r.target.id, parentId, name: path.slice(path.lastIndexOf('/') + 1), path, kind: 'folder', size: 0, sha256: null, contentType: null, now: r.now })) ??
          (await tx.itemGetByPath({ libraryId: r.target.id, path })));
    if (!folder || folder.kind !== 'folder') throw new ConflictError(`'${path}' changed concurrently; retry`, { path });
    folders.set(path, folder.id);
    return folder.id;
  };

  const rows: NewItemRow[] = [];
  const refs = new Map<string, { size: number; count: number }>();
  const released = new Map<string, number>();
  const addRef = (item: Item) => {
    const ref = refs.get(item.sha256!) ?? { size: item.size, count: 0 };
    ref.count++;
    refs.set(item.sha256!, ref);
  };
  const place = async (source: Item, path: string) => {
    const parentId = await folderId(parentPath(path));
    if (source.kind === 'folder') {
      await folderId(path).catch((error: unknown) => {
        throw error instanceof ConflictError ? new ConflictError(`'${path}' exists in the target and is not a folder`, { path }) : error;
      });
      return;
    }
    rows.push({
      libraryId: r.target.id,
      parentId,
      name: source.name,
      path,
      kind: 'file',
      size: source.size,
      sha256: source.sha256,
      contentType: source.contentType,
      createdAt: r.now,
      modifiedAt: source.modifiedAt,
    });
    if (source.sha256) addRef(source);
  };

  for (const { entry, rel } of work) {
    const source = sourceAt.get(rel);
    const decision = decide(r, entry, source, targetAt.get(rel));
    const targetPath = sides.targetPrefix + rel;
    if (decision.kind === 'gone') {
      out.skipped++;
      continue;
    }
    if (decision.kind === 'none') {
      // Already as the source has it: in a dry run, unchanged; in a run, made so by this job (a parent
      // created by another of its tasks) or by someone else, which is what the entry asked for.
      if (r.dryRun) {
        tally.unchanged++;
        out.skipped++;
      } else {
        if (entry.action === 'create') tally.created++;
        else tally.updated++;
        out.succeeded++;
      }
      continue;
    }
    const limit = decision.kind === 'create' || decision.kind === 'replace' ? pathLimit(targetPath) : undefined;
    if (limit) {
      out.failures.push({ entry, itemId: source?.id ?? null, path: entry.path, code: 'INVALID_ARGUMENT', message: limit });
      continue;
    }
    const bytes = decision.kind !== 'trash' && decision.source.kind === 'file' ? decision.source.size : 0;
    if (decision.kind === 'create') tally.created++;
    else if (decision.kind === 'trash') tally.trashed++;
    else tally.updated++;
    tally.bytes += bytes;
    if (r.dryRun) {
      const kind = decision.kind === 'trash' ? decision.target.kind : decision.source.kind;
      changes.push({ action: decision.kind === 'replace' ? 'update' : decision.kind, path: targetPath, kind });
      out.skipped++;
      continue;
    }
    if (decision.kind === 'trash') {
      await trashItem(r, decision.target);
      folders.delete(decision.target.path);
    } else if (decision.kind === 'replace') {
      await trashItem(r, decision.target);
      folders.delete(decision.target.path);
      await place(decision.source, targetPath);
    } else if (decision.kind === 'create') {
      await place(decision.source, targetPath);
    } else {
      const { source: s, target: t } = decision;
      await tx.itemUpdateContent({ id: t.id, sha256: s.sha256!, size: s.size, contentType: s.contentType ?? 'application/octet-stream', now: s.modifiedAt });
      addRef(s);
      if (t.sha256) released.set(t.sha256, (released.get(t.sha256) ?? 0) + 1);
    }
    out.succeeded++;
    out.bytesDone! += bytes;
  }
  if (!r.dryRun) {
    for (let k = 0; k < rows.length; k += 500) await tx.itemInsertMany(rows.slice(k, k + 500));
    await addBlobRefs(tx, r.targetBlobs, [...refs].map(([sha256, ref]) => ({ sha256, ...ref })), r.now);
    await tx.blobReleaseMany({ storage: r.target.storage, blobs: [...released].map(([sha256, refs]) => ({ sha256, refs })) });
  }
  return { out, tally, changes };
}

/** An error that belongs to an entry (it fails, the task goes on), not to the task (retried, or failing all). */
function isEntryError(tx: Store, error: unknown): boolean {
  return (error instanceof BatchyardError && !error.transient) || tx.isUniqueViolation(error);
}

function entryFailure(tx: Store, entry: ChangeEntry, error: unknown): ItemFailureOutcome {
  if (tx.isUniqueViolation(error)) return { entry, itemId: null, path: entry.path, code: 'CONFLICT', message: 'an item of the same name appeared in the target concurrently' };
  const e = error as BatchyardError;
  return { entry, itemId: null, path: entry.path, code: e.code, message: e.message };
}

async function applyChanges(r: Run, entries: ChangeEntry[]): Promise<BatchOutcome> {
  if (r.dryRun) return applyBatch(r, entries);
  const { tx } = r;
  try {
    await tx.savepoint('replicate_batch');
    const done = await applyBatch(r, entries);
    await tx.releaseSavepoint('replicate_batch');
    return done;
  } catch (error) {
    if (!isEntryError(tx, error)) throw error;
    await tx.rollbackToSavepoint('replicate_batch');
  }
  // One by one: only the entries at fault fail.
  const total: BatchOutcome = { out: { succeeded: 0, skipped: 0, failures: [], bytesDone: 0 }, tally: emptyTally(), changes: [] };
  for (const entry of entries) {
    try {
      await tx.savepoint('replicate_entry');
      const one = await applyBatch(r, [entry]);
      await tx.releaseSavepoint('replicate_entry');
      total.out.succeeded += one.out.succeeded;
      total.out.skipped += one.out.skipped;
      total.out.failures.push(...one.out.failures);
      total.out.bytesDone! += one.out.bytesDone ?? 0;
      for (const key of Object.keys(total.tally) as Array<keyof ReplicateTally>) total.tally[key] += one.tally[key];
    } catch (error) {
      if (!isEntryError(tx, error)) throw error;
      await tx.rollbackToSavepoint('replicate_entry');
      total.out.failures.push(entryFailure(tx, entry, error));
    }
  }
  return total;
}

export async function applyReplicate(tx: Store, ctx: OperationContext, job: JobOf<ReplicateJobParams>, context: ReplicateContext, entries: ReplicateEntry[]): Promise<TaskOutcome> {
  const dryRun = job.params.dryRun === true;
  // A tally task: items the planner found the same on both sides (or a replay of one, an entry per item).
  if (context !== null || entries.every((e) => typeof e === 'number')) {
    const count = entries.length > 0 ? entries.length : (context?.unchanged ?? 0);
    await addToResult(tx, job.id, dryRun, { ...emptyTally(), unchanged: count }, []);
    return { succeeded: 0, skipped: count, failures: [] };
  }
  const source = await ctx.library(job.libraryId, tx);
  const target = await ctx.library(job.params.targetLibraryId, tx);
  if (!dryRun && target.state !== 'STANDARD') throw new UnprocessableError(`the target library is ${target.state}`);
  const sides = sidesOf(job.params);
  const out: TaskOutcome = { succeeded: 0, skipped: 0, failures: [], bytesDone: 0 };
  const changes = entries.filter((e): e is ChangeEntry => typeof e === 'object' && e.action !== 'folder');
  for (const entry of entries) {
    if (typeof entry !== 'object' || entry.action !== 'folder') continue;
    // A planning failure of the job's folders, replayed by a retry: it fails again while it holds.
    const failure = await checkFolders(tx, job, sides, target.id);
    if (failure) out.failures.push({ entry, itemId: null, path: failure.path, code: failure.code, message: failure.message });
    else out.skipped++;
  }
  const r: Run = { tx, job, sides, source, target, targetBlobs: ctx.blobs.get(target.storage), dryRun, deleteExtraneous: job.params.deleteExtraneous === true, now: ctx.now() };
  const done = changes.length > 0 ? await applyChanges(r, changes) : { out: { succeeded: 0, skipped: 0, failures: [], bytesDone: 0 }, tally: emptyTally(), changes: [] };
  await addToResult(tx, job.id, dryRun, done.tally, done.changes);
  return {
    succeeded: out.succeeded + done.out.succeeded,
    skipped: out.skipped + done.out.skipped,
    failures: [...out.failures, ...done.out.failures],
    bytesDone: done.out.bytesDone ?? 0,
  };
}
