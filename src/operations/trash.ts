/**
 * `trash {paths} | {itemIds}`: moves items to the library's trash. A folder's subtree is
 * trashed in chunks first (phase 1); each selected root last (phase 2), which
 * also sweeps anything added under it since planning. A restore of the root
 * brings the whole subtree back.
 */
import type { Operation } from '../jobs/operation.js';
import { assertWritable } from '../domain/library-rules.js';
import { TrashParams } from '../domain/job-params/index.js';
import { normalizeSelection } from './params.js';
import { SelectionResolver } from './selection.js';
import { planSubtrees, rootRefLabel, type MembersContext, type RootRef, type SubtreeCursor } from './subtree-planner.js';
import type { ItemFailureOutcome } from '../jobs/operation.js';

export const trashOperation: Operation<typeof TrashParams, SubtreeCursor, MembersContext | null, number | RootRef> = {
  type: 'trash',
  params: TrashParams,
  sourceRight: 'WRITER',
  async validate(params, ctx) {
    assertWritable(ctx.library.library.state);
    return { params: normalizeSelection(params), targetLibraryId: null };
  },
  async plan(ctx, job, cursor) {
    const selection = new SelectionResolver(ctx.store, await ctx.library(job.libraryId, ctx.store), job.params, { verb: 'trashed' });
    return planSubtrees(
      { store: ctx.store, libraryId: job.libraryId, count: selection.size, rootPhase: 2, membersPhase: 1, resolve: (i) => selection.resolve(i) },
      cursor,
    );
  },
  async apply(tx, ctx, job, task) {
    const library = await ctx.library(job.libraryId, tx);
    assertWritable(library.state);
    const now = ctx.now();
    if (task.context !== null) {
      const ids = task.entries as number[];
      const trashed = await tx.itemTrashMany({ ids, rootId: task.context.root, now });
      return { succeeded: trashed, skipped: ids.length - trashed, failures: [] };
    }
    let succeeded = 0;
    let skipped = 0;
    let extraTotal = 0;
    const failures: ItemFailureOutcome[] = [];
    for (const root of task.entries as RootRef[]) {
      const current =
        'id' in root ? await tx.itemGetById({ libraryId: job.libraryId, id: root.id }) : await tx.itemGetByPath({ libraryId: job.libraryId, path: root.path });
      if (!current && !('kind' in root)) {
        failures.push({ entry: root, itemId: null, path: rootRefLabel(root), code: 'NOT_FOUND', message: `${rootRefLabel(root)} not found` });
        continue;
      }
      if (!current || current.trashedAt !== null) {
        skipped++;
        continue;
      }
      await tx.itemTrashMany({ ids: [current.id], rootId: current.id, now });
      succeeded++;
      if (current.kind === 'folder') {
        const late = await tx.itemTrashSubtreeRest({ libraryId: job.libraryId, prefix: `${current.path}/`, rootId: current.id, now });
        extraTotal += late;
        succeeded += late;
      }
    }
    return { succeeded, skipped, failures, extraTotal };
  },
};

