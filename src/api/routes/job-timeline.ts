/** A job's timeline as JSON: its status changes and its tasks' failed attempts, a keyset page at a time. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ApiContext } from '../context.js';
import { principalOf } from '../auth-hook.js';
import { isoTime } from '../iso-time.js';
import { errorResponses } from '../schemas/common.js';
import { JobIdParams } from '../schemas/jobs.js';
import { TimelinePage, TimelineQuery } from '../schemas/engine.js';

export const jobTimelineRoutes: FastifyPluginAsyncTypebox<{ ctx: ApiContext }> = async (app, { ctx }) => {
  app.get(
    '/jobs/:jobId/timeline',
    {
      schema: {
        tags: ['jobs'],
        summary: 'A job’s status changes and each failed attempt of its tasks (with its error), in order, a page at a time',
        description:
          'The events of the job’s event stream as JSON: `status`, `task-retry` (a task put back after a transient error), `task-failed` ' +
          '(a task whose items were recorded as failed), and with `progress=true` its progress events. Task events are throttled per job ' +
          '(the first 50 of each engine, then one a second; `suppressed` counts those left out).',
        params: JobIdParams,
        querystring: TimelineQuery,
        response: { 200: TimelinePage, ...errorResponses },
      },
    },
    async (request) => {
      const q = request.query;
      const page = await ctx.timeline.page(principalOf(request), request.params.jobId, { limit: q.limit ?? 100, cursor: q.cursor, progress: q.progress ?? false });
      return { events: page.events.map((e) => ({ id: e.id, kind: e.kind, at: isoTime(e.createdAt), data: e.data })), nextCursor: page.nextCursor };
    },
  );
};
