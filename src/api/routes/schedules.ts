/** Schedules: create, list, read, change, delete, run now, and each one's fire history. */
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ApiContext } from '../context.js';
import { principalOf } from '../auth-hook.js';
import { errorResponses, PageQuery } from '../schemas/common.js';
import { JobBody } from '../schemas/jobs.js';
import { FirePage, ListSchedulesQuery, ScheduleBody, ScheduleIdParams, ScheduleInput, SchedulePage, SchedulePatchInput } from '../schemas/schedules.js';
import { iso, jobView } from '../views.js';
import type { ScheduleView } from '../../services/schedule-service.js';
import type { ScheduleFire } from '../../domain/schedules.js';

function scheduleView({ schedule: s, nextFires }: ScheduleView) {
  return {
    id: s.id,
    libraryId: s.libraryId,
    type: s.type,
    params: s.params,
    cron: s.cron,
    timeZone: s.timeZone,
    overlap: s.overlap,
    catchUp: s.catchUp,
    enabled: s.enabled,
    createdBy: s.createdBy,
    createdAt: iso(s.createdAt),
    updatedAt: iso(s.updatedAt),
    nextFires: nextFires.map(iso),
    lastFire:
      s.lastFireAt === null || s.lastOutcome === null
        ? null
        : { at: iso(s.lastFireAt), outcome: s.lastOutcome, jobId: s.lastOutcome === 'started' ? s.lastJobId : null, error: s.lastError },
  };
}

const fireView = (f: ScheduleFire) => ({ id: f.id, fireAt: iso(f.fireAt), kind: f.kind, outcome: f.outcome, jobId: f.jobId, error: f.error, recordedAt: iso(f.recordedAt) });

export const scheduleRoutes: FastifyPluginAsyncTypebox<{ ctx: ApiContext }> = async (app, { ctx }) => {
  const tags = ['schedules'];
  const one = { 200: ScheduleBody, ...errorResponses };

  app.post(
    '/schedules',
    {
      schema: {
        tags,
        summary: 'Create a schedule: a job type, params and library, fired by a cron expression in a time zone',
        description:
          'Needs the rights a submission of that job on that library needs; the params are checked by the type’s schema as POST /jobs checks them. ' +
          'Each fire submits the job as you, origin `system`, with your rights at that moment.',
        body: ScheduleInput,
        response: { 201: ScheduleBody, ...errorResponses },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const created = await ctx.schedules.create(principalOf(request), { ...body, params: body.params as Record<string, unknown> | undefined });
      return reply.status(201).send(scheduleView(created));
    },
  );

  app.get(
    '/schedules',
    {
      schema: {
        tags,
        summary: 'The schedules you may see, oldest first, a page at a time',
        description: 'A domain admin sees the domain’s schedules, a library ADMIN that library’s, others those they created.',
        querystring: ListSchedulesQuery,
        response: { 200: SchedulePage, ...errorResponses },
      },
    },
    async (request) => {
      const q = request.query;
      const { schedules, nextCursor } = await ctx.schedules.list(principalOf(request), { libraryId: q.libraryId, limit: q.limit ?? 100, cursor: q.cursor });
      return { schedules: schedules.map(scheduleView), nextCursor };
    },
  );

  app.get('/schedules/:scheduleId', { schema: { tags, summary: 'One schedule, with its next five fires and its last fire', params: ScheduleIdParams, response: one } }, async (request) =>
    scheduleView(await ctx.schedules.get(principalOf(request), request.params.scheduleId)),
  );

  app.patch(
    '/schedules/:scheduleId',
    { schema: { tags, summary: 'Change a schedule (a new cron, zone or enabling moves its next fire)', params: ScheduleIdParams, body: SchedulePatchInput, response: one } },
    async (request) => {
      const body = request.body;
      const updated = await ctx.schedules.update(principalOf(request), request.params.scheduleId, { ...body, params: body.params as Record<string, unknown> | undefined });
      return scheduleView(updated);
    },
  );

  app.delete(
    '/schedules/:scheduleId',
    { schema: { tags, summary: 'Delete a schedule and its fire history (its jobs stay)', params: ScheduleIdParams, response: { 204: Type.Null(), ...errorResponses } } },
    async (request, reply) => {
      await ctx.schedules.delete(principalOf(request), request.params.scheduleId);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/schedules/:scheduleId/run',
    {
      schema: {
        tags,
        summary: 'Start the schedule’s job now, as you (409 while its last job runs and overlap is skip); the next tick stays',
        params: ScheduleIdParams,
        response: { 202: Type.Ref(JobBody), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { job, requestor } = await ctx.schedules.runNow(principalOf(request), request.params.scheduleId);
      return reply.status(202).send(jobView(job, requestor));
    },
  );

  app.get(
    '/schedules/:scheduleId/fires',
    { schema: { tags, summary: 'The schedule’s fires, newest first: started (with the job), skipped or failed (with why)', params: ScheduleIdParams, querystring: PageQuery, response: { 200: FirePage, ...errorResponses } } },
    async (request) => {
      const { fires, nextCursor } = await ctx.schedules.fires(principalOf(request), request.params.scheduleId, { limit: request.query.limit ?? 100, cursor: request.query.cursor });
      return { fires: fires.map(fireView), nextCursor };
    },
  );
};
