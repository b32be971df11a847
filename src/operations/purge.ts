/**
 * `purge {paths} | {itemIds}`: deletes items permanently — live ones by path
 * or id, trash roots by id. Subtrees go first in chunks (phase 1), the roots
 * last (phase 2, with anything added under them since planning). Each chunk
 * releases its blob references in the same transaction; the collector later
 * removes bytes nothing references.
 */
import type { Operation, OperationContext, TaskOutcome } from '../jobs/operation.js';
import type { Store } from '../store/store.js';
import type { Job } from '../domain/jobs.js';
import type { Library } from '../domain/types.js';
import { assertWritable } from '../domain/library-rules.js';
import { PurgeParams } from '../domain/job-params/index.js';
import { normalizeSelection } from './params.js';
import { SelectionResolver } from './selection.js';
import { isPlannedRoot, planSubtrees, rootRefLabel, type MembersContext, type RootRef, type SubtreeCursor } from './subtree-planner.js';
import type { ItemFailureOutcome } from '../jobs/operation.js';

async function releaseBlobs(tx: Store, library: Library, blobs: Array<{ sha256: string; refs: number }>): Promise<void> {
  await tx.blobReleaseMany({ storage: library.storage, blobs });
}

/** The task body both purge and empty_trash run. */
export async function applyPurge(tx: Store, ctx: OperationContext, job: Pick<Job, 'libraryId'>, context: MembersContext | null, entries: Array<number | RootRef>): Promise<TaskOutcome> {
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

export const purgeOperation: Operation<typeof PurgeParams, SubtreeCursor, MembersContext | null, number | RootRef> = {
  type: 'purge',
  params: PurgeParams,
  sourceRight: 'WRITER',
  async validate(params, ctx) {
    assertWritable(ctx.library.library.state);
    return { params: normalizeSelection(params), targetLibraryId: null };
  },
  async plan(ctx, job, cursor) {
    const library = await ctx.library(job.libraryId, ctx.store);
    const selection = new SelectionResolver(ctx.store, library, job.params, { verb: 'purged', trashRoots: true });
    return planSubtrees(
      { store: ctx.store, libraryId: job.libraryId, count: selection.size, rootPhase: 2, membersPhase: 1, resolve: (i) => selection.resolve(i) },
      cursor,
    );
  },
  apply: (tx, ctx, job, task) => applyPurge(tx, ctx, job, task.context, task.entries),
};
