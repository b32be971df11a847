/**
 * `export {paths, format: 'zip'}`: the selection packaged as one zip, the
 * job's result (jobs/artifacts.ts; served at /jobs/{id}/result).
 *
 * Entry names are relative to each selected item's parent: exporting `/a/b`
 * gives `b/`, `b/c.txt`, …; two selected items with the same name are a 422
 * (they would collide in the archive). Every folder gets its own entry, so
 * empty folders come along.
 *
 * Work: the planner walks the selection (subtree-planner.ts) into chunk
 * tasks (phase 2) that each write one zip segment (export-segment.ts) as a
 * part of the job, in parallel; the assembly task (phase 3, planned first,
 * run last) streams the segments into the archive with one central directory
 * (export-assemble.ts), records it, and drops the segments in its commit.
 * A chunk's files of LARGE_FILE bytes or more are not copied into its
 * segment: their blobs are recorded as parts of the job (a reference each,
 * so the collector leaves them be until the assembly's commit drops them)
 * and the assembly streams them into the archive from where they are.
 * A chunk re-run after a crash replaces its segment, the assembly re-run
 * replaces the archive: one archive, each item counted once. A missing or
 * unreadable blob fails that item alone. A library with restrictedDownload
 * refuses the export to its readers (403), as it refuses them downloads.
 */
import { Readable } from 'node:stream';
import type { Operation, OperationContext, SubmitContext, TaskBody, TaskOutcome } from '../jobs/operation.js';
import type { Job } from '../domain/jobs.js';
import type { Library } from '../domain/types.js';
import { ForbiddenError, NotFoundError, UnprocessableError } from '../domain/errors.js';
import { canDownload } from '../domain/library-rules.js';
import { ExportParams } from '../domain/job-params/index.js';
import type { JobArtifact } from '../store/queries/job-artifacts.js';
import type { BlobStore } from '../blobs/blob-store.js';
import type { ArtifactReference } from '../jobs/artifacts.js';
import { normalizePaths } from './params.js';
import { SelectionResolver } from './selection.js';
import { planSubtrees, type MembersContext, type RootEntry, type SubtreeCursor } from './subtree-planner.js';
import { LARGE_FILE, blobFailure, failureOf, segmentBytes, type SegmentItem, type SegmentOutcome } from './export-segment.js';
import { assembleZip, segmentLayout, type Assembled, type ExternalFile, type SegmentMeta } from './export-assemble.js';

export const ZIP_MEDIA_TYPE = 'application/zip';
const SEGMENT_MEDIA_TYPE = 'application/x-batchyard-zip-segment';
/** A large file's blob, recorded as a part so that it stays stored until the assembly. */
const LARGE_FILE_MEDIA_TYPE = 'application/x-batchyard-zip-large-file';
const PARTS_PAGE = 1_000;
/**
 * Part numbers: chunk `seq` writes its segment at part seq × PART_STRIDE and
 * records its large files at the parts after it (one per entry of the chunk,
 * which has fewer than PART_STRIDE entries), so parts sort in archive order.
 */
export const PART_STRIDE = 1024;

interface ExportCursor {
  /** The last segment number given out. */
  seq: number;
  inner: SubtreeCursor | null;
}

/** A chunk: its segment number, and the path prefix its entry names drop (null for selected roots: their own names). */
type ChunkContext = { seq: number; base: string | null };
type Context = ChunkContext | { assemble: true };
type Entry = number | RootEntry;

type Params = { paths: string[]; format?: 'zip' };

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** `/a/b/` (a subtree's prefix) → `/a/`: what its entries' names drop. */
function parentPrefix(prefix: string): string {
  return prefix.slice(0, prefix.lastIndexOf('/', prefix.length - 2) + 1);
}

async function validate(params: Params, ctx: SubmitContext) {
  const { library, right } = ctx.library;
  if (!canDownload(right, library.restrictedDownload)) {
    throw new ForbiddenError(`restrictedDownload: this library lets only writers download its content, and an export downloads it (your role: ${right})`, {
      rule: 'restrictedDownload',
    });
  }
  const paths = normalizePaths(params.paths);
  const seen = new Map<string, string>();
  for (const path of paths) {
    const name = baseName(path);
    const other = seen.get(name);
    if (other !== undefined) {
      throw new UnprocessableError(`params.paths: '${other}' and '${path}' would both be '${name}' in the archive; export them separately`, { field: 'params.paths' });
    }
    seen.set(name, path);
  }
  return { params: { paths, format: 'zip' as const }, targetLibraryId: null };
}

async function plan(ctx: OperationContext, job: Job & { params: Params }, cursor: ExportCursor | null) {
  const library = await ctx.library(job.libraryId, ctx.store);
  const selection = new SelectionResolver(ctx.store, library, job.params, { verb: 'exported' });
  const state = cursor ?? { seq: 0, inner: null };
  const step = await planSubtrees(
    { store: ctx.store, libraryId: job.libraryId, count: selection.size, rootPhase: 2, membersPhase: 2, countBytes: true, resolve: (i) => selection.resolve(i) },
    state.inner,
  );
  let seq = state.seq;
  // The assembly is planned with the first step; phase 3 runs once no chunk (and no planning) is left.
  const tasks: Array<{ phase: number; context: Context; entries: Entry[]; itemCount?: number }> = cursor === null ? [{ phase: 3, context: { assemble: true }, entries: [], itemCount: 0 }] : [];
  // Selected roots first, then their subtrees' chunks: folders' entries come before what they hold.
  const roots = step.tasks.filter((t) => t.context === null);
  const chunks = step.tasks.filter((t) => t.context !== null);
  for (const t of roots) tasks.push({ phase: 2, context: { seq: ++seq, base: null }, entries: t.entries as Entry[] });
  for (const t of chunks) tasks.push({ phase: 2, context: { seq: ++seq, base: parentPrefix((t.context as MembersContext).prefix) }, entries: t.entries as Entry[] });
  return { ...step, tasks, cursor: step.cursor === null ? null : { seq, inner: step.cursor } };
}

/** The chunk's items as they are now, named for the archive; items gone or moved out of the selection since planning fail. */
async function chunkItems(ctx: OperationContext, context: ChunkContext, entries: Entry[]): Promise<{ items: SegmentItem[]; gone: TaskOutcome['failures'] }> {
  const ids = entries.map((e) => (typeof e === 'number' ? e : e.id));
  const found = new Map((await ctx.store.itemGetMany({ ids })).map((i) => [i.id, i]));
  const items: SegmentItem[] = [];
  const gone: TaskOutcome['failures'] = [];
  for (const entry of entries) {
    const id = typeof entry === 'number' ? entry : entry.id;
    const item = found.get(id);
    const planned = typeof entry === 'number' ? undefined : entry.path;
    if (!item || item.trashedAt !== null) {
      gone.push({ entry, itemId: id, path: item?.path ?? planned ?? `item ${id}`, code: 'NOT_FOUND', message: `${item?.path ?? planned ?? `item ${id}`} was deleted or trashed before it was exported` });
      continue;
    }
    if (context.base !== null && !item.path.startsWith(context.base)) {
      gone.push({ entry, itemId: id, path: item.path, code: 'NOT_FOUND', message: `'${item.path}' was moved out of the exported folder` });
      continue;
    }
    const name = context.base === null ? item.name : item.path.slice(context.base.length);
    items.push({ id, path: item.path, name, kind: item.kind, size: item.size, sha256: item.sha256, modifiedAt: item.modifiedAt, contentType: item.contentType });
  }
  return { items, gone };
}

const isLarge = (item: SegmentItem) => item.kind === 'file' && item.size >= LARGE_FILE;

/** The chunk's large files whose blobs are stored at their catalog size, recorded as parts of the job; the others fail. */
async function referenceLargeFiles(ctx: OperationContext, job: Job, blobs: BlobStore, context: ChunkContext, items: SegmentItem[], outcome: SegmentOutcome): Promise<ExternalFile[]> {
  const external: ExternalFile[] = [];
  const references: ArtifactReference[] = [];
  for (const [k, item] of items.entries()) {
    if (!isLarge(item)) continue;
    const stored = await blobs.stat(item.sha256!).catch((error: unknown) => ({ error }));
    if (stored === null || 'error' in stored) {
      outcome.failures.push(failureOf(item, blobFailure(item, stored === null ? new NotFoundError('absent') : stored.error)));
      continue;
    }
    if (stored.size !== item.size) {
      outcome.failures.push(failureOf(item, `the content of '${item.path}' is ${stored.size} bytes in storage, ${item.size} in the catalog`));
      continue;
    }
    external.push({ sha256: item.sha256!, size: item.size, name: item.name, mtime: item.modifiedAt });
    references.push({ description: { name: item.name, mediaType: LARGE_FILE_MEDIA_TYPE, part: context.seq * PART_STRIDE + 1 + k }, blob: { sha256: item.sha256!, size: item.size } });
    outcome.succeeded++;
    outcome.bytesDone += item.size;
  }
  await ctx.artifacts.reference(job, references);
  return external;
}

async function writeChunk(ctx: OperationContext, job: Job, context: ChunkContext, entries: Entry[]): Promise<TaskOutcome> {
  if (entries.length >= PART_STRIDE) throw new Error(`export chunk ${context.seq} has ${entries.length} entries; at most ${PART_STRIDE - 1} fit its part numbers`);
  const library = await ctx.library(job.libraryId, ctx.store);
  const blobs = ctx.blobs.get(library.storage);
  const { items, gone } = await chunkItems(ctx, context, entries);
  const outcome: SegmentOutcome = { succeeded: 0, bytesDone: 0, failures: [], entries: 0, dataSize: 0 };
  // Referenced before the segment that lists them is recorded: a segment's large files are always there for the assembly.
  const external = await referenceLargeFiles(ctx, job, blobs, context, items, outcome);
  const meta: SegmentMeta = { external };
  const bytes = Readable.from(segmentBytes(items.filter((i) => !isLarge(i)), blobs, outcome, ctx.signal), { objectMode: false });
  await ctx.artifacts.write(job, { name: `export-${job.id}-segment-${context.seq}`, mediaType: SEGMENT_MEDIA_TYPE, part: context.seq * PART_STRIDE, meta }, bytes);
  return { succeeded: outcome.succeeded, skipped: 0, failures: [...gone, ...outcome.failures], bytesDone: outcome.bytesDone };
}

/** The archive's file name: the one selected item's name, else the library's. */
function archiveName(library: Library, params: Params): string {
  const stem = params.paths.length === 1 ? baseName(params.paths[0]!) : library.name;
  return `${stem}.zip`;
}

interface AssemblyDone {
  artifact: JobArtifact;
  parts: JobArtifact[];
  entries: number;
  zip64: boolean;
}

async function assemble(ctx: OperationContext, job: Job & { params: Params }): Promise<AssemblyDone> {
  const library = await ctx.library(job.libraryId, ctx.store);
  const blobs = ctx.blobs.get(library.storage);
  const parts: JobArtifact[] = [];
  for (;;) {
    const page = await ctx.store.artifactListParts({ jobId: job.id, afterPart: parts.at(-1)?.part ?? 0, limit: PARTS_PAGE });
    parts.push(...page);
    if (page.length < PARTS_PAGE) break;
  }
  const layouts = [];
  for (const part of parts) if (part.mediaType === SEGMENT_MEDIA_TYPE) layouts.push(await segmentLayout(blobs, part));
  const result: Assembled = { entries: 0, zip64: false };
  const bytes = assembleZip(blobs, layouts, result, { signal: ctx.signal });
  const artifact = await ctx.artifacts.write(job, { name: archiveName(library, job.params), mediaType: ZIP_MEDIA_TYPE }, bytes);
  return { artifact, parts, entries: result.entries, zip64: result.zip64 };
}

export const exportOperation: Operation<typeof ExportParams, ExportCursor, Context, Entry, TaskOutcome | AssemblyDone> = {
  type: 'export',
  params: ExportParams,
  sourceRight: 'READER',
  retryable: false,
  validate,
  plan,
  async prepare(ctx, job, task: TaskBody<Context, Entry>) {
    if ('assemble' in task.context) return assemble(ctx, job);
    return writeChunk(ctx, job, task.context, task.entries);
  },
  async apply(tx, _ctx, job, _task, prepared) {
    if (!prepared) throw new Error(`export task of job ${job.id} has no prepared result`);
    if (!('artifact' in prepared)) return prepared;
    // The segments (and large files' references) go with the assembly's commit: a re-run before it finds them all again.
    // Blob rows in hash order, as every bulk reference change takes them.
    const parts = [...prepared.parts].sort((a, b) => (a.sha256 < b.sha256 ? -1 : a.sha256 > b.sha256 ? 1 : a.part - b.part));
    for (const part of parts) {
      if (await tx.artifactDelete({ jobId: job.id, part: part.part, sha256: part.sha256 })) await tx.blobRelease({ storage: part.storage, sha256: part.sha256 });
    }
    const { artifact } = prepared;
    await tx.jobSetResult({
      id: job.id,
      result: { artifact: { name: artifact.name, mediaType: artifact.mediaType, size: artifact.size, sha256: artifact.sha256, expiresAt: artifact.expiresAt }, entries: prepared.entries, zip64: prepared.zip64 },
    });
    return { succeeded: 0, skipped: 0, failures: [] };
  },
};
