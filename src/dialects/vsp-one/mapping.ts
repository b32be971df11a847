/**
 * The VSP One mapping of docs/dialects/README.md: native job type ↔ `jobType`, native status →
 * `jobState`, and a native job → VSP's job object (`jobId.id` the integer id,
 * `bucketName` the library's name, `jobStats.processed` = succeeded + failed,
 * times as ISO 8601 UTC, `jobParams` as VSP's string map).
 */
import type { Job, JobStatus } from '../../domain/jobs.js';
import { isoTime } from '../../api/iso-time.js';
import { renderJobParams, type BucketNames } from './job-params.js';

export const VSP_JOB_TYPES = ['BATCH_REPLICATE', 'LIFECYCLE_UPDATE', 'METRIC_RECONCILIATION', 'TRIGGER_RECONCILIATION'] as const;
export type VspJobType = (typeof VSP_JOB_TYPES)[number];

export const VSP_JOB_STATES = ['EXAMINING', 'PROCESSING', 'EXECUTING', 'COMPLETE', 'FAILED', 'CANCELLED'] as const;
export type VspJobState = (typeof VSP_JOB_STATES)[number];

/** Native type → `jobType`. A type not here is one VSP cannot name: not listed, not shown. */
const JOB_TYPE_OF: Readonly<Record<string, VspJobType>> = Object.freeze({
  copy: 'BATCH_REPLICATE',
  replicate: 'BATCH_REPLICATE',
  retention: 'LIFECYCLE_UPDATE',
  verify: 'METRIC_RECONCILIATION',
});

/** The native types this dialect lists (the service's `types` filter). */
export const LISTED_TYPES: readonly string[] = Object.keys(JOB_TYPE_OF);

/**
 * `jobType` → the native type a create submits: BATCH_REPLICATE a copy (a replicate with
 * `replicationMode` MIRROR: mirror-params.ts), the reconciliations a verify (TRIGGER_ with
 * `repair: true`).
 */
export const NATIVE_TYPE_OF: Readonly<Record<VspJobType, string>> = Object.freeze({
  BATCH_REPLICATE: 'copy',
  LIFECYCLE_UPDATE: 'retention',
  METRIC_RECONCILIATION: 'verify',
  TRIGGER_RECONCILIATION: 'verify',
});

const JOB_STATE_OF: Readonly<Record<JobStatus, VspJobState>> = Object.freeze({
  queued: 'EXAMINING',
  planning: 'PROCESSING',
  running: 'EXECUTING',
  cancelling: 'EXECUTING',
  completed: 'COMPLETE',
  completed_with_errors: 'COMPLETE',
  failed: 'FAILED',
  cancelled: 'CANCELLED',
});

/** The `jobType` of a job: undefined for a type VSP cannot name; a verify that repairs is a TRIGGER_RECONCILIATION. */
export function vspJobTypeOf(job: Pick<Job, 'type' | 'params'>): VspJobType | undefined {
  if (!Object.hasOwn(JOB_TYPE_OF, job.type)) return undefined;
  if (job.type === 'verify' && job.params.repair === true) return 'TRIGGER_RECONCILIATION';
  return JOB_TYPE_OF[job.type];
}

export function isVspJobType(value: string): value is VspJobType {
  return (VSP_JOB_TYPES as readonly string[]).includes(value);
}

export interface VspJob {
  jobId: { id: number };
  jobState: VspJobState;
  jobType: VspJobType;
  startTime?: string;
  completeTime?: string;
  jobParams: Record<string, string>;
  jobStats: { processed: number; failed: number };
  bucketName: string;
}

/** The job as VSP shows it; times the job does not have yet are left out. Only for jobs `vspJobTypeOf` names. */
export function vspJob(job: Job, names: BucketNames): VspJob {
  const jobType = vspJobTypeOf(job);
  if (jobType === undefined) throw new Error(`vspJob: '${job.type}' has no VSP jobType`);
  return {
    jobId: { id: job.id },
    jobState: JOB_STATE_OF[job.status],
    jobType,
    ...(job.startedAt !== null ? { startTime: isoTime(job.startedAt) } : {}),
    ...(job.finishedAt !== null ? { completeTime: isoTime(job.finishedAt) } : {}),
    jobParams: renderJobParams(job, names),
    jobStats: { processed: job.counts.succeeded + job.counts.failed, failed: job.counts.failed },
    bucketName: names.get(job.libraryId) ?? '',
  };
}
