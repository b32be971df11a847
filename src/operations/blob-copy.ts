/**
 * Bytes between storage locations, for the operations that put a library's
 * content into a library on another location (copy, move, replicate): the
 * blobs the target lacks are copied there, a few at a time, then made
 * durable together in one pass, before the task's catalog commit.
 * Idempotent (content-addressed); stops between blobs when the job is cancelled.
 */
import type { OperationContext } from '../jobs/operation.js';
import type { BlobWriteResult } from '../blobs/blob-store.js';
import { UnprocessableError } from '../domain/errors.js';

const COPY_PARALLELISM = 8;

/** Copies each of `shas` that storage `to` lacks from storage `from`; returns the bytes written. */
export async function copyMissingBlobs(ctx: Pick<OperationContext, 'blobs' | 'signal'>, from: string, to: string, shas: Iterable<string>): Promise<number> {
  const unique = [...new Set(shas)];
  if (from === to || unique.length === 0) return 0;
  const source = ctx.blobs.get(from);
  const target = ctx.blobs.get(to);
  // Those the target lacks, looked up in one pass (another task may store one meanwhile: the write dedupes).
  const wanted = await target.absent(unique);
  let next = 0;
  let bytes = 0;
  const written: BlobWriteResult[] = [];
  const worker = async () => {
    while (next < wanted.length) {
      ctx.signal?.throwIfAborted(); // the job was cancelled: copy nothing more
      const sha = wanted[next++]!;
      // (A packed blob is read whole into a one-chunk stream.)
      const blob = await target.write(await source.openRead(sha), { maxBytes: Number.MAX_SAFE_INTEGER, defer: true });
      written.push(blob);
      if (blob.sha256 !== sha) throw new UnprocessableError(`blob ${sha} is corrupt in storage '${from}' (reads back as ${blob.sha256})`);
      bytes += blob.size;
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(COPY_PARALLELISM, wanted.length) }, worker));
    // Durable in one pass, before the task's catalog commit references them.
    await target.persist(written);
  } finally {
    await Promise.all(written.map((blob) => blob.pin?.release()));
  }
  return bytes;
}
