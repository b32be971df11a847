/**
 * Server-Sent Events: a job's status changes and progress, or those of every
 * job the caller may see. The event log is the truth and hints only say
 * "something new": on connect a stream replays the log after Last-Event-ID,
 * then on each hint (bursts coalesced, one read in flight) re-reads after the
 * last id it sent. A heartbeat comment every 15 s keeps proxies from timing
 * the stream out and re-reads too, so a lost hint only delays.
 *
 * Event ids are handed out at insert, and on PostgreSQL transactions commit
 * in any order: an event may become visible after a higher id was read past.
 * Its hint (sent at commit) still names it, so a stream fetches a hinted id
 * below its cursor that it never sent. Such a frame comes after higher ids; a
 * client resuming from its id may see some events twice, never miss one.
 * (A late event whose hint is lost, or that commits while no stream is
 * connected, is still missed; only the store can close that gap.)
 *
 * Streams end when the client goes, when a job stream has sent its job's
 * final status, when the caller may no longer see the job, and when the
 * server closes (preClose: before Fastify waits for connections to end).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ApiContext } from '../context.js';
import type { Principal } from '../../domain/types.js';
import type { JobEvent } from '../../store/queries/job-events.js';
import { principalOf } from '../auth-hook.js';
import { errorResponses } from '../schemas/common.js';
import { EventsQuery, EventStream, JobIdParams } from '../schemas/jobs.js';
import { parseJobHint } from '../../jobs/events.js';
import { FINAL_STATUSES, type JobStatus } from '../../domain/jobs.js';
import { BatchyardError, InvalidArgumentError, TransientError } from '../../domain/errors.js';

export const SSE_HEARTBEAT_MS = 15_000;
/** Events read from the log per query. */
const PAGE = 500;

export interface EventRouteOptions {
  ctx: ApiContext;
  /** The heartbeat interval (tests shorten it). */
  heartbeatMs?: number;
}

interface Hint {
  eventId: number;
  jobId: number;
  domainId: number;
}

interface EventSource {
  /** Events after `after`; `cursor` is where the next read starts, `more` whether one should follow at once. */
  read(after: number): Promise<{ events: JobEvent[]; cursor: number; more: boolean }>;
  concerns(hint: Hint): boolean;
  /** True when the stream ends once `event` has been sent. */
  endsAfter(event: JobEvent): boolean;
  /**
   * The event `id` if the caller may see it. Given when the log can commit
   * out of id order (events of different jobs, concurrent writers): an event
   * committed after a higher id was read is fetched by the id its hint names.
   */
  readOne?(id: number, jobId: number): Promise<JobEvent | undefined>;
}

/** Ids remembered per stream for late events (sent ones, and hinted ones not read yet). */
const REMEMBERED_IDS = 10_000;
const VISIBILITY_TTL_MS = 5_000;

/** Adds `id` to a bounded set (or map); returns the id it evicted, if any. */
function remember(ids: Set<number>, id: number): number | undefined;
function remember(ids: Map<number, number>, id: number, value: number): number | undefined;
function remember(ids: Set<number> | Map<number, number>, id: number, value?: number): number | undefined {
  if (ids instanceof Map) ids.set(id, value!);
  else ids.add(id);
  if (ids.size <= REMEMBERED_IDS) return undefined;
  const oldest = ids.keys().next().value as number;
  ids.delete(oldest);
  return oldest;
}

function frame(event: JobEvent): string {
  return `id: ${event.id}\nevent: ${event.kind}\ndata: ${JSON.stringify({ ...event.data, jobId: event.jobId })}\n\n`;
}

/** One open stream: writes frames to the hijacked response, re-reads on hints, cleans up once. */
class SseStream {
  private cursor = 0;
  private started = false;
  private dirty = false;
  private pumping: Promise<void> | undefined;
  private closed = false;
  private heartbeat: NodeJS.Timeout | undefined;
  private unsubscribe: (() => Promise<void>) | undefined;
  private unsubscribed: Promise<void> | undefined;
  private writable: (() => void) | undefined;
  /** Ids sent (the latest REMEMBERED_IDS; ids up to `forgotten` count as sent). */
  private readonly sent = new Set<number>();
  private forgotten = 0;
  /** Ids named by hints, for a source with `readOne`: a hinted id below the cursor that was never sent committed late. */
  private readonly hinted = new Map<number, number>();
  private settle!: () => void;
  /** Resolves once the stream is closed, unsubscribed and no read is in flight. */
  readonly finished = new Promise<void>((resolve) => (this.settle = resolve));

  constructor(
    private readonly raw: ServerResponse,
    private readonly source: EventSource,
    private readonly log: FastifyBaseLogger,
  ) {}

  /** Adopts the hint subscription (stopped at close; at once if the stream already closed). */
  attach(unsubscribe: () => Promise<void>): void {
    this.unsubscribe = unsubscribe;
    if (this.closed) this.stopListening();
  }

  /** Sends the headers, replays what the client missed (events after `after`), then follows hints and the heartbeat. */
  start(after: number, heartbeatMs: number): Promise<void> {
    this.cursor = after;
    this.started = true;
    this.raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    this.raw.flushHeaders();
    this.heartbeat = setInterval(() => {
      if (this.closed) return;
      if (!this.raw.writableNeedDrain) this.raw.write(': ping\n\n');
      this.wake();
    }, heartbeatMs);
    this.heartbeat.unref();
    this.wake();
    return this.pumping ?? Promise.resolve();
  }

  hint(payload: string): void {
    if (this.closed) return;
    const hint = parseJobHint(payload);
    if (hint && !this.source.concerns(hint)) return;
    if (hint && this.source.readOne) {
      if (this.sent.has(hint.eventId) || hint.eventId <= this.forgotten) return;
      remember(this.hinted, hint.eventId, hint.jobId);
    }
    // Before the start the first read is still to come, and sees what the hint announces.
    if (!this.started) return;
    // An unreadable hint still means "something new".
    if (hint && hint.eventId <= this.cursor && !this.source.readOne) return;
    this.wake();
  }

  private wake(): void {
    this.dirty = true;
    if (this.pumping || this.closed) return;
    this.pumping = this.pump().finally(() => {
      this.pumping = undefined;
      if (this.closed) this.maybeSettle();
      else if (this.dirty) this.wake();
    });
  }

  private async pump(): Promise<void> {
    try {
      while (this.dirty && !this.closed) {
        this.dirty = false;
        for (;;) {
          const { events, cursor, more } = await this.source.read(this.cursor);
          for (const event of events) {
            if (this.closed) return;
            if (!(await this.send(event))) return;
          }
          this.cursor = Math.max(this.cursor, cursor);
          if (!more || this.closed) break;
        }
        await this.sendLate();
      }
    } catch (error) {
      // The job is no longer visible (or gone), or storage failed: end; the client may resume by Last-Event-ID.
      if (!(error instanceof BatchyardError && error.code === 'NOT_FOUND') && !this.closed) {
        this.log.warn({ err: error }, 'event stream read failed; ending the stream');
      }
      this.close();
    }
  }

  /** Sends one event; false once the stream has ended (closed, or the job's final status sent). */
  private async send(event: JobEvent): Promise<boolean> {
    if (this.closed) return false;
    await this.write(frame(event));
    this.hinted.delete(event.id);
    const evicted = remember(this.sent, event.id);
    if (evicted !== undefined) this.forgotten = Math.max(this.forgotten, evicted);
    if (this.source.endsAfter(event)) {
      this.close();
      return false;
    }
    return true;
  }

  /**
   * Events hinted at but below the cursor and never sent: they committed
   * after a later id had been read (PostgreSQL hands out ids at insert and
   * transactions commit in any order). Read each by its id.
   */
  private async sendLate(): Promise<void> {
    const readOne = this.source.readOne;
    if (!readOne) return;
    for (const [id, jobId] of [...this.hinted].sort(([a], [b]) => a - b)) {
      if (id > this.cursor) continue; // the next read after the cursor brings it
      this.hinted.delete(id);
      if (this.sent.has(id) || id <= this.forgotten) continue;
      const event = await readOne(id, jobId);
      if (event && !(await this.send(event))) return;
    }
  }

  /** Writes a frame, waiting for the socket to drain when its buffer is full (a slow client holds no unbounded memory). */
  private async write(text: string): Promise<void> {
    if (this.closed) return;
    if (this.raw.write(text)) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        this.raw.off('drain', done);
        this.writable = undefined;
        resolve();
      };
      this.writable = done;
      this.raw.on('drain', done);
    });
  }

  /** Ends the stream (idempotent): stops the heartbeat, the hints, any wait for the socket, and the response. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    this.writable?.();
    if (this.started && !this.raw.writableEnded && !this.raw.destroyed) this.raw.end();
    this.stopListening();
    this.maybeSettle();
  }

  private stopListening(): void {
    const stop = this.unsubscribe;
    if (!stop || this.unsubscribed) return;
    this.unsubscribed = stop().catch((error: unknown) => this.log.warn({ err: error }, 'event stream: unsubscribe failed'));
    void this.unsubscribed.then(() => this.maybeSettle());
  }

  private maybeSettle(): void {
    if (!this.closed || this.pumping) return;
    if (this.unsubscribe && !this.unsubscribed) return;
    if (this.unsubscribed) void this.unsubscribed.then(() => this.settle());
    else this.settle();
  }
}

/** Which jobs one caller may see, remembered a few seconds (rights change rarely; a stale answer only delays). */
class JobVisibilityCache {
  private readonly entries = new Map<number, { visible: boolean; at: number }>();

  constructor(
    private readonly ctx: ApiContext,
    private readonly caller: Principal,
  ) {}

  /** True/false when known and fresh, undefined otherwise. */
  known(jobId: number): boolean | undefined {
    const entry = this.entries.get(jobId);
    return entry && Date.now() - entry.at < VISIBILITY_TTL_MS ? entry.visible : undefined;
  }

  /** The log just returned an event of this job to this caller: visible. */
  saw(jobId: number): void {
    this.set(jobId, true);
  }

  async check(jobId: number): Promise<boolean> {
    const known = this.known(jobId);
    if (known !== undefined) return known;
    const visible = await this.ctx.jobs.visibleJob(this.caller, jobId).then(
      () => true,
      (error: unknown) => {
        if (error instanceof BatchyardError && error.code === 'NOT_FOUND') return false;
        throw error;
      },
    );
    this.set(jobId, visible);
    return visible;
  }

  private set(jobId: number, visible: boolean): void {
    this.entries.delete(jobId);
    this.entries.set(jobId, { visible, at: Date.now() });
    if (this.entries.size > REMEMBERED_IDS) this.entries.delete(this.entries.keys().next().value as number);
  }
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
  const open = new Set<SseStream>();
  let closing = false;

  // Before Fastify closes the listener and waits for connections to end: end every stream and wait for their reads.
  app.addHook('preClose', async () => {
    closing = true;
    const streams = [...open];
    for (const stream of streams) stream.close();
    await Promise.all(streams.map((s) => s.finished));
  });

  /** Subscribes, hijacks the reply and runs the stream; resolves when the stream has finished. */
  async function serve(request: FastifyRequest, reply: FastifyReply, source: EventSource, after: () => Promise<number>, onCaughtUp?: () => boolean): Promise<void> {
    if (closing) throw new TransientError('the server is shutting down');
    const raw: ServerResponse = reply.raw;
    const req: IncomingMessage = request.raw;
    const stream = new SseStream(raw, source, request.log);
    stream.attach(await ctx.jobs.subscribe((payload) => stream.hint(payload)));
    let cursor: number;
    try {
      cursor = await after();
    } catch (error) {
      stream.close();
      await stream.finished;
      throw error;
    }
    const gone = () => stream.close();
    req.on('close', gone);
    raw.on('close', gone);
    raw.on('error', gone);
    if (closing || req.destroyed || raw.destroyed) {
      stream.close();
      await stream.finished;
      if (closing) throw new TransientError('the server is shutting down');
      reply.hijack(); // the client has gone: nothing to answer
      return;
    }
    open.add(stream);
    reply.hijack();
    try {
      await stream.start(cursor, heartbeatMs);
      // Caught up with the log: a job that had already ended when the client connected has nothing more to say.
      if (onCaughtUp?.()) stream.close();
      await stream.finished;
    } finally {
      open.delete(stream);
      req.off('close', gone);
      raw.off('close', gone);
      raw.off('error', gone);
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
      const jobId = request.params.jobId;
      const lastEventId = lastEventIdOf(request, request.query);
      // 404 before anything streams; its status tells whether the log already holds the final event.
      const job = await ctx.jobs.visibleJob(caller, jobId);
      const endedAtConnect = FINAL_STATUSES.includes(job.status);
      const source: EventSource = {
        async read(after) {
          const events = await ctx.jobs.jobEvents(caller, jobId, after, PAGE);
          return { events, cursor: events.at(-1)?.id ?? after, more: events.length === PAGE };
        },
        concerns: (hint) => hint.jobId === jobId,
        endsAfter: (event) => event.kind === 'status' && FINAL_STATUSES.includes(event.data.status as JobStatus),
        // One job's events commit in id order (each is written under the job's row lock); this is a safety net.
        async readOne(id) {
          const [event] = await ctx.jobs.jobEvents(caller, jobId, id - 1, 1);
          return event?.id === id ? event : undefined;
        },
      };
      await serve(request, reply, source, async () => lastEventId ?? 0, () => endedAtConnect);
    },
  );

  app.get(
    '/events',
    {
      schema: {
        tags: ['jobs'],
        summary: 'Status changes and progress of every job the caller may see, as Server-Sent Events',
        description: 'Starts from now, or after Last-Event-ID (header, or ?lastEventId=) to resume.',
        querystring: EventsQuery,
        response: { 200: EventStream, ...errorResponses },
      },
    },
    async (request, reply) => {
      const caller: Principal = principalOf(request);
      const lastEventId = lastEventIdOf(request, request.query);
      const visibility = new JobVisibilityCache(ctx, caller);
      const source: EventSource = {
        async read(after) {
          const { events, lastId } = await ctx.jobs.domainEvents(caller, after, PAGE);
          for (const event of events) visibility.saw(event.jobId);
          return { events, cursor: lastId, more: lastId > after };
        },
        concerns: (hint) => hint.domainId === caller.user.domainId && visibility.known(hint.jobId) !== false,
        endsAfter: () => false,
        async readOne(id, jobId) {
          if (!(await visibility.check(jobId))) return undefined;
          const { events } = await ctx.jobs.domainEvents(caller, id - 1, 1);
          return events[0]?.id === id ? events[0] : undefined;
        },
      };
      // Subscribed before the latest id is read: an event committed in between is read, not missed.
      await serve(request, reply, source, async () => lastEventId ?? (await ctx.jobs.latestEventId()));
    },
  );
};
