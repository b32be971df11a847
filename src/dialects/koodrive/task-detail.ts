/**
 * `taskInfos` of a task's detail (GET /koodrive/ose/v1/{jobId}): one TaskInfo
 * per file the request named (its `fileInfo`: the selection by path or id; a
 * decompression's archive; none for emptying the recycle bin), each
 *   {fileId | filePath (as it was named), srcContainerId, status}
 * with `status` a string, as KooDrive writes it: "0" not done yet (the task is
 * to be processed or being processed), "1" done, "2" failed (a failure was
 * recorded for the file, or under it for a folder named by path; a task of one
 * file fails that file), "3" cancelled.
 * Failures are read up to MAX_FAILURES_READ: a task with more failures than that
 * shows only the files those name as failed.
 */
import type { Job } from '../../domain/jobs.js';

export interface TaskInfo {
  fileId?: string;
  filePath?: string;
  srcContainerId: string;
  status: string;
}

export interface FailureRef {
  itemId: number | null;
  path: string;
}

/** A page of the job's failures, in order (JobService.failures). */
export type FailurePages = (cursor: string | undefined) => Promise<{ failures: FailureRef[]; nextCursor: string | null }>;

export const MAX_FAILURES_READ = 10_000;

type Entry = { fileId: number; filePath?: undefined } | { filePath: string; fileId?: undefined };

function entriesOf(job: Pick<Job, 'type' | 'params'>): Entry[] {
  const p = job.params;
  if (job.type === 'extract' && typeof p.path === 'string') return [{ filePath: p.path }];
  if (Array.isArray(p.itemIds)) return (p.itemIds as number[]).map((fileId) => ({ fileId }));
  if (Array.isArray(p.paths)) return (p.paths as string[]).map((filePath) => ({ filePath }));
  return [];
}

/** The entries a failure at `path` (of item `itemId`) falls to: the item itself, or a folder named by path above it. */
function* hitsOf(failure: FailureRef, byId: Map<number, Entry>, byPath: Map<string, Entry>): Generator<Entry> {
  if (failure.itemId !== null) {
    const entry = byId.get(failure.itemId);
    if (entry) yield entry;
  }
  for (let path = failure.path; ; path = path.slice(0, Math.max(path.lastIndexOf('/'), 1))) {
    const entry = byPath.get(path);
    if (entry) yield entry;
    if (path === '/' || !path.startsWith('/')) return;
  }
}

async function failedEntries(entries: Entry[], pages: FailurePages): Promise<Set<Entry>> {
  const byId = new Map<number, Entry>();
  const byPath = new Map<string, Entry>();
  for (const entry of entries) {
    if (entry.fileId !== undefined) byId.set(entry.fileId, entry);
    else byPath.set(entry.filePath, entry);
  }
  const failed = new Set<Entry>();
  let cursor: string | undefined;
  let read = 0;
  do {
    const page = await pages(cursor);
    for (const failure of page.failures) for (const entry of hitsOf(failure, byId, byPath)) failed.add(entry);
    read += page.failures.length;
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined && read < MAX_FAILURES_READ && failed.size < entries.length);
  return failed;
}

export async function taskInfosOf(job: Pick<Job, 'type' | 'params' | 'status' | 'libraryId' | 'counts'>, pages: FailurePages): Promise<TaskInfo[]> {
  const entries = entriesOf(job);
  const render = (entry: Entry, status: string): TaskInfo => ({
    ...(entry.fileId !== undefined ? { fileId: String(entry.fileId) } : { filePath: entry.filePath }),
    srcContainerId: job.libraryId,
    status,
  });
  switch (job.status) {
    case 'queued':
    case 'planning':
    case 'running':
    case 'cancelling':
      return entries.map((e) => render(e, '0'));
    case 'cancelled':
      return entries.map((e) => render(e, '3'));
    case 'failed':
      return entries.map((e) => render(e, '2'));
    case 'completed':
      return entries.map((e) => render(e, '1'));
    case 'completed_with_errors': {
      if (entries.length === 1) return [render(entries[0]!, '2')];
      const failed = await failedEntries(entries, pages);
      return entries.map((e) => render(e, failed.has(e) ? '2' : '1'));
    }
  }
}
