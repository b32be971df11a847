/** Jobs over HTTP: the resource, validation, visibility, filters and orders, keyset pages, cancel, retry, failures. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { startEngine } from '../../src/app.js';
import type { Engine } from '../../src/engine/engine.js';
import { FAST_ENGINE } from '../support/engine.js';
import { FINAL_STATUSES, JOB_ORDERS, JOB_TYPES } from '../../src/domain/jobs.js';

/** Every job type, in JOB_TYPES' order (the order of the errors and the OpenAPI branches); without noop when bench jobs are off. */
const ALL_TYPES: string[] = [...JOB_TYPES];
const PUBLIC_TYPES = ALL_TYPES.filter((t) => t !== 'noop');

const factories = await driverFactories();

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- job bodies are checked field by field by the tests
type JobJson = any;

for (const factory of factories) {
  describe(`jobs API on ${factory.name}`, () => {
    let t: TestApp;
    let engine: Engine | undefined;
    let lib: string;

    beforeEach(async () => {
      t = await startTestApp(factory, { BATCHYARD_ENABLE_BENCH_JOBS: '1' });
      engine = undefined;
      lib = await createLibrary(undefined, 'Jobs');
    });
    afterEach(async () => {
      await engine?.stop();
      await t.dispose();
    });

    async function run(): Promise<Engine> {
      engine ??= await startEngine(t.app, FAST_ENGINE);
      return engine;
    }

    async function userToken(email: string, role = 'user', token?: string): Promise<{ token: string; id: number }> {
      const user = await t.call('POST', '/api/v1/users', { json: { email, role }, token });
      expect(user.status, JSON.stringify(user.body)).toBe(201);
      const minted = await t.call('POST', '/api/v1/tokens', { json: { userId: user.body.id }, token });
      return { token: minted.body.token, id: user.body.id };
    }

    async function createLibrary(token: string | undefined, name: string): Promise<string> {
      const res = await t.call('POST', '/api/v1/libraries', { token, json: { name } });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body.libraryId;
    }

    async function grant(libraryId: string, permissions: Array<[string, 'READER' | 'WRITER' | 'ADMIN']>) {
      const res = await t.call('PUT', `/api/v1/libraries/${libraryId}/permissions`, {
        json: { permissions: [{ type: 'user', value: 'admin@example.com', role: 'ADMIN' }, ...permissions.map(([value, role]) => ({ type: 'user', value, role }))] },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
    }

    async function upload(libraryId: string, path: string, content = 'x') {
      const res = await t.call('PUT', `/api/v1/libraries/${libraryId}/files/${path}`, { body: content });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    }

    async function submit(body: Record<string, unknown>, token?: string): Promise<JobJson> {
      const res = await t.call('POST', '/api/v1/jobs', { json: body, token });
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      return res.body;
    }

    async function getJob(id: number, token?: string): Promise<JobJson> {
      const res = await t.call('GET', `/api/v1/jobs/${id}`, { token });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body;
    }

    async function waitFor(id: number, until: (job: JobJson) => boolean = (job) => FINAL_STATUSES.includes(job.status), timeoutMs = 60_000): Promise<JobJson> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const job = await getJob(id);
        if (until(job)) return job;
        if (Date.now() > deadline) throw new Error(`job ${id} never reached the awaited state: ${JSON.stringify(job)}`);
        await sleep(20);
      }
    }

    async function list(query: string, token?: string): Promise<{ jobs: JobJson[]; nextCursor: string | null }> {
      const res = await t.call('GET', `/api/v1/jobs${query ? `?${query}` : ''}`, { token });
      expect(res.status, `${query}: ${JSON.stringify(res.body)}`).toBe(200);
      return res.body;
    }

    const ids = (jobs: JobJson[]) => jobs.map((j) => j.id as number);
    const sortedIds = (jobs: JobJson[]) => ids(jobs).sort((a, b) => a - b);

    it('accepts a job with 202 and renders the whole resource', async () => {
      const job = await submit({ type: 'trash', libraryId: lib, params: { paths: ['docs/', '/docs/a', '/b'] }, priority: 5 });
      expect(Object.keys(job).sort()).toEqual(
        [
          'id', 'type', 'status', 'libraryId', 'targetLibraryId', 'requestor', 'origin', 'params', 'priority', 'counts', 'bytes', 'progress', 'retryOf',
          'createdAt', 'startedAt', 'lastActivityAt', 'finishedAt', 'error', 'result',
        ].sort(),
      );
      expect(job).toMatchObject({
        type: 'trash',
        status: 'queued',
        libraryId: lib,
        targetLibraryId: null,
        requestor: { email: 'admin@example.com' },
        origin: 'admin',
        // Normalized, nested selections folded into their parent.
        params: { paths: ['/b', '/docs'] },
        priority: 5,
        counts: { total: 0, succeeded: 0, failed: 0, skipped: 0, remaining: 0, retries: 0 },
        bytes: { total: 0, done: 0 },
        progress: 0,
        retryOf: null,
        startedAt: null,
        finishedAt: null,
        error: null,
        result: null,
      });
      expect(Number.isInteger(job.id)).toBe(true);
      expect(Number.isInteger(job.requestor.id)).toBe(true);
      expect(typeof job.requestor.name).toBe('string');
      expect(job.createdAt).toMatch(ISO);
      expect(job.lastActivityAt).toMatch(ISO);
      expect(await getJob(job.id)).toEqual(job);

      const alice = await userToken('alice@example.com');
      await grant(lib, [['alice@example.com', 'WRITER']]);
      const own = await submit({ type: 'trash', libraryId: lib, params: { paths: ['/b'] } }, alice.token);
      expect(own).toMatchObject({ origin: 'self_service', priority: 0, requestor: { id: alice.id, email: 'alice@example.com' } });

      await run();
      const done = await waitFor(job.id);
      expect(done).toMatchObject({ status: 'failed', progress: 100, counts: { total: 2, failed: 2, remaining: 0 } });
      expect(done.startedAt).toMatch(ISO);
      expect(done.finishedAt).toMatch(ISO);
    });

    it('refuses bad submissions with the field named', async () => {
      const bad = async (body: unknown, status: number, field?: string) => {
        const res = await t.call('POST', '/api/v1/jobs', { json: body });
        expect(res.status, JSON.stringify(res.body)).toBe(status);
        if (field !== undefined) expect(res.body.error.details?.field, JSON.stringify(res.body)).toBe(field);
        return res.body;
      };
      const unknown = await bad({ type: 'shred', libraryId: lib, params: {} }, 400, 'type');
      expect(unknown.error.message).toContain('trash');
      await bad({ type: 'trash', libraryId: lib }, 400, 'params.paths');
      await bad({ type: 'trash', libraryId: lib, params: { paths: [] } }, 400, 'params.paths');
      await bad({ type: 'trash', libraryId: lib, params: { paths: '/a' } }, 400, 'params.paths');
      await bad({ type: 'trash', libraryId: lib, params: { paths: ['../x'] } }, 400, 'params.paths[0]');
      await bad({ type: 'trash', libraryId: lib, params: { paths: ['/ok', '/a/../b'] } }, 400, 'params.paths[1]');
      await bad({ type: 'trash', libraryId: lib, params: { paths: ['/a//b'] } }, 400, 'params.paths[0]');
      await bad({ type: 'trash', libraryId: lib, params: { paths: [7] } }, 400, 'params.paths[0]');
      await bad({ type: 'trash', libraryId: lib, params: { paths: ['/'] } }, 422, 'params.paths[0]');
      await bad({ type: 'trash', libraryId: lib, params: { paths: ['/a'], recursive: true } }, 400, 'params.recursive');
      await bad({ type: 'restore', libraryId: lib, params: { paths: ['/a'], itemIds: [1] } }, 400, 'params.paths');
      await bad({ type: 'restore', libraryId: lib, params: { itemIds: [0] } }, 400, 'params.itemIds[0]');
      await bad({ type: 'noop', libraryId: lib, params: { count: -1 } }, 400, 'params.count');
      await bad({ type: 'empty_trash', libraryId: lib, params: { olderThanDays: 'old' } }, 400, 'params.olderThanDays');
      await bad({ type: 'trash', libraryId: lib, params: { paths: ['/a'] }, priority: 1000 }, 400, 'priority');
      await bad({ type: 'trash', libraryId: lib, params: { paths: ['/a'] }, priority: 1.5 }, 400, 'priority');
      await bad({ type: 'trash', libraryId: lib, params: { paths: ['/a'] }, extra: 1 }, 400, 'extra');
      await bad({ libraryId: lib, params: { paths: ['/a'] } }, 400, 'type');
      await bad({ type: 'trash', params: { paths: ['/a'] } }, 400, 'libraryId');
      await bad({ type: 'trash', libraryId: 'no/such', params: { paths: ['/a'] } }, 400, 'libraryId');
      await bad({ type: 'trash', libraryId: 'nosuchlibrary', params: { paths: ['/a'] } }, 404);
      await bad([], 400);
      const notJson = await t.call('POST', '/api/v1/jobs', { body: '{"type":', headers: { 'content-type': 'application/json' } });
      expect(notJson.status).toBe(400);
      expect((await t.call('POST', '/api/v1/jobs', { json: { type: 'trash', libraryId: lib, params: { paths: ['/a'] } }, token: null })).status).toBe(401);
      expect((await list('')).jobs).toEqual([]);
    });

    it("checks every type's params against its schema: the exact field, in words", async () => {
      const bad = async (type: string, params: unknown, status: number, field: string, message?: string) => {
        const res = await t.call('POST', '/api/v1/jobs', { json: { type, libraryId: lib, params } });
        const where = `${type} ${JSON.stringify(params).slice(0, 80)}: ${JSON.stringify(res.body)}`;
        expect(res.status, where).toBe(status);
        expect(res.body.error.details?.field, where).toBe(field);
        if (message !== undefined) expect(res.body.error.message, where).toBe(message);
      };
      const unknown = await t.call('POST', '/api/v1/jobs', { json: { type: 'shred', libraryId: lib, params: {} } });
      expect(unknown.body.error.message).toBe(`type: must be one of ${ALL_TYPES.join(', ')} (got 'shred')`);
      const both = 'params: give either paths or itemIds, not both';
      for (const type of ['copy', 'move']) {
        const to = { destination: '/d' };
        await bad(type, { paths: ['/a'] }, 400, 'params.destination', 'params.destination: required');
        await bad(type, { destination: '/d' }, 400, 'params.paths', 'params.paths: required (or itemIds instead)');
        await bad(type, { paths: ['/a'], destination: 7 }, 400, 'params.destination', 'params.destination: must be a string');
        await bad(type, { paths: ['/a'], ...to, recursive: true }, 400, 'params.recursive', 'params.recursive: unknown parameter (known: paths, destination, targetLibraryId, onConflict, itemIds)');
        await bad(type, { itemIds: ['1'], ...to }, 400, 'params.itemIds[0]', 'params.itemIds[0]: must be an integer from 1 to 9007199254740991');
        await bad(type, { itemIds: 1, ...to }, 400, 'params.itemIds', 'params.itemIds: must be an array');
        await bad(type, { paths: ['/a'], itemIds: [1], ...to }, 400, 'params.paths', both);
        await bad(type, { paths: ['/a'], ...to, onConflict: 'explode' }, 400, 'params.onConflict', 'params.onConflict: must be one of fail, skip, overwrite, rename');
        await bad(type, { paths: ['/a'], ...to, targetLibraryId: 'no/such' }, 400, 'params.targetLibraryId');
        await bad(type, { paths: ['/a', '/b', '/c/../d'], ...to }, 400, 'params.paths[2]');
        await bad(type, { paths: ['/a'], destination: '/a/b' }, 422, 'params.destination');
        await bad(type, { paths: ['/a'], destination: '../x' }, 400, 'params.destination');
      }
      for (const type of ['trash', 'purge', 'restore']) {
        await bad(type, {}, 400, 'params.paths', 'params.paths: required (or itemIds instead)');
        await bad(type, { paths: ['/a'], itemIds: [1] }, 400, 'params.paths', both);
        await bad(type, { itemIds: [1], color: 'red' }, 400, 'params.color');
        await bad(type, { itemIds: 'x' }, 400, 'params.itemIds');
        await bad(type, { itemIds: [] }, 400, 'params.itemIds', 'params.itemIds: must have from 1 to 10000 items');
        await bad(type, { itemIds: [3, -1] }, 400, 'params.itemIds[1]');
        await bad(type, { itemIds: [true] }, 400, 'params.itemIds[0]');
        await bad(type, { paths: null }, 400, 'params.paths', 'params.paths: must be an array');
        await bad(type, { paths: ['/a', 7] }, 400, 'params.paths[1]', 'params.paths[1]: must be a string');
        await bad(type, { paths: Array.from({ length: 10_001 }, (_, i) => `/f${i}`) }, 400, 'params.paths');
        await bad(type, { paths: ['/'] }, 422, 'params.paths[0]');
      }
      await bad('trash', { paths: ['/a'], onConflict: 'skip' }, 400, 'params.onConflict', 'params.onConflict: unknown parameter (known: paths, itemIds)');
      await bad('restore', { itemIds: [1], onConflict: 5 }, 400, 'params.onConflict');
      await bad('empty_trash', { olderThanDays: -1 }, 400, 'params.olderThanDays', 'params.olderThanDays: must be an integer from 0 to 36500');
      await bad('empty_trash', { olderThanDays: 1.5 }, 400, 'params.olderThanDays');
      await bad('empty_trash', { paths: ['/a'] }, 400, 'params.paths');
      await bad('noop', {}, 400, 'params.count', 'params.count: required');
      await bad('noop', { count: 'many' }, 400, 'params.count');
      await bad('noop', { count: 1, extra: 1 }, 400, 'params.extra');
      for (const params of ['x', [], null]) await bad('trash', params, 400, 'params');
      expect((await list('')).jobs).toEqual([]);
      // What a schema cannot say is still done: paths normalized, nested ones pruned, ids deduplicated, defaults filled in.
      expect((await submit({ type: 'copy', libraryId: lib, params: { paths: ['docs/', '/docs/a', '/b'], destination: 'out/' } })).params).toEqual({
        paths: ['/b', '/docs'],
        destination: '/out',
        onConflict: 'fail',
      });
      expect((await submit({ type: 'purge', libraryId: lib, params: { itemIds: [5, 3, 5] } })).params).toEqual({ itemIds: [5, 3] });
    });

    it('does not offer noop unless bench jobs are enabled, nor document it', async () => {
      const plain = await startTestApp(factory);
      try {
        const library = await plain.call('POST', '/api/v1/libraries', { json: { name: 'plain' } });
        const res = await plain.call('POST', '/api/v1/jobs', { json: { type: 'noop', libraryId: library.body.libraryId, params: { count: 1 } } });
        expect(res.status).toBe(400);
        expect(res.body.error.details.field).toBe('type');
        expect(res.body.error.message).toBe(`type: must be one of ${PUBLIC_TYPES.join(', ')} (got 'noop')`);
        const doc = (await plain.call('GET', '/api/v1/openapi.json')).body;
        const branches = doc.paths['/api/v1/jobs'].post.requestBody.content['application/json'].schema.oneOf;
        expect(branches.map((b: JobJson) => b.properties.type.enum)).toEqual(PUBLIC_TYPES.map((type) => [type]));
        expect(doc.components.schemas.Job.properties.params.anyOf.map((p: JobJson) => p.title)).not.toContain('noop params');
      } finally {
        await plain.dispose();
      }
    });

    it('reads one job; a malformed id is a 400 naming jobId, an unknown one a 404', async () => {
      const job = await submit({ type: 'empty_trash', libraryId: lib, params: {} });
      expect(await getJob(job.id)).toMatchObject({ id: job.id, type: 'empty_trash', params: {} });
      for (const bad of ['abc', '0', '-1', '1.5', '1e3x', '99999999999999999999']) {
        for (const suffix of ['', '/failures', '/events']) {
          const res = await t.call('GET', `/api/v1/jobs/${bad}${suffix}`);
          expect(res.status, `${bad}${suffix}`).toBe(400);
          expect(res.body.error.details.field).toBe('jobId');
        }
        for (const action of ['cancel', 'retry']) {
          const res = await t.call('POST', `/api/v1/jobs/${bad}/${action}`);
          expect(res.status, `${bad}/${action}`).toBe(400);
          expect(res.body.error.details.field).toBe('jobId');
        }
      }
      for (const [method, suffix] of [['GET', ''], ['GET', '/failures'], ['GET', '/events'], ['POST', '/cancel'], ['POST', '/retry']] as const) {
        const res = await t.call(method, `/api/v1/jobs/${job.id + 1000}${suffix}`);
        expect(res.status, suffix).toBe(404);
        expect(res.body.error.code).toBe('NOT_FOUND');
      }
    });

    it('keeps jobs inside their domain: another domain’s admin gets 404 everywhere and lists nothing', async () => {
      const job = await submit({ type: 'trash', libraryId: lib, params: { paths: ['/a'] } });
      const other = await t.call('POST', '/api/v1/domains', { json: { name: 'other.test', admin: { email: 'adm@other.test' } } });
      expect(other.status).toBe(201);
      const token = other.body.token as string;
      for (const [method, suffix] of [['GET', ''], ['GET', '/failures'], ['GET', '/events'], ['POST', '/cancel'], ['POST', '/retry']] as const) {
        const res = await t.call(method, `/api/v1/jobs/${job.id}${suffix}`, { token });
        expect(res.status, suffix).toBe(404);
      }
      expect((await list('', token)).jobs).toEqual([]);
      expect((await list(`requestor=${job.requestor.id}`, token)).jobs).toEqual([]);
      expect((await list(`libraryId=${lib}`, token)).jobs).toEqual([]);
      // Nor can they submit on our library (it does not exist for them).
      expect((await t.call('POST', '/api/v1/jobs', { token, json: { type: 'trash', libraryId: lib, params: { paths: ['/a'] } } })).status).toBe(404);
      // Their own jobs are theirs alone.
      const theirLib = await createLibrary(token, 'Theirs');
      const theirs = await submit({ type: 'empty_trash', libraryId: theirLib, params: {} }, token);
      expect(ids((await list('', token)).jobs)).toEqual([theirs.id]);
      expect(ids((await list('')).jobs)).toEqual([job.id]);
      expect((await t.call('GET', `/api/v1/jobs/${theirs.id}`)).status).toBe(404);
    });

    it('checks rights on submit and shows each caller only the jobs they may see', async () => {
      const bob = await userToken('bob@example.com'); // READER on lib
      const carol = await userToken('carol@example.com'); // WRITER on lib
      const dave = await userToken('dave@example.com'); // ADMIN of lib
      const eve = await userToken('eve@example.com', 'admin'); // the domain's admin
      const frank = await userToken('frank@example.com'); // no rights
      await grant(lib, [['bob@example.com', 'READER'], ['carol@example.com', 'WRITER'], ['dave@example.com', 'ADMIN']]);
      const lib2 = await createLibrary(undefined, 'Other');
      await grant(lib2, [['bob@example.com', 'WRITER']]);

      const denied = await t.call('POST', '/api/v1/jobs', { token: bob.token, json: { type: 'trash', libraryId: lib, params: { paths: ['/a'] } } });
      expect(denied.status).toBe(403);
      expect((await t.call('POST', '/api/v1/jobs', { token: bob.token, json: { type: 'purge', libraryId: lib, params: { paths: ['/a'] } } })).status).toBe(403);
      expect((await t.call('POST', '/api/v1/jobs', { token: frank.token, json: { type: 'trash', libraryId: lib, params: { paths: ['/a'] } } })).status).toBe(404);

      const carols = await submit({ type: 'trash', libraryId: lib, params: { paths: ['/c'] } }, carol.token);
      const bobsNoop = await submit({ type: 'noop', libraryId: lib, params: { count: 1 } }, bob.token);
      const bobsOther = await submit({ type: 'trash', libraryId: lib2, params: { paths: ['/b'] } }, bob.token);
      const admins = await submit({ type: 'trash', libraryId: lib2, params: { paths: ['/z'] } });
      const daves = await submit({ type: 'empty_trash', libraryId: lib, params: {} }, dave.token);
      const all = [carols, bobsNoop, bobsOther, admins, daves];

      const sees = async (who: { token: string } | undefined, expected: JobJson[]) => {
        const token = who?.token;
        expect(sortedIds((await list('', token)).jobs)).toEqual(sortedIds(expected));
        for (const job of all) {
          const res = await t.call('GET', `/api/v1/jobs/${job.id}`, { token });
          expect(res.status, `job ${job.id}`).toBe(expected.includes(job) ? 200 : 404);
        }
      };
      await sees(carol, [carols]);
      await sees(bob, [bobsNoop, bobsOther]);
      await sees(dave, [carols, bobsNoop, daves]); // lib's jobs, not lib2's
      await sees(eve, all);
      await sees(undefined, all);
      await sees(frank, []);

      // A library ADMIN may cancel that library's jobs; a plain user may not touch another's job (it is invisible).
      expect((await t.call('POST', `/api/v1/jobs/${carols.id}/cancel`, { token: frank.token })).status).toBe(404);
      expect((await t.call('POST', `/api/v1/jobs/${carols.id}/cancel`, { token: bob.token })).status).toBe(404);
      const cancelled = await t.call('POST', `/api/v1/jobs/${carols.id}/cancel`, { token: dave.token });
      expect(cancelled.status).toBe(202);
      expect(cancelled.body.requestor.email).toBe('carol@example.com');
    });

    it('filters by status (repeatable), type, library, requestor and creation time', async () => {
      const alice = await userToken('alice@example.com');
      await grant(lib, [['alice@example.com', 'WRITER']]);
      const lib2 = await createLibrary(undefined, 'Second');
      const made: JobJson[] = [];
      for (let i = 0; i < 6; i++) {
        made.push(await submit({ type: i % 2 === 0 ? 'trash' : 'noop', libraryId: i < 4 ? lib : lib2, params: i % 2 === 0 ? { paths: [`/p${i}`] } : { count: 1 } }));
        await sleep(3); // distinct creation instants
      }
      const alices = await submit({ type: 'trash', libraryId: lib, params: { paths: ['/mine'] } }, alice.token);
      made.push(alices);
      // Two end cancelled (cancelling a queued job ends it at once when no task runs).
      for (const job of [made[1], made[2]]) expect((await t.call('POST', `/api/v1/jobs/${job.id}/cancel`)).status).toBe(202);

      expect(sortedIds((await list('status=cancelled')).jobs)).toEqual(sortedIds([made[1], made[2]]));
      expect(sortedIds((await list('status=queued')).jobs)).toEqual(sortedIds(made.filter((_, i) => i !== 1 && i !== 2)));
      expect(sortedIds((await list('status=queued&status=cancelled')).jobs)).toEqual(sortedIds(made));
      expect((await list('status=running&status=completed')).jobs).toEqual([]);
      expect(sortedIds((await list('type=noop')).jobs)).toEqual(sortedIds([made[1], made[3], made[5]]));
      expect(sortedIds((await list('type=noop&status=queued')).jobs)).toEqual(sortedIds([made[3], made[5]]));
      expect(sortedIds((await list(`libraryId=${lib2}`)).jobs)).toEqual(sortedIds([made[4], made[5]]));
      expect(sortedIds((await list(`requestor=alice@example.com`)).jobs)).toEqual([alices.id]);
      expect(sortedIds((await list(`requestor=${alice.id}`)).jobs)).toEqual([alices.id]);
      expect(sortedIds((await list(`requestor=${encodeURIComponent('admin@example.com')}&type=trash`)).jobs)).toEqual(sortedIds([made[0], made[2], made[4]]));
      expect((await list('requestor=nobody@example.com')).jobs).toEqual([]);
      expect((await list('requestor=987654')).jobs).toEqual([]);

      const at = (i: number) => encodeURIComponent(made[i].createdAt);
      expect(sortedIds((await list(`createdAfter=${at(2)}&requestor=admin@example.com`)).jobs)).toEqual(sortedIds(made.slice(2, 6)));
      expect(sortedIds((await list(`createdBefore=${at(2)}`)).jobs)).toEqual(sortedIds(made.slice(0, 2)));
      expect(sortedIds((await list(`createdAfter=${at(1)}&createdBefore=${at(4)}`)).jobs)).toEqual(sortedIds(made.slice(1, 4)));
      // Any zone: the same instant written in +02:00.
      const shifted = new Date(Date.parse(made[2].createdAt) + 2 * 3_600_000).toISOString().replace('Z', '+02:00');
      expect(sortedIds((await list(`createdBefore=${encodeURIComponent(shifted)}`)).jobs)).toEqual(sortedIds(made.slice(0, 2)));

      for (const [query, field] of [
        ['createdAfter=yesterday', 'createdAfter'],
        ['createdBefore=2026-13-45T00:00:00Z', 'createdBefore'],
        ['createdAfter=2026-01-01T00:00:00', 'createdAfter'], // no zone
        ['status=sleeping', 'status'],
        ['status=queued&status=bogus', 'status'],
        ['order=newest', 'order'],
        ['type=shred', 'type'],
        ['libraryId=a/b', 'libraryId'],
        ['colour=red', 'colour'],
        ['cursor=not-a-cursor', 'cursor'],
      ] as const) {
        const res = await t.call('GET', `/api/v1/jobs?${query}`);
        expect(res.status, query).toBe(400);
        expect(res.body.error.details?.field, `${query}: ${JSON.stringify(res.body)}`).toBe(field);
      }
      for (const limit of ['0', '1001', '-1', 'ten', '2.5']) {
        const res = await t.call('GET', `/api/v1/jobs?limit=${limit}`);
        expect(res.status, limit).toBe(400);
        expect(res.body.error.details.field).toBe('limit');
      }
      expect((await list('limit=1000')).jobs).toHaveLength(7);
      expect((await list('limit=1')).jobs).toHaveLength(1);
      // The default page is 100.
      expect((await list('')).nextCursor).toBeNull();
    });

    it('orders six ways, each consistent with its key and stable by id', async () => {
      const made: JobJson[] = [];
      for (let i = 0; i < 4; i++) {
        made.push(await submit({ type: 'noop', libraryId: lib, params: { count: 10 } }));
        await sleep(3);
      }
      await run();
      for (const job of made) await waitFor(job.id);
      // Two more that never start, so started_* orders meet null start times too.
      for (let i = 0; i < 2; i++) {
        await engine?.stop();
        engine = undefined;
        made.push(await submit({ type: 'noop', libraryId: lib, params: { count: 10 } }));
        await sleep(3);
      }
      const keyOf = (job: JobJson, order: string) => {
        const field = order.startsWith('created') ? job.createdAt : order.startsWith('started') ? job.startedAt : job.lastActivityAt;
        return field === null ? 0 : Date.parse(field);
      };
      const expected = (order: string) =>
        [...made]
          .sort((a, b) => {
            const sign = order.endsWith('_desc') ? -1 : 1;
            return sign * (keyOf(a, order) - keyOf(b, order) || a.id - b.id);
          })
          .map((j) => j.id);
      const current = await Promise.all(made.map((j) => getJob(j.id)));
      made.splice(0, made.length, ...current);
      for (const order of JOB_ORDERS) {
        const page = await list(`order=${order}`);
        expect(ids(page.jobs), order).toEqual(expected(order));
        // And page by page (limit 2) the same sequence.
        const paged: number[] = [];
        let cursor: string | null = null;
        do {
          const next: { jobs: JobJson[]; nextCursor: string | null } = await list(`order=${order}&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
          paged.push(...ids(next.jobs));
          cursor = next.nextCursor;
        } while (cursor);
        expect(paged, order).toEqual(expected(order));
      }
      expect(ids((await list('')).jobs)).toEqual(expected('created_desc'));
      // A cursor belongs to its order.
      const first = await list('order=created_asc&limit=1');
      const mixed = await t.call('GET', `/api/v1/jobs?order=started_desc&limit=1&cursor=${first.nextCursor}`);
      expect(mixed.status).toBe(400);
      expect(mixed.body.error.details.field).toBe('cursor');
    });

    it('pages by keyset: jobs created between pages never make a page skip or repeat one', async () => {
      const initial: number[] = [];
      for (let i = 0; i < 13; i++) initial.push((await submit({ type: 'noop', libraryId: lib, params: { count: 1 } })).id);
      for (const order of JOB_ORDERS) {
        const seen: number[] = [];
        let cursor: string | null = null;
        let pages = 0;
        do {
          const page: { jobs: JobJson[]; nextCursor: string | null } = await list(`order=${order}&limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
          seen.push(...ids(page.jobs));
          cursor = page.nextCursor;
          // New jobs arrive while the client pages (for the first few pages only, so an ascending listing ends).
          if (pages++ < 4) for (let i = 0; i < 2; i++) await submit({ type: 'noop', libraryId: lib, params: { count: 1 } });
        } while (cursor);
        expect(new Set(seen).size, `${order}: ${seen}`).toBe(seen.length);
        for (const id of initial) expect(seen.filter((s) => s === id), `${order}: job ${id}`).toHaveLength(1);
      }
    });

    it('cancels a running job: it ends cancelled with what was done counted; an ended job cannot be cancelled', async () => {
      await run();
      const job = await submit({ type: 'noop', libraryId: lib, params: { count: 5_000_000 } });
      await waitFor(job.id, (j) => j.counts.succeeded > 0);
      const res = await t.call('POST', `/api/v1/jobs/${job.id}/cancel`);
      expect(res.status).toBe(202);
      expect(['cancelling', 'cancelled']).toContain(res.body.status);
      const ended = await waitFor(job.id);
      expect(ended.status).toBe('cancelled');
      const { total, succeeded, failed, skipped, remaining } = ended.counts;
      expect(succeeded).toBeGreaterThan(0);
      // Work stopped short. (`total` counts the items planned before the cancel: when workers had kept pace
      // with the planner it may equal `succeeded`, so the bound is the selection's size.)
      expect(succeeded).toBeLessThan(5_000_000);
      expect(succeeded).toBeLessThanOrEqual(total);
      expect(succeeded + failed + skipped + remaining).toBe(total);
      expect(ended.finishedAt).toMatch(ISO);
      expect(ended.progress).toBeLessThan(100);
      // Nothing moves after the end.
      expect((await getJob(job.id)).counts).toEqual(ended.counts);

      const again = await t.call('POST', `/api/v1/jobs/${job.id}/cancel`);
      expect(again.status).toBe(422);
      expect(again.body.error.code).toBe('UNPROCESSABLE');

      const small = await submit({ type: 'noop', libraryId: lib, params: { count: 5 } });
      await waitFor(small.id);
      expect((await t.call('POST', `/api/v1/jobs/${small.id}/cancel`)).status).toBe(422);
    });

    it('cancels a queued job at once', async () => {
      const job = await submit({ type: 'trash', libraryId: lib, params: { paths: ['/a'] } });
      const res = await t.call('POST', `/api/v1/jobs/${job.id}/cancel`);
      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({ id: job.id, status: 'cancelled', counts: { total: 0, succeeded: 0 } });
      expect(res.body.finishedAt).toMatch(ISO);
    });

    it('retries the failed items as a new job; a job without failures or still running cannot be retried', async () => {
      await upload(lib, 'x/one.txt');
      await upload(lib, 'x/two.txt');
      await run();
      const job = await submit({ type: 'trash', libraryId: lib, params: { paths: ['/x', '/missing'] } });
      const ended = await waitFor(job.id);
      expect(ended).toMatchObject({ status: 'completed_with_errors', counts: { total: 4, succeeded: 3, failed: 1, remaining: 0 } });
      const failures = await t.call('GET', `/api/v1/jobs/${job.id}/failures`);
      expect(failures.status).toBe(200);
      expect(failures.body).toEqual({ failures: [{ itemId: null, path: '/missing', code: 'NOT_FOUND', message: "'/missing' not found", attempts: 1, failedAt: expect.stringMatching(ISO) }], nextCursor: null });

      expect((await t.call('POST', `/api/v1/libraries/${lib}/folders`, { json: { path: '/missing' } })).status).toBe(201);
      const retry = await t.call('POST', `/api/v1/jobs/${job.id}/retry`);
      expect(retry.status, JSON.stringify(retry.body)).toBe(202);
      expect(retry.body).toMatchObject({ type: 'trash', libraryId: lib, retryOf: job.id, status: 'queued', params: ended.params });
      expect(retry.body.id).not.toBe(job.id);
      const second = await waitFor(retry.body.id);
      expect(second).toMatchObject({ status: 'completed', retryOf: job.id, counts: { total: 1, succeeded: 1, failed: 0 } });
      expect((await t.call('GET', `/api/v1/libraries/${lib}/items?path=/`)).body.items).toEqual([]);
      // The original is unchanged.
      expect((await getJob(job.id)).counts).toEqual(ended.counts);

      const none = await t.call('POST', `/api/v1/jobs/${second.id}/retry`);
      expect(none.status).toBe(422);

      await engine?.stop();
      engine = undefined;
      const queued = await submit({ type: 'trash', libraryId: lib, params: { paths: ['/nothing'] } });
      expect((await t.call('POST', `/api/v1/jobs/${queued.id}/retry`)).status).toBe(422);
    });

    it('lets only who may run the job again retry it', async () => {
      const carol = await userToken('carol@example.com');
      const dave = await userToken('dave@example.com');
      await grant(lib, [['carol@example.com', 'WRITER'], ['dave@example.com', 'ADMIN']]);
      await run();
      const job = await waitFor((await submit({ type: 'trash', libraryId: lib, params: { paths: ['/gone'] } }, carol.token)).id);
      expect(job.status).toBe('failed');
      // Carol loses her right to write: she still sees her job but may not run it again.
      await grant(lib, [['carol@example.com', 'READER'], ['dave@example.com', 'ADMIN']]);
      expect((await t.call('GET', `/api/v1/jobs/${job.id}`, { token: carol.token })).status).toBe(200);
      expect((await t.call('POST', `/api/v1/jobs/${job.id}/retry`, { token: carol.token })).status).toBe(403);
      const byAdmin = await t.call('POST', `/api/v1/jobs/${job.id}/retry`, { token: dave.token });
      expect(byAdmin.status).toBe(202);
      expect(byAdmin.body).toMatchObject({ retryOf: job.id, requestor: { email: 'dave@example.com' } });
    });

    it('lists per-item failures a page at a time', async () => {
      await run();
      const paths = Array.from({ length: 7 }, (_, i) => `/missing-${i}`);
      const job = await waitFor((await submit({ type: 'trash', libraryId: lib, params: { paths } })).id);
      expect(job).toMatchObject({ status: 'failed', counts: { total: 7, failed: 7 } });
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res: { status: number; body: { failures: Array<{ path: string; code: string; attempts: number; itemId: number | null }>; nextCursor: string | null } } = await t.call(
          'GET',
          `/api/v1/jobs/${job.id}/failures?limit=3${cursor ? `&cursor=${cursor}` : ''}`,
        );
        expect(res.status).toBe(200);
        expect(res.body.failures.length).toBeLessThanOrEqual(3);
        for (const f of res.body.failures) expect(f).toMatchObject({ code: 'NOT_FOUND', attempts: 1, itemId: null });
        seen.push(...res.body.failures.map((f) => f.path));
        cursor = res.body.nextCursor;
        pages++;
      } while (cursor);
      expect(pages).toBe(3);
      expect([...seen].sort()).toEqual(paths);
      expect(new Set(seen).size).toBe(7);

      for (const query of ['limit=0', 'limit=1001', 'cursor=%%%', 'cursor=bm9wZQ', 'other=1']) {
        const res = await t.call('GET', `/api/v1/jobs/${job.id}/failures?${query}`);
        expect(res.status, query).toBe(400);
      }
      // Another job's cursor is refused.
      const firstPage = await t.call('GET', `/api/v1/jobs/${job.id}/failures?limit=1`);
      const other = await waitFor((await submit({ type: 'trash', libraryId: lib, params: { paths: ['/a', '/b'] } })).id);
      const foreign = await t.call('GET', `/api/v1/jobs/${other.id}/failures?cursor=${firstPage.body.nextCursor}`);
      expect(foreign.status).toBe(400);
      expect(foreign.body.error.details.field).toBe('cursor');
      // A job without failures has an empty list.
      const clean = await waitFor((await submit({ type: 'empty_trash', libraryId: lib, params: {} })).id);
      expect((await t.call('GET', `/api/v1/jobs/${clean.id}/failures`)).body).toEqual({ failures: [], nextCursor: null });
    });

    it('documents the job routes and the Job schema in the OpenAPI document', async () => {
      const doc = (await t.call('GET', '/api/v1/openapi.json')).body;
      for (const path of ['/api/v1/jobs', '/api/v1/jobs/{jobId}', '/api/v1/jobs/{jobId}/cancel', '/api/v1/jobs/{jobId}/retry', '/api/v1/jobs/{jobId}/failures', '/api/v1/jobs/{jobId}/events', '/api/v1/events']) {
        expect(doc.paths[path], path).toBeDefined();
      }
      expect(doc.paths['/api/v1/jobs'].post.responses['202']).toBeDefined();
      expect(doc.paths['/api/v1/jobs/{jobId}/events'].get.responses['200'].content['text/event-stream']).toBeDefined();
      const job = doc.components.schemas.Job;
      expect(Object.keys(job.properties)).toEqual(expect.arrayContaining(['id', 'type', 'status', 'requestor', 'origin', 'counts', 'bytes', 'progress', 'createdAt', 'finishedAt', 'error', 'result']));
      const status = doc.paths['/api/v1/jobs'].get.parameters.find((p: { name: string }) => p.name === 'status');
      expect(status.schema.type).toBe('array');
    });

    it('documents the submit body as one branch per job type (a oneOf on type) and a job’s params by type', async () => {
      const doc = (await t.call('GET', '/api/v1/openapi.json')).body;
      const body = doc.paths['/api/v1/jobs'].post.requestBody.content['application/json'].schema;
      expect(body.discriminator).toEqual({ propertyName: 'type' });
      const branches: JobJson[] = body.oneOf;
      // `type` is a constant per branch (written as a one-value enum in the document).
      expect(branches.map((b) => b.properties.type.enum)).toEqual(ALL_TYPES.map((type) => [type]));
      const byType = new Map(branches.map((b) => [b.properties.type.enum[0] as string, b]));
      for (const branch of branches) {
        expect(Object.keys(branch.properties)).toEqual(['type', 'libraryId', 'params', 'priority']);
        expect(branch.additionalProperties).toBe(false);
      }
      // A selection is paths or itemIds, never both; the other params are the type's.
      const selection = (type: string) => byType.get(type).properties.params.anyOf.map((b: JobJson) => [Object.keys(b.properties), b.required, b.additionalProperties]);
      expect(selection('copy')).toEqual([
        [['paths', 'destination', 'targetLibraryId', 'onConflict'], ['paths', 'destination'], false],
        [['itemIds', 'destination', 'targetLibraryId', 'onConflict'], ['itemIds', 'destination'], false],
      ]);
      for (const type of ['trash', 'purge']) expect(selection(type)).toEqual([[['paths'], ['paths'], false], [['itemIds'], ['itemIds'], false]]);
      expect(byType.get('copy').properties.params.anyOf[0].properties.onConflict.anyOf.flatMap((v: JobJson) => v.enum)).toEqual(['fail', 'skip', 'overwrite', 'rename']);
      expect(byType.get('copy').properties.params.anyOf[1].properties.itemIds.items).toMatchObject({ type: 'integer', minimum: 1 });
      expect(byType.get('trash').required).toEqual(['type', 'libraryId', 'params']);
      expect(byType.get('empty_trash').required).toEqual(['type', 'libraryId']);
      expect(byType.get('empty_trash').properties.params.properties.olderThanDays).toMatchObject({ type: 'integer', minimum: 0, maximum: 36500 });
      expect(byType.get('noop').properties.params.required).toEqual(['count']);
      const params = doc.components.schemas.Job.properties.params;
      expect(params.anyOf.map((p: JobJson) => p.title)).toEqual([...byType.keys()].map((type) => `${type} params`));
      // The served jobs still read back with their params as stored.
      const job = await submit({ type: 'trash', libraryId: lib, params: { itemIds: [7] } });
      expect((await getJob(job.id)).params).toEqual({ itemIds: [7] });
    });
  });
}
