/**
 * `empty_trash {olderThanDays?}`: purges the trash roots trashed more than
 * `olderThanDays` days before the job was submitted (all of them by default),
 * with their subtrees; items trashed after submission stay.
 */
import type { Operation } from '../jobs/operation.js';
import { assertWritable } from '../domain/library-rules.js';
import { EmptyTrashParams } from '../domain/job-params/index.js';
import { planSubtrees, type MembersContext, type RootRef, type SubtreeCursor } from './subtree-planner.js';
import { applyPurge } from './purge.js';
import type { Item } from '../domain/types.js';

const DAY_MS = 86_400_000;

interface Cursor {
  /** The last trash root handed to the subtree planner. */
  after?: { trashedAt: number; id: number };
  inner: SubtreeCursor | null;
  /** The batch of roots being planned (ids), so a crash resumes the same batch. */
  batch: number[];
}

export const emptyTrashOperation: Operation<typeof EmptyTrashParams, Cursor, MembersContext | null, number | RootRef> = {
  type: 'empty_trash',
  params: EmptyTrashParams,
  sourceRight: 'WRITER',
  async validate(params, ctx) {
    assertWritable(ctx.library.library.state);
    return { params, targetLibraryId: null };
  },
  async plan(ctx, job, cursor) {
    const cutoff = job.createdAt + 1 - (job.params.olderThanDays ?? 0) * DAY_MS;
    let state: Cursor = cursor ?? { inner: null, batch: [] };
    if (state.batch.length === 0) {
      const roots = await ctx.store.itemListTrashRootsBefore({ libraryId: job.libraryId, cutoff, after: state.after, limit: 500 });
      if (roots.length === 0) return { tasks: [], failures: [], cursor: null };
      const last = roots.at(-1)!;
      state = { after: { trashedAt: last.trashedAt, id: last.id }, inner: null, batch: roots.map((r) => r.id) };
    }
    const batch = state.batch;
    const step = await planSubtrees(
      {
        store: ctx.store,
        libraryId: job.libraryId,
        count: batch.length,
        rootPhase: 2,
        membersPhase: 1,
        async resolve(i) {
          const item = (await ctx.store.itemGetById({ libraryId: job.libraryId, id: batch[i]! })) as Item | undefined;
          if (item && item.trashedAt !== null && item.trashRootId === item.id) return { item };
          return { failure: { entry: { id: batch[i] }, itemId: batch[i]!, path: item?.path ?? `item ${batch[i]}`, code: 'NOT_FOUND', message: 'no longer in the trash' } };
        },
      },
      state.inner,
    );
    // A root restored between listing and planning is not an error of this job: drop such "failures".
    const failures = step.failures.filter((f) => f.code !== 'NOT_FOUND');
    const next: Cursor = step.cursor === null ? { after: state.after, inner: null, batch: [] } : { ...state, inner: step.cursor };
    return { tasks: step.tasks, failures, cursor: next };
  },
  apply: (tx, ctx, job, task) => applyPurge(tx, ctx, job, task.context, task.entries),
};
