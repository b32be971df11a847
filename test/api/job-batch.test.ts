/**
 * Batch submission over HTTP (`POST /api/v1/jobs/batch`), on every driver: up to 1,000 jobs in
 * one transaction, returned in order, each run on its own with its own events and `job.created`
 * webhook message; a wrong entry (params, type, rights, library) fails the whole batch with a 4xx
 * naming it and creates nothing; more than 1,000 entries, or none, is a 400 naming the bound.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { startEngine } from '../../src/app.js';
import type { Engine } from '../../src/engine/engine.js';
import { FAST_ENGINE } from '../support/engine.js';
import { FINAL_STATUSES } from '../../src/domain/jobs.js';

const factories = await driverFactories();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are checked field by field
type Json = any;

for (const factory of factories) {
  describe(`job batch API on ${factory.name}`, () => {
    let t: TestApp;
    let engine: Engine | undefined;
    let lib: string;

    beforeEach(async () => {
      t = await startTestApp(factory, { BATCHYARD_ENABLE_BENCH_JOBS: '1', BATCHYARD_WEBHOOK_ALLOW_HOSTS: '10.9.0.0/16' });
      engine = undefined;
      lib = await createLibrary(undefined, 'Batch');
    });
    afterEach(async () => {
      await engine?.stop();
      await t.dispose();
    });

    async function createLibrary(token: string | undefined, name: string): Promise<string> {
      const res = await t.call('POST', '/api/v1/libraries', { token, json: { name } });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body.libraryId;
    }

    async function batch(jobs: unknown[], token?: string) {
      return t.call('POST', '/api/v1/jobs/batch', { json: { jobs }, token });
    }

    async function jobCount(): Promise<number> {
      let n = 0;
      let cursor: string | null = null;
      do {
        const res: Json = await t.call('GET', `/api/v1/jobs?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        expect(res.status).toBe(200);
        n += res.body.jobs.length;
        cursor = res.body.nextCursor;
      } while (cursor);
      return n;
    }

    async function waitEnded(id: number): Promise<Json> {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const job = (await t.call('GET', `/api/v1/jobs/${id}`)).body;
        if (FINAL_STATUSES.includes(job.status)) return job;
        if (Date.now() > deadline) throw new Error(`job ${id} did not end: ${JSON.stringify(job)}`);
        await sleep(20);
      }
    }

    it('creates every job in order, queued, each with its creation event and job.created message, and each runs on its own', async () => {
      const hook = await t.call('POST', '/api/v1/webhooks', { json: { url: 'http://10.9.1.2:8080/hook', events: ['job.created'], enabled: false } });
      expect(hook.status, JSON.stringify(hook.body)).toBe(201);
      // Disabled webhooks get no messages; the one listening gets one per job.
      const listening = await t.call('POST', '/api/v1/webhooks', { json: { url: 'http://10.9.1.3:8080/hook', events: ['job.created', 'job.completed'] } });
      const entries = [
        { type: 'noop', libraryId: lib, params: { count: 1 } },
        { type: 'trash', libraryId: lib, params: { paths: ['docs/', '/b'] }, priority: 5 }, // nothing there: ends failed
        { type: 'noop', libraryId: lib, params: { count: 3 } },
        { type: 'empty_trash', libraryId: lib },
      ];
      const res = await batch(entries);
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      const jobs: Json[] = res.body.jobs;
      expect(jobs.map((j) => j.type)).toEqual(['noop', 'trash', 'noop', 'empty_trash']);
      expect(jobs.map((j) => j.status)).toEqual(['queued', 'queued', 'queued', 'queued']);
      // Validated as POST /jobs validates: paths normalized, priority kept.
      expect(jobs[1]).toMatchObject({ params: { paths: ['/b', '/docs'] }, priority: 5, libraryId: lib, origin: 'admin', requestor: { email: 'admin@example.com' } });
      const ids = jobs.map((j) => j.id as number);
      expect([...ids].sort((a, b) => a - b)).toEqual(ids);
      expect(new Set(jobs.map((j) => j.createdAt)).size).toBe(1);
      expect(await jobCount()).toBe(4);

      engine = await startEngine(t.app, FAST_ENGINE);
      for (const [k, id] of ids.entries()) {
        const ended = await waitEnded(id);
        expect(ended.status, JSON.stringify(ended)).toBe(k === 1 ? 'failed' : 'completed');
        const timeline = (await t.call('GET', `/api/v1/jobs/${id}/timeline?limit=100`)).body;
        const statuses = timeline.events.filter((e: Json) => e.kind === 'status').map((e: Json) => e.data.status);
        expect(statuses[0]).toBe('queued');
        expect(statuses.at(-1)).toBe(ended.status);
      }
      const deliveries = (await t.call('GET', `/api/v1/webhooks/${listening.body.id}/deliveries?limit=100`)).body.deliveries as Json[];
      const created = deliveries.filter((d) => d.eventType === 'job.created');
      expect(created).toHaveLength(4);
      expect(created.map((d) => d.payload.data.jobId as number).sort((a, b) => a - b)).toEqual(ids);
      expect(created[0].payload).toMatchObject({ type: 'job.created', data: { status: 'queued', type: expect.any(String) } });
      expect((await t.call('GET', `/api/v1/webhooks/${hook.body.id}/deliveries`)).body.deliveries).toEqual([]);
    });

    it('refuses the whole batch when one entry is wrong, naming the entry and why; nothing is created', async () => {
      const good = { type: 'noop', libraryId: lib, params: { count: 1 } };
      const bad = async (entries: unknown[], status: number, field: string, token?: string) => {
        const res = await batch(entries, token);
        expect(res.status, JSON.stringify(res.body)).toBe(status);
        expect(res.body.error.details?.field, JSON.stringify(res.body)).toBe(field);
        expect(res.body.error.message, JSON.stringify(res.body)).toContain(field);
        return res.body.error;
      };
      const paths = await bad([good, good, { type: 'trash', libraryId: lib, params: { paths: ['/ok', '/a/../b'] } }], 400, 'jobs[2].params.paths[1]');
      expect(paths.message).toMatch(/^jobs\[2\]\.params\.paths\[1\]: /);
      expect(paths.details.index).toBe(2);
      const type = await bad([{ type: 'shred', libraryId: lib }, good], 400, 'jobs[0].type');
      expect(type.message).toContain('trash');
      await bad([good, { type: 'trash', libraryId: lib, params: { paths: ['/'] } }], 422, 'jobs[1].params.paths[0]');
      // The envelope of each entry is checked as every request body is (the field in the API's dotted form).
      await bad([good, { ...good, priority: 1000 }], 400, 'jobs.1.priority');
      await bad([good, { ...good, extra: 1 }], 400, 'jobs.1.extra');
      await bad([good, { type: 'noop', libraryId: 'nosuchlibrary', params: { count: 1 } }], 404, 'jobs[1]');
      // Rights as POST /jobs checks them: a reader may not trash; another library is not visible at all.
      const user = await t.call('POST', '/api/v1/users', { json: { email: 'rita@example.com' } });
      const token = (await t.call('POST', '/api/v1/tokens', { json: { userId: user.body.id } })).body.token as string;
      const perms = await t.call('PUT', `/api/v1/libraries/${lib}/permissions`, {
        json: { permissions: [{ type: 'user', value: 'admin@example.com', role: 'ADMIN' }, { type: 'user', value: 'rita@example.com', role: 'READER' }] },
      });
      expect(perms.status, JSON.stringify(perms.body)).toBe(200);
      const hidden = await createLibrary(undefined, 'Hidden');
      const refused = await bad([good, good, { type: 'trash', libraryId: lib, params: { paths: ['/a'] } }], 403, 'jobs[2]', token);
      expect(refused.message).toMatch(/^jobs\[2\]: this needs WRITER rights/);
      await bad([good, { type: 'noop', libraryId: hidden, params: { count: 1 } }], 404, 'jobs[1]', token);
      expect((await batch([good, good], token)).status).toBe(202);
      expect(await jobCount()).toBe(2);
    });

    it('takes 1 to 1,000 entries: 1,000 are created, 1,001 or none is a 400 naming the bound', async () => {
      const entry = { type: 'noop', libraryId: lib, params: { count: 1 } };
      const many = await batch(Array.from({ length: 1000 }, () => entry));
      expect(many.status, JSON.stringify(many.body).slice(0, 500)).toBe(202);
      expect(many.body.jobs).toHaveLength(1000);
      const over = await batch(Array.from({ length: 1001 }, () => entry));
      expect(over.status).toBe(400);
      expect(over.body.error.message).toContain('1000');
      const none = await batch([]);
      expect(none.status).toBe(400);
      expect((await t.call('POST', '/api/v1/jobs/batch', { json: { jobs: [entry], more: 1 } })).status).toBe(400);
      expect((await t.call('POST', '/api/v1/jobs/batch', { json: { jobs: [entry] }, token: null })).status).toBe(401);
      expect(await jobCount()).toBe(1000);
    });
  });
}
