/**
 * Plans an extract: lists the archive once (format told by content), judges
 * every entry, and emits tasks of at most `chunk` entries (and TASK_BYTES
 * for zip and tar, whose tasks read their entries by locator).
 *
 * A tar.gz can only be streamed, so this one pass also stores each unpacked
 * file as a blob (bytes first); its tasks then commit catalog rows only (and
 * put back any blob the collector took meanwhile by streaming the archive
 * again). A crash while planning plans again from the start (nothing of a
 * plan step is committed; blobs already stored are found, not doubled).
 *
 * Refused entries are per-item failures: UNSAFE_PATH, INVALID_NAME,
 * LINK_ENTRY, SPECIAL_FILE, DUPLICATE_ENTRY (a path given twice, or a file
 * where another entry needs a folder: the first wins), UNSUPPORTED_ENTRY,
 * LIMIT_EXCEEDED (a declared ratio), CORRUPT_ARCHIVE; NOT_FOUND for a listed
 * entry the archive lacks. An archive-wide problem (not an archive, corrupt,
 * past the entry or byte limit, a gzip ratio) is one failure on the archive
 * and nothing is unpacked.
 */
import type { Static } from '@sinclair/typebox';
import type { ExtractParams } from '../domain/job-params/index.js';
import type { ArchiveLimits } from '../domain/archive-limits.js';
import type { JobOf, OperationContext, PlanStep, PlannedTask } from '../jobs/operation.js';
import { BatchyardError } from '../domain/errors.js';
import { joinPath, parsePath } from '../domain/item-path.js';
import { blobSource, entryKey, entrySegments, isArchiveError, normalizeEntryName, openArchive, type ArchiveEntry, type ArchiveReader } from '../archives/index.js';
import { chunkSizeFor } from './subtree-planner.js';
import { TASK_BYTES, type ExtractContext, type ExtractEntry, type PlannedEntry, type RefusedEntry } from './extract-model.js';

type Job = JobOf<Static<typeof ExtractParams>>;
type Failure = PlanStep['failures'][number];

/** How often a long planning pass (a tar.gz being stored) checks whether its job was cancelled. */
const CANCEL_CHECK_MS = 1_000;

function archiveFailure(job: Job, itemId: number | null, code: string, message: string, context: ExtractContext | null): PlanStep<null> {
  const entry: ExtractEntry = { archive: job.params.path, code, message };
  return { tasks: [], failures: [{ entry, itemId, path: job.params.path, code, message, phase: 1, context }], bytesTotal: 0, cursor: null };
}

/** Which listed names (normalized) an entry falls under: itself or one of its folders. */
function selectedBy(listed: Set<string> | null, segments: string[]): string | null | undefined {
  if (!listed) return null;
  for (let depth = 1; depth <= segments.length; depth++) {
    const prefix = segments.slice(0, depth).join('/');
    if (listed.has(prefix)) return prefix;
  }
  return undefined;
}

/** Entry kinds by normalized path: explicit entries and the folders their paths imply. */
class Seen {
  private readonly kinds = new Map<string, 'file' | 'folder' | 'implied'>();
  /** Why this entry clashes with an earlier one, or 'repeat' for a folder given twice (harmless). */
  clash(segments: string[], kind: 'file' | 'folder'): string | 'repeat' | undefined {
    for (let depth = 1; depth < segments.length; depth++) {
      const prefix = segments.slice(0, depth).join('/');
      if (this.kinds.get(prefix) === 'file') return `'${prefix}' is a file earlier in the archive, not a folder`;
    }
    const before = this.kinds.get(entryKey(segments));
    if (before === undefined) return undefined;
    if (kind === 'folder' && before !== 'file') return before === 'folder' ? 'repeat' : undefined;
    return before === 'file' ? 'an earlier entry has the same path' : 'an earlier entry has this path as a folder';
  }
  add(segments: string[], kind: 'file' | 'folder'): void {
    for (let depth = 1; depth < segments.length; depth++) {
      const prefix = segments.slice(0, depth).join('/');
      if (!this.kinds.has(prefix)) this.kinds.set(prefix, 'implied');
    }
    this.kinds.set(entryKey(segments), kind);
  }
}

interface Pass {
  ctx: OperationContext;
  job: Job;
  archive: ArchiveReader;
  context: ExtractContext;
  storage: string;
  tasks: PlannedTask[];
  failures: Failure[];
  pending: PlannedEntry[];
  pendingBytes: number;
  bytesTotal: number;
  chunk: number;
}

function refuse(pass: Pass, entry: RefusedEntry): void {
  pass.failures.push({ entry, itemId: null, path: entry.path ?? entry.name, code: entry.code, message: entry.message, phase: 1, context: pass.context });
}

function flush(pass: Pass): void {
  if (pass.pending.length === 0) return;
  pass.tasks.push({ phase: 1, context: pass.context, entries: pass.pending });
  pass.pending = [];
  pass.pendingBytes = 0;
}

/** Judges one entry: planned (maybe stored, for tar.gz), refused, or nothing (the destination itself, outside the selection). */
async function judge(pass: Pass, entry: ArchiveEntry, listed: Set<string> | null, matched: Set<string>, seen: Seen): Promise<void> {
  const { name } = entry;
  let segments: string[];
  try {
    segments = entrySegments(name);
  } catch (error) {
    if (!isArchiveError(error)) throw error;
    // Outside a selection an unreadable name is not one that was asked for.
    if (!listed) refuse(pass, { i: entry.index, name, code: error.reason, message: error.message });
    return;
  }
  if (segments.length === 0) return;
  const by = selectedBy(listed, segments);
  if (by === undefined) return;
  if (by !== null) matched.add(by);
  const path = joinPath([...parsePath(pass.job.params.destination), ...segments]);
  const what = `entry ${JSON.stringify(name)}`;
  if (entry.kind === 'link') return refuse(pass, { i: entry.index, name, path, code: 'LINK_ENTRY', message: `${what}: links are never unpacked` });
  if (entry.kind === 'special') return refuse(pass, { i: entry.index, name, path, code: 'SPECIAL_FILE', message: `${what}: devices, FIFOs and other special files are never unpacked` });
  const kind = entry.kind;
  const clash = seen.clash(segments, kind);
  if (clash === 'repeat') return;
  if (clash !== undefined) return refuse(pass, { i: entry.index, name, path, code: 'DUPLICATE_ENTRY', message: `${what}: ${clash} (the first one is unpacked)` });
  try {
    parsePath(path, 'path');
  } catch (error) {
    if (!(error instanceof BatchyardError)) throw error;
    return refuse(pass, { i: entry.index, name, path: path.slice(0, 1000), code: 'INVALID_NAME', message: `${what}: ${error.message.replace(/^path: /, '')}` });
  }
  if (entry.problem) return refuse(pass, { i: entry.index, name, path, code: entry.problem.reason, message: entry.problem.message });
  seen.add(segments, kind);
  const planned: PlannedEntry = { i: entry.index, name, path, kind, size: entry.size, mtime: entry.modifiedAt };
  if (kind === 'file') {
    if (entry.locator) planned.loc = entry.locator;
    else {
      try {
        const written = await pass.ctx.blobs.get(pass.storage).write(await entry.open(), { maxBytes: entry.size });
        planned.sha256 = written.sha256;
      } catch (error) {
        if (!isArchiveError(error) || error.scope === 'archive') throw error;
        return refuse(pass, { i: entry.index, name, path, code: error.reason, message: error.message });
      }
    }
    pass.bytesTotal += entry.size;
    pass.pendingBytes += entry.size;
  }
  pass.pending.push(planned);
  if (pass.pending.length >= pass.chunk || (planned.loc && pass.pendingBytes >= TASK_BYTES)) flush(pass);
}

const WORKING = new Set(['queued', 'planning', 'running']);

export async function planExtract(ctx: OperationContext, job: Job, limits: ArchiveLimits): Promise<PlanStep<null>> {
  const library = await ctx.library(job.libraryId, ctx.store);
  const item = await ctx.store.itemGetByPath({ libraryId: job.libraryId, path: job.params.path });
  if (!item || item.trashedAt !== null) return archiveFailure(job, null, 'NOT_FOUND', `'${job.params.path}' not found`, null);
  if (item.kind !== 'file' || item.sha256 === null) return archiveFailure(job, item.id, 'UNPROCESSABLE', `'${item.path}' is a folder, not an archive`, null);
  const source = blobSource(ctx.blobs.get(library.storage), item.sha256, item.size, item.path);
  let archive: ArchiveReader;
  try {
    archive = await openArchive(source, limits);
  } catch (error) {
    if (isArchiveError(error)) return archiveFailure(job, item.id, error.reason, error.message, null);
    throw error;
  }
  const context: ExtractContext = { sha256: item.sha256, size: item.size, format: archive.format };
  const listed = job.params.entries ? new Set(job.params.entries.map((e) => normalizeEntryName(e))) : null;
  const matched = new Set<string>();
  const pass: Pass = { ctx, job, archive, context, storage: library.storage, tasks: [], failures: [], pending: [], pendingBytes: 0, bytesTotal: 0, chunk: chunkSizeFor(ctx.store) };
  const seen = new Seen();
  let checked = Date.now();
  try {
    for await (const entry of archive.entries()) {
      await judge(pass, entry, listed, matched, seen);
      if (Date.now() - checked >= CANCEL_CHECK_MS) {
        checked = Date.now();
        const current = await ctx.store.jobGetById(job.id);
        // Cancelled: plan nothing more (the planner then ends the job).
        if (!current || !WORKING.has(current.status)) return { tasks: [], failures: [], cursor: null };
      }
    }
  } catch (error) {
    if (isArchiveError(error)) return archiveFailure(job, item.id, error.reason, error.message, context);
    throw error;
  } finally {
    await archive.close();
  }
  flush(pass);
  for (const name of listed ?? []) {
    if (!matched.has(name)) refuse(pass, { i: -1, name, code: 'NOT_FOUND', message: `entry '${name}' is not in the archive` });
  }
  return { tasks: pass.tasks, failures: pass.failures, bytesTotal: pass.bytesTotal, cursor: null };
}
