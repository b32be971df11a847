/**
 * The housekeeping of job artifacts: deletes results past their expiry and
 * the parts of jobs that have ended (a cancelled or failed export's zip
 * segments), each with its blob reference in one transaction; the blob
 * collector then reclaims the bytes nothing references any more.
 */
import type { Logger } from 'pino';
import type { Store } from '../store/store.js';

export async function expireArtifacts(store: Store, now: number, logger: Logger, batch = 500): Promise<number> {
  let removed = 0;
  for (;;) {
    const expired = await store.artifactListExpired({ now, limit: batch });
    for (const artifact of expired) {
      const deleted = await store.transaction(async (tx) => {
        if (!(await tx.artifactDelete({ jobId: artifact.jobId, part: artifact.part, sha256: artifact.sha256 }))) return false;
        await tx.blobRelease({ storage: artifact.storage, sha256: artifact.sha256 });
        return true;
      });
      if (deleted) removed++;
    }
    if (expired.length < batch) break;
  }
  if (removed > 0) logger.info({ removed }, 'deleted expired job artifacts');
  return removed;
}
