/**
 * The AvePoint dialect: Cloud Backup for Google Workspace's
 * `GET /backup/google/admin/jobs` (seeds/002_…) over batchyard's jobs.
 * Bearer auth with our tokens; the API needs AvePoint's admin-level read
 * permission, so only domain admins may call it (403 otherwise), and they see
 * their domain's jobs. The listing is JobService.list — the native route's
 * call — with AvePoint's parameters translated into it.
 *
 * Time range: `startTime` keeps the jobs that started at or after it,
 * `finishTime` those that finished before it (the job fields of the same
 * names); a job not yet started (finished) matches neither.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../../api/context.js';
import { ForbiddenError, InvalidArgumentError } from '../../domain/errors.js';
import { isDomainAdmin } from '../../domain/user-rules.js';
import { callerOf, installErrorSurface, installNotFound, installPrincipal, renameField } from '../kit/index.js';
import { AVEPOINT_ERRORS } from './errors.js';
import { normalizeQuery } from './query.js';
import { AveError, AveJobsPage, AveJobsQuery, DEFAULT_PAGE_SIZE, type AveJobsPage as Page } from './schemas.js';
import { appTypeFlags, DATA_SOURCE_TO_ORIGINS, JOB_TYPE_TO_NATIVE, NAMEABLE_NATIVE_TYPES, STATUS_TO_NATIVE } from './mapping.js';
import { parseAveTime } from './time.js';
import { encodeNextLinkToken, JOBS_PATH, nextLinkUrl, type Carried } from './next-link.js';
import { appTypesOf, aveJob } from './render.js';

const PREFIX = '/backup/google';

const routes: FastifyPluginAsyncTypebox<{ ctx: ApiContext }> = async (app, { ctx }) => {
  const scope = app as unknown as FastifyInstance;
  installErrorSurface(scope, AVEPOINT_ERRORS);
  installNotFound(scope, AVEPOINT_ERRORS);
  installPrincipal(scope, async (request) => {
    const caller = await ctx.auth.authenticate(request.headers.authorization);
    if (!isDomainAdmin(caller.user)) {
      throw new ForbiddenError("this API needs AvePoint's admin read permission (gsuite.graph.read.all): only a domain administrator may call it");
    }
    return caller;
  });

  const errors = { 400: AveError, 401: AveError, 403: AveError, 404: AveError, 500: AveError, 503: AveError };

  app.get(
    JOBS_PATH.slice(PREFIX.length),
    {
      schema: { hide: true, querystring: AveJobsQuery, response: { 200: AveJobsPage, ...errors } },
      preValidation: async (request) => {
        request.query = normalizeQuery(request.query as Record<string, unknown>) as AveJobsQuery;
      },
    },
    async (request): Promise<Page> => {
      const q = request.query;
      const caller = callerOf(request);
      const dataSource = q.dataSource ?? 1;
      const pageIndex = q.pageIndex ?? 0;
      const pageSize = q.pageSize ?? DEFAULT_PAGE_SIZE;
      const appTypes = q.appType === undefined ? undefined : appTypeFlags(q.appType);
      if (q.appType !== undefined && appTypes === undefined) {
        throw new InvalidArgumentError(`appType: '${q.appType}' is not an app type (1 Gmail, 2 Drive, 4 Calendar, 8 Contacts, 64 Shared drives, 128 Classroom, 4096 Chat, or a sum of them)`, { field: 'appType' });
      }
      const startedAfter = q.startTime === undefined ? undefined : parseAveTime(q.startTime, 'startTime');
      const finishedBefore = q.finishTime === undefined ? undefined : parseAveTime(q.finishTime, 'finishTime');

      const listed = await ctx.jobs
        .list(caller, {
          types: [...(q.jobType === undefined ? NAMEABLE_NATIVE_TYPES : JOB_TYPE_TO_NATIVE[q.jobType]!)],
          status: q.jobStatus === undefined ? undefined : [...STATUS_TO_NATIVE[q.jobStatus]!],
          origins: [...DATA_SOURCE_TO_ORIGINS[dataSource]!],
          libraryAppTypes: appTypes,
          startedAfter,
          finishedBefore,
          order: 'created_desc',
          limit: pageSize,
          ...(q.cursor !== undefined ? { cursor: q.cursor } : pageIndex > 0 ? { offset: pageIndex * pageSize } : {}),
        })
        .catch((error: unknown) => {
          // The service names its cursor `cursor`; AvePoint's clients know it as the nextLink.
          throw renameField(error, { cursor: 'nextLink' });
        });

      const appTypeByLibrary = await appTypesOf(ctx.libraries, caller, listed.jobs.map(({ job }) => job.libraryId));
      const page: Page = { status: 200, message: '', jobs: listed.jobs.map((job) => aveJob(job, appTypeByLibrary)) };
      if (listed.nextCursor !== null) {
        const carried: Carried = {
          dataSource: String(dataSource),
          appType: q.appType === undefined ? undefined : String(q.appType),
          jobType: q.jobType === undefined ? undefined : String(q.jobType),
          jobStatus: q.jobStatus === undefined ? undefined : String(q.jobStatus),
          startTime: q.startTime,
          finishTime: q.finishTime,
          pageIndex: String(pageIndex + 1),
          pageSize: String(pageSize),
        };
        for (const key of Object.keys(carried) as Array<keyof Carried>) if (carried[key] === undefined) delete carried[key];
        page.nextLink = nextLinkUrl({ protocol: request.protocol, host: request.host, query: carried, token: encodeNextLinkToken(carried, listed.nextCursor) });
      }
      return page;
    },
  );
};

/** Registered once in src/dialects/index.ts. */
export const avepointDialect: FastifyPluginAsyncTypebox<{ ctx: ApiContext }> = async (app, { ctx }) => {
  await app.register(routes, { prefix: PREFIX, ctx });
};
