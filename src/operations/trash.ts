/**
 * `trash {paths}`: moves items to the library's trash. A folder's subtree is
 * trashed in chunks first (phase 1); each selected root last (phase 2), which
 * also sweeps anything added under it since planning. A restore of the root
 * brings the whole subtree back.
 */
import type { Operation } from '../jobs/operation.js';
import { assertWritable } from '../domain/library-rules.js';
import { readPaths, refuseUnknown } from './params.js';
import { planSubtrees, rootRefLabel, type MembersContext, type RootRef, type SubtreeCursor } from './subtree-planner.js';
import type { ItemFailureOutcome } from '../jobs/operation.js';

export const trashOperation: Operation<SubtreeCursor, MembersContext | null, number | RootRef> = {
  type: 'trash',
  sourceRight: 'WRITER',
  async validate(params, ctx) {
    refuseUnknown(params, ['paths']);
    assertWritable(ctx.library.library.state);
    return { params: { paths: readPaths(params) }, targetLibraryId: null };
  },
  async plan(ctx, job, cursor) {
    const paths = job.params.paths as string[];
    return planSubtrees(
      {
        store: ctx.store,
        libraryId: job.libraryId,
        count: paths.length,
        rootPhase: 2,
        membersPhase: 1,
        async resolve(i) {
          const item = await ctx.store.itemGetByPath({ libraryId: job.libraryId, path: paths[i]! });
          if (item) return { item };
          const path = paths[i]!;
          return { failure: { entry: { path }, itemId: null, path, code: 'NOT_FOUND', message: `'${path}' not found` } };
        },
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

