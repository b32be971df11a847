/**
 * Adding blob references safely against the collector: a reference that
 * takes a blob from nothing (a new row, or a row at 0) checks that the bytes
 * are still there — the collector may have removed them between our write
 * and our reference. Missing bytes are a BlobCollectedError (transient): the
 * caller puts the bytes back (or writes them again) and retries.
 */
import type { Store } from '../store/store.js';
import type { BlobStore } from '../blobs/blob-store.js';
import { BlobCollectedError } from '../domain/errors.js';

export async function addBlobRef(
  tx: Store,
  blobs: BlobStore,
  p: { sha256: string; size: number; count?: number; now: number },
): Promise<void> {
  const count = p.count ?? 1;
  const refcount = await tx.blobAddRef({ storage: blobs.name, sha256: p.sha256, size: p.size, count, now: p.now });
  if (refcount === count && !(await blobs.stat(p.sha256))) {
    throw new BlobCollectedError(`blob ${p.sha256.slice(0, 12)}… was collected before it was referenced; retry`);
  }
}

/**
 * addBlobRef for many blobs of one storage in one statement per 500: a blob
 * whose count went from nothing must still have its bytes (else
 * BlobCollectedError, as above).
 */
export async function addBlobRefs(
  tx: Store,
  blobs: BlobStore,
  refs: ReadonlyArray<{ sha256: string; size: number; count: number }>,
  now: number,
): Promise<void> {
  if (refs.length === 0) return;
  const counts = await tx.blobAddRefMany({ storage: blobs.name, blobs: refs, now });
  const added = new Map<string, number>();
  for (const r of refs) added.set(r.sha256, (added.get(r.sha256) ?? 0) + r.count);
  const fromNothing = counts.filter(({ sha256, refcount }) => refcount === added.get(sha256)).map((c) => c.sha256);
  const [gone] = fromNothing.length > 0 ? await blobs.absent(fromNothing) : [];
  if (gone !== undefined) throw new BlobCollectedError(`blob ${gone.slice(0, 12)}… was collected before it was referenced; retry`);
}
