/**
 * Native jobs → AvePoint job objects: `jobId` the id as a string, `appType`
 * the job's library's appType, `jobType`/`status`/`dataSource` through
 * mapping.ts, `progress` the native 0–100 as a number, times ISO 8601 UTC
 * (null until the job starts / ends), `operator` the requestor's name
 * ("System" for jobs the system started).
 */
import { progressOf } from '../../domain/jobs.js';
import type { Principal } from '../../domain/types.js';
import type { LibraryService } from '../../services/library-service.js';
import type { JobWithRequestor } from '../../services/job-service.js';
import { dataSourceOf, DEFAULT_APP_TYPE, jobTypeOf, statusOf } from './mapping.js';
import { aveTime } from './time.js';
import type { AveJob } from './schemas.js';

/** The appType of each library the page's jobs ran on, in one read (a library gone since counts as the default, Drive). */
export function appTypesOf(libraries: LibraryService, caller: Principal, libraryIds: Iterable<string>): Promise<Map<string, number>> {
  return libraries.appTypesInDomain(caller, libraryIds);
}

export function aveJob({ job, requestor }: JobWithRequestor, appTypes: ReadonlyMap<string, number>): AveJob {
  return {
    jobId: String(job.id),
    appType: appTypes.get(job.libraryId) ?? DEFAULT_APP_TYPE,
    // The listing asks only for types AvePoint names; 0 would only show a type added to one table and not the other.
    jobType: jobTypeOf(job.type) ?? 0,
    dataSource: dataSourceOf(job.origin),
    status: statusOf(job.status),
    progress: progressOf(job),
    startTime: aveTime(job.startedAt),
    finishTime: aveTime(job.finishedAt),
    operator: job.origin === 'system' ? 'System' : requestor.name || requestor.email,
  };
}
