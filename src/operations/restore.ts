/**
 * `restore {paths} | {itemIds}`: brings trashed roots back to their original
 * place (phase 1: missing parent folders are recreated; a live item in the
 * way follows `onConflict`), then their subtrees (phase 2, in chunks, under
 * the root's final path).
 */
import type { Operation, ItemFailureOutcome } from '../jobs/operation.js';
import type { Store } from '../store/store.js';
import type { Item, Library } from '../domain/types.js';
import type { OnConflict } from '../domain/jobs.js';
import { assertWritable } from '../domain/library-rules.js';
import { parsePath, parentPath, childPath } from '../domain/item-path.js';
import { RestoreParams } from '../domain/job-params/index.js';
import { ensureFolder, freeName } from '../services/folders.js';
import { normalizeSelection } from './params.js';
import { selectionSize } from './selection.js';
import { planSubtrees, isPlannedRoot, type MembersContext, type RootRef, type SubtreeCursor } from './subtree-planner.js';

function failure(entry: unknown, itemId: number | null, path: string, code: string, message: string): ItemFailureOutcome {
  return { entry, itemId, path, code, message };
}

/** A trashed root by id: refused if live, or inside a trashed folder (restore that folder). */
async function resolveTrashRoot(store: Store, libraryId: string, ref: { id: number } | { path: string }): Promise<{ item: Item } | { failure: ItemFailureOutcome }> {
  const item = 'id' in ref ? await store.itemGetById({ libraryId, id: ref.id }) : await store.itemFindTrashRoot({ libraryId, path: ref.path });
  const label = 'id' in ref ? `item ${ref.id}` : `'${ref.path}'`;
  const path = item?.path ?? ('path' in ref ? ref.path : `item ${ref.id}`);
  if (!item) return { failure: failure(ref, null, path, 'NOT_FOUND', `${label} is not in the trash`) };
  if (item.trashedAt === null) return { failure: failure(ref, item.id, item.path, 'UNPROCESSABLE', `${label} is not in the trash`) };
  if (item.trashRootId !== item.id) {
    return { failure: failure(ref, item.id, item.path, 'UNPROCESSABLE', `${label} was trashed with its folder (item ${item.trashRootId}); restore that folder`) };
  }
  return { item };
}

/** Puts one trashed root back; returns 'done', 'skipped' or a failure. */
async function restoreRoot(tx: Store, library: Library, root: RootRef, onConflict: OnConflict, now: number): Promise<'done' | 'skipped' | ItemFailureOutcome> {
  let item: Item | undefined;
  if (isPlannedRoot(root)) {
    item = await tx.itemGetById({ libraryId: library.id, id: root.id });
    if (!item || item.trashedAt === null || item.trashRootId !== item.id) return 'skipped';
  } else {
    // A retry replays a root that failed: resolve it again, and bring its subtree back with it.
    const resolved = await resolveTrashRoot(tx, library.id, root);
    if ('failure' in resolved) return resolved.failure;
    item = resolved.item;
  }
  const oldPrefix = `${item.path}/`;
  const folderPath = parentPath(item.path);
  const parent = await ensureFolder(tx, library, parsePath(folderPath), now);
  let name = item.name;
  const clash = await tx.itemGetByPath({ libraryId: library.id, path: item.path });
  if (clash) {
    if (onConflict === 'skip') return 'skipped';
    if (onConflict === 'fail') return failure(root, item.id, item.path, 'CONFLICT', `'${item.path}' exists; restore with onConflict skip, overwrite or rename`);
    if (onConflict === 'rename') name = await freeName(tx, library.id, folderPath, item.name);
    if (onConflict === 'overwrite') await trashLive(tx, clash, now);
  }
  const path = childPath(folderPath, name);
  await tx.itemSetPlace({ id: item.id, parentId: parent.id, name, path, now });
  if (!isPlannedRoot(root) && item.kind === 'folder') await tx.itemRestoreMany({ rootId: item.id, oldPrefix, newPrefix: `${path}/` });
  return 'done';
}

/** Trashes a live item in the way of an overwrite (with its subtree): it stays recoverable. */
async function trashLive(tx: Store, item: Item, now: number): Promise<void> {
  if (item.kind === 'folder') await tx.itemTrashSubtreeRest({ libraryId: item.libraryId, prefix: `${item.path}/`, rootId: item.id, now });
  await tx.itemTrashMany({ ids: [item.id], rootId: item.id, now });
}

export const restoreOperation: Operation<typeof RestoreParams, SubtreeCursor, MembersContext | null, number | RootRef> = {
  type: 'restore',
  params: RestoreParams,
  sourceRight: 'WRITER',
  async validate(params, ctx) {
    assertWritable(ctx.library.library.state);
    return { params: { ...normalizeSelection(params), onConflict: params.onConflict ?? 'fail' }, targetLibraryId: null };
  },
  async plan(ctx, job, cursor) {
    const selection = job.params;
    return planSubtrees(
      {
        store: ctx.store,
        libraryId: job.libraryId,
        count: selectionSize(selection),
        rootPhase: 1,
        membersPhase: 2,
        resolve: (i) => resolveTrashRoot(ctx.store, job.libraryId, 'paths' in selection ? { path: selection.paths[i]! } : { id: selection.itemIds[i]! }),
      },
      cursor,
    );
  },
  async apply(tx, ctx, job, task) {
    const library = await ctx.library(job.libraryId, tx);
    assertWritable(library.state);
    const now = ctx.now();
    if (task.context !== null) {
      const ids = task.entries as number[];
      const root = await tx.itemGetById({ libraryId: job.libraryId, id: task.context.root });
      if (!root || root.trashedAt !== null) return { succeeded: 0, skipped: ids.length, failures: [] };
      const restored = await tx.itemRestoreMany({ ids, rootId: task.context.root, oldPrefix: task.context.prefix, newPrefix: `${root.path}/` });
      return { succeeded: restored, skipped: ids.length - restored, failures: [] };
    }
    const onConflict = job.params.onConflict ?? 'fail';
    let succeeded = 0;
    let skipped = 0;
    const failures: ItemFailureOutcome[] = [];
    for (const root of task.entries as RootRef[]) {
      const result = await restoreRoot(tx, library, root, onConflict, now);
      if (result === 'done') succeeded++;
      else if (result === 'skipped') skipped++;
      else failures.push(result);
    }
    return { succeeded, skipped, failures };
  },
};
