/**
 * `replicate {targetLibraryId, sourcePath?, targetPath?, deleteExtraneous?, dryRun?}`:
 * makes a target folder mirror a source folder, one way. New and changed
 * items (by kind and SHA-256) are written, content replaced in place; what the
 * source lacks is trashed when `deleteExtraneous`; across storage locations
 * the bytes are copied first. A dry run decides the same and writes only its
 * result. Planning: replicate-plan.ts; tasks: replicate-apply.ts.
 */
import type { Operation, OperationContext, SubmitContext, TaskBody } from '../jobs/operation.js';
import type { JobOf } from '../jobs/operation.js';
import { UnprocessableError } from '../domain/errors.js';
import { assertWritable } from '../domain/library-rules.js';
import { normalizePath } from '../domain/item-path.js';
import { ReplicateParams } from '../domain/job-params/index.js';
import { copyMissingBlobs } from './blob-copy.js';
import { planReplicate, type ReplicateCursor } from './replicate-plan.js';
import { applyReplicate } from './replicate-apply.js';
import { overlaps, sidesOf, type ChangeEntry, type ReplicateContext, type ReplicateEntry, type ReplicateJobParams } from './replicate-model.js';

async function validate(params: ReplicateJobParams, ctx: SubmitContext) {
  const sourcePath = normalizePath(params.sourcePath ?? '/', 'params.sourcePath');
  const targetPath = normalizePath(params.targetPath ?? '/', 'params.targetPath');
  const dryRun = params.dryRun ?? false;
  const target = await ctx.access(params.targetLibraryId, 'WRITER');
  if (!dryRun) assertWritable(target.library.state);
  if (target.library.id === ctx.library.library.id && overlaps(sourcePath, targetPath)) {
    throw new UnprocessableError(`params.targetPath: '${targetPath}' and params.sourcePath '${sourcePath}' overlap in the same library; replicate between folders neither of which is inside the other`, {
      field: 'params.targetPath',
    });
  }
  return {
    params: { targetLibraryId: target.library.id, sourcePath, targetPath, deleteExtraneous: params.deleteExtraneous ?? false, dryRun },
    targetLibraryId: target.library.id,
  };
}

/** Bytes first: the content a task creates or updates, copied into the target's storage when it is another one. */
async function prepare(ctx: OperationContext, job: JobOf<ReplicateJobParams>, task: TaskBody<ReplicateContext, ReplicateEntry>): Promise<void> {
  if (job.params.dryRun === true || task.context !== null) return;
  const source = await ctx.library(job.libraryId, ctx.store);
  const target = await ctx.library(job.params.targetLibraryId, ctx.store);
  if (source.storage === target.storage) return;
  const { sourcePrefix } = sidesOf(job.params);
  const paths = task.entries
    .filter((e): e is ChangeEntry => typeof e === 'object' && (e.action === 'create' || e.action === 'update') && e.path.startsWith(sourcePrefix))
    .map((e) => e.path);
  const items = await ctx.store.itemGetLiveByPaths({ libraryId: source.id, paths });
  await copyMissingBlobs(ctx, source.storage, target.storage, items.filter((i) => i.kind === 'file' && i.sha256 !== null).map((i) => i.sha256!));
}

export const replicateOperation: Operation<typeof ReplicateParams, ReplicateCursor, ReplicateContext, ReplicateEntry> = {
  type: 'replicate',
  params: ReplicateParams,
  sourceRight: 'READER',
  validate,
  plan: planReplicate,
  prepare,
  apply: (tx, ctx, job, task) => applyReplicate(tx, ctx, job, task.context, task.entries),
};
