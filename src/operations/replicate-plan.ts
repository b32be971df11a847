/**
 * Replicate's planner: a merge join of the source folder's and the target
 * folder's live items, both read in path order in keyset chunks, compared by
 * relative path. What only the source has is created, what differs (content,
 * or kind) is updated, what only the target has is trashed when
 * `deleteExtraneous` (a folder whole: its subtree is no item of the job),
 * what is the same is counted unchanged. Each step covers a bounded number of
 * items and ends with a small cursor: the last relative path merged, and the
 * target folders whose subtrees are skipped.
 */
import type { Store } from '../store/store.js';
import type { JobOf, OperationContext, PlanStep, PlannedTask } from '../jobs/operation.js';
import type { SyncRow } from '../store/queries/items-sync.js';
import { prefixEnd } from '../store/queries/items-bulk.js';
import { chunkSizeFor, ITEMS_PER_STEP } from './subtree-planner.js';
import { comparePaths } from './path-order.js';
import { sameItem, sidesOf, type ChangeEntry, type FolderEntry, type ReplicateJobParams, type Sides } from './replicate-model.js';

export interface ReplicateCursor {
  /** The last relative path merged (null: none yet). */
  after: string | null;
  /** Relative paths plus '/' of target folders the job trashes or replaces: their items are skipped. */
  skips: string[];
}

/** One side's items after a relative path, a chunk at a time. */
class Listing {
  private rows: SyncRow[] = [];
  private next = 0;
  private ended = false;
  private from: string | undefined;

  constructor(
    private readonly store: Store,
    private readonly libraryId: string,
    private readonly prefix: string,
    private after: string | null,
    private readonly limit: number,
  ) {}

  /** The next item and its relative path; undefined past the last. */
  async head(): Promise<{ row: SyncRow; rel: string } | undefined> {
    if (this.next >= this.rows.length) {
      if (this.ended) return undefined;
      this.rows = await this.store.itemListSubtreeForSync({
        libraryId: this.libraryId,
        prefix: this.prefix,
        ...(this.after !== null ? { after: this.prefix + this.after } : {}),
        ...(this.from !== undefined ? { from: this.prefix + this.from } : {}),
        limit: this.limit,
      });
      this.next = 0;
      this.ended = this.rows.length < this.limit;
      const last = this.rows.at(-1);
      if (last) this.after = last.path.slice(this.prefix.length);
      if (this.rows.length === 0) return undefined;
    }
    const row = this.rows[this.next]!;
    return { row, rel: row.path.slice(this.prefix.length) };
  }

  shift(): void {
    this.next++;
  }

  /** Skips ahead to `rel` (inclusive): what lies before it is read no more. */
  jumpTo(rel: string): void {
    this.rows = [];
    this.next = 0;
    this.ended = false;
    // The buffer may have been read past `rel`: the bound is `rel` alone (everything consumed lies before it).
    this.after = null;
    this.from = rel;
  }
}

/** A tally task: `unchanged` items counted skipped and added to the result (which it creates if no task has yet). */
function resultTask(unchanged: number): PlannedTask {
  return { phase: 1, context: { unchanged }, entries: [], itemCount: unchanged };
}

/** A planning failure of one of the job's folders (nothing else is planned). */
function folderFailure(path: string, side: 'source' | 'target', code: string, message: string): PlanStep['failures'][number] {
  const entry: FolderEntry = { path, action: 'folder', side };
  return { entry, itemId: null, path, code, message, phase: 1, context: null };
}

/** Why the job's folders cannot be replicated, if they cannot: checked again by a replayed folder entry. */
export async function checkFolders(store: Store, job: { libraryId: string; targetLibraryId: string | null }, sides: Sides, targetLibraryId: string) {
  if (sides.sourcePath !== '/') {
    const source = await store.itemGetByPath({ libraryId: job.libraryId, path: sides.sourcePath });
    if (!source) return folderFailure(sides.sourcePath, 'source', 'NOT_FOUND', `'${sides.sourcePath}' not found in the source library`);
    if (source.kind !== 'folder') return folderFailure(sides.sourcePath, 'source', 'UNPROCESSABLE', `'${sides.sourcePath}' is a file; replicate mirrors a folder`);
  }
  if (sides.targetPath !== '/') {
    const target = await store.itemGetByPath({ libraryId: targetLibraryId, path: sides.targetPath });
    if (target && target.kind !== 'folder') return folderFailure(sides.targetPath, 'target', 'CONFLICT', `'${sides.targetPath}' is a file in the target library, not a folder`);
  }
  return undefined;
}

export async function planReplicate(ctx: OperationContext, job: JobOf<ReplicateJobParams>, cursor: ReplicateCursor | null): Promise<PlanStep<ReplicateCursor>> {
  const { store } = ctx;
  const params = job.params;
  const sides = sidesOf(params);
  const dryRun = params.dryRun === true;
  if (cursor === null) {
    const failure = await checkFolders(store, job, sides, params.targetLibraryId);
    if (failure) return { tasks: [resultTask(0)], failures: [failure], cursor: null };
  }
  const chunk = chunkSizeFor(store);
  let after = cursor?.after ?? null;
  let skips = [...(cursor?.skips ?? [])];
  const source = new Listing(store, job.libraryId, sides.sourcePrefix, after, chunk);
  const target = new Listing(store, params.targetLibraryId, sides.targetPrefix, after, chunk);
  const tasks: PlannedTask[] = [];
  let entries: ChangeEntry[] = [];
  let unchanged = 0;
  let bytesTotal = 0;
  let done = false;
  const flush = () => {
    if (entries.length > 0) tasks.push({ phase: 1, context: null, entries });
    entries = [];
  };
  for (let budget = ITEMS_PER_STEP; budget > 0; budget--) {
    const t = await target.head();
    const skip = t && skips.find((s) => t.rel.startsWith(s));
    if (skip !== undefined) {
      target.jumpTo(prefixEnd(skip));
      continue;
    }
    const s = await source.head();
    if (!s && !t) {
      done = true;
      break;
    }
    const order = !s ? 1 : !t ? -1 : comparePaths(s.rel, t.rel);
    if (order < 0) {
      entries.push({ path: s!.row.path, action: 'create' });
      bytesTotal += s!.row.kind === 'file' ? s!.row.size : 0;
      source.shift();
      after = s!.rel;
    } else if (order > 0) {
      if (t!.row.kind === 'folder') skips.push(`${t!.rel}/`);
      if (params.deleteExtraneous === true) entries.push({ path: t!.row.path, action: 'trash' });
      target.shift();
      after = t!.rel;
    } else {
      if (sameItem(s!.row, t!.row)) unchanged++;
      else {
        entries.push({ path: s!.row.path, action: 'update' });
        bytesTotal += s!.row.kind === 'file' ? s!.row.size : 0;
        if (t!.row.kind === 'folder') skips.push(`${t!.rel}/`);
      }
      source.shift();
      target.shift();
      after = s!.rel;
    }
    if (entries.length >= chunk) flush();
    if (skips.length > 0) {
      const merged = after;
      skips = skips.filter((k) => comparePaths(merged, prefixEnd(k)) < 0);
    }
  }
  flush();
  // The last step's tally task comes even with nothing unchanged: it writes the job's result (all zero: nothing to do).
  if (unchanged > 0 || done) tasks.push(resultTask(unchanged));
  return { tasks, failures: [], bytesTotal: dryRun ? 0 : bytesTotal, cursor: done ? null : { after, skips } };
}
