/**
 * AODocs ⇄ native translation of jobs (docs/dialects/README.md):
 * the job `type` and `status` enums both ways, the `orderBy` syntax, and the
 * ApiJob rendering (aodocs-job.json). Pure functions: no I/O, no state.
 * A report is LIBRARY_PERMISSION_EXTRACTION only of kind `permissions`: AODocs has
 * no name for an inventory report, which this dialect therefore does not list or show.
 */
import type { Job, JobOrder, JobStatus } from '../../domain/jobs.js';
import type { JobListQuery } from '../../services/job-service.js';
import { FINAL_STATUSES } from '../../domain/jobs.js';
import type { User } from '../../domain/types.js';
import { InvalidArgumentError } from '../../domain/errors.js';

/** ApiJob.status (aodocs-job.json). */
export const AODOCS_STATUSES = ['IN_PROGRESS', 'COMPLETED', 'FAILED', 'CANCELLED'] as const;
export type AodocsStatus = (typeof AODOCS_STATUSES)[number];

/** ApiJob.type (aodocs-job.json), in the document's order. */
export const AODOCS_TYPES = [
  'UNKNOWN', 'IMPORT_FOLDER', 'DELETE_FOLDER', 'RESTORE_FOLDER', 'PERMANENTLY_DELETE_FOLDER', 'MOVE_FOLDER', 'FOLDER_CACHE_UPDATE',
  'DELETE_DOCUMENTS_AND_FOLDERS', 'PERMANENTLY_DELETE_DOCUMENTS_AND_FOLDERS', 'TRASH_DOCUMENTS', 'COPY_FILE', 'COPY_FILE_RESUMABLE',
  'CREATE_FOLDER_MAINTENANCE', 'REVERT_VERSION', 'RESTORE_VERSION', 'MOVE_DOCUMENTS_AND_FOLDERS', 'DELETE_VERSIONEDDOCUMENT', 'CREATE_DOCUMENTS',
  'CHECK_OUT_DOCUMENT', 'CHECK_IN_DOCUMENT', 'IMPORT_PREPROCESS', 'IMPORT', 'REVERT', 'DUPLICATE_FOLDER_STRUCTURE', 'EXPORT_FOLDER', 'EXPORT_FILE',
  'PUSH_TO_DRIVE', 'APPLY_PERMISSIONS_TO_ALL_CHILDREN', 'DRIVE_SCAN', 'FIX_PERMISSION_PROPAGATION', 'LIBRARY_COPY_CONTENT', 'EXPORT_TO_LIBRARY',
  'LIBRARY_DELETE', 'REPLACE_FOLDER', 'BACKUP', 'MARK_STORED_EMAIL_DELIVERED', 'CONCURRENCY_TEST', 'CLEAN_CATEGORY', 'VALIDATE_DOCUMENTS',
  'CREATE_DOCUMENT_ASYNC', 'CREATE_DOCUMENT_FROM_INBOUND_EMAIL', 'UPDATE_GROUP_MEMBERSHIP_CACHE', 'SET_PERMISSION_ID_FOR_USERS',
  'PATCH_DOCUMENT_ASYNC', 'UPDATE_ATTACHMENT', 'UPDATE_STORAGE_ACCOUNT_QUOTA_USAGE', 'COPY_DOCUMENT_WITH_VERSIONS', 'REFRESH_INDEX_STAT',
  'VERIFY_SUBDOMAIN_EXISTENCE', 'CREATE_DOCUMENT_WITH_VERSIONS_ASYNC_V1', 'REMOVE_EXPLICIT_PERMISSIONS_FROM_TF', 'CHANGE_LIBRARY_TYPE',
  'LIBRARY_OWNERSHIP_CHANGE', 'LIBRARY_PERMISSION_EXTRACTION', 'SEND_NOTIFICATION_REMINDERS', 'CHECK_ANYONE_INCONSISTENCIES', 'PURGE_DOMAIN',
  'BLACKLIST_USERS', 'PROPAGATE_OUTDATED_CATEGORY_VALUE_PROPERTY', 'CACHE_DRIVE_SEARCH', 'VALIDATE_DOCUMENT_WORKFLOW_TRANSITION',
] as const;
export type AodocsType = (typeof AODOCS_TYPES)[number];

/** The type table of docs/dialects/README.md, AODocs column. Native types absent here (noop) are not served by this dialect. */
export const AODOCS_TYPE_BY_NATIVE: Readonly<Record<string, AodocsType>> = Object.freeze({
  copy: 'COPY_FILE',
  move: 'MOVE_DOCUMENTS_AND_FOLDERS',
  trash: 'DELETE_DOCUMENTS_AND_FOLDERS',
  purge: 'PERMANENTLY_DELETE_DOCUMENTS_AND_FOLDERS',
  restore: 'RESTORE_FOLDER',
  empty_trash: 'PERMANENTLY_DELETE_FOLDER',
  export: 'EXPORT_FOLDER',
  import: 'IMPORT_FOLDER',
  extract: 'IMPORT',
  replicate: 'EXPORT_TO_LIBRARY',
  backup: 'BACKUP',
  restore_backup: 'REVERT',
  retention: 'UNKNOWN',
  report: 'LIBRARY_PERMISSION_EXTRACTION',
  verify: 'REFRESH_INDEX_STAT',
});

/** Every native type this dialect can name: the listing's `types` when no type filter is given. */
export const NAMEABLE_NATIVE_TYPES: readonly string[] = Object.freeze(Object.keys(AODOCS_TYPE_BY_NATIVE));

/**
 * The one kind of report AODocs names (LIBRARY_PERMISSION_EXTRACTION): every listing
 * passes it, so inventory reports are never listed here (other types are unaffected).
 */
export const REPORT_VARIANT: NonNullable<JobListQuery['variant']> = Object.freeze({ type: 'report', key: 'kind', value: 'permissions' });

/** The status table of docs/dialects/README.md, AODocs column. */
export const AODOCS_STATUS_BY_NATIVE: Readonly<Record<JobStatus, AodocsStatus>> = Object.freeze({
  queued: 'IN_PROGRESS',
  planning: 'IN_PROGRESS',
  running: 'IN_PROGRESS',
  cancelling: 'IN_PROGRESS',
  completed: 'COMPLETED',
  completed_with_errors: 'COMPLETED',
  failed: 'FAILED',
  cancelled: 'CANCELLED',
});

const AODOCS_TYPE_SET = new Set<string>(AODOCS_TYPES);
const AODOCS_STATUS_SET = new Set<string>(AODOCS_STATUSES);

/** The AODocs `type` of a job, or undefined for a job this dialect cannot name (an inventory report, a noop). */
export function aodocsTypeOf(job: Pick<Job, 'type' | 'params'>): AodocsType | undefined {
  if (!Object.hasOwn(AODOCS_TYPE_BY_NATIVE, job.type)) return undefined;
  if (job.type === REPORT_VARIANT.type && job.params[REPORT_VARIANT.key] !== REPORT_VARIANT.value) return undefined;
  return AODOCS_TYPE_BY_NATIVE[job.type];
}

export function isNameable(job: Pick<Job, 'type' | 'params'>): boolean {
  return aodocsTypeOf(job) !== undefined;
}

/** The native statuses an AODocs `status` filter stands for (IN_PROGRESS is four of them). 400 naming `status` if unknown. */
export function nativeStatusesOf(status: string): JobStatus[] {
  if (!AODOCS_STATUS_SET.has(status)) {
    throw new InvalidArgumentError(`status: '${status.slice(0, 64)}' is not a job status (${AODOCS_STATUSES.join(', ')})`, { field: 'status' });
  }
  return (Object.keys(AODOCS_STATUS_BY_NATIVE) as JobStatus[]).filter((native) => AODOCS_STATUS_BY_NATIVE[native] === status);
}

/**
 * The native types an AODocs `type` filter stands for: possibly none (a valid AODocs type
 * with no batchyard counterpart matches no job). 400 naming `type` if not an AODocs type.
 */
export function nativeTypesOf(type: string): string[] {
  if (!AODOCS_TYPE_SET.has(type)) {
    throw new InvalidArgumentError(`type: '${type.slice(0, 64)}' is not an AODocs job type`, { field: 'type' });
  }
  return NAMEABLE_NATIVE_TYPES.filter((native) => AODOCS_TYPE_BY_NATIVE[native] === type);
}

const ORDER_CRITERIA: Readonly<Record<string, 'started' | 'last_activity'>> = {
  started: 'started',
  startedat: 'started',
  lastactivity: 'last_activity',
  lastactivityat: 'last_activity',
};

/**
 * `orderBy`: 'sortCriterion sortDirection' with criterion started|lastActivity and direction
 * asc|desc (the page's syntax). Also accepted: the ApiJob field names (startedAt,
 * lastActivityAt), any case, the direction omitted (ascending, as in Google APIs), or joined
 * by '_' / ':' instead of a space. Absent: newest created first (the native default).
 */
export function nativeOrderOf(orderBy: string | undefined): JobOrder | undefined {
  if (orderBy === undefined || orderBy.trim() === '') return undefined;
  const match = /^\s*([A-Za-z]+)(?:(?:\s+|[_:])([A-Za-z]+))?\s*$/.exec(orderBy);
  const criterion = match ? ORDER_CRITERIA[match[1]!.toLowerCase()] : undefined;
  const direction = match?.[2]?.toLowerCase() ?? 'asc';
  if (!criterion || (direction !== 'asc' && direction !== 'desc')) {
    throw new InvalidArgumentError(
      `orderBy: '${orderBy.slice(0, 64)}' is not 'sortCriterion sortDirection' with sortCriterion started or lastActivity and sortDirection asc or desc`,
      { field: 'orderBy' },
    );
  }
  return `${criterion}_${direction}`;
}

/** ApiJob (aodocs-job.json). Times are epoch ms; `startedAt` is absent until the job starts. */
export interface ApiJob {
  kind: 'aodocs#job';
  jobId: string;
  libraryId: string;
  type: AodocsType;
  status: AodocsStatus;
  completed: boolean;
  requestor: string;
  startedAt?: number;
  lastActivityAt: number;
  succeededTasks: number;
  failedTasks: number;
  remainingTasks: number;
  taskRetries: number;
}

export function toApiJob(job: Job, requestor: Pick<User, 'email'>): ApiJob {
  const type = aodocsTypeOf(job);
  if (type === undefined) throw new Error(`job ${job.id}: type '${job.type}' has no AODocs name`); // callers filter these out first
  return {
    kind: 'aodocs#job',
    jobId: String(job.id),
    libraryId: job.libraryId,
    type,
    status: AODOCS_STATUS_BY_NATIVE[job.status],
    completed: FINAL_STATUSES.includes(job.status),
    requestor: requestor.email,
    ...(job.startedAt === null ? {} : { startedAt: job.startedAt }),
    lastActivityAt: job.lastActivityAt,
    succeededTasks: job.counts.succeeded,
    failedTasks: job.counts.failed,
    remainingTasks: job.counts.remaining,
    taskRetries: job.counts.retries,
  };
}
