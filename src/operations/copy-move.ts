/**
 * `copy` and `move {paths | itemIds, destination, targetLibraryId?, onConflict?}`:
 * within a library or into another (which may use another storage location:
 * then the bytes are copied first, idempotently, before the catalog commit).
 */
import type { Static } from '@sinclair/typebox';
import type { Operation, OperationContext, SubmitContext, TaskBody } from '../jobs/operation.js';
import type { Job } from '../domain/jobs.js';
import { UnprocessableError } from '../domain/errors.js';
import { assertWritable } from '../domain/library-rules.js';
import { normalizePath } from '../domain/item-path.js';
import { CopyMoveParams } from '../domain/job-params/index.js';
import { normalizeSelection } from './params.js';
import { SelectionResolver } from './selection.js';
import { planSubtrees, type MembersContext, type RootRef, type SubtreeCursor } from './subtree-planner.js';
import { applyCopyMove } from './copy-move-apply.js';
import { copyMissingBlobs } from './blob-copy.js';

type Context = MembersContext | { final: true } | null;
type Entry = number | RootRef;

async function validate(kind: 'copy' | 'move', params: Static<typeof CopyMoveParams>, ctx: SubmitContext) {
  const selection = normalizeSelection(params);
  const destination = normalizePath(params.destination, 'params.destination');
  const targetLibraryId = params.targetLibraryId !== undefined && params.targetLibraryId !== ctx.library.library.id ? params.targetLibraryId : null;
  if (kind === 'move') assertWritable(ctx.library.library.state);
  if (targetLibraryId !== null) {
    const target = await ctx.access(targetLibraryId, 'WRITER');
    assertWritable(target.library.state);
  } else {
    assertWritable(ctx.library.library.state);
    // By path the rule is checked here; by id when each root is placed (the item's path is read then).
    for (const path of 'paths' in selection ? selection.paths : []) {
      if (destination === path || destination.startsWith(`${path}/`)) {
        throw new UnprocessableError(`params.destination: '${destination}' is inside '${path}', which this job ${kind === 'move' ? 'moves' : 'copies'}`, {
          field: 'params.destination',
        });
      }
    }
  }
  const { targetLibraryId: _given, ...rest } = selection;
  return {
    params: { ...rest, destination, onConflict: params.onConflict ?? 'fail', ...(targetLibraryId !== null ? { targetLibraryId } : {}) },
    targetLibraryId,
  };
}

/** Bytes first: blobs the target storage lacks are copied there before the catalog commit (stops between copies on cancel). */
async function prepare(ctx: OperationContext, job: Job, task: TaskBody<Context, Entry>): Promise<void> {
  if (task.context !== null && 'final' in task.context) return;
  const source = await ctx.library(job.libraryId, ctx.store);
  const target = job.targetLibraryId ? await ctx.library(job.targetLibraryId, ctx.store) : source;
  if (source.storage === target.storage) return;
  const ids: number[] = [];
  for (const entry of task.entries) {
    if (typeof entry === 'number') ids.push(entry);
    else if ('id' in entry) ids.push(entry.id);
    else {
      const item = await ctx.store.itemGetByPath({ libraryId: source.id, path: entry.path });
      if (item) ids.push(item.id);
    }
  }
  const items = await ctx.store.itemGetMany({ ids });
  const shas = items.filter((i) => i.kind === 'file' && i.sha256 !== null).map((i) => i.sha256!);
  await copyMissingBlobs(ctx, source.storage, target.storage, shas);
}

function operation(kind: 'copy' | 'move'): Operation<typeof CopyMoveParams, SubtreeCursor, Context, Entry> {
  return {
    type: kind,
    params: CopyMoveParams,
    sourceRight: kind === 'move' ? 'WRITER' : 'READER',
    replanFailedRoots: true,
    validate: (params, ctx) => validate(kind, params, ctx),
    async plan(ctx, job, cursor) {
      const selection = new SelectionResolver(ctx.store, await ctx.library(job.libraryId, ctx.store), job.params, { verb: kind === 'move' ? 'moved' : 'copied' });
      const crossMove = kind === 'move' && job.targetLibraryId !== null;
      return planSubtrees(
        {
          store: ctx.store,
          libraryId: job.libraryId,
          count: selection.size,
          rootPhase: 1,
          membersPhase: 2,
          ...(crossMove ? { finalPhase: 3 } : {}),
          countBytes: true,
          resolve: (i) => selection.resolve(i),
        },
        cursor,
      );
    },
    prepare,
    apply: (tx, ctx, job, task) => applyCopyMove(tx, ctx, job, task.context, task.entries),
  };
}

export const copyOperation = operation('copy');
export const moveOperation = operation('move');
