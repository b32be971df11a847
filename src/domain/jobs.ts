/** Jobs as the core sees them: types, statuses, counters, and the rules on them. */

export const JOB_TYPES = [
  'copy',
  'move',
  'trash',
  'restore',
  'purge',
  'empty_trash',
  'export',
  'import',
  'extract',
  'replicate',
  'report',
  'verify',
  'backup',
  'restore_backup',
  'retention',
  'noop',
] as const;
export type JobType = (typeof JOB_TYPES)[number];

export const JOB_STATUSES = [
  'queued',
  'planning',
  'running',
  'cancelling',
  'completed',
  'completed_with_errors',
  'failed',
  'cancelled',
] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export const ACTIVE_STATUSES: readonly JobStatus[] = ['queued', 'planning', 'running', 'cancelling'];
export const FINAL_STATUSES: readonly JobStatus[] = ['completed', 'completed_with_errors', 'failed', 'cancelled'];

export const JOB_ORDERS = [
  'created_desc',
  'created_asc',
  'started_desc',
  'started_asc',
  'last_activity_desc',
  'last_activity_asc',
] as const;
export type JobOrder = (typeof JOB_ORDERS)[number];

export type JobOrigin = 'admin' | 'self_service' | 'system';

export const ON_CONFLICT = ['fail', 'skip', 'overwrite', 'rename'] as const;
export type OnConflict = (typeof ON_CONFLICT)[number];

export interface JobCounts {
  total: number;
  succeeded: number;
  failed: number;
  skipped: number;
  remaining: number;
  retries: number;
}

export interface Job {
  id: number;
  domainId: number;
  type: JobType;
  status: JobStatus;
  libraryId: string;
  targetLibraryId: string | null;
  requestorId: number;
  origin: JobOrigin;
  params: Record<string, unknown>;
  priority: number;
  counts: JobCounts;
  bytes: { total: number; done: number };
  /** Planning has finished: `counts.total` is final. */
  planned: boolean;
  retryOf: number | null;
  error: { code: string; message: string } | null;
  result: Record<string, unknown> | null;
  createdAt: number;
  startedAt: number | null;
  lastActivityAt: number;
  finishedAt: number | null;
}

export function isActive(status: JobStatus): boolean {
  return ACTIVE_STATUSES.includes(status);
}

/** 0–100; a job still planning never shows 100. */
export function progressOf(job: Pick<Job, 'counts' | 'planned' | 'status'>): number {
  if (FINAL_STATUSES.includes(job.status) && job.status !== 'cancelled') return 100;
  const { total, succeeded, failed, skipped } = job.counts;
  if (total === 0) return 0;
  const done = Math.floor(((succeeded + failed + skipped) * 100) / total);
  return job.planned ? Math.min(done, 100) : Math.min(done, 99);
}

/** The status a job ends in once all its work is done (or dropped by a cancel). */
export function finalStatusOf(job: { status: JobStatus; counts: Pick<JobCounts, 'total' | 'succeeded' | 'failed' | 'skipped'> }): JobStatus {
  if (job.status === 'cancelling') return 'cancelled';
  const { total, failed } = job.counts;
  if (failed === 0) return 'completed';
  if (failed >= total) return 'failed';
  return 'completed_with_errors';
}

/**
 * What a job event records: `status` and `progress` the job's snapshot,
 * `task-retry` (a task put back after a transient error) and `task-failed`
 * (a task whose items were recorded as failed) the attempt and its error.
 */
export const JOB_EVENT_KINDS = ['status', 'progress', 'task-retry', 'task-failed'] as const;
export type JobEventKind = (typeof JOB_EVENT_KINDS)[number];
