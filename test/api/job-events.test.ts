/** Job events over Server-Sent Events on a listening server: replay, live follow, resume, visibility, heartbeat, cleanup. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { driverFactories } from '../support/drivers.js';
import { ADMIN_TOKEN, startTestApp, type TestApp } from '../support/app.js';
import type { Engine } from '../../src/engine/engine.js';
import type { Job } from '../../src/domain/jobs.js';
import type { Store } from '../../src/store/store.js';
import { FAST_ENGINE } from '../support/engine.js';
import { buildServer } from '../../src/api/server.js';
import { recordJobEvent } from '../../src/jobs/events.js';
import { startEngine, startServer } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { pino } from 'pino';

const factories = await driverFactories();

interface SseEvent {
  id: number;
  event: string;
  data: Record<string, unknown> & { jobId: number; status: string };
}

interface SseClient {
  status: number;
  headers: http.IncomingHttpHeaders;
  events: SseEvent[];
  comments: string[];
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  isEnded(): boolean;
  /** Waits (polling) until `test` holds for the events so far. */
  until(test: (events: SseEvent[]) => boolean, what: string): Promise<void>;
  close(): void;
}

async function eventually(test: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(`never happened: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Opens an event stream with node's http client (inject cannot stream). */
function connect(base: string, path: string, options: { token?: string; headers?: Record<string, string> } = {}): Promise<SseClient> {
  return new Promise((resolve, reject) => {
    const request = http.get(`${base}${path}`, { headers: { authorization: `Bearer ${options.token ?? ADMIN_TOKEN}`, accept: 'text/event-stream', ...options.headers } }, (response) => {
      const events: SseEvent[] = [];
      const comments: string[] = [];
      let buffer = '';
      let ended = false;
      const endedPromise = new Promise<void>((done) => {
        response.on('end', () => {
          ended = true;
          done();
        });
        response.on('close', () => {
          ended = true;
          done();
        });
      });
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        buffer += chunk;
        let at: number;
        while ((at = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, at);
          buffer = buffer.slice(at + 2);
          const fields: Record<string, string> = {};
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) comments.push(line.slice(1).trim());
            else {
              const colon = line.indexOf(':');
              fields[line.slice(0, colon)] = line.slice(colon + 1).replace(/^ /, '');
            }
          }
          if (fields.data !== undefined) events.push({ id: Number(fields.id), event: fields.event ?? 'message', data: JSON.parse(fields.data) });
        }
      });
      resolve({
        status: response.statusCode ?? 0,
        headers: response.headers,
        events,
        comments,
        ended: endedPromise,
        isEnded: () => ended,
        until: (test, what) => eventually(() => test(events), `${what}; got ${JSON.stringify(events.map((e) => [e.id, e.event, e.data.jobId, e.data.status]))}`),
        close: () => request.destroy(),
      });
    });
    request.on('error', reject);
  });
}

const statusesOf = (events: SseEvent[]) => events.filter((e) => e.event === 'status').map((e) => e.data.status);

/**
 * Two progress events of `job` committed out of id order: a transaction draws the lower id
 * and stays open while a second one draws the higher id and commits. `commitLow` commits
 * the first (always call it: an open transaction holds every PostgreSQL feed back).
 */
function outOfOrderPair(job: Job, store: Store) {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let drawn!: (id: number) => void;
  const lowId = new Promise<number>((resolve) => (drawn = resolve));
  const slow = store.transaction(async (tx) => {
    drawn(await recordJobEvent(tx, job, 'progress', Date.now()));
    await held;
  });
  const committedHigh = (async () => {
    const low = await lowId;
    const high = await store.transaction((tx) => recordJobEvent(tx, job, 'progress', Date.now()));
    return { low, high };
  })();
  return {
    committedHigh,
    async commitLow() {
      release();
      await slow;
    },
  };
}

for (const factory of factories) {
  describe(`job event streams on ${factory.name}`, () => {
    let t: TestApp;
    let engine: Engine | undefined;
    let base: string;
    let lib: string;
    const clients: SseClient[] = [];

    beforeEach(async () => {
      t = await startTestApp(factory, { BATCHYARD_ENABLE_BENCH_JOBS: '1' });
      engine = undefined;
      await t.http.listen({ port: 0, host: '127.0.0.1' });
      base = `http://127.0.0.1:${(t.http.server.address() as AddressInfo).port}/api/v1`;
      lib = (await t.call('POST', '/api/v1/libraries', { json: { name: 'Events' } })).body.libraryId;
    });
    afterEach(async () => {
      for (const client of clients.splice(0)) client.close();
      await engine?.stop();
      await t.dispose();
    });

    async function open(path: string, options: { token?: string; headers?: Record<string, string> } = {}): Promise<SseClient> {
      const client = await connect(base, path, options);
      clients.push(client);
      return client;
    }

    async function submit(body: Record<string, unknown>, token?: string) {
      const res = await t.call('POST', '/api/v1/jobs', { json: body, token });
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      return res.body as { id: number };
    }

    async function userToken(email: string): Promise<string> {
      const user = await t.call('POST', '/api/v1/users', { json: { email } });
      return (await t.call('POST', '/api/v1/tokens', { json: { userId: user.body.id } })).body.token;
    }

    it('streams a job from queued to completed, then ends; Last-Event-ID resumes after it', async () => {
      const job = await submit({ type: 'noop', libraryId: lib, params: { count: 3000 } });
      const stream = await open(`/jobs/${job.id}/events`);
      expect(stream.status).toBe(200);
      expect(stream.headers['content-type']).toMatch(/^text\/event-stream/);
      expect(stream.headers['cache-control']).toBe('no-cache');
      expect(stream.headers['x-accel-buffering']).toBe('no');
      // The log so far arrives at once: the job is queued (no engine yet).
      await stream.until((events) => events.length > 0, 'the current status');
      expect(stream.events[0]).toMatchObject({ event: 'status', data: { jobId: job.id, status: 'queued' } });
      expect(stream.isEnded()).toBe(false);

      engine = await startEngine(t.app, FAST_ENGINE);
      await stream.ended;
      const events = stream.events;
      expect(events.at(-1)).toMatchObject({ event: 'status', data: { jobId: job.id, status: 'completed', progress: 100 } });
      expect(events.at(-1)!.data.counts).toMatchObject({ total: 3000, succeeded: 3000, remaining: 0 });
      const statuses = statusesOf(events);
      expect(statuses[0]).toBe('queued');
      expect(statuses).toContain('running');
      expect(statuses.filter((s) => s === 'completed')).toHaveLength(1);
      for (let i = 1; i < events.length; i++) expect(events[i]!.id).toBeGreaterThan(events[i - 1]!.id);
      for (const e of events) {
        expect(e.data.jobId).toBe(job.id);
        expect(['status', 'progress']).toContain(e.event);
        expect(typeof e.data.progress).toBe('number');
      }

      // Resume after the first event: only the later ones (the progress trail is pruned once a job ends).
      const laterStatuses = events.slice(1).filter((e) => e.event === 'status');
      const resumed = await open(`/jobs/${job.id}/events`, { headers: { 'last-event-id': String(events[0]!.id) } });
      await resumed.ended;
      expect(resumed.events.map((e) => e.id)).toEqual(laterStatuses.map((e) => e.id));
      expect(statusesOf(resumed.events).at(-1)).toBe('completed');
      // The same by ?lastEventId=.
      const byQuery = await open(`/jobs/${job.id}/events?lastEventId=${events[0]!.id}`);
      await byQuery.ended;
      expect(byQuery.events.map((e) => e.id)).toEqual(laterStatuses.map((e) => e.id));
      // After the final event there is nothing more to say: the stream ends at once, empty.
      const after = await open(`/jobs/${job.id}/events`, { headers: { 'last-event-id': String(events.at(-1)!.id) } });
      await after.ended;
      expect(after.events).toEqual([]);
      // Without Last-Event-ID an ended job's whole log is replayed and the stream ends.
      const replay = await open(`/jobs/${job.id}/events`);
      await replay.ended;
      expect(statusesOf(replay.events)[0]).toBe('queued');
      expect(statusesOf(replay.events).at(-1)).toBe('completed');
    });

    it('streams a cancel to its end', async () => {
      engine = await startEngine(t.app, FAST_ENGINE);
      const job = await submit({ type: 'noop', libraryId: lib, params: { count: 5_000_000 } });
      const stream = await open(`/jobs/${job.id}/events`);
      await stream.until((events) => events.some((e) => e.event === 'progress' || e.data.status === 'running'), 'work under way');
      expect((await t.call('POST', `/api/v1/jobs/${job.id}/cancel`)).status).toBe(202);
      await stream.ended;
      expect(statusesOf(stream.events)).toContain('cancelling');
      expect(statusesOf(stream.events).at(-1)).toBe('cancelled');
    });

    it('/events carries the events of the jobs the caller may see, and only those', async () => {
      const alice = await userToken('alice@example.com');
      const bob = await userToken('bob@example.com');
      await t.call('PUT', `/api/v1/libraries/${lib}/permissions`, {
        json: {
          permissions: [
            { type: 'user', value: 'admin@example.com', role: 'ADMIN' },
            { type: 'user', value: 'alice@example.com', role: 'WRITER' },
            { type: 'user', value: 'bob@example.com', role: 'WRITER' },
          ],
        },
      });
      const before = await submit({ type: 'noop', libraryId: lib, params: { count: 1 } }, bob);
      const bobs = await open('/events', { token: bob });
      const admins = await open('/events');
      expect(bobs.status).toBe(200);
      engine = await startEngine(t.app, FAST_ENGINE);
      const isDone = (id: number) => (events: SseEvent[]) => events.some((e) => e.data.jobId === id && e.data.status === 'completed');
      // Bob's earlier job: its events now are news (the stream starts from the moment of connecting, so its 'queued' is not replayed).
      await bobs.until(isDone(before.id), 'bob’s first job completes');
      const alicesJob = await submit({ type: 'noop', libraryId: lib, params: { count: 10 } }, alice);
      await admins.until(isDone(alicesJob.id), 'the admin sees alice’s job complete');
      const bobsJob = await submit({ type: 'noop', libraryId: lib, params: { count: 10 } }, bob);
      await bobs.until(isDone(bobsJob.id), 'bob sees his job complete');
      await admins.until(isDone(bobsJob.id), 'the admin sees bob’s job complete');

      expect(new Set(bobs.events.map((e) => e.data.jobId))).toEqual(new Set([before.id, bobsJob.id]));
      expect(bobs.events.some((e) => e.data.jobId === before.id && e.data.status === 'queued')).toBe(false);
      expect(new Set(admins.events.map((e) => e.data.jobId))).toEqual(new Set([before.id, alicesJob.id, bobsJob.id]));
      for (const stream of [bobs, admins]) expect(new Set(stream.events.map((e) => e.id)).size).toBe(stream.events.length);
      expect(bobs.isEnded()).toBe(false);

      // Resuming /events from an id replays what followed, still filtered.
      const from = bobs.events[0]!.id;
      const resumed = await open('/events', { token: bob, headers: { 'last-event-id': String(from - 1) } });
      await resumed.until(isDone(bobsJob.id), 'the resumed stream catches up');
      expect(resumed.events.every((e) => e.data.jobId !== alicesJob.id)).toBe(true);
      expect(resumed.events[0]!.id).toBe(from);

      // Another domain hears nothing of ours.
      const other = await t.call('POST', '/api/v1/domains', { json: { name: 'other.test', admin: { email: 'adm@other.test' } } });
      const stranger = await open('/events?lastEventId=0', { token: other.body.token });
      const last = await submit({ type: 'noop', libraryId: lib, params: { count: 1 } });
      await admins.until(isDone(last.id), 'the admin sees the last job complete');
      expect(stranger.status).toBe(200);
      expect(stranger.events).toEqual([]);
    });

    /**
     * Two writers (PostgreSQL): the transaction holding the lower id commits last. Until it
     * has, nothing from its id on may be delivered (a client holding the higher id could not
     * resume without missing it); then both arrive in id order, once, to live streams and to
     * a client that was away and resumes with Last-Event-ID.
     */
    it.skipIf(factory.name === 'sqlite')('delivers events committed out of id order in id order, exactly once, across a disconnect', async () => {
      const job = await submit({ type: 'noop', libraryId: lib, params: { count: 1 } });
      const row = (await t.app.store.jobGetById(job.id))!;
      const live = [await open('/events?lastEventId=0'), await open(`/jobs/${job.id}/events`)];
      const away = await open(`/jobs/${job.id}/events`);
      for (const stream of [...live, away]) await stream.until((events) => events.length === 1, 'the queued status');
      const lastSeen = away.events[0]!.id;
      away.close();

      const held = outOfOrderPair(row, t.app.store);
      let low: number;
      let high: number;
      try {
        ({ low, high } = await held.committedHigh);
        expect(high).toBeGreaterThan(low);
        // A while for a stream to (wrongly) send the higher id before the lower one has committed.
        await new Promise((resolve) => setTimeout(resolve, 300));
        for (const stream of live) expect(stream.events.map((e) => e.id)).not.toContain(high);
      } finally {
        await held.commitLow();
      }
      for (const stream of live) {
        await stream.until((events) => events.some((e) => e.id === high), 'both events');
        expect(stream.events.map((e) => e.id).filter((id) => id > lastSeen)).toEqual([low, high]);
      }
      const resumed = [
        await open(`/jobs/${job.id}/events`, { headers: { 'last-event-id': String(lastSeen) } }),
        await open('/events', { headers: { 'last-event-id': String(lastSeen) } }),
      ];
      for (const stream of resumed) {
        await stream.until((events) => events.some((e) => e.id === high), 'the resumed stream catches up');
        expect(stream.events.map((e) => e.id)).toEqual([low, high]);
      }
    });

    // Opened "from now" while an event's transaction is in flight: that event is news (it commits after the stream opened).
    it.skipIf(factory.name === 'sqlite')('/events from now delivers an event whose transaction was in flight when it opened', async () => {
      const job = await submit({ type: 'noop', libraryId: lib, params: { count: 1 } });
      const row = (await t.app.store.jobGetById(job.id))!;
      const held = outOfOrderPair(row, t.app.store);
      let stream: SseClient;
      try {
        await held.committedHigh;
        // Its headers come once it has placed its start: the lower id commits after that.
        stream = await open('/events');
        expect(stream.status).toBe(200);
      } finally {
        await held.commitLow();
      }
      const { low } = await held.committedHigh;
      await stream!.until((events) => events.some((e) => e.id === low), 'the event that was in flight');
      // The queued status and the higher id had committed before the stream opened: not news.
      expect(stream!.events.map((e) => e.id)).toEqual([low]);
    });

    it('refuses what it cannot stream with a JSON error before streaming', async () => {
      const job = await submit({ type: 'noop', libraryId: lib, params: { count: 1 } });
      const bad = await t.call('GET', `/api/v1/jobs/${job.id}/events`, { headers: { 'last-event-id': 'yesterday' } });
      expect(bad.status).toBe(400);
      expect(bad.body.error.details.field).toBe('Last-Event-ID');
      expect((await t.call('GET', '/api/v1/events', { headers: { 'last-event-id': '-3' } })).status).toBe(400);
      expect((await t.call('GET', '/api/v1/events?lastEventId=x')).status).toBe(400);
      expect((await t.call('GET', `/api/v1/jobs/${job.id + 99}/events`)).status).toBe(404);
      const stranger = await userToken('stranger@example.com');
      expect((await t.call('GET', `/api/v1/jobs/${job.id}/events`, { token: stranger })).status).toBe(404);
      expect((await t.call('GET', '/api/v1/events', { token: null })).status).toBe(401);
    });

    it('ends a stream when the caller may no longer see the job', async () => {
      const carol = await userToken('carol@example.com');
      const setRole = (role: string) =>
        t.call('PUT', `/api/v1/libraries/${lib}/permissions`, {
          json: { permissions: [{ type: 'user', value: 'admin@example.com', role: 'ADMIN' }, { type: 'user', value: 'carol@example.com', role }] },
        });
      await setRole('ADMIN');
      const job = await submit({ type: 'noop', libraryId: lib, params: { count: 1 } });
      const stream = await open(`/jobs/${job.id}/events`, { token: carol });
      await stream.until((events) => events.length === 1, 'the queued status');
      await setRole('READER');
      engine = await startEngine(t.app, FAST_ENGINE);
      await stream.ended;
      expect(statusesOf(stream.events)).not.toContain('completed');
    });

    it('stops following when the client goes, and the server closes with streams open', async () => {
      const job = await submit({ type: 'noop', libraryId: lib, params: { count: 1 } });
      const leaving = await open(`/jobs/${job.id}/events`);
      await leaving.until((events) => events.length === 1, 'the queued status');
      await eventually(() => t.http.inFlight.running === 1, 'the stream’s handler runs');
      leaving.close();
      await eventually(() => t.http.inFlight.running === 0, 'the handler ends once the client has gone');

      const staying = [await open(`/jobs/${job.id}/events`), await open('/events')];
      await staying[0]!.until((events) => events.length === 1, 'the queued status');
      await eventually(() => t.http.inFlight.running === 2, 'both handlers run');
      await t.http.close();
      for (const stream of staying) await stream.ended;
      expect(t.http.inFlight.running).toBe(0);
    });

    it('does not hold a whole server’s shutdown: streams end at once, well within the grace period', async () => {
      const own = await factory.create();
      const token = 'sse-shutdown-token-0123456789';
      const config = loadConfig({ data: own.dir, port: 0 }, { BATCHYARD_BOOTSTRAP_TOKEN: token, LOG_LEVEL: 'silent' });
      // A grace period longer than the test's timeout: only streams that end by themselves let this test pass.
      const server = await startServer(config, { driver: own.driver, logger: pino({ level: 'silent' }), print: () => {}, shutdownGraceMs: 120_000, engine: false });
      try {
        const stream = await connect(`${server.url}/api/v1`, '/events', { token });
        clients.push(stream);
        expect(stream.status).toBe(200);
        await eventually(() => server.http.inFlight.running === 1, 'the stream’s handler runs');
        await server.close();
        await stream.ended;
        expect(server.http.inFlight.running).toBe(0);
      } finally {
        await server.close();
        await own.dispose();
      }
    });

    it('sends a heartbeat comment while nothing happens', async () => {
      const fast: FastifyInstance = await buildServer(t.app, { logger: false, version: 'test', sseHeartbeatMs: 20 });
      try {
        await fast.listen({ port: 0, host: '127.0.0.1' });
        const url = `http://127.0.0.1:${(fast.server.address() as AddressInfo).port}/api/v1`;
        const stream = await connect(url, '/events');
        clients.push(stream);
        await eventually(() => stream.comments.filter((c) => c === 'ping').length >= 2, 'two heartbeats');
        expect(stream.events).toEqual([]);
      } finally {
        await fast.close();
      }
    });
  });
}
