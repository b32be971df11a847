/**
 * Removes tus uploads that are done with: consumed (their import job ended
 * with no failed item) or expired (and read by no running job; one whose job
 * ended with failures stays until its expiry, for a retry). Bytes first, then
 * the row: a crash between the two leaves a row the next sweep finishes.
 */
import type { Logger } from 'pino';
import type { Store } from '../store/store.js';
import type { UploadFiles } from '../blobs/upload-files.js';

export async function sweepUploads(store: Store, files: UploadFiles, now: number, logger: Logger, batch = 200): Promise<number> {
  let removed = 0;
  for (;;) {
    const ids = await store.uploadListSweepable({ now, limit: batch });
    for (const id of ids) {
      await files.remove(id);
      if (await store.uploadDelete({ id })) removed++;
    }
    if (ids.length < batch) break;
  }
  if (removed > 0) logger.info({ removed }, 'removed consumed or expired uploads');
  return removed;
}
