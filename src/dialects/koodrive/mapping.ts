/**
 * KooDrive ↔ native translation (docs/dialects/README.md): task types and
 * action types, statuses and result codes, `yyyyMMddHHmmss` UTC times, and
 * the JobInfo rendering of a job. No I/O.
 */
import type { Job, JobStatus } from '../../domain/jobs.js';
import { HTTP_STATUS_BY_CODE, type ErrorCode } from '../../domain/errors.js';
import { isoTime } from '../../api/iso-time.js';

/** KooDrive `taskType` (1–7) and `actionType` (its subdivision) of each native type KooDrive can name. */
export const TYPE_BY_NATIVE: Readonly<Record<string, { taskType: number; actionType: number }>> = Object.freeze({
  copy: { taskType: 1, actionType: 101 },
  trash: { taskType: 2, actionType: 201 },
  purge: { taskType: 2, actionType: 202 },
  move: { taskType: 3, actionType: 301 },
  restore: { taskType: 4, actionType: 401 },
  extract: { taskType: 5, actionType: 502 },
  export: { taskType: 6, actionType: 601 },
  empty_trash: { taskType: 7, actionType: 701 },
});

/** Every native type KooDrive can name: its listings show only these. */
export const NAMEABLE_TYPES: readonly string[] = Object.keys(TYPE_BY_NATIVE);

export const TASK_TYPES = [1, 2, 3, 4, 5, 6, 7] as const;

/** The native types one KooDrive `type` filter value stands for. */
export function nativeTypesOf(taskType: number): string[] {
  return NAMEABLE_TYPES.filter((native) => TYPE_BY_NATIVE[native]!.taskType === taskType);
}

/**
 * The `actionType`s a client may send with each `taskType` when creating a
 * task, and the native type each one means (null: KooDrive names it, this
 * server has no such job type). The first entry is the default.
 */
export const ACTIONS_BY_TASK_TYPE: Readonly<Record<number, ReadonlyArray<readonly [number, string | null]>>> = Object.freeze({
  1: [[101, 'copy']],
  2: [
    [201, 'trash'],
    [202, 'purge'],
  ],
  3: [[301, 'move']],
  4: [[401, 'restore']],
  // 501 previews an archive (not served), 502 extracts all of it, 503 the listed entries.
  5: [
    [502, 'extract'],
    [501, null],
    [503, 'extract'],
  ],
  6: [[601, 'export']],
  7: [[701, 'empty_trash']],
});

/** KooDrive `status`: 0 to be processed, 1 being processed, 2 completed, 3 cancelled. */
export const STATUS_BY_NATIVE: Readonly<Record<JobStatus, number>> = Object.freeze({
  queued: 0,
  planning: 0,
  running: 1,
  cancelling: 1,
  completed: 2,
  completed_with_errors: 2,
  failed: 2,
  cancelled: 3,
});

export const TASK_STATUSES = [0, 1, 2, 3] as const;

/** The native statuses one KooDrive `status` filter value stands for. */
export function nativeStatusesOf(status: number): JobStatus[] {
  return (Object.keys(STATUS_BY_NATIVE) as JobStatus[]).filter((native) => STATUS_BY_NATIVE[native] === status);
}

/** `taskResultCode` of a completed task: 1 all succeeded, 2 partially failed, 3 all failed. */
const TASK_RESULT_BY_NATIVE: Partial<Record<JobStatus, number>> = { completed: 1, completed_with_errors: 2, failed: 3 };

/** `yyyyMMddHHmmss` in UTC. */
export function kooTime(ms: number): string {
  return isoTime(ms).replace(/\D/g, '').slice(0, 14);
}

/**
 * `resultCode` once a task has ended: 0 when nothing failed; otherwise the
 * HTTP-style status of the job's own error when it has one, else 207 when
 * some items succeeded and others failed, 422 when no item could be done.
 */
export function resultCodeOf(job: Pick<Job, 'status' | 'counts' | 'error'>): number | undefined {
  if (STATUS_BY_NATIVE[job.status] < 2) return undefined;
  if (job.error) return HTTP_STATUS_BY_CODE[job.error.code as ErrorCode] ?? 500;
  if (job.counts.failed === 0) return 0;
  return job.counts.succeeded > 0 ? 207 : 422;
}

/**
 * `contentNum`, the files the request named: the paths or item ids of the
 * selection (as validated: duplicates and paths inside another selected one
 * folded away); a task without a selection (emptying the trash) counts the
 * items it found.
 */
export function contentNumOf(job: Pick<Job, 'type' | 'params' | 'counts'>): number {
  if (job.type === 'extract') return 1; // the archive
  const selection = job.params.paths ?? job.params.itemIds;
  return Array.isArray(selection) ? selection.length : job.counts.total;
}

export interface JobInfo {
  taskId: string;
  taskType: number;
  actionType: number;
  status: number;
  taskResultCode?: number;
  resultCode?: number;
  contentNum: number;
  containerId: string;
  tenantId: string;
  beginTime?: string;
  endTime?: string;
  createTime: string;
  /** A package download that ended with its package: a signed link to it (added by the routes, which can sign). */
  downloadUrl?: string;
}

/** `taskType` and `actionType` of a job; an extract of listed entries is a partial decompression (503). */
export function kooTypeOf(job: Pick<Job, 'type' | 'params'>): { taskType: number; actionType: number } | undefined {
  const type = Object.hasOwn(TYPE_BY_NATIVE, job.type) ? TYPE_BY_NATIVE[job.type] : undefined;
  if (type && job.type === 'extract' && Array.isArray(job.params.entries)) return { taskType: type.taskType, actionType: 503 };
  return type;
}

/** A job as KooDrive's JobInfo; undefined for a type KooDrive cannot name. Times absent until they happen. */
export function jobInfo(job: Job, tenantId: string): JobInfo | undefined {
  const type = kooTypeOf(job);
  if (!type) return undefined;
  const info: JobInfo = {
    taskId: String(job.id),
    taskType: type.taskType,
    actionType: type.actionType,
    status: STATUS_BY_NATIVE[job.status],
    contentNum: contentNumOf(job),
    containerId: job.targetLibraryId ?? job.libraryId,
    tenantId,
    createTime: kooTime(job.createdAt),
  };
  const taskResultCode = TASK_RESULT_BY_NATIVE[job.status];
  if (taskResultCode !== undefined) info.taskResultCode = taskResultCode;
  const resultCode = resultCodeOf(job);
  if (resultCode !== undefined) info.resultCode = resultCode;
  if (job.startedAt !== null) info.beginTime = kooTime(job.startedAt);
  if (job.finishedAt !== null) info.endTime = kooTime(job.finishedAt);
  return info;
}
