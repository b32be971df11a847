/**
 * VSP One's job routes (mounted under `/v1` and `/mapi/v1`): `POST
 * /jobs/list`, `/jobs/create`, `/jobs/status`, `/jobs/cancel`, each behind
 * the XSRF check and a credential, each one call of the service the native
 * routes use (JobService.list/submit/get/cancel), translated both ways.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../../api/context.js';
import type { Principal } from '../../domain/types.js';
import type { Job } from '../../domain/jobs.js';
import { ForbiddenError, InvalidArgumentError, NotFoundError } from '../../domain/errors.js';
import { isDomainAdmin } from '../../domain/user-rules.js';
import { callerOf, installPrincipal, renameField } from '../kit/index.js';
import { CreateJobBody, DEFAULT_PAGE_SIZE, JobIdBody, ListJobsBody } from './schemas.js';
import { isVspJobType, LISTED_TYPES, NATIVE_TYPE_OF, VSP_JOB_TYPES, vspJob, vspJobTypeOf, type VspJob, type VspJobType } from './mapping.js';
import { readReplicateParams, vspFieldOf } from './job-params.js';
import { readMirrorParams, readReconciliationParams, replicationModeOf } from './mirror-params.js';
import { vspAuthentication } from './credentials.js';
import { bucketNamesOf, renderVspJob } from './job-view.js';
import { parseAnyBodyAsJson } from './body-parsers.js';
import type { XsrfTokens } from './xsrf.js';

/** Most top-level entries a whole-bucket BATCH_REPLICATE selects (the native copy's selection limit). */
const MAX_BUCKET_ENTRIES = 10_000;

export const vspJobRoutes: FastifyPluginAsyncTypebox<{ ctx: ApiContext; xsrf: XsrfTokens }> = async (app, { ctx, xsrf }) => {
  parseAnyBodyAsJson(app as unknown as FastifyInstance);
  installPrincipal(app as unknown as FastifyInstance, vspAuthentication(ctx.auth, xsrf));

  /** The library a `bucketName` names in the caller's domain (404 if none, or not visible to the caller). */
  async function bucket(caller: Principal, name: string, field: string, needed: 'READER' | 'WRITER' = 'READER') {
    try {
      return await ctx.libraries.accessByName(caller, name, needed);
    } catch (error) {
      if (error instanceof NotFoundError) throw new NotFoundError(`${field}: bucket '${name.slice(0, 200)}' not found`, { field });
      throw error;
    }
  }

  const render = (caller: Principal, job: Job): Promise<VspJob> => renderVspJob(ctx.libraries, caller, job);

  /** A job VSP can name, visible to the caller; 404 otherwise (as for another domain's job). */
  async function namedJob(caller: Principal, id: number): Promise<Job> {
    const { job } = await ctx.jobs.get(caller, id);
    if (vspJobTypeOf(job) === undefined) throw new NotFoundError(`jobId.id: job ${id} not found`, { field: 'jobId.id' });
    return job;
  }

  app.post('/jobs/list', { schema: { hide: true, body: ListJobsBody } }, async (request) => {
    const caller = callerOf(request);
    const body = request.body;
    const admin = isDomainAdmin(caller.user);
    const userId = body.userId?.id;
    if (!admin && userId !== undefined && userId !== caller.user.id) {
      throw new ForbiddenError("userId.id: listing another user's jobs needs the mapi:jobs:admin_list permission", { field: 'userId.id' });
    }
    const filtered = body.bucketName ? (await bucket(caller, body.bucketName, 'bucketName')).library : undefined;
    const page = await ctx.jobs
      .list(caller, {
        types: [...LISTED_TYPES],
        libraryId: filtered?.id,
        // Admins name anyone (the service keeps it to their domain); others see only their own jobs.
        ...(admin ? (userId !== undefined ? { requestor: String(userId) } : {}) : { requestorId: caller.user.id }),
        order: 'created_desc',
        limit: body.pageSize || DEFAULT_PAGE_SIZE,
        cursor: body.pageToken || undefined,
      })
      .catch((error: unknown) => {
        throw renameField(error, { cursor: 'pageToken' });
      });
    const jobs = page.jobs.map((j) => j.job);
    // The bucket filtered on was read above: its name needs no second read (other buckets, copy targets say, are read).
    const names = await bucketNamesOf(ctx.libraries, caller, jobs, filtered);
    return { jobs: jobs.map((job) => vspJob(job, names)), pageToken: page.nextCursor ?? '' };
  });

  type Bucket = Awaited<ReturnType<typeof bucket>>;

  /** The native job a VSP create means: its type and params (buckets resolved, VSP's strings read). */
  async function nativeJob(caller: Principal, jobType: VspJobType, source: Bucket, jobParams: Record<string, unknown> | null | undefined) {
    if (jobType === 'METRIC_RECONCILIATION' || jobType === 'TRIGGER_RECONCILIATION') {
      const { path } = readReconciliationParams(jobParams);
      return { type: 'verify', params: { ...(path !== undefined ? { path } : {}), repair: jobType === 'TRIGGER_RECONCILIATION' } };
    }
    if (jobType !== 'BATCH_REPLICATE') return { type: NATIVE_TYPE_OF[jobType], params: jobParams ?? {} };
    if (replicationModeOf(jobParams) === 'MIRROR') {
      const mirror = readMirrorParams(jobParams);
      const target = mirror.targetBucket === undefined ? source : await bucket(caller, mirror.targetBucket, 'jobParams.targetBucket');
      return {
        type: 'replicate',
        params: {
          targetLibraryId: target.library.id,
          ...(mirror.sourcePath !== undefined ? { sourcePath: mirror.sourcePath } : {}),
          ...(mirror.targetPath !== undefined ? { targetPath: mirror.targetPath } : {}),
          ...(mirror.deleteExtraneous !== undefined ? { deleteExtraneous: mirror.deleteExtraneous } : {}),
          ...(mirror.dryRun !== undefined ? { dryRun: mirror.dryRun } : {}),
        },
      };
    }
    const wanted = readReplicateParams(jobParams);
    const target = wanted.targetBucket === undefined ? source : await bucket(caller, wanted.targetBucket, 'jobParams.targetBucket');
    const paths =
      wanted.sources === 'whole-bucket'
        ? await ctx.items.selectAll(caller, source.library.id, MAX_BUCKET_ENTRIES).catch((error: unknown) => {
            throw renameField(error, { libraryId: 'bucketName', paths: 'jobParams.sourcePrefix' });
          })
        : wanted.sources;
    return {
      type: 'copy',
      params: {
        paths,
        destination: wanted.targetPath,
        ...(target.library.id !== source.library.id ? { targetLibraryId: target.library.id } : {}),
        ...(wanted.onConflict !== undefined ? { onConflict: wanted.onConflict } : {}),
      },
    };
  }

  app.post('/jobs/create', { schema: { hide: true, body: CreateJobBody } }, async (request) => {
    const caller = callerOf(request);
    const { jobType, bucketName, jobParams } = request.body;
    if (!isVspJobType(jobType)) {
      throw new InvalidArgumentError(`jobType: '${jobType}' is not one of ${VSP_JOB_TYPES.join(', ')}`, { field: 'jobType' });
    }
    const available = VSP_JOB_TYPES.filter((t) => ctx.jobs.isAvailable(NATIVE_TYPE_OF[t]));
    if (!ctx.jobs.isAvailable(NATIVE_TYPE_OF[jobType])) {
      throw new InvalidArgumentError(
        `jobType: ${jobType} is not available on this server (its batchyard job type, ${NATIVE_TYPE_OF[jobType]}, is not implemented yet); ${available.join(', ')} ${available.length === 1 ? 'is' : 'are'}`,
        { field: 'jobType' },
      );
    }
    const source = await bucket(caller, bucketName, 'bucketName');
    const { type, params } = await nativeJob(caller, jobType, source, jobParams);
    // A MIRROR needs the replicate type, which a server may lack while it has copy.
    if (!ctx.jobs.isAvailable(type)) {
      throw new InvalidArgumentError(`jobParams.replicationMode: MIRROR is not available on this server (its batchyard job type, ${type}, is not implemented yet)`, {
        field: 'jobParams.replicationMode',
      });
    }
    const created = await ctx.jobs.submit(caller, { type, libraryId: source.library.id, params }).catch((error: unknown) => {
      throw renameField(error, (field) => (field === 'type' ? 'jobType' : field.startsWith('params') ? vspFieldOf(field) : undefined));
    });
    return { jobStatus: await render(caller, created.job) };
  });

  app.post('/jobs/status', { schema: { hide: true, body: JobIdBody } }, async (request) => {
    const caller = callerOf(request);
    return { status: await render(caller, await namedJob(caller, request.body.jobId.id)) };
  });

  app.post('/jobs/cancel', { schema: { hide: true, body: JobIdBody } }, async (request) => {
    const caller = callerOf(request);
    const id = request.body.jobId.id;
    await namedJob(caller, id);
    const { job } = await ctx.jobs.cancel(caller, id);
    return { status: await render(caller, job) };
  });
};
