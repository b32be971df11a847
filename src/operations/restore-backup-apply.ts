/**
 * Running a restore_backup task: the entries of one depth (their parents were
 * restored by an earlier phase) become live items in the target library, with
 * the snapshot's names, media types and times; conflicts follow `onConflict`
 * as copy has it (a folder onto a folder merges; `overwrite` moves the item in
 * the way to the trash; `rename` applies to files). File bytes are referenced
 * in the target's storage location (copied there first by `prepare` when the
 * snapshot's location is another one); a blob missing in the snapshot's
 * location is a per-item failure naming the hash.
 *
 * Most tasks are a slice of one folder's tree (the context names the tree and
 * the folder's target path; each entry is `{path}`, a child's target path):
 * their entries are read from the tree (snapshot-tree-cache.ts), they share
 * one parent, and when that folder has no live child nothing can be in the
 * way, so the chunk is one insert and one blob-reference statement. Selected
 * roots (and entries a retry replays) carry the whole entry instead.
 */
import type { Store } from '../store/store.js';
import type { Item } from '../domain/types.js';
import type { OnConflict } from '../domain/jobs.js';
import type { ItemFailureOutcome, OperationContext, TaskOutcome } from '../jobs/operation.js';
import type { NewItemRow } from '../store/queries/items-bulk.js';
import { BatchyardError } from '../domain/errors.js';
import { childPath, parentPath, parsePath } from '../domain/item-path.js';
import { ensureFolder, freeName } from '../services/folders.js';
import { addBlobRefs } from '../services/blob-refs.js';
import { entryNamed, snapshotTreeEntries } from './snapshot-tree-cache.js';

/** One item to restore, at its path in the target library. */
export interface RestoreEntry {
  path: string;
  kind: 'file' | 'folder';
  size: number;
  sha256: string | null;
  contentType: string | null;
  createdAt: number;
  modifiedAt: number;
  /** A selected root: its parent folders are created when missing (mkdir -p). */
  top?: true;
}

/** A child of the context's tree, by its target path (the tree holds the rest). */
export interface RestoreRef {
  path: string;
}

export type RestoreTaskEntry = RestoreEntry | RestoreRef;

export interface RestoreContext {
  snapshotId: number;
  /** The snapshot's storage location (where its bytes are). */
  storage: string;
  targetLibraryId: string;
  onConflict: OnConflict;
  /** A tree task: the folder tree whose children the entries name, and that folder's target path. */
  tree?: string;
  dir?: string;
}

/** A task entry with what it names: the entry itself, or the tree's child it refers to. */
export interface ResolvedEntry {
  entry: RestoreTaskEntry;
  item: RestoreEntry | undefined;
}

function isRef(e: RestoreTaskEntry): e is RestoreRef {
  return !('kind' in e);
}

/** The task's entries as items to restore; a ref whose name its tree lacks resolves to undefined. */
export async function resolveEntries(store: Store, context: RestoreContext, entries: readonly RestoreTaskEntry[]): Promise<ResolvedEntry[]> {
  const tree = context.tree === undefined ? undefined : await snapshotTreeEntries(store, context.storage, context.tree);
  return entries.map((entry) => {
    if (!isRef(entry)) return { entry, item: entry };
    const e = tree && entryNamed(tree, entry.path.slice(entry.path.lastIndexOf('/') + 1));
    const item: RestoreEntry | undefined = e && { path: entry.path, kind: e.kind, size: e.size, sha256: e.sha256, contentType: e.contentType, createdAt: e.createdAt, modifiedAt: e.modifiedAt };
    return { entry, item };
  });
}

async function trashInTheWay(tx: Store, item: Item, now: number): Promise<void> {
  if (item.kind === 'folder') await tx.itemTrashSubtreeRest({ libraryId: item.libraryId, prefix: `${item.path}/`, rootId: item.id, now });
  await tx.itemTrashMany({ ids: [item.id], rootId: item.id, now });
}

/** Live items at the entries' paths, asked only under parents that have a live child (restoring into an empty folder asks nothing). */
async function itemsInTheWay(tx: Store, libraryId: string, entries: readonly RestoreEntry[], parents: ReadonlyMap<string, Item>): Promise<Map<string, Item>> {
  const occupied = new Map<string, boolean>();
  for (const [path, parent] of parents) {
    const [child] = parent.kind === 'folder' ? await tx.itemListChildren({ libraryId, parentId: parent.id, parentPath: path, afterName: undefined, limit: 1 }) : [];
    occupied.set(path, child !== undefined);
  }
  const paths = entries.filter((e) => occupied.get(parentPath(e.path)) !== false).map((e) => e.path);
  return new Map((await tx.itemGetLiveByPaths({ libraryId, paths })).map((i) => [i.path, i]));
}

export async function applyRestore(
  tx: Store,
  ctx: OperationContext,
  context: RestoreContext,
  resolved: readonly ResolvedEntry[],
  missing: ReadonlySet<string>,
): Promise<TaskOutcome> {
  const now = ctx.now();
  const target = await ctx.library(context.targetLibraryId, tx);
  const targetBlobs = ctx.blobs.get(target.storage);
  const failures: ItemFailureOutcome[] = [];
  const fail = (entry: RestoreTaskEntry, code: string, message: string) => failures.push({ entry, itemId: null, path: entry.path, code, message });
  let succeeded = 0;
  let skipped = 0;

  const todo: Array<{ entry: RestoreTaskEntry; item: RestoreEntry }> = [];
  for (const { entry, item } of resolved) {
    if (!item) fail(entry, 'NOT_FOUND', `${entry.path} is not in tree ${context.tree ?? '?'} of snapshot ${context.snapshotId}`);
    else todo.push({ entry, item });
  }
  for (const { entry, item: e } of todo) {
    if (!e.top || e.path === '/') continue;
    try {
      await ensureFolder(tx, target, parsePath(parentPath(e.path)), now);
    } catch (error) {
      if (!(error instanceof BatchyardError)) throw error;
      fail(entry, 'PARENT_NOT_FOLDER', error.message);
    }
  }
  const failed = new Set(failures.map((f) => f.path));
  const items = todo.filter(({ item }) => !failed.has(item.path) && item.path !== '/');
  const parentPaths = [...new Set(items.map(({ item }) => parentPath(item.path)))];
  const parents = new Map((await tx.itemGetLiveByPaths({ libraryId: target.id, paths: parentPaths })).map((i) => [i.path, i]));
  const existing = await itemsInTheWay(tx, target.id, items.map(({ item }) => item), parents);
  const rows: NewItemRow[] = [];
  const refs: Array<{ sha256: string; size: number; count: number }> = [];

  for (const { entry, item: e } of todo) {
    if (failed.has(e.path)) continue;
    if (e.path === '/') {
      succeeded++; // the root folder is always there
      continue;
    }
    if (e.kind === 'file' && e.sha256 && missing.has(e.sha256)) {
      fail(entry, 'BLOB_MISSING', `blob ${e.sha256} is missing in storage '${context.storage}'`);
      continue;
    }
    const parent = parents.get(parentPath(e.path));
    if (!parent || parent.kind !== 'folder') {
      fail(entry, 'PARENT_MISSING', `${parentPath(e.path)} is not a folder of the target library (its restore failed or was skipped)`);
      continue;
    }
    let name = e.path.slice(e.path.lastIndexOf('/') + 1);
    const inTheWay = existing.get(e.path);
    if (inTheWay) {
      if (e.kind === 'folder' && inTheWay.kind === 'folder') {
        succeeded++; // merged into the folder that is there
        continue;
      }
      if (context.onConflict === 'skip') {
        skipped++;
        continue;
      }
      if (context.onConflict === 'fail' || (context.onConflict === 'rename' && e.kind === 'folder')) {
        fail(entry, 'CONFLICT', `${e.path} exists in the target library${context.onConflict === 'rename' ? ' (rename applies to files; a file is in the way of this folder)' : ''}`);
        continue;
      }
      if (context.onConflict === 'overwrite') await trashInTheWay(tx, inTheWay, now);
      else name = await freeName(tx, target.id, parent.path, name);
    }
    rows.push({
      libraryId: target.id, parentId: parent.id, name, path: childPath(parent.path, name), kind: e.kind, size: e.kind === 'file' ? e.size : 0,
      sha256: e.sha256, contentType: e.contentType, createdAt: e.createdAt, modifiedAt: e.modifiedAt,
    });
    if (e.kind === 'file' && e.sha256) refs.push({ sha256: e.sha256, size: e.size, count: 1 });
  }
  for (let k = 0; k < rows.length; k += 500) await tx.itemInsertMany(rows.slice(k, k + 500));
  await addBlobRefs(tx, targetBlobs, refs, now);
  succeeded += rows.length;
  const bytesDone = rows.reduce((n, r) => n + r.size, 0);
  return { succeeded, skipped, failures, bytesDone };
}
