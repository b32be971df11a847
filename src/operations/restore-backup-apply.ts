/**
 * Running a restore_backup task: the entries of one depth (their parents were
 * restored by an earlier phase) become live items in the target library, with
 * the snapshot's names, media types and times; conflicts follow `onConflict`
 * as copy has it (a folder onto a folder merges; `overwrite` moves the item in
 * the way to the trash; `rename` applies to files). File bytes are referenced
 * in the target's storage location (copied there first by `prepare` when the
 * snapshot's location is another one); a blob missing in the snapshot's
 * location is a per-item failure naming the hash.
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

export interface RestoreContext {
  snapshotId: number;
  /** The snapshot's storage location (where its bytes are). */
  storage: string;
  targetLibraryId: string;
  onConflict: OnConflict;
}

async function trashInTheWay(tx: Store, item: Item, now: number): Promise<void> {
  if (item.kind === 'folder') await tx.itemTrashSubtreeRest({ libraryId: item.libraryId, prefix: `${item.path}/`, rootId: item.id, now });
  await tx.itemTrashMany({ ids: [item.id], rootId: item.id, now });
}

export async function applyRestore(
  tx: Store,
  ctx: OperationContext,
  context: RestoreContext,
  entries: RestoreEntry[],
  missing: ReadonlySet<string>,
): Promise<TaskOutcome> {
  const now = ctx.now();
  const target = await ctx.library(context.targetLibraryId, tx);
  const targetBlobs = ctx.blobs.get(target.storage);
  const failures: ItemFailureOutcome[] = [];
  const fail = (entry: RestoreEntry, code: string, message: string) => failures.push({ entry, itemId: null, path: entry.path, code, message });
  let succeeded = 0;
  let skipped = 0;

  for (const e of entries) {
    if (!e.top || e.path === '/') continue;
    try {
      await ensureFolder(tx, target, parsePath(parentPath(e.path)), now);
    } catch (error) {
      if (!(error instanceof BatchyardError)) throw error;
      fail(e, 'PARENT_NOT_FOLDER', error.message);
    }
  }
  const existing = new Map((await tx.itemGetLiveByPaths({ libraryId: target.id, paths: entries.map((e) => e.path) })).map((i) => [i.path, i]));
  const parentPaths = [...new Set(entries.map((e) => parentPath(e.path)))];
  const parents = new Map((await tx.itemGetLiveByPaths({ libraryId: target.id, paths: parentPaths })).map((i) => [i.path, i]));
  const failed = new Set(failures.map((f) => f.path));
  const rows: NewItemRow[] = [];
  const refs: Array<{ sha256: string; size: number; count: number }> = [];

  for (const e of entries) {
    if (failed.has(e.path)) continue;
    if (e.path === '/') {
      succeeded++; // the root folder is always there
      continue;
    }
    if (e.kind === 'file' && e.sha256 && missing.has(e.sha256)) {
      fail(e, 'BLOB_MISSING', `blob ${e.sha256} is missing in storage '${context.storage}'`);
      continue;
    }
    const parent = parents.get(parentPath(e.path));
    if (!parent || parent.kind !== 'folder') {
      fail(e, 'PARENT_MISSING', `${parentPath(e.path)} is not a folder of the target library (its restore failed or was skipped)`);
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
        fail(e, 'CONFLICT', `${e.path} exists in the target library${context.onConflict === 'rename' ? ' (rename applies to files; a file is in the way of this folder)' : ''}`);
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
  await tx.itemInsertMany(rows);
  await addBlobRefs(tx, targetBlobs, refs, now);
  succeeded += rows.length;
  const bytesDone = rows.reduce((n, r) => n + r.size, 0);
  return { succeeded, skipped, failures, bytesDone };
}
