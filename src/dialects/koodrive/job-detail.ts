/**
 * A KooDrive task as its routes render it: JobInfo (with a package
 * download's `downloadUrl` once it has ended with its package: a signed link,
 * as the native result-link), and the detail `GET /koodrive/ose/v1/{jobId}`
 * answers (`jobInfo` and `taskInfos`). The routes and the job's vendor view
 * (src/dialects/vendor-views.ts) both render with these.
 */
import type { ApiContext } from '../../api/context.js';
import { NotFoundError } from '../../domain/errors.js';
import { FINAL_STATUSES, progressOf, type Job } from '../../domain/jobs.js';
import type { Principal } from '../../domain/types.js';
import { jobInfo, type JobInfo } from './mapping.js';
import { taskInfosOf, type TaskInfo } from './task-detail.js';

export const OK = { code: 0, msg: 'OK' } as const;

/** JobInfo of a job; undefined for a type KooDrive cannot name. `baseUrl`: where this server is reached (for the signed link). */
export async function kooJobInfo(ctx: ApiContext, caller: Principal, baseUrl: string, job: Job): Promise<JobInfo | undefined> {
  const info = jobInfo(job, caller.domain.name);
  if (!info || job.type !== 'export' || !FINAL_STATUSES.includes(job.status)) return info;
  try {
    const link = await ctx.artifacts.resultLink(caller, job.id, { baseUrl });
    return { ...info, downloadUrl: link.url };
  } catch (error) {
    if (error instanceof NotFoundError) return info; // no package: failed, cancelled, or expired
    throw error;
  }
}

export interface KooTaskDetail {
  code: 0;
  msg: 'OK';
  data: { jobInfo: JobInfo & { userId: string; progress: number }; taskInfos: TaskInfo[] };
}

/** The body of a task's detail; undefined for a job KooDrive cannot name (not a KooDrive task). */
export async function kooTaskDetail(ctx: ApiContext, caller: Principal, baseUrl: string, job: Job): Promise<KooTaskDetail | undefined> {
  const info = await kooJobInfo(ctx, caller, baseUrl, job);
  if (!info) return undefined;
  const taskInfos = await taskInfosOf(job, (cursor) => ctx.jobs.failures(caller, job.id, { limit: 1000, cursor }));
  return { ...OK, data: { jobInfo: { ...info, userId: String(job.requestorId), progress: progressOf(job) }, taskInfos } };
}
