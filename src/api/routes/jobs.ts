/** Jobs: submit, list with filters, read, cancel, retry the failed items (one job, or every job a filter selects), per-item failures. */
import { isoTime } from '../iso-time.js';
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ApiContext } from '../context.js';
import { principalOf } from '../auth-hook.js';
import { errorResponses, PageQuery } from '../schemas/common.js';
import { documentedJobBatchInput, documentedJobInput, FailurePage, JobBatchBody, JobBatchInput, JobActionInput, JobActionResultBody, JobBody, JobIdParams, JobInput, JobPage, ListJobsQuery } from '../schemas/jobs.js';
import { jobView } from '../views.js';
import { InvalidArgumentError } from '../../domain/errors.js';
import type { JobWithRequestor } from '../../services/job-service.js';
import { MAX_BATCH_JOBS } from '../../services/job-batch.js';

/** The body limit of a batch submission: 1,000 jobs with params of up to 16 KiB each. */
const BATCH_BODY_LIMIT = 16 * 1024 * 1024;

/** RFC 3339 date-time with an explicit zone: a zoneless time would depend on the server's clock settings. */
const INSTANT = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?([Zz]|[+-]\d{2}:?\d{2})$/;

function parseInstant(value: string | undefined, field: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = INSTANT.test(value) ? Date.parse(value.replace(' ', 'T')) : Number.NaN;
  if (!Number.isFinite(ms)) {
    throw new InvalidArgumentError(`${field}: '${value.slice(0, 64)}' is not an ISO 8601 date-time with a zone (e.g. 2026-01-31T12:00:00Z)`, { field });
  }
  return ms;
}

const view = ({ job, requestor }: JobWithRequestor) => jobView(job, requestor);

export const jobRoutes: FastifyPluginAsyncTypebox<{ ctx: ApiContext }> = async (app, { ctx }) => {
  const accepted = { 202: Type.Ref(JobBody), ...errorResponses };

  app.post(
    '/jobs',
    {
      schema: { tags: ['jobs'], summary: 'Submit a job (validated by its type; runs in the background)', body: JobInput, response: accepted },
      // Documented as one branch per job type (a oneOf on `type`); checked as the envelope here and the type's params in JobService.submit.
      config: { swaggerTransform: ({ schema, url }) => ({ schema: { ...schema, body: documentedJobInput(ctx.jobs.paramSchemas()) }, url }) },
    },
    async (request, reply) => {
      const { type, libraryId, params, priority } = request.body;
      const created = await ctx.jobs.submit(principalOf(request), { type, libraryId, params: params as Record<string, unknown> | undefined, priority });
      return reply.status(202).send(view(created));
    },
  );

  app.post(
    '/jobs/batch',
    {
      // 1,000 submissions with their params: more than the server's default body limit.
      bodyLimit: BATCH_BODY_LIMIT,
      schema: {
        tags: ['jobs'],
        summary: `Submit up to ${MAX_BATCH_JOBS} jobs in one transaction: all or none`,
        description:
          'Each entry is checked as POST /jobs checks one (its type, params and your rights); the first wrong entry fails the whole batch, ' +
          'its error naming the entry (`jobs[17].params.paths: …`) with the status POST /jobs would give. More than ' +
          `${MAX_BATCH_JOBS} entries is a 400. Each job then runs on its own, with its own events and webhook messages.`,
        body: JobBatchInput,
        response: { 202: JobBatchBody, ...errorResponses },
      },
      config: { swaggerTransform: ({ schema, url }) => ({ schema: { ...schema, body: documentedJobBatchInput(ctx.jobs.paramSchemas()) }, url }) },
    },
    async (request, reply) => {
      const bodies = request.body.jobs.map(({ type, libraryId, params, priority }) => ({ type, libraryId, params: params as Record<string, unknown> | undefined, priority }));
      const created = await ctx.jobs.submitMany(principalOf(request), bodies);
      return reply.status(202).send({ jobs: created.map(view) });
    },
  );

  app.get(
    '/jobs',
    {
      schema: {
        tags: ['jobs'],
        summary: 'The jobs the caller may see, filtered, a page at a time',
        description:
          'A user sees the jobs they requested, a library ADMIN that library’s jobs, a domain admin every job of the domain. ' +
          'Keyset pages: jobs created while paging never make a page skip or repeat one.',
        querystring: ListJobsQuery,
        response: { 200: JobPage, ...errorResponses },
      },
    },
    async (request) => {
      const q = request.query;
      const { jobs, nextCursor } = await ctx.jobs.list(principalOf(request), {
        libraryId: q.libraryId,
        status: q.status,
        type: q.type,
        requestor: q.requestor,
        createdAfter: parseInstant(q.createdAfter, 'createdAfter'),
        createdBefore: parseInstant(q.createdBefore, 'createdBefore'),
        order: q.order,
        limit: q.limit ?? 100,
        cursor: q.cursor,
      });
      return { jobs: jobs.map(view), nextCursor };
    },
  );

  app.post(
    '/jobs/actions',
    {
      schema: {
        tags: ['jobs'],
        summary: 'Cancel, or retry the failed items of, every job a filter (or a list of ids) selects',
        description:
          'Each job as its own /cancel or /retry would be, with the same rights; jobs you cannot see are never matched. ' +
          '`dryRun` only counts. Jobs created while it runs are not acted on.',
        body: JobActionInput,
        response: { 200: JobActionResultBody, ...errorResponses },
      },
    },
    async (request) => {
      const { action, filter, ids, dryRun } = request.body;
      const query =
        filter === undefined
          ? undefined
          : {
              libraryId: filter.libraryId,
              status: filter.status,
              type: filter.type,
              requestor: filter.requestor,
              createdAfter: parseInstant(filter.createdAfter, 'filter.createdAfter'),
              createdBefore: parseInstant(filter.createdBefore, 'filter.createdBefore'),
            };
      return ctx.jobActions.run(principalOf(request), { action, filter: query, ids, dryRun });
    },
  );

  app.get(
    '/jobs/:jobId',
    { schema: { tags: ['jobs'], summary: 'One job', params: JobIdParams, response: { 200: Type.Ref(JobBody), ...errorResponses } } },
    async (request) => view(await ctx.jobs.get(principalOf(request), request.params.jobId)),
  );

  app.post(
    '/jobs/:jobId/cancel',
    {
      schema: {
        tags: ['jobs'],
        summary: 'Stop a job: queued work is dropped, running items finish and count (422 once it has ended)',
        params: JobIdParams,
        response: accepted,
      },
    },
    async (request, reply) => {
      const cancelled = await ctx.jobs.cancel(principalOf(request), request.params.jobId);
      return reply.status(202).send(view(cancelled));
    },
  );

  app.post(
    '/jobs/:jobId/retry',
    {
      schema: {
        tags: ['jobs'],
        summary: 'Re-run the failed items of an ended job as a new job (422 if none failed or it still runs)',
        params: JobIdParams,
        response: accepted,
      },
    },
    async (request, reply) => reply.status(202).send(view(await ctx.jobs.retry(principalOf(request), request.params.jobId))),
  );

  app.get(
    '/jobs/:jobId/failures',
    {
      schema: { tags: ['jobs'], summary: 'Per-item failures, a page at a time', params: JobIdParams, querystring: PageQuery, response: { 200: FailurePage, ...errorResponses } },
    },
    async (request) => {
      const page = await ctx.jobs.failures(principalOf(request), request.params.jobId, { limit: request.query.limit ?? 100, cursor: request.query.cursor });
      return { ...page, failures: page.failures.map((f) => ({ ...f, failedAt: f.failedAt === null ? null : isoTime(f.failedAt) })) };
    },
  );
};
