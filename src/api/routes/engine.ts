/** The engine page: the engines at work, throughput per minute and job type, retries, rescues and the queue (administrators only). */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ApiContext } from '../context.js';
import { principalOf } from '../auth-hook.js';
import { isoTime } from '../iso-time.js';
import { errorResponses } from '../schemas/common.js';
import { EngineStatsBody, EngineStatsQuery, EngineWorkersBody } from '../schemas/engine.js';

export const engineRoutes: FastifyPluginAsyncTypebox<{ ctx: ApiContext }> = async (app, { ctx }) => {
  app.get(
    '/engine/workers',
    {
      schema: {
        tags: ['engine'],
        summary: 'The engines at work: each `batchyard serve` and `batchyard worker`, its heartbeat and the tasks it holds (administrators)',
        description: 'Engines serve every domain: a domain admin sees all of them. Engines not heard of for an hour are forgotten.',
        response: { 200: EngineWorkersBody, ...errorResponses },
      },
    },
    async (request) => {
      const workers = await ctx.engineInfo.workers(principalOf(request));
      return { workers: workers.map((w) => ({ ...w, startedAt: isoTime(w.startedAt), lastHeartbeatAt: isoTime(w.lastHeartbeatAt) })) };
    },
  );

  app.get(
    '/engine/stats',
    {
      schema: {
        tags: ['engine'],
        summary: 'Throughput per minute and job type, retries and lease rescues over a window, and the queue per job (administrators)',
        description:
          'A domain admin’s figures count their domain’s jobs only, a super admin’s every domain’s. ' +
          'Engines write their counts with each heartbeat: the current minute fills in as they beat, and a crashed engine’s last few seconds of counts are lost.',
        querystring: EngineStatsQuery,
        response: { 200: EngineStatsBody, ...errorResponses },
      },
    },
    async (request) => {
      const stats = await ctx.engineInfo.stats(principalOf(request), request.query.window ?? 3600);
      return { ...stats, buckets: stats.buckets.map((b) => ({ ...b, minute: isoTime(b.minute) })), generatedAt: isoTime(stats.generatedAt) };
    },
  );
};
