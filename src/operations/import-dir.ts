/**
 * An import from a server directory: planned by walking the directory in a
 * fixed order from a saved cursor (dir-walk.ts: bounded memory, resumes after
 * a crash), in tasks of at most `chunk` entries or TASK_BYTES bytes; each
 * task's files are read (proven inside the directory: import-roots.ts) into
 * the library's storage before its catalog commit. Symbolic links are never
 * followed: each is a per-item failure (SYMLINK), as are FIFOs, sockets and
 * devices (SPECIAL_FILE) and folders that cannot be read.
 */
import fs from 'node:fs';
import type { OperationContext, PlanStep, PlannedTask, TaskBody } from '../jobs/operation.js';
import type { Library } from '../domain/types.js';
import { BatchyardError } from '../domain/errors.js';
import { DirWalk, type WalkCursor } from './dir-walk.js';
import { openInside, resolveImportDirectory, UnsafeFileError } from './import-roots.js';
import { chunkSizeFor, ITEMS_PER_STEP } from './subtree-planner.js';
import { SMALL_BLOB_BYTES, type BlobWriteResult } from '../blobs/blob-store.js';
import { releaseImportPins, type ImportBytes, type ImportEntry } from './import-apply.js';

/** Bytes one task reads at most (a crash repeats at most this much); a larger file is a task of its own. */
export const TASK_BYTES = 256 * 1024 * 1024;
/** Files read at once within a task. */
const READ_PARALLELISM = 8;

/** The whole of an open file (to its end, whatever its size was when opened), then closes it. */
function readWhole(fd: number): Buffer {
  try {
    return fs.readFileSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

export interface DirCursor {
  walk: WalkCursor | null;
}

function failureOf(entry: ImportEntry, label: string, code: string, message: string): PlanStep['failures'][number] {
  return { entry, itemId: null, path: label, code, message, phase: 1, context: null };
}

/** One planning step: up to ITEMS_PER_STEP entries of the walk, grouped into tasks. */
export async function planDirectory(
  ctx: OperationContext,
  roots: readonly string[],
  dir: string,
  labelOf: (rel: string) => string,
  cursor: DirCursor | null,
): Promise<PlanStep<DirCursor>> {
  if (cursor === null) {
    // Judged again when the job starts: a root removed from the allowed ones, or the folder replaced by a link since.
    try {
      const real = await resolveImportDirectory(roots, dir);
      if (real !== dir) throw new UnsafeFileError('OUTSIDE_IMPORT_ROOT', `'${dir}' now resolves to '${real}'; nothing was read`);
    } catch (error) {
      if (!(error instanceof BatchyardError) && !(error instanceof UnsafeFileError)) throw error;
      const code = error instanceof BatchyardError ? error.code : error.code;
      return { tasks: [], failures: [failureOf({ p: '', k: 'folder', s: 0 }, dir, code, error.message)], cursor: null };
    }
  }
  const walk = new DirWalk(dir, cursor?.walk ?? null);
  const chunk = chunkSizeFor(ctx.store);
  const tasks: PlannedTask[] = [];
  const failures: PlanStep['failures'] = [];
  let current: ImportEntry[] = [];
  let currentBytes = 0;
  let bytesTotal = 0;
  const close = () => {
    if (current.length > 0) tasks.push({ phase: 1, context: null, entries: current });
    current = [];
    currentBytes = 0;
  };
  for (let n = 0; n < ITEMS_PER_STEP; n++) {
    const found = await walk.next((rel, error) => {
      failures.push(failureOf({ p: rel, k: 'folder', s: 0 }, labelOf(rel), 'UNREADABLE', `folder '${rel}' cannot be read (${error.code ?? error.message}); its contents were not imported`));
    });
    if (!found) break;
    const entry: ImportEntry = { p: found.rel, k: found.kind, s: found.size };
    if (found.kind === 'link') {
      failures.push(failureOf(entry, labelOf(found.rel), 'SYMLINK', `'${found.rel}' is a symbolic link; links are not followed`));
      continue;
    }
    if (found.kind === 'special') {
      failures.push(failureOf(entry, labelOf(found.rel), 'SPECIAL_FILE', `'${found.rel}' is not a regular file or folder (a FIFO, socket or device)`));
      continue;
    }
    if (current.length >= chunk || (current.length > 0 && currentBytes + found.size > TASK_BYTES)) close();
    current.push(entry);
    currentBytes += found.size;
    bytesTotal += found.size;
  }
  close();
  return { tasks, failures, bytesTotal, cursor: walk.done ? null : { walk: walk.cursor } };
}

/**
 * Bytes first: each file of the task, proven inside `dir`, streamed into the
 * library's storage as a deferred write, then all made durable in one pass
 * (stops between files on cancel).
 */
export async function prepareDirectory(ctx: OperationContext, library: Library, dir: string, task: TaskBody<unknown, ImportEntry>): Promise<ImportBytes> {
  const blobs = ctx.blobs.get(library.storage);
  const files = task.entries.filter((e) => e.k !== 'folder');
  const bytes: ImportBytes = { files: new Map(), pins: [] };
  const out = bytes.files;
  const writes: BlobWriteResult[] = [];
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      ctx.signal?.throwIfAborted();
      const entry = files[next++]!;
      let opened: { fd: number; stats: fs.Stats };
      try {
        opened = await openInside(dir, entry.p);
      } catch (error) {
        if (error instanceof UnsafeFileError) {
          out.set(entry.p, { code: error.code, message: error.message });
          continue;
        }
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EACCES' || code === 'EPERM') {
          out.set(entry.p, { code: 'UNREADABLE', message: `'${entry.p}' cannot be read (${code})` });
          continue;
        }
        throw error;
      }
      // A small file is read whole, synchronously (one read from the page cache costs less than a thread-pool round trip).
      const written =
        opened.stats.size <= SMALL_BLOB_BYTES
          ? await blobs.writeBuffer(readWhole(opened.fd), { defer: true })
          : await blobs.write(fs.createReadStream('', { fd: opened.fd }), { maxBytes: Number.MAX_SAFE_INTEGER, defer: true });
      writes.push(written);
      if (written.pin) bytes.pins.push(written.pin);
      out.set(entry.p, { sha256: written.sha256, size: written.size, modifiedAt: opened.stats.mtimeMs });
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(READ_PARALLELISM, files.length) }, worker));
    await blobs.persist(writes);
  } catch (error) {
    await releaseImportPins(bytes);
    throw error;
  }
  return bytes;
}
