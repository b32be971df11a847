/**
 * `report {path?, format, kind?}`: a file the job's result serves
 * (/jobs/{id}/result), CSV or JSON.
 *
 * - `inventory` (default): every item at the selected path and under it,
 *   live and trashed (the library's root folder left out), in path order
 *   (live before trashed at one path): path, kind, size, sha256, mediaType,
 *   created, modified, trashed. The planner walks the live items in keyset
 *   chunks, each chunk a path range whose task writes its rows (the trashed
 *   ones in its range too) as a part of the job (phase 1); the assembly
 *   (phase 2, planned first, run last) streams the parts in order into the
 *   result and drops them in its commit. A re-run after a crash replaces a
 *   part or the result, never doubles it. The result counts what was listed:
 *   `{kind, format, counts: {items, files, folders, trashed}, bytes: {total,
 *   trashed}, artifact}`.
 * - `permissions` (AODocs' LIBRARY_PERMISSION_EXTRACTION): one row per
 *   permission of the library: library (name), libraryId, type (user or
 *   domain), user (the email or domain), role; one task.
 */
import type { Operation, OperationContext, PlanStep, PlannedTask, TaskOutcome } from '../jobs/operation.js';
import type { Job } from '../domain/jobs.js';
import type { JobArtifact } from '../store/queries/job-artifacts.js';
import { ReportParams } from '../domain/job-params/index.js';
import { normalizePath } from '../domain/item-path.js';
import { chunkSizeFor } from './subtree-planner.js';
import { addToJobResult } from './job-result.js';
import { encodeRow, footer, header, mediaTypeOf, PERMISSION_COLUMNS, permissionRow, separator, type ReportFormat } from './report-format.js';
import { assembleReport, emptyTally, inventoryChunk, listParts, toStream, type InventoryTally } from './report-inventory.js';

type Params = { path?: string; format: ReportFormat; kind?: 'inventory' | 'permissions' };

interface ReportCursor {
  stage: 'root' | 'live';
  /** The last part number given out. */
  seq: number;
  /** Where the next range starts (exclusive). */
  above: string | null;
}

/** A chunk's range and the live items the planner counted in it (trashed ones are found when it runs). */
type Context = { seq: number; above: string | null; through: string | null; planned: number } | { assemble: true } | { permissions: true; planned: number };
type Prepared = { written: number; tally?: InventoryTally; artifact?: JobArtifact; parts?: JobArtifact[] };

const CHUNK_PHASE = 1;
const ASSEMBLY_PHASE = 2;

function reportName(job: Job, params: Params): string {
  return `${params.kind === 'permissions' ? 'permissions' : 'inventory'}-${job.id}.${params.format}`;
}

function artifactResult(a: JobArtifact) {
  return { name: a.name, mediaType: a.mediaType, size: a.size, sha256: a.sha256, expiresAt: a.expiresAt };
}

/** Succeeded: the rows written; the planned count made up by skipped (items gone since) or extra (items found, trashed ones). */
function rowsOutcome(written: number, planned: number): TaskOutcome {
  return { succeeded: written, skipped: Math.max(0, planned - written), failures: [], extraTotal: Math.max(0, written - planned) };
}

async function plan(ctx: OperationContext, job: Job & { params: Params }, cursor: ReportCursor | null): Promise<PlanStep<ReportCursor>> {
  const { params } = job;
  if (params.kind === 'permissions') {
    const count = (await ctx.store.libraryPermissionsGet(job.libraryId)).length;
    return { tasks: [{ phase: CHUNK_PHASE, context: { permissions: true, planned: count }, entries: [], itemCount: count }], failures: [], cursor: null };
  }
  const path = params.path ?? '/';
  const tasks: PlannedTask[] = cursor === null ? [{ phase: ASSEMBLY_PHASE, context: { assemble: true }, entries: [], itemCount: 0 }] : [];
  let state = cursor ?? { stage: 'root', seq: 0, above: null };
  let first = 0;
  if (state.stage === 'root') {
    const root = await ctx.store.itemGetByPath({ libraryId: job.libraryId, path });
    if (!root) {
      return { tasks, failures: [{ entry: { path }, itemId: null, path, code: 'NOT_FOUND', message: `${path} not found`, phase: CHUNK_PHASE, context: null }], cursor: null };
    }
    if (root.kind === 'file') {
      tasks.push({ phase: CHUNK_PHASE, context: { seq: 1, above: null, through: null, planned: 1 }, entries: [], itemCount: 1 });
      return { tasks, failures: [], cursor: null };
    }
    first = path === '/' ? 0 : 1; // the selected folder's own row
    state = { stage: 'live', seq: 0, above: null };
  }
  const limit = chunkSizeFor(ctx.store);
  const prefix = path === '/' ? '/' : `${path}/`;
  const refs = await ctx.store.itemListSubtreeLive({ libraryId: job.libraryId, prefix, afterPath: state.above ?? undefined, limit });
  const seq = state.seq + 1;
  if (refs.length < limit) {
    tasks.push({ phase: CHUNK_PHASE, context: { seq, above: state.above, through: null, planned: first + refs.length }, entries: [], itemCount: first + refs.length });
    return { tasks, failures: [], cursor: null };
  }
  const through = refs.at(-1)!.path;
  tasks.push({ phase: CHUNK_PHASE, context: { seq, above: state.above, through, planned: first + refs.length }, entries: [], itemCount: first + refs.length });
  return { tasks, failures: [], cursor: { stage: 'live', seq, above: through } };
}

async function writePermissions(ctx: OperationContext, job: Job & { params: Params }): Promise<Prepared> {
  const library = await ctx.library(job.libraryId, ctx.store);
  const permissions = await ctx.store.libraryPermissionsGet(job.libraryId);
  const { format } = job.params;
  const rows = permissions.map((p, i) => (i > 0 ? separator(format) : '') + encodeRow(format, PERMISSION_COLUMNS, permissionRow(library, p)));
  async function* bytes() {
    yield header(format, PERMISSION_COLUMNS);
    yield* rows;
    yield footer(format);
  }
  const artifact = await ctx.artifacts.write(job, { name: reportName(job, job.params), mediaType: mediaTypeOf(format) }, toStream(bytes()));
  return { written: permissions.length, artifact };
}

export const reportOperation: Operation<typeof ReportParams, ReportCursor, Context, never, Prepared> = {
  type: 'report',
  params: ReportParams,
  sourceRight: 'READER',
  retryable: false,
  async validate(params) {
    const kind = params.kind ?? 'inventory';
    const format = params.format ?? 'csv';
    if (kind === 'permissions') return { params: { format, kind }, targetLibraryId: null };
    return { params: { path: normalizePath(params.path ?? '/', 'params.path'), format, kind }, targetLibraryId: null };
  },
  plan,
  async prepare(ctx, job, task) {
    const context = task.context;
    const { format } = job.params;
    if ('permissions' in context) return writePermissions(ctx, job);
    const library = await ctx.library(job.libraryId, ctx.store);
    if ('assemble' in context) {
      const parts = await listParts(ctx.store, job.id);
      const blobs = ctx.blobs.get(library.storage);
      const artifact = await ctx.artifacts.write(job, { name: reportName(job, job.params), mediaType: mediaTypeOf(format) }, toStream(assembleReport(blobs, parts, format, ctx.signal)));
      return { written: 0, artifact, parts };
    }
    const tally = emptyTally();
    const range = { libraryId: job.libraryId, path: job.params.path ?? '/', above: context.above, through: context.through };
    await ctx.artifacts.write(
      job,
      { name: `${reportName(job, job.params)}-part-${context.seq}`, mediaType: mediaTypeOf(format), part: context.seq },
      toStream(inventoryChunk(ctx.store, range, format, tally, ctx.signal)),
    );
    return { written: tally.items, tally };
  },
  async apply(tx, _ctx, job, task, prepared) {
    if (!prepared) throw new Error(`report task of job ${job.id} has no prepared result`);
    const { kind, format } = job.params;
    const planned = 'planned' in task.context ? task.context.planned : 0;
    if (prepared.parts) {
      // The parts go with the assembly's commit: a re-run before it finds them all again.
      for (const part of prepared.parts) {
        if (await tx.artifactDelete({ jobId: job.id, part: part.part, sha256: part.sha256 })) await tx.blobRelease({ storage: part.storage, sha256: part.sha256 });
      }
      await addToJobResult(tx, job.id, { kind: kind ?? 'inventory', format, artifact: artifactResult(prepared.artifact!) });
      return { succeeded: 0, skipped: 0, failures: [] };
    }
    if (prepared.artifact) {
      await addToJobResult(tx, job.id, { kind: 'permissions', format, counts: { permissions: prepared.written }, artifact: artifactResult(prepared.artifact) });
      return rowsOutcome(prepared.written, planned);
    }
    const t = prepared.tally!;
    await addToJobResult(tx, job.id, { counts: { items: t.items, files: t.files, folders: t.folders, trashed: t.trashed }, bytes: { total: t.bytes, trashed: t.trashedBytes } });
    return rowsOutcome(prepared.written, planned);
  },
};
