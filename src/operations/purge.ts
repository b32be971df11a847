/**
 * `purge {paths} | {itemIds}`: deletes items permanently — live ones by path
 * or id, trashed roots by id. Subtrees go first in chunks (phase 1), the roots
 * last (phase 2, with anything added under them since planning). Each chunk
 * releases its blob references in the same transaction; the collector later
 * removes bytes nothing references.
 */
import type { Operation, OperationContext, TaskOutcome } from '../jobs/operation.js';
import type { Store } from '../store/store.js';
import type { Job } from '../domain/jobs.js';
import type { Library } from '../domain/types.js';
import { assertWritable } from '../domain/library-rules.js';
import { readPathsOrIds, refuseUnknown } from './params.js';
import { isPlannedRoot, planSubtrees, rootRefLabel, type MembersContext, type RootRef, type SubtreeCursor } from './subtree-planner.js';
import type { ItemFailureOutcome } from '../jobs/operation.js';

async function releaseBlobs(tx: Store, library: Library, blobs: Array<{ sha256: string; refs: number }>): Promise<void> {
  await tx.blobReleaseMany({ storage: library.storage, blobs });
}

/** The task body both purge and empty_trash run. */
export async function applyPurge(tx: Store, ctx: OperationContext, job: Job, context: MembersContext | null, entries: Array<number | RootRef>): Promise<TaskOutcome> {
  const library = await ctx.library(job.libraryId, tx);
  assertWritable(library.state);
  if (context !== null) {
    const ids = entries as number[];
    const gone = await tx.itemDeleteMany({ ids });
    await releaseBlobs(tx, library, gone.blobs);
    return { succeeded: gone.deleted, skipped: ids.length - gone.deleted, failures: [], bytesDone: gone.bytes };
  }
  let succeeded = 0;
  let skipped = 0;
  let extraTotal = 0;
  const failures: ItemFailureOutcome[] = [];
  for (const entry of entries as RootRef[]) {
    const current =
      'id' in entry ? await tx.itemGetById({ libraryId: job.libraryId, id: entry.id }) : await tx.itemGetByPath({ libraryId: job.libraryId, path: entry.path });
    if (!isPlannedRoot(entry) && (!current || current.id === library.rootFolderId || (current.trashedAt !== null && current.trashRootId !== current.id))) {
      // A selection replayed by a retry that still does not resolve fails again.
      failures.push({ entry, itemId: current?.id ?? null, path: current?.path ?? rootRefLabel(entry), code: 'NOT_FOUND', message: `${rootRefLabel(entry)} not found` });
      continue;
    }
    const trashed = isPlannedRoot(entry) ? entry.trashed : current!.trashedAt !== null;
    // Purge what was planned: a root restored or trashed since then is left alone.
    if (!current || (current.trashedAt !== null) !== trashed || (trashed && current.trashRootId !== current.id)) {
      skipped++;
      continue;
    }
    const root = { id: current.id, trashed };
    if (current.kind === 'folder') {
      const rest = await tx.itemDeleteRest(root.trashed ? { libraryId: job.libraryId, trashRootId: root.id } : { libraryId: job.libraryId, livePrefix: `${current.path}/` });
      await releaseBlobs(tx, library, rest.blobs);
      extraTotal += rest.deleted;
      succeeded += rest.deleted;
    }
    const gone = await tx.itemDeleteMany({ ids: [root.id] });
    await releaseBlobs(tx, library, gone.blobs);
    succeeded += gone.deleted;
  }
  return { succeeded, skipped, failures, extraTotal };
}

export const purgeOperation: Operation<SubtreeCursor, MembersContext | null, number | RootRef> = {
  type: 'purge',
  sourceRight: 'WRITER',
  async validate(params, ctx) {
    refuseUnknown(params, ['paths', 'itemIds']);
    assertWritable(ctx.library.library.state);
    return { params: readPathsOrIds(params), targetLibraryId: null };
  },
  async plan(ctx, job, cursor) {
    const paths = job.params.paths as string[] | undefined;
    const ids = job.params.itemIds as number[] | undefined;
    const library = await ctx.library(job.libraryId, ctx.store);
    return planSubtrees(
      {
        store: ctx.store,
        libraryId: job.libraryId,
        count: paths?.length ?? ids!.length,
        rootPhase: 2,
        membersPhase: 1,
        async resolve(i) {
          if (paths) {
            const path = paths[i]!;
            const item = await ctx.store.itemGetByPath({ libraryId: job.libraryId, path });
            return item ? { item } : { failure: { entry: { path }, itemId: null, path, code: 'NOT_FOUND', message: `'${path}' not found` } };
          }
          const id = ids![i]!;
          const item = await ctx.store.itemGetById({ libraryId: job.libraryId, id });
          if (!item || item.id === library.rootFolderId) {
            return { failure: { entry: { id }, itemId: id, path: item?.path ?? `item ${id}`, code: item ? 'UNPROCESSABLE' : 'NOT_FOUND', message: item ? "the library's root folder cannot be purged" : `item ${id} not found` } };
          }
          if (item.trashedAt !== null && item.trashRootId !== item.id) {
            return { failure: { entry: { id }, itemId: id, path: item.path, code: 'UNPROCESSABLE', message: `item ${id} was trashed with its folder (item ${item.trashRootId}); purge that folder` } };
          }
          return { item };
        },
      },
      cursor,
    );
  },
  apply: (tx, ctx, job, task) => applyPurge(tx, ctx, job, task.context, task.entries),
};
