/**
 * Reclaims blobs nothing references (refcount 0): mark the row collecting
 * (-1, so a concurrent upload of the same bytes retries instead of adding a
 * reference), delete the bytes, delete the row. A crash between the steps
 * leaves a -1 row that the next pass finishes; a referenced blob is never touched.
 */
import type { Logger } from 'pino';
import type { Store } from '../store/store.js';
import type { BlobStore } from '../blobs/blob-store.js';

export async function collectBlobs(store: Store, blobs: { get(name: string): BlobStore }, logger: Logger, batch = 500): Promise<number> {
  let removed = 0;
  for (;;) {
    const candidates = await store.blobListUnreferenced({ limit: batch });
    if (candidates.length === 0) break;
    for (const blob of candidates) {
      const marked = await store.blobMarkCollecting({ storage: blob.storage, sha256: blob.sha256 });
      if (!marked) continue;
      let location: BlobStore | undefined;
      try {
        location = blobs.get(blob.storage);
      } catch {
        logger.warn({ storage: blob.storage }, 'unreferenced blob in an unknown storage location; row kept');
        continue;
      }
      await location.delete(blob.sha256);
      await store.blobDeleteCollected({ storage: blob.storage, sha256: blob.sha256 });
      removed++;
    }
    if (candidates.length < batch) break;
  }
  if (removed > 0) logger.info({ removed }, 'collected unreferenced blobs');
  return removed;
}
