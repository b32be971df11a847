/**
 * Jobs rendered as VSP One shows them, with their buckets' names read in one
 * call: the job routes and the job's vendor view (src/dialects/vendor-views.ts)
 * both render with these.
 */
import type { Job } from '../../domain/jobs.js';
import type { Principal } from '../../domain/types.js';
import type { LibraryService } from '../../services/library-service.js';
import { vspJob, type VspJob } from './mapping.js';

/** Library id → name for a page of jobs (their buckets and target buckets); `known`: a library the request already read. */
export async function bucketNamesOf(libraries: LibraryService, caller: Principal, jobs: readonly Job[], known?: { id: string; name: string }): Promise<Map<string, string>> {
  const ids = new Set<string>();
  for (const job of jobs) {
    ids.add(job.libraryId);
    if (job.targetLibraryId !== null) ids.add(job.targetLibraryId);
  }
  if (known) ids.delete(known.id);
  const names = await libraries.namesInDomain(caller, ids);
  if (known) names.set(known.id, known.name);
  return names;
}

/** One job as VSP's job object (only for jobs `vspJobTypeOf` names). */
export async function renderVspJob(libraries: LibraryService, caller: Principal, job: Job): Promise<VspJob> {
  return vspJob(job, await bucketNamesOf(libraries, caller, [job]));
}
