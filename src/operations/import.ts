/**
 * `import {source, destination, onConflict?}`: files from outside the
 * library into its `destination` folder (made if missing), from
 *  - `{type: "server_path", path}`: a directory on the server under one of the
 *    operator's import roots (judged by its real path at submit: a symbolic
 *    link or `..` leading outside is a 403; the job stores the real path), or
 *  - `{type: "upload", uploadId}`: a finished tus upload of the caller's,
 *    an archive (zip, tar, tar.gz) unpacked into the destination; the upload
 *    is deleted once the job has ended with no failed item (the engine's
 *    upload sweep), or at its expiry.
 * Bytes first (each task's files into the library's storage), then the
 * catalog in the task's fenced transaction (import-apply.ts).
 */
import type { Static } from '@sinclair/typebox';
import type { Operation, OperationContext, SubmitContext, TaskBody } from '../jobs/operation.js';
import type { ArchiveLimits } from '../domain/archive-limits.js';
import { UnprocessableError } from '../domain/errors.js';
import { assertWritable } from '../domain/library-rules.js';
import { normalizePath } from '../domain/item-path.js';
import { ImportParams } from '../domain/job-params/index.js';
import type { UploadService } from '../services/upload-service.js';
import { applyImport, releaseImportPins, type ImportBytes, type ImportEntry } from './import-apply.js';
import { planDirectory, prepareDirectory, type DirCursor } from './import-dir.js';
import { planArchive, prepareArchive, type ArchiveCursor, type ArchiveEntryRef } from './import-archive.js';
import { resolveImportDirectory } from './import-roots.js';

type Params = Static<typeof ImportParams>;

/** What an import may read: the operator's import roots, the tus uploads, and the archive limits. */
export interface ImportSources {
  importRoots: readonly string[];
  /** Absent where the server takes no uploads (an upload source is then a 404). */
  uploads?: UploadService;
  archiveLimits: ArchiveLimits;
}

/** Where an entry lands, for failure records (before its names are judged). */
function labelFor(destination: string) {
  return (rel: string) => (rel === '' ? destination : `${destination === '/' ? '' : destination}/${rel}`);
}

async function validate(sources: ImportSources, params: Params, ctx: SubmitContext) {
  const destination = normalizePath(params.destination, 'params.destination');
  assertWritable(ctx.library.library.state);
  let source: Params['source'];
  if (params.source.type === 'server_path') {
    source = { type: 'server_path', path: await resolveImportDirectory(sources.importRoots, params.source.path) };
  } else {
    if (!sources.uploads) throw new UnprocessableError('params.source: this server takes no uploads', { field: 'params.source' });
    await sources.uploads.importable(ctx.caller, params.source.uploadId, ctx.library.library.id);
    source = { type: 'upload', uploadId: params.source.uploadId };
  }
  return { params: { source, destination, onConflict: params.onConflict ?? 'fail' }, targetLibraryId: null };
}

/** The upload's file for a job's task, checked again: the requestor's, bound to this job (never read for another user). */
async function uploadPathFor(sources: ImportSources, ctx: OperationContext, job: { id: number; requestorId: number }, uploadId: string, bind: boolean): Promise<string> {
  const uploads = sources.uploads;
  const row = uploads ? await ctx.store.uploadGetById({ id: uploadId }) : undefined;
  if (!uploads || !row || row.userId !== job.requestorId) throw new UnprocessableError(`upload '${uploadId}' is gone (expired or consumed)`);
  if (bind && !(await ctx.store.uploadBindJob({ id: uploadId, jobId: job.id, keepUntil: ctx.now() + uploads.options.ttlMs }))) {
    throw new UnprocessableError(`upload '${uploadId}' is being imported by job ${row.jobId}`);
  }
  return uploads.files.pathOf(uploadId);
}

type Cursor = DirCursor | ArchiveCursor;

export function importOperation(sources: ImportSources): Operation<typeof ImportParams, Cursor, null, ImportEntry, ImportBytes> {
  return {
    type: 'import',
    params: ImportParams,
    sourceRight: 'WRITER',
    validate: (params, ctx) => validate(sources, params, ctx),
    async plan(ctx, job, cursor) {
      const labelOf = labelFor(job.params.destination);
      const source = job.params.source;
      if (source.type === 'server_path') return planDirectory(ctx, sources.importRoots, source.path, labelOf, cursor as DirCursor | null);
      let path: string;
      try {
        path = await uploadPathFor(sources, ctx, job, source.uploadId, cursor === null);
      } catch (error) {
        if (!(error instanceof UnprocessableError)) throw error;
        return { tasks: [], failures: [{ entry: { p: '', k: 'file', s: 0 }, itemId: null, path: `upload ${source.uploadId}`, code: 'NOT_FOUND', message: error.message, phase: 1, context: null }], cursor: null };
      }
      return planArchive(ctx, path, sources.archiveLimits, labelOf, cursor as ArchiveCursor | null);
    },
    async prepare(ctx, job, task: TaskBody<null, ImportEntry>) {
      const library = await ctx.library(job.libraryId, ctx.store);
      const source = job.params.source;
      if (source.type === 'server_path') return prepareDirectory(ctx, library, source.path, task);
      const path = await uploadPathFor(sources, ctx, job, source.uploadId, false);
      return prepareArchive(ctx, library, path, sources.archiveLimits, task as TaskBody<null, ArchiveEntryRef>);
    },
    async apply(tx, ctx, job, task, prepared) {
      try {
        const library = await ctx.library(job.libraryId, tx);
        if (library.state === 'ARCHIVED' || library.state === 'DELETING') throw new UnprocessableError(`the library is ${library.state}`);
        return await applyImport(
          { tx, library, blobs: ctx.blobs.get(library.storage), destination: job.params.destination, onConflict: job.params.onConflict ?? 'fail', now: ctx.now() },
          task.entries,
          prepared?.files ?? new Map(),
        );
      } finally {
        // The bytes are durable at their addresses (persist ran): the pins only guarded them until the references are in.
        await releaseImportPins(prepared);
      }
    },
  };
}
