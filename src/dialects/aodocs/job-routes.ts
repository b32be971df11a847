/**
 * AODocs Job API routes (aodocs-job.json), under /api/job/v1: the jobs of a library,
 * one job, cancel (library administrators only), a job's events. Each calls the
 * JobService method the native /api/v1/jobs routes call and renders ApiJob shapes.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ApiContext } from '../../api/context.js';
import type { Principal } from '../../domain/types.js';
import { ForbiddenError, InvalidArgumentError, NotFoundError } from '../../domain/errors.js';
import type { JobWithRequestor } from '../../services/job-service.js';
import { renameField } from '../kit/index.js';
import { callerIn } from './auth.js';
import { listJobEvents } from './events.js';
import { isNameable, NAMEABLE_NATIVE_TYPES, nativeOrderOf, nativeStatusesOf, nativeTypesOf, REPORT_VARIANT, toApiJob } from './mapping.js';
import { CommonQuery, JobEventsQuery, JobIdParams, LibraryJobsParams, ListJobsQuery } from './schemas.js';

const DEFAULT_PAGE_SIZE = 50;
const DEFAULT_MAX_EVENTS = 100;
/** The service's names for what the client called pageToken, pageSize and orderBy. */
const LIST_PARAM_NAMES = { cursor: 'pageToken', limit: 'pageSize', order: 'orderBy' } as const;

const EMAIL = /^[^\s@]+@[^\s@]+$/;

/** AODocs job ids are strings; ours are positive integers, so anything else names no job. */
function jobIdOf(raw: string): number {
  const id = /^[1-9]\d{0,15}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(id)) throw new NotFoundError(`job '${raw.slice(0, 64)}' not found`);
  return id;
}

export const aodocsJobRoutes: FastifyPluginAsyncTypebox<{ ctx: ApiContext }> = async (app, { ctx }) => {
  /** A job the caller may see and this dialect can name (jobs of other types do not exist here). */
  async function visibleJob(caller: Principal, rawId: string): Promise<JobWithRequestor> {
    const found = await ctx.jobs.get(caller, jobIdOf(rawId));
    if (!isNameable(found.job)) throw new NotFoundError(`job '${rawId}' not found`);
    return found;
  }

  app.get(
    '/libraries/:libraryId',
    { schema: { hide: true, params: LibraryJobsParams, querystring: ListJobsQuery } },
    async (request) => {
      const q = request.query;
      const caller = callerIn(request, q.domain);
      const status = q.status === undefined ? undefined : nativeStatusesOf(q.status);
      const types = q.type === undefined ? [...NAMEABLE_NATIVE_TYPES] : nativeTypesOf(q.type);
      const order = nativeOrderOf(q.orderBy);
      if (q.user !== undefined && !EMAIL.test(q.user)) {
        throw new InvalidArgumentError(`user: '${q.user.slice(0, 64)}' is not an email address`, { field: 'user' });
      }
      // A library the caller cannot see (another domain's, say) is a 404, not an empty list.
      await ctx.libraries.access(caller, request.params.libraryId, 'READER');
      const { jobs, nextCursor } = await ctx.jobs
        .list(caller, {
          libraryId: request.params.libraryId,
          status,
          types,
          variant: REPORT_VARIANT,
          requestor: q.user,
          order,
          limit: q.pageSize ?? DEFAULT_PAGE_SIZE,
          cursor: q.pageToken === undefined || q.pageToken === '' ? undefined : q.pageToken,
        })
        .catch((error: unknown) => {
          throw renameField(error, LIST_PARAM_NAMES);
        });
      return {
        kind: 'aodocs#jobList',
        jobList: jobs.map(({ job, requestor }) => toApiJob(job, requestor)),
        ...(nextCursor === null ? {} : { nextPageToken: nextCursor }),
      };
    },
  );

  app.get('/:jobId', { schema: { hide: true, params: JobIdParams, querystring: CommonQuery } }, async (request) => {
    const { job, requestor } = await visibleJob(callerIn(request, request.query.domain), request.params.jobId);
    return toApiJob(job, requestor);
  });

  app.post('/:jobId/cancel', { schema: { hide: true, params: JobIdParams, querystring: CommonQuery } }, async (request) => {
    const caller = callerIn(request, request.query.domain);
    const { job } = await visibleJob(caller, request.params.jobId);
    // "Cancels a job (only for library administrators)": ADMIN on its library, or a domain admin.
    try {
      await ctx.libraries.access(caller, job.libraryId, 'ADMIN');
    } catch (error) {
      // The job is visible (the caller requested it) though its library is not: still not theirs to cancel.
      if (error instanceof NotFoundError) throw new ForbiddenError('only the administrators of the library may cancel its jobs');
      throw error;
    }
    const cancelled = await ctx.jobs.cancel(caller, job.id);
    return toApiJob(cancelled.job, cancelled.requestor);
  });

  app.get('/events/:jobId', { schema: { hide: true, params: JobIdParams, querystring: JobEventsQuery } }, async (request) => {
    const q = request.query;
    const caller = callerIn(request, q.domain);
    const { job, requestor } = await visibleJob(caller, request.params.jobId);
    const page = await listJobEvents(ctx.jobs, caller, job.id, {
      onlyErrors: q.onlyErrors ?? false,
      maxResults: q.maxResults ?? DEFAULT_MAX_EVENTS,
      pageToken: q.pageToken,
    });
    return {
      kind: 'aodocs#jobEventList',
      job: toApiJob(job, requestor),
      events: page.events,
      ...(page.nextPageToken === undefined ? {} : { nextPageToken: page.nextPageToken }),
    };
  });
};
