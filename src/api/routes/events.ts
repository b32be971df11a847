/**
 * Server-Sent Events: a job's status changes and progress, or those of every
 * job the caller may see, as frames over the gap-free feeds of
 * `services/event-feed.ts` (each frame's `id` is the event's; resuming with
 * Last-Event-ID loses and repeats nothing). This route only opens the feed
 * (errors before streaming are JSON: 400, 404, 503) and writes its events.
 *
 * Streams end when the client goes, when a job stream has sent its job's
 * final status (or, for a job that had already ended, caught up with its
 * log), when the caller may no longer see the job, and when the server closes
 * (preClose: before Fastify waits for connections to end). A heartbeat
 * comment every 15 s keeps proxies from timing the stream out, and the feed
 * re-reads as often, so a lost hint only delays.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ApiContext } from '../context.js';
import type { EventFeed, JobEvent } from '../../services/event-feed.js';
import { principalOf } from '../auth-hook.js';
import { errorResponses } from '../schemas/common.js';
import { EventsQuery, EventStream, JobIdParams } from '../schemas/jobs.js';
import { SseResponse, sseFrame } from '../sse-response.js';
import { BatchyardError, InvalidArgumentError, TransientError } from '../../domain/errors.js';

export const SSE_HEARTBEAT_MS = 15_000;

export interface EventRouteOptions {
  ctx: ApiContext;
  /** The heartbeat interval (tests shorten it). */
  heartbeatMs?: number;
}

function frame(event: JobEvent): string {
  return sseFrame(event.id, event.kind, { ...event.data, jobId: event.jobId });
}

/** Last-Event-ID (header, as EventSource sends it on reconnect) or ?lastEventId=; undefined when neither is given. */
function lastEventIdOf(request: FastifyRequest, query: { lastEventId?: number }): number | undefined {
  const header = request.headers['last-event-id'];
  if (header !== undefined) {
    const text = (Array.isArray(header) ? header[0] : header)?.trim() ?? '';
    if (text === '') return query.lastEventId;
    if (!/^\d{1,15}$/.test(text)) throw new InvalidArgumentError(`Last-Event-ID: '${text.slice(0, 32)}' is not an event id (a non-negative integer)`, { field: 'Last-Event-ID' });
    return Number(text);
  }
  return query.lastEventId;
}

export const eventRoutes: FastifyPluginAsyncTypebox<EventRouteOptions> = async (app, { ctx, heartbeatMs = SSE_HEARTBEAT_MS }) => {
  /** Each open stream: how to stop it, and when it has finished. */
  const open = new Map<AbortController, Promise<void>>();
  let closing = false;

  // Before Fastify closes the listener and waits for connections to end: end every stream and wait for it.
  app.addHook('preClose', async () => {
    closing = true;
    const streams = [...open];
    for (const [controller] of streams) controller.abort();
    await Promise.all(streams.map(([, finished]) => finished));
  });

  /** Opens the feed (errors are still JSON answers), hijacks the reply and writes the feed's events until the stream ends. */
  async function serve(request: FastifyRequest, reply: FastifyReply, openFeed: () => Promise<EventFeed>): Promise<void> {
    if (closing) throw new TransientError('the server is shutting down');
    const feed = await openFeed();
    const controller = new AbortController();
    const sse = new SseResponse(reply.raw);
    const gone = () => {
      controller.abort();
      sse.end();
    };
    const req = request.raw;
    const raw = reply.raw;
    req.on('close', gone);
    raw.on('close', gone);
    raw.on('error', gone);
    let settle!: () => void;
    const finished = new Promise<void>((resolve) => (settle = resolve));
    try {
      if (closing || req.destroyed || raw.destroyed) {
        if (closing) throw new TransientError('the server is shutting down');
        reply.hijack(); // the client has gone: nothing to answer
        return;
      }
      open.set(controller, finished);
      reply.hijack();
      sse.start(heartbeatMs);
      try {
        for await (const event of feed.events(controller.signal, heartbeatMs)) await sse.write(frame(event));
      } catch (error) {
        // The job is no longer visible (or gone), or storage failed: end; the client may resume by Last-Event-ID.
        if (!(error instanceof BatchyardError && error.code === 'NOT_FOUND') && !controller.signal.aborted) {
          request.log.warn({ err: error }, 'event stream read failed; ending the stream');
        }
      }
    } finally {
      sse.end();
      await feed.close();
      open.delete(controller);
      req.off('close', gone);
      raw.off('close', gone);
      raw.off('error', gone);
      settle();
    }
  }

  app.get(
    '/jobs/:jobId/events',
    {
      schema: {
        tags: ['jobs'],
        summary: 'A job’s status changes and progress as Server-Sent Events (ends after its final status)',
        description:
          'Without Last-Event-ID the job’s whole log is replayed first, so the current status arrives at once. ' +
          'With it (header, or ?lastEventId=), only later events.',
        params: JobIdParams,
        querystring: EventsQuery,
        response: { 200: EventStream, ...errorResponses },
      },
    },
    async (request, reply) => {
      const caller = principalOf(request);
      const lastEventId = lastEventIdOf(request, request.query);
      await serve(request, reply, () => ctx.events.job(caller, request.params.jobId, lastEventId));
    },
  );

  app.get(
    '/events',
    {
      schema: {
        tags: ['jobs'],
        summary: 'Status changes and progress of every job the caller may see, as Server-Sent Events',
        description:
          'Starts from now (every event committed after the stream opens), or after Last-Event-ID (header, or ?lastEventId=) to resume: ' +
          'events arrive in id order once no earlier one can still commit, so resuming never misses one.',
        querystring: EventsQuery,
        response: { 200: EventStream, ...errorResponses },
      },
    },
    async (request, reply) => {
      const caller = principalOf(request);
      const lastEventId = lastEventIdOf(request, request.query);
      await serve(request, reply, () => ctx.events.domain(caller, lastEventId));
    },
  );
};
