/**
 * An extract task's bytes, before its catalog commit: each file entry
 * streamed from the archive blob (zip, tar: by locator, a few at a time) into
 * the library's storage as a deferred write, then the whole chunk made
 * durable in one pass (`persist`), not an fsync pair per file; their pins are
 * dropped at the end of the task's transaction (`releasePins`), when the
 * bytes are durable at their addresses. For tar.gz the planner stored them already; any the
 * collector took meanwhile are stored again from one more pass over the
 * archive. An entry the archive refuses to give (CRC, a lying size, the
 * ratio) is that entry's failure; cancel stops between entries.
 */
import type { Static } from '@sinclair/typebox';
import type { ExtractParams } from '../domain/job-params/index.js';
import type { ArchiveLimits } from '../domain/archive-limits.js';
import type { JobOf, OperationContext, TaskBody } from '../jobs/operation.js';
import type { BlobPin, BlobStore, BlobWriteResult } from '../blobs/blob-store.js';
import { blobSource, isArchiveError, openArchive } from '../archives/index.js';
import { isPlanned, type ExtractContext, type ExtractEntry, type PlannedEntry } from './extract-model.js';

type Job = JobOf<Static<typeof ExtractParams>>;

export interface ExtractedBytes {
  /** By entry index: the stored blob. */
  blobs: Map<number, { sha256: string; size: number }>;
  /** By entry index: why its bytes could not be read. */
  failures: Map<number, { code: string; message: string }>;
  /** Pins of the deferred writes (durable once `persist` ran); dropped by releasePins. */
  pins: BlobPin[];
}

/** Drops the task's pins (its bytes are durable at their addresses by then); never throws. */
export async function releasePins(bytes: ExtractedBytes | undefined): Promise<void> {
  if (!bytes) return;
  const pins = bytes.pins.splice(0);
  await Promise.all(pins.map((pin) => pin.release().catch(() => {})));
}

const READ_PARALLELISM = 4;

async function storeByLocator(ctx: OperationContext, blobs: BlobStore, context: ExtractContext, label: string, files: PlannedEntry[], limits: ArchiveLimits, out: ExtractedBytes): Promise<void> {
  const archive = await openArchive(blobSource(blobs, context.sha256, context.size, label), limits);
  const writes: BlobWriteResult[] = [];
  try {
    let next = 0;
    const worker = async () => {
      while (next < files.length) {
        ctx.signal?.throwIfAborted();
        const file = files[next++]!;
        try {
          const written = await blobs.write(await archive.openAt(file.loc!, file.name), { maxBytes: file.size, defer: true });
          writes.push(written);
          if (written.pin) out.pins.push(written.pin);
          out.blobs.set(file.i, { sha256: written.sha256, size: written.size });
        } catch (error) {
          if (!isArchiveError(error)) throw error;
          out.failures.set(file.i, { code: error.reason, message: error.message });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(READ_PARALLELISM, files.length) }, worker));
    await blobs.persist(writes);
    // Cancelled meanwhile: the engine commits nothing of this task, so nothing would drop the pins.
    ctx.signal?.throwIfAborted();
  } catch (error) {
    await releasePins(out);
    throw error;
  } finally {
    await archive.close();
  }
}

/** tar.gz: the planner stored the bytes; those gone since are stored again from a pass over the archive. */
async function restoreStreamed(ctx: OperationContext, blobs: BlobStore, context: ExtractContext, label: string, files: PlannedEntry[], limits: ArchiveLimits, out: ExtractedBytes): Promise<void> {
  const missing = new Map<number, PlannedEntry>();
  for (const file of files) {
    if (file.sha256 && (await blobs.stat(file.sha256))) out.blobs.set(file.i, { sha256: file.sha256, size: file.size });
    else missing.set(file.i, file);
  }
  if (missing.size === 0) return;
  const archive = await openArchive(blobSource(blobs, context.sha256, context.size, label), limits);
  try {
    for await (const entry of archive.entries({ ...(ctx.signal ? { signal: ctx.signal } : {}) })) {
      const file = missing.get(entry.index);
      if (!file) continue;
      missing.delete(entry.index);
      const written = await blobs.write(await entry.open(), { maxBytes: file.size });
      out.blobs.set(file.i, { sha256: written.sha256, size: written.size });
      if (missing.size === 0) break;
    }
  } catch (error) {
    if (!isArchiveError(error)) throw error;
    for (const file of missing.values()) out.failures.set(file.i, { code: error.reason, message: error.message });
    missing.clear();
  } finally {
    await archive.close();
  }
  for (const file of missing.values()) out.failures.set(file.i, { code: 'CORRUPT_ARCHIVE', message: `entry ${JSON.stringify(file.name)} is no longer in the archive` });
}

export async function extractBytes(ctx: OperationContext, job: Job, task: TaskBody<ExtractContext | null, ExtractEntry>, limits: ArchiveLimits): Promise<ExtractedBytes> {
  const out: ExtractedBytes = { blobs: new Map(), failures: new Map(), pins: [] };
  const files = task.entries.filter((e): e is PlannedEntry => isPlanned(e) && e.kind === 'file');
  if (files.length === 0 || task.context === null) return out;
  const library = await ctx.library(job.libraryId, ctx.store);
  const blobs = ctx.blobs.get(library.storage);
  if (task.context.format === 'tar.gz') await restoreStreamed(ctx, blobs, task.context, job.params.path, files, limits, out);
  else await storeByLocator(ctx, blobs, task.context, job.params.path, files, limits, out);
  return out;
}
