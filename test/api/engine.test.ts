/**
 * The engine page over HTTP, on every driver: the engines at work, throughput
 * per minute and job type, retries, rescues and the queue, for domain admins
 * (their domain's jobs) and super admins (every domain's); readers are
 * refused. A job's timeline as JSON pages.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { FAST_ENGINE } from '../support/engine.js';
import { startEngine } from '../../src/app.js';
import type { Engine } from '../../src/engine/engine.js';
import { FINAL_STATUSES, type JobStatus } from '../../src/domain/jobs.js';

const factories = await driverFactories();

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are checked field by field
type Json = any;

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

for (const factory of factories) {
  describe(`engine page over HTTP on ${factory.name}`, () => {
    let t: TestApp;
    let engine: Engine | undefined;
    let lib: string;
    beforeEach(async () => {
      t = await startTestApp(factory, { BATCHYARD_ENABLE_BENCH_JOBS: '1' });
      engine = await startEngine(t.app, FAST_ENGINE);
      lib = (await ok('POST', '/api/v1/libraries', { name: 'main' })).libraryId;
    });
    afterEach(async () => {
      await engine?.stop();
      await t.dispose();
    });

    async function ok(method: string, url: string, json?: unknown, token?: string): Promise<Json> {
      const res = await t.call(method, url, { json, token });
      expect(res.status, `${method} ${url}: ${JSON.stringify(res.body)}`).toBeLessThan(300);
      return res.body;
    }

    async function ended(id: number, token?: string): Promise<Json> {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const job = await ok('GET', `/api/v1/jobs/${id}`, undefined, token);
        if (FINAL_STATUSES.includes(job.status as JobStatus)) return job;
        if (Date.now() > deadline) throw new Error(`job ${id} still ${job.status}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }

    /** Polls the stats as `token` until `done` holds (engines write their counts with each heartbeat). */
    async function statsUntil(token: string | undefined, done: (stats: Json) => boolean): Promise<Json> {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const stats = await ok('GET', '/api/v1/engine/stats?window=3600', undefined, token);
        if (done(stats)) return stats;
        if (Date.now() > deadline) throw new Error(`stats never got there: ${JSON.stringify(stats)}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    }

    const noopItems = (stats: Json) => (stats.buckets as Json[]).filter((b) => b.type === 'noop').reduce((n, b) => n + b.items, 0);

    async function otherDomainAdmin(): Promise<string> {
      return (await ok('POST', '/api/v1/domains', { name: 'other.test', admin: { email: 'boss@other.test' } })).token;
    }

    async function reader(): Promise<string> {
      const user = await ok('POST', '/api/v1/users', { email: 'reader@example.com', role: 'user' });
      return (await ok('POST', '/api/v1/tokens', { userId: user.id })).token;
    }

    it('lists the engines at work to administrators of any domain; a reader gets 403', async () => {
      const { workers } = await ok('GET', '/api/v1/engine/workers');
      expect(workers).toEqual([
        { id: engine!.workerId, host: expect.any(String), pid: process.pid, kind: 'serve', version: expect.any(String), startedAt: expect.stringMatching(ISO), lastHeartbeatAt: expect.stringMatching(ISO), state: 'alive', tasksHeld: 0 },
      ]);
      const boss = await otherDomainAdmin();
      expect((await ok('GET', '/api/v1/engine/workers', undefined, boss)).workers.map((w: Json) => w.id)).toEqual([engine!.workerId]);
      const plain = await reader();
      for (const url of ['/api/v1/engine/workers', '/api/v1/engine/stats']) {
        const refused = await t.call('GET', url, { token: plain });
        expect(refused.status, url).toBe(403);
        expect(refused.body.error.code).toBe('FORBIDDEN');
      }
      await engine!.stop();
      engine = undefined;
      expect((await ok('GET', '/api/v1/engine/workers')).workers.map((w: Json) => w.state)).toEqual(['stopped']);
    });

    it("shows throughput per minute and type: a super admin every domain's jobs, a domain admin their own", async () => {
      const mine = await ok('POST', '/api/v1/jobs', { type: 'noop', libraryId: lib, params: { count: 1500 } });
      const boss = await otherDomainAdmin();
      const theirLib = (await ok('POST', '/api/v1/libraries', { name: 'theirs' }, boss)).libraryId;
      const theirs = await ok('POST', '/api/v1/jobs', { type: 'noop', libraryId: theirLib, params: { count: 700 } }, boss);
      expect((await ended(mine.id)).status).toBe('completed');
      expect((await ended(theirs.id, boss)).status).toBe('completed');

      const all = await statsUntil(undefined, (s) => noopItems(s) === 2200);
      expect(all).toMatchObject({ window: 3600, totals: { rescues: 0, retries: 0 }, queue: [], generatedAt: expect.stringMatching(ISO) });
      for (const bucket of all.buckets) expect(bucket).toEqual({ minute: expect.stringMatching(/:00\.000Z$/), type: expect.any(String), items: expect.any(Number), bytes: expect.any(Number) });
      // Every count is written by now: the domain admin's figures are their job's alone.
      const own = await ok('GET', '/api/v1/engine/stats', undefined, boss);
      expect(own.window).toBe(3600);
      expect(noopItems(own)).toBe(700);
    });

    it("lists the queue per job, deepest first; a domain admin sees only their domain's", async () => {
      await engine!.stop();
      engine = undefined;
      const job = await ok('POST', '/api/v1/jobs', { type: 'noop', libraryId: lib, params: { count: 10 } });
      const stats = await ok('GET', '/api/v1/engine/stats?window=60');
      expect(stats.queue).toEqual([{ jobId: job.id, type: 'noop', libraryId: lib, status: 'queued', ready: 1, running: 0, readyItems: 0 }]);
      const boss = await otherDomainAdmin();
      expect((await ok('GET', '/api/v1/engine/stats', undefined, boss)).queue).toEqual([]);
    });

    it('refuses a window outside a minute to a day, naming it', async () => {
      for (const window of ['59', '86401', 'abc']) {
        const res = await t.call('GET', `/api/v1/engine/stats?window=${window}`);
        expect(res.status, window).toBe(400);
        expect(res.body.error.message, window).toContain('window');
      }
    });

    it("serves a job's timeline in pages to who may see the job, and 404 to another domain", async () => {
      const job = await ok('POST', '/api/v1/jobs', { type: 'noop', libraryId: lib, params: { count: 10 } });
      await ended(job.id);
      const first = await ok('GET', `/api/v1/jobs/${job.id}/timeline?limit=1`);
      expect(first.events).toEqual([{ id: expect.any(Number), kind: 'status', at: expect.stringMatching(ISO), data: expect.objectContaining({ jobId: job.id, status: 'queued' }) }]);
      expect(first.nextCursor).toEqual(expect.any(String));
      const rest = await ok('GET', `/api/v1/jobs/${job.id}/timeline?limit=100&cursor=${encodeURIComponent(first.nextCursor)}`);
      expect(rest.nextCursor).toBeNull();
      expect(rest.events.at(-1)).toMatchObject({ kind: 'status', data: { status: 'completed' } });
      expect(rest.events.every((e: Json) => e.id > first.events[0].id && e.kind === 'status')).toBe(true);
      const boss = await otherDomainAdmin();
      expect((await t.call('GET', `/api/v1/jobs/${job.id}/timeline`, { token: boss })).status).toBe(404);
      const bad = await t.call('GET', `/api/v1/jobs/${job.id}/timeline?cursor=nonsense`);
      expect(bad.status).toBe(400);
    });
  });
}
