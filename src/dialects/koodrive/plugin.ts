/**
 * The Huawei KooDrive batch-task API (seeds/003_…): under /koodrive/ose/v1,
 * - `GET /jobs?type&status&offset&limit` lists the caller's own tasks
 *   (JobService.list with requestorId = the caller, types = those KooDrive can
 *   name, oldest first so that offset pages never skip or repeat a task while
 *   new ones are created: new tasks only append at the end);
 * - `POST /jobs` creates a batch task (JobService.submit) → `data` = taskId;
 *   decompression and package download first turn file ids into paths
 *   (ItemService.get: transfer-request.ts);
 * - `GET /{jobId}` reads one task (JobService.get) → `data.jobInfo` and
 *   `data.taskInfos` (its files and how each went: task-detail.ts).
 * A package download that ended with its zip shows `downloadUrl`, a signed
 * link to it (ArtifactService.resultLink, the native result-link's).
 * Translation only: the services hold the data and the rules. Its own error
 * handler and authentication are encapsulated to this scope.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiContext } from '../../api/context.js';
import { InvalidArgumentError, NotFoundError } from '../../domain/errors.js';
import { systemClock, type Clock } from '../../services/clock.js';
import { callerOf, installErrorSurface, installNotFound, installPrincipal, renameField } from '../kit/index.js';
import { kooAuthentication } from './auth.js';
import { KOODRIVE_ERRORS } from './errors.js';
import { NAMEABLE_TYPES, nativeStatusesOf, nativeTypesOf } from './mapping.js';
import { CreateJobBody, CreateJobResponse, errorResponses, JobDetailResponse, JobIdParams, ListJobsQuery, ListJobsResponse } from './schemas.js';
import { kooFieldOf, nativeTypeOf, taskNameOf, toSubmitJob } from './task-request.js';
import { toTransferJob } from './transfer-request.js';
import { kooJobInfo, kooTaskDetail, OK } from './job-detail.js';

export const KOODRIVE_PREFIX = '/koodrive/ose/v1';

/** Where the client reached this server (the base of signed links). */
const baseUrlOf = (request: FastifyRequest) => `${request.protocol}://${request.host}`;

export interface KooDriveOptions {
  ctx: ApiContext;
  /** The clock X-Date is checked against (tests may pass their own). */
  clock?: Clock;
}

const routes: FastifyPluginAsyncTypebox<KooDriveOptions> = async (scope, { ctx, clock = systemClock }) => {
  const plain = scope as unknown as FastifyInstance;
  installErrorSurface(plain, KOODRIVE_ERRORS);
  installNotFound(plain, KOODRIVE_ERRORS);
  installPrincipal(plain, kooAuthentication(ctx.auth, clock));

  scope.get(
    '/jobs',
    { schema: { hide: true, querystring: ListJobsQuery, response: { 200: ListJobsResponse, ...errorResponses } } },
    async (request) => {
      const caller = callerOf(request);
      const q = request.query;
      const { jobs } = await ctx.jobs.list(caller, {
        requestorId: caller.user.id,
        types: q.type === undefined ? [...NAMEABLE_TYPES] : nativeTypesOf(q.type),
        status: q.status === undefined ? undefined : nativeStatusesOf(q.status),
        order: 'created_asc',
        offset: q.offset,
        limit: q.limit,
      });
      return { ...OK, data: (await Promise.all(jobs.map(({ job }) => kooJobInfo(ctx, caller, baseUrlOf(request), job)))).map((info) => info!) };
    },
  );

  scope.post(
    '/jobs',
    { schema: { hide: true, body: CreateJobBody, response: { 200: CreateJobResponse, ...errorResponses } } },
    async (request) => {
      const caller = callerOf(request);
      const body = request.body;
      const type = nativeTypeOf(body);
      if (!ctx.jobs.isAvailable(type)) {
        throw new InvalidArgumentError(`taskType: ${body.taskType} (${taskNameOf(body.taskType)}) is not supported by this server`, { field: 'taskType' });
      }
      let byId = false;
      const created = await Promise.resolve()
        .then(async () => {
          if (type !== 'extract' && type !== 'export') return ctx.jobs.submit(caller, toSubmitJob(body));
          const transfer = await toTransferJob(body, type, async (libraryId, id) => (await ctx.items.get(caller, libraryId, { id })).path);
          byId = transfer.byId;
          return ctx.jobs.submit(caller, transfer.job);
        })
        .catch((error: unknown) => {
          // Paths a transfer looked up from file ids are the ids the client sent.
          throw renameField(error, (field) => {
            const index = byId ? /^params\.paths\[(\d+)\]$/.exec(field)?.[1] : undefined;
            return index !== undefined ? `taskInfo.fileInfo[${index}].fileId` : kooFieldOf(field);
          });
        });
      return { ...OK, data: String(created.job.id) };
    },
  );

  scope.get(
    '/:jobId',
    { schema: { hide: true, params: JobIdParams, response: { 200: JobDetailResponse, ...errorResponses } } },
    async (request) => {
      const caller = callerOf(request);
      const { job } = await ctx.jobs.get(caller, request.params.jobId);
      const detail = await kooTaskDetail(ctx, caller, baseUrlOf(request), job);
      // A job of a type KooDrive cannot name is not a KooDrive task.
      if (!detail) throw new NotFoundError(`task ${job.id} not found`);
      return detail;
    },
  );
};

/** Registered by src/dialects/index.ts. */
export const koodrivePlugin: FastifyPluginAsyncTypebox<KooDriveOptions> = async (app, options) => {
  await app.register(routes, { ...options, prefix: KOODRIVE_PREFIX });
};
