/**
 * The Hitachi VSP One Object dialect over HTTP, on every driver: Hitachi's
 * client flow (password grant → /csrf without credentials → XSRF-protected
 * calls), the page's sample request against seeded jobs, every field, type
 * and enum, filters and visibility, pages to the end while jobs are being
 * created, create/status/cancel under /v1 and /mapi/v1, and every error.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { FAST_ENGINE } from '../support/engine.js';
import { startEngine } from '../../src/app.js';
import { buildServer } from '../../src/api/server.js';
import type { Engine } from '../../src/engine/engine.js';
import { FINAL_STATUSES, JOB_STATUSES, type JobStatus } from '../../src/domain/jobs.js';

const factories = await driverFactories();

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/;
const TOKEN_URL = '/ui/auth/realms/vsp-object/protocol/openid-connect/token';
const PREFIXES = ['/v1', '/mapi/v1'] as const;
const JOB_KEYS = ['jobId', 'jobState', 'jobType', 'startTime', 'completeTime', 'jobParams', 'jobStats', 'bucketName'];
const PASSWORD = 'correct horse battery';

/** docs/dialects/README.md's status table. */
const STATE_OF: Record<JobStatus, string> = {
  queued: 'EXAMINING',
  planning: 'PROCESSING',
  running: 'EXECUTING',
  cancelling: 'EXECUTING',
  completed: 'COMPLETE',
  completed_with_errors: 'COMPLETE',
  failed: 'FAILED',
  cancelled: 'CANCELLED',
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are checked field by field
type Json = any;

interface Session {
  bearer: string | null;
  xsrf: string;
  session: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function setCookies(headers: Record<string, unknown>): Map<string, string> {
  const raw = headers['set-cookie'];
  const list = Array.isArray(raw) ? (raw as string[]) : raw === undefined ? [] : [String(raw)];
  const out = new Map<string, string>();
  for (const line of list) {
    const [pair] = line.split(';');
    const eq = pair!.indexOf('=');
    out.set(pair!.slice(0, eq), pair!.slice(eq + 1));
  }
  return out;
}

for (const factory of factories) {
  describe(`VSP One dialect on ${factory.name}`, () => {
    let t: TestApp;
    let engine: Engine | undefined;

    beforeEach(async () => {
      t = await startTestApp(factory);
      engine = undefined;
    });
    afterEach(async () => {
      await engine?.stop();
      await t.dispose();
    });

    async function run(): Promise<void> {
      engine ??= await startEngine(t.app, FAST_ENGINE);
    }

    async function native(method: string, url: string, json?: unknown, token?: string): Promise<Json> {
      const res = await t.call(method, url, { json, token });
      expect(res.status, `${method} ${url}: ${JSON.stringify(res.body)}`).toBeLessThan(300);
      return res.body;
    }

    async function createUser(email: string, role: 'user' | 'admin', token?: string): Promise<number> {
      return (await native('POST', '/api/v1/users', { email, role, password: PASSWORD }, token)).id;
    }

    async function library(name: string, token?: string): Promise<string> {
      return (await native('POST', '/api/v1/libraries', { name }, token)).libraryId;
    }

    async function upload(libraryId: string, path: string, token?: string): Promise<void> {
      const res = await t.call('PUT', `/api/v1/libraries/${libraryId}/files/${path}`, { body: `content of ${path}`, token });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    }

    function tokenGrant(form: Record<string, string>, contentType = 'application/x-www-form-urlencoded') {
      return t.call('POST', TOKEN_URL, { token: null, body: new URLSearchParams(form).toString(), headers: { 'content-type': contentType } });
    }

    /** Hitachi's client: password grant, then /csrf with no credentials at all. */
    async function signIn(email: string, prefix: string = '/mapi/v1'): Promise<Session> {
      const granted = await tokenGrant({ client_id: 'vsp-object-external-client', username: email, password: PASSWORD, grant_type: 'password' });
      expect(granted.status, JSON.stringify(granted.body)).toBe(200);
      const csrf = await t.call('GET', prefix === '/v1' ? '/csrf' : `${prefix}/csrf`, { token: null });
      expect(csrf.status).toBe(200);
      const cookies = setCookies(csrf.headers);
      return { bearer: granted.body.access_token, xsrf: cookies.get('XSRF-TOKEN')!, session: cookies.get('vertx-web.session')! };
    }

    function vsp(s: Partial<Session>, path: string, json?: unknown, extra: Record<string, string> = {}) {
      const headers: Record<string, string> = { accept: 'application/json' };
      if (s.bearer) headers.authorization = `Bearer ${s.bearer}`;
      if (s.xsrf !== undefined) headers['x-xsrf-token'] = s.xsrf;
      const cookie = [s.xsrf !== undefined ? `XSRF-TOKEN=${s.xsrf}` : '', s.session !== undefined ? `vertx-web.session=${s.session}` : ''].filter(Boolean).join('; ');
      if (cookie) headers.cookie = cookie;
      // The test's own headers last: they replace the session's.
      return t.call('POST', path, { token: null, json, headers: { ...headers, ...extra } });
    }

    async function ok(s: Partial<Session>, path: string, json?: unknown): Promise<Json> {
      const res = await vsp(s, path, json);
      expect(res.status, `${path} ${JSON.stringify(json)}: ${JSON.stringify(res.body)}`).toBe(200);
      return res.body;
    }

    function expectError(res: { status: number; body: Json }, status: number, field?: string | RegExp) {
      expect(res.status, JSON.stringify(res.body)).toBe(status);
      expect(Object.keys(res.body).sort()).toEqual(['code', 'details', 'message']);
      for (const key of ['code', 'message', 'details']) expect(typeof res.body[key]).toBe('string');
      if (field !== undefined) {
        if (typeof field === 'string') {
          expect(res.body.details).toBe(field);
          expect(res.body.message).toContain(field);
        } else {
          expect(res.body.message).toMatch(field);
        }
      }
    }

    /** Every field of a VSP job and its type; its numbers against the native job. */
    async function expectVspJob(job: Json, bucketName: string) {
      expect(JOB_KEYS).toEqual(expect.arrayContaining(Object.keys(job)));
      expect(Object.keys(job)).toEqual(expect.arrayContaining(['jobId', 'jobState', 'jobType', 'jobParams', 'jobStats', 'bucketName']));
      expect(Object.keys(job.jobId)).toEqual(['id']);
      expect(Number.isInteger(job.jobId.id)).toBe(true);
      expect(['EXAMINING', 'PROCESSING', 'EXECUTING', 'COMPLETE', 'FAILED', 'CANCELLED']).toContain(job.jobState);
      expect(job.jobType).toBe('BATCH_REPLICATE');
      expect(job.bucketName).toBe(bucketName);
      for (const value of Object.values(job.jobParams)) expect(typeof value).toBe('string');
      expect(Object.keys(job.jobStats).sort()).toEqual(['failed', 'processed']);
      const nativeJob = await native('GET', `/api/v1/jobs/${job.jobId.id}`);
      expect(job.jobState).toBe(STATE_OF[nativeJob.status as JobStatus]);
      expect(job.jobStats).toEqual({ processed: nativeJob.counts.succeeded + nativeJob.counts.failed, failed: nativeJob.counts.failed });
      if (nativeJob.startedAt === null) expect(job.startTime).toBeUndefined();
      else expect(Date.parse(job.startTime)).toBe(Date.parse(nativeJob.startedAt));
      if (nativeJob.finishedAt === null) expect(job.completeTime).toBeUndefined();
      else expect(Date.parse(job.completeTime)).toBe(Date.parse(nativeJob.finishedAt));
      for (const time of [job.startTime, job.completeTime]) if (time !== undefined) expect(time).toMatch(ISO);
      return nativeJob;
    }

    async function waitEnded(s: Session, id: number): Promise<Json> {
      for (let i = 0; ; i++) {
        const { status } = await ok(s, '/v1/jobs/status', { jobId: { id } });
        if (['COMPLETE', 'FAILED', 'CANCELLED'].includes(status.jobState)) {
          const nativeJob = await native('GET', `/api/v1/jobs/${id}`);
          if (FINAL_STATUSES.includes(nativeJob.status)) return status;
        }
        if (i > 3000) throw new Error(`job ${id} did not end`);
        await sleep(20);
      }
    }

    /** Pages through /jobs/list to the end; every page's jobs. */
    async function listAll(s: Session, prefix: string, body: Record<string, unknown>, between?: () => Promise<void>): Promise<Json[]> {
      const jobs: Json[] = [];
      let pageToken = '';
      for (let pages = 0; ; pages++) {
        const page = await ok(s, `${prefix}/jobs/list`, { ...body, pageToken });
        expect(Object.keys(page).sort()).toEqual(['jobs', 'pageToken']);
        expect(typeof page.pageToken).toBe('string');
        jobs.push(...page.jobs);
        if (page.pageToken === '') return jobs;
        pageToken = page.pageToken;
        expect(pages).toBeLessThan(1000);
        if (between) await between();
      }
    }

    it("serves Hitachi's client flow: password grant, /csrf without credentials, then Authorization + X-XSRF-TOKEN + both cookies", async () => {
      await createUser('ops@example.com', 'admin');
      const granted = await tokenGrant({ client_id: 'vsp-object-external-client', username: 'OPS@example.com', password: PASSWORD, grant_type: 'password' });
      expect(granted.status).toBe(200);
      expect(Object.keys(granted.body).sort()).toEqual(['access_token', 'expires_in', 'token_type']);
      expect(typeof granted.body.access_token).toBe('string');
      expect(granted.body.token_type).toBe('Bearer');
      expect(granted.body.expires_in).toBe(3600);
      expect(granted.headers['cache-control']).toBe('no-store');

      for (const csrfPath of ['/mapi/v1/csrf', '/csrf']) {
        // No credentials, no cookies at all.
        const csrf = await t.call('GET', csrfPath, { token: null });
        expect(csrf.status).toBe(200);
        const cookies = setCookies(csrf.headers);
        expect(cookies.get('XSRF-TOKEN')).toMatch(/^[A-Za-z0-9]+\.\d+\.[A-Za-z0-9_-]+$/);
        expect(cookies.get('vertx-web.session')).toBe('');
        const session: Session = { bearer: granted.body.access_token, xsrf: cookies.get('XSRF-TOKEN')!, session: '' };
        for (const prefix of PREFIXES) {
          const listed = await ok(session, `${prefix}/jobs/list`, {});
          expect(listed).toEqual({ jobs: [], pageToken: '' });
        }
      }

      // The session cookie the token endpoint sets is a credential too (with the XSRF pair), and /csrf keeps it.
      const sessionCookie = setCookies(granted.headers).get('vertx-web.session')!;
      expect(sessionCookie).toBe(granted.body.access_token);
      const csrf = await t.call('GET', '/mapi/v1/csrf', { token: null, headers: { cookie: `vertx-web.session=${sessionCookie}` } });
      expect(setCookies(csrf.headers).get('vertx-web.session')).toBe(sessionCookie);
      const xsrf = setCookies(csrf.headers).get('XSRF-TOKEN')!;
      expect((await ok({ bearer: null, xsrf, session: sessionCookie }, '/mapi/v1/jobs/list', {})).jobs).toEqual([]);
      expectError(await vsp({ bearer: null, xsrf, session: 'not-a-session' }, '/mapi/v1/jobs/list', {}), 401);
    });

    it('refuses bad token requests in OAuth 2 shape', async () => {
      await createUser('ops@example.com', 'admin');
      const good = { client_id: 'vsp-object-external-client', username: 'ops@example.com', password: PASSWORD, grant_type: 'password' };
      const cases: Array<[Record<string, string>, number, string, string?]> = [
        [{ ...good, password: 'wrong password' }, 401, 'invalid_grant'],
        [{ ...good, username: 'nobody@example.com' }, 401, 'invalid_grant'],
        // The bootstrap super admin has no password: it cannot sign in this way.
        [{ ...good, username: 'admin@example.com' }, 401, 'invalid_grant'],
        [{ ...good, grant_type: 'client_credentials' }, 400, 'unsupported_grant_type'],
        [{ ...good, grant_type: '' }, 400, 'invalid_request'],
        [{ client_id: 'x', grant_type: 'password', password: PASSWORD }, 400, 'invalid_request', 'username'],
        [{ client_id: 'x', grant_type: 'password', username: 'ops@example.com' }, 400, 'invalid_request', 'password'],
        [{ username: 'ops@example.com', password: PASSWORD, grant_type: 'password' }, 401, 'invalid_client', 'client_id'],
      ];
      for (const [form, status, error, names] of cases) {
        const res = await tokenGrant(form);
        expect(res.status, JSON.stringify(form)).toBe(status);
        expect(Object.keys(res.body).sort()).toEqual(['error', 'error_description']);
        expect(res.body.error).toBe(error);
        if (names) expect(res.body.error_description).toContain(names);
      }
      const json = await t.call('POST', TOKEN_URL, { token: null, json: good });
      expect(json.status).toBe(400);
      expect(json.body.error).toBe('invalid_request');
    });

    it("replays the page's sample request against seeded jobs, with every field, type and enum", async () => {
      const opsId = await createUser('ops@example.com', 'admin');
      const ops = await signIn('ops@example.com');
      const photos = await library('photos');
      await library('archive');
      await library('bucketName');
      for (const path of ['docs/a.txt', 'docs/b.txt', 'docs/sub/c.txt', 'top.txt']) await upload(photos, path);

      // Created before the engine runs: EXAMINING (queued), no times yet.
      const created = await ok(ops, '/mapi/v1/jobs/create', {
        jobType: 'BATCH_REPLICATE',
        bucketName: 'photos',
        jobParams: { sourcePrefix: 'docs/', targetBucket: 'archive', targetPrefix: 'copies/', replicationFilter: 'ALL' },
      });
      expect(Object.keys(created)).toEqual(['jobStatus']);
      expect(created.jobStatus).toEqual({
        jobId: { id: expect.any(Number) },
        jobState: 'EXAMINING',
        jobType: 'BATCH_REPLICATE',
        jobParams: { sourcePrefix: 'docs', targetBucket: 'archive', targetPrefix: 'copies', onConflict: 'fail' },
        jobStats: { processed: 0, failed: 0 },
        bucketName: 'photos',
      });
      const completeId = created.jobStatus.jobId.id;
      const withErrors = (await ok(ops, '/v1/jobs/create', { jobType: 'BATCH_REPLICATE', bucketName: 'photos', jobParams: { sourcePrefixes: '["top.txt","nothing/"]', targetPrefix: 'again' } }))
        .jobStatus.jobId.id;
      const failedId = (await ok(ops, '/v1/jobs/create', { jobType: 'BATCH_REPLICATE', bucketName: 'photos', jobParams: { sourcePrefix: '/missing' } })).jobStatus.jobId.id;
      const cancelledId = (await ok(ops, '/v1/jobs/create', { jobType: 'BATCH_REPLICATE', bucketName: 'photos', jobParams: { sourcePrefix: 'top.txt', targetBucket: 'archive' } })).jobStatus.jobId.id;
      const cancelled = await ok(ops, '/mapi/v1/jobs/cancel', { jobId: { id: cancelledId } });
      expect(Object.keys(cancelled)).toEqual(['status']);
      expect(cancelled.status.jobState).toBe('CANCELLED');
      // The whole bucket (no prefix) into another bucket.
      const wholeId = (await ok(ops, '/v1/jobs/create', { jobType: 'BATCH_REPLICATE', bucketName: 'photos', jobParams: { targetBucket: 'archive', targetPrefix: 'mirror' } })).jobStatus.jobId.id;
      // A native trash job: VSP cannot name it, so it is never listed nor shown.
      const trash = await native('POST', '/api/v1/jobs', { type: 'trash', libraryId: photos, params: { paths: ['/nothing'] } });

      await run();
      for (const id of [completeId, withErrors, failedId, cancelledId, wholeId]) await waitEnded(ops, id);
      const archive = (await native('GET', '/api/v1/libraries')).libraries.find((l: Json) => l.name === 'archive').libraryId;
      expect((await t.call('GET', `/api/v1/libraries/${archive}/files/copies/docs/sub/c.txt`)).body).toBe('content of docs/sub/c.txt');
      expect((await t.call('GET', `/api/v1/libraries/${archive}/files/mirror/top.txt`)).body).toBe('content of top.txt');

      const states = new Map<number, string>();
      for (const prefix of PREFIXES) {
        const { status } = await ok(ops, `${prefix}/jobs/status`, { jobId: { id: completeId } });
        await expectVspJob(status, 'photos');
        expect(status.startTime).toMatch(ISO);
        expect(status.completeTime).toMatch(ISO);
      }
      for (const id of [completeId, withErrors, failedId, cancelledId, wholeId]) {
        const { status } = await ok(ops, '/v1/jobs/status', { jobId: { id } });
        const nativeJob = await expectVspJob(status, 'photos');
        states.set(id, status.jobState);
        if (id === withErrors) expect(nativeJob.status).toBe('completed_with_errors');
      }
      expect(Object.fromEntries(states)).toEqual({ [completeId]: 'COMPLETE', [withErrors]: 'COMPLETE', [failedId]: 'FAILED', [cancelledId]: 'CANCELLED', [wholeId]: 'COMPLETE' });
      const complete = (await ok(ops, '/v1/jobs/status', { jobId: { id: completeId } })).status.jobStats;
      expect(complete.failed).toBe(0);
      // /docs, a.txt, b.txt, sub, sub/c.txt
      expect(complete.processed).toBe(5);
      expect((await ok(ops, '/v1/jobs/status', { jobId: { id: withErrors } })).status).toMatchObject({
        jobStats: { processed: 2, failed: 1 },
        jobParams: { sourcePrefixes: '["nothing","top.txt"]', targetBucket: 'photos', targetPrefix: 'again' },
      });
      const failed = (await ok(ops, '/v1/jobs/status', { jobId: { id: failedId } })).status.jobStats;
      expect(failed.failed).toBeGreaterThan(0);
      expect(failed.processed).toBe(failed.failed);
      expectError(await vsp(ops, '/v1/jobs/status', { jobId: { id: trash.id } }), 404, 'jobId.id');

      // The page's sample, as its curl sends it (JSON under curl -d's form Content-Type), with seeded values.
      const first = await vsp(ops, '/v1/jobs/list', undefined, {});
      expect(first.status, JSON.stringify(first.body)).toBe(200);
      const sampleHeaders = { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded', 'x-xsrf-token': ops.xsrf, cookie: `XSRF-TOKEN=${ops.xsrf}; vertx-web.session=${ops.session}`, authorization: `Bearer ${ops.bearer}` };
      const firstPage = await t.call('POST', '/v1/jobs/list', { token: null, headers: sampleHeaders, body: JSON.stringify({ bucketName: 'photos', pageSize: 2, userId: { id: opsId } }) });
      expect(firstPage.status, JSON.stringify(firstPage.body)).toBe(200);
      expect(firstPage.body.jobs.map((j: Json) => j.jobId.id)).toEqual([wholeId, cancelledId]);
      const sample = await t.call('POST', '/v1/jobs/list', {
        token: null,
        headers: sampleHeaders,
        body: `{ "bucketName" : "photos", "pageSize" : 0, "pageToken" : "${firstPage.body.pageToken}", "userId" : { "id" : ${opsId} } }`,
      });
      expect(sample.status, JSON.stringify(sample.body)).toBe(200);
      expect(sample.body.jobs.map((j: Json) => j.jobId.id)).toEqual([failedId, withErrors, completeId]);
      expect(sample.body.pageToken).toBe('');
      for (const job of [...firstPage.body.jobs, ...sample.body.jobs]) await expectVspJob(job, 'photos');
      // The sample verbatim: its pageToken is not one we issued.
      const verbatim = await t.call('POST', '/v1/jobs/list', {
        token: null,
        headers: sampleHeaders,
        body: '{ "bucketName" : "bucketName", "pageSize" : 0, "pageToken" : "pageToken", "userId" : { "id" : 0 } }',
      });
      expectError(verbatim, 400, 'pageToken');
      const noToken = await t.call('POST', '/v1/jobs/list', { token: null, headers: sampleHeaders, body: '{ "bucketName" : "bucketName", "pageSize" : 0, "userId" : { "id" : 0 } }' });
      expect(noToken.body).toEqual({ jobs: [], pageToken: '' });
      // No body at all (the page's other client samples): everything.
      const all = await listAll(ops, '/mapi/v1', {});
      expect(all.map((j) => j.jobId.id)).toEqual([wholeId, cancelledId, failedId, withErrors, completeId]);
      expect(all.map((j) => j.jobId.id)).not.toContain(trash.id);
    });

    it('accepts an XSRF token issued by another server process of the same deployment, and no token made up', async () => {
      await createUser('multi@example.com', 'admin');
      const s = await signIn('multi@example.com');
      // A second API process on the same database: it signs with the deployment's key from the database.
      const other = await buildServer(t.app, { logger: false, version: 'test' });
      try {
        const headers = { authorization: `Bearer ${s.bearer}`, 'x-xsrf-token': s.xsrf, cookie: `XSRF-TOKEN=${s.xsrf}; vertx-web.session=${s.session}`, 'content-type': 'application/json' };
        const listed = await other.inject({ method: 'POST', url: '/mapi/v1/jobs/list', headers, payload: '{}' });
        expect(listed.statusCode, listed.body).toBe(200);
        const forged = 'AAAAAAAAAAAAAAAAAAAAAA.' + Date.now() + '.' + 'B'.repeat(43);
        const refused = await other.inject({ method: 'POST', url: '/mapi/v1/jobs/list', headers: { ...headers, 'x-xsrf-token': forged, cookie: `XSRF-TOKEN=${forged}` }, payload: '{}' });
        expect(refused.statusCode).toBe(403);
      } finally {
        await other.close();
      }
    });

    it('maps every native status to its jobState', async () => {
      await createUser('ops@example.com', 'admin');
      const ops = await signIn('ops@example.com');
      const photos = await library('photos');
      await upload(photos, 'a.txt');
      // No engine: each job keeps the status set here.
      for (const status of JOB_STATUSES) {
        const { jobStatus } = await ok(ops, '/v1/jobs/create', { jobType: 'BATCH_REPLICATE', bucketName: 'photos', jobParams: { sourcePrefix: 'a.txt', targetPrefix: status } });
        const now = Date.now();
        await t.app.store.jobSetStatus({ id: jobStatus.jobId.id, status, now, started: status !== 'queued', finished: FINAL_STATUSES.includes(status) });
        const { status: shown } = await ok(ops, '/mapi/v1/jobs/status', { jobId: { id: jobStatus.jobId.id } });
        expect(shown.jobState, status).toBe(STATE_OF[status]);
        await expectVspJob(shown, 'photos');
      }
    });

    it('filters by bucketName and userId; admins see any user, others only themselves', async () => {
      const opsId = await createUser('ops@example.com', 'admin');
      const aliceId = await createUser('alice@example.com', 'user');
      const bobId = await createUser('bob@example.com', 'user');
      const ops = await signIn('ops@example.com');
      const alice = await signIn('alice@example.com');
      const bob = await signIn('bob@example.com', '/v1');
      const photos = await library('photos');
      const music = await library('music');
      await native('PUT', `/api/v1/libraries/${photos}/permissions`, {
        permissions: [
          { type: 'user', value: 'admin@example.com', role: 'ADMIN' },
          { type: 'user', value: 'alice@example.com', role: 'WRITER' },
          { type: 'user', value: 'bob@example.com', role: 'WRITER' },
        ],
      });
      await upload(photos, 'a.txt');
      await upload(music, 'b.txt');
      const make = async (s: Session, bucketName: string, source: string) =>
        (await ok(s, '/v1/jobs/create', { jobType: 'BATCH_REPLICATE', bucketName, jobParams: { sourcePrefix: source, targetPrefix: `t${Math.random()}`.replace('.', '') } })).jobStatus.jobId.id as number;
      const byAlice = [await make(alice, 'photos', 'a.txt'), await make(alice, 'photos', 'a.txt')];
      const byBob = [await make(bob, 'photos', 'a.txt')];
      const byOps = [await make(ops, 'music', 'b.txt'), await make(ops, 'photos', 'a.txt')];
      const ids = async (s: Session, body: Record<string, unknown>) => (await listAll(s, '/v1', body)).map((j) => j.jobId.id as number).sort((a, b) => a - b);
      const sorted = (list: number[]) => [...list].sort((a, b) => a - b);

      expect(await ids(ops, {})).toEqual(sorted([...byAlice, ...byBob, ...byOps]));
      expect(await ids(ops, { userId: { id: aliceId } })).toEqual(sorted(byAlice));
      expect(await ids(ops, { userId: { id: opsId }, bucketName: 'music' })).toEqual([byOps[0]]);
      expect(await ids(ops, { bucketName: 'photos' })).toEqual(sorted([...byAlice, ...byBob, byOps[1]!]));
      expect(await ids(ops, { bucketName: null, pageSize: null, pageToken: null, userId: null })).toEqual(sorted([...byAlice, ...byBob, ...byOps]));
      expect(await ids(ops, { userId: { id: 987654 } })).toEqual([]);
      for (const job of await listAll(ops, '/v1', { bucketName: 'music' })) expect(job.bucketName).toBe('music');

      // Without the admin-list permission: one's own jobs, whatever the bucket.
      expect(await ids(alice, {})).toEqual(sorted(byAlice));
      expect(await ids(alice, { userId: { id: aliceId } })).toEqual(sorted(byAlice));
      expect(await ids(alice, { bucketName: 'photos' })).toEqual(sorted(byAlice));
      expect(await ids(bob, {})).toEqual(byBob);
      expectError(await vsp(alice, '/v1/jobs/list', { userId: { id: bobId } }), 403, 'userId.id');
      // A bucket alice may not see does not exist for her.
      expectError(await vsp(alice, '/v1/jobs/list', { bucketName: 'music' }), 404, 'bucketName');
      // Others' jobs: not shown, not cancellable.
      expectError(await vsp(alice, '/v1/jobs/status', { jobId: { id: byBob[0] } }), 404);
      expectError(await vsp(alice, '/v1/jobs/cancel', { jobId: { id: byOps[0] } }), 404);

      // Another domain: its admin sees none of these, and none of its buckets are ours.
      const other = await native('POST', '/api/v1/domains', { name: 'other.test', admin: { email: 'root@other.test' } });
      const otherCsrf = setCookies((await t.call('GET', '/csrf', { token: null })).headers).get('XSRF-TOKEN')!;
      const stranger: Session = { bearer: other.token, xsrf: otherCsrf, session: '' };
      await library('elsewhere', other.token);
      expect(await ids(stranger, {})).toEqual([]);
      expectError(await vsp(stranger, '/v1/jobs/list', { bucketName: 'photos' }), 404, 'bucketName');
      expectError(await vsp(stranger, '/mapi/v1/jobs/status', { jobId: { id: byOps[0] } }), 404);
      expectError(await vsp(stranger, '/mapi/v1/jobs/cancel', { jobId: { id: byOps[0] } }), 404);
      expectError(await vsp(ops, '/v1/jobs/list', { bucketName: 'elsewhere' }), 404, 'bucketName');
      expectError(await vsp(ops, '/v1/jobs/create', { jobType: 'BATCH_REPLICATE', bucketName: 'photos', jobParams: { sourcePrefix: 'a.txt', targetBucket: 'elsewhere' } }), 404, 'jobParams.targetBucket');
    });

    it('pages to the end with no duplicates or gaps while jobs are being created', async () => {
      await createUser('ops@example.com', 'admin');
      const ops = await signIn('ops@example.com');
      const photos = await library('photos');
      await upload(photos, 'a.txt');
      const create = async (i: number) =>
        (await ok(ops, '/mapi/v1/jobs/create', { jobType: 'BATCH_REPLICATE', bucketName: 'photos', jobParams: { sourcePrefix: 'a.txt', targetPrefix: `c${i}` } })).jobStatus.jobId.id as number;
      const seeded: number[] = [];
      for (let i = 0; i < 23; i++) seeded.push(await create(i));
      // Native jobs VSP cannot name, interleaved.
      await native('POST', '/api/v1/jobs', { type: 'trash', libraryId: photos, params: { paths: ['/x'] } });
      for (const prefix of PREFIXES) {
        const added: number[] = [];
        let n = 100;
        const seen = await listAll(ops, prefix, { pageSize: 4 }, async () => {
          // Between pages, and concurrently with the next page's request.
          const creating = Promise.all([create(n++), create(n++)]).then((ids) => added.push(...ids));
          await Promise.all([creating, ok(ops, `${prefix}/jobs/list`, { pageSize: 1 })]);
        });
        const ids = seen.map((j) => j.jobId.id as number);
        expect(new Set(ids).size).toBe(ids.length);
        // Every job that existed before the first page, none skipped (jobs created concurrently may
        // take their creation times in either order, so compare as sets).
        const byId = (a: number, b: number) => a - b;
        expect(ids.filter((id) => seeded.includes(id)).sort(byId)).toEqual([...seeded].sort(byId));
        expect(added.length).toBeGreaterThan(0);
        seeded.push(...added);
      }
    });

    it('creates, shows and cancels under both prefixes, and refuses what it cannot translate', async () => {
      await createUser('ops@example.com', 'admin');
      const ops = await signIn('ops@example.com');
      const photos = await library('photos');
      await upload(photos, 'a.txt');
      for (const prefix of PREFIXES) {
        const { jobStatus } = await ok(ops, `${prefix}/jobs/create`, { jobType: 'BATCH_REPLICATE', bucketName: 'photos', jobParams: { sourcePrefix: 'a.txt', targetPrefix: 'copies', onConflict: 'rename' } });
        expect(jobStatus).toMatchObject({ jobState: 'EXAMINING', jobParams: { sourcePrefix: 'a.txt', targetBucket: 'photos', targetPrefix: 'copies', onConflict: 'rename' } });
        const shown = await ok(ops, `${prefix}/jobs/status`, { jobId: { id: jobStatus.jobId.id } });
        expect(shown).toEqual({ status: jobStatus });
        const cancelled = await ok(ops, `${prefix}/jobs/cancel`, { jobId: { id: jobStatus.jobId.id } });
        expect(cancelled.status).toMatchObject({ jobId: jobStatus.jobId, jobState: 'CANCELLED' });
        expect(cancelled.status.completeTime).toMatch(ISO);
        expect((await native('GET', `/api/v1/jobs/${jobStatus.jobId.id}`)).status).toBe('cancelled');
        // Ended: cannot be cancelled again.
        expectError(await vsp(ops, `${prefix}/jobs/cancel`, { jobId: { id: jobStatus.jobId.id } }), 422);
      }
      const create = (body: unknown) => vsp(ops, '/v1/jobs/create', body);
      // LIFECYCLE_UPDATE makes a retention job (retention-dialects.test.ts runs one), which takes no jobParams.
      expectError(await create({ jobType: 'LIFECYCLE_UPDATE', bucketName: 'photos', jobParams: { keepDaily: '7' } }), 400, 'jobParams.keepDaily');
      expectError(await create({ jobType: 'LIFECYCLE_UPDATE', bucketName: 'nope' }), 404, 'bucketName');
      // The reconciliations are verify jobs (transfer-vsp-one.test.ts creates them); the jobType says whether they repair.
      expectError(await create({ jobType: 'METRIC_RECONCILIATION', bucketName: 'photos', jobParams: { repair: 'true' } }), 400, 'jobParams.repair');
      expectError(await create({ jobType: 'TRIGGER_RECONCILIATION', bucketName: 'photos', jobParams: { sourcePrefix: 'a.txt' } }), 400, 'jobParams.sourcePrefix');
      expectError(await create({ jobType: 'batch_replicate', bucketName: 'photos' }), 400, 'jobType');
      expectError(await create({ bucketName: 'photos' }), 400, 'jobType');
      expectError(await create({ jobType: 'BATCH_REPLICATE' }), 400, 'bucketName');
      expectError(await create({ jobType: 'BATCH_REPLICATE', bucketName: 'nope' }), 404, 'bucketName');
      expectError(await create({ jobType: 'BATCH_REPLICATE', bucketName: 'photos', jobParams: { sourcePrefix: 'a.txt', targetBucket: 'nope' } }), 404, 'jobParams.targetBucket');
      expectError(await create({ jobType: 'BATCH_REPLICATE', bucketName: 'photos', jobParams: { sourcePrefix: 'a.txt', color: 'red' } }), 400, 'jobParams.color');
      expectError(await create({ jobType: 'BATCH_REPLICATE', bucketName: 'photos', jobParams: { sourcePrefix: 'a.txt', onConflict: 'explode' } }), 400, 'jobParams.onConflict');
      expectError(await create({ jobType: 'BATCH_REPLICATE', bucketName: 'photos', jobParams: { sourcePrefix: 'a//b' } }), 400, 'jobParams.sourcePrefix');
      expectError(await create({ jobType: 'BATCH_REPLICATE', bucketName: 'photos', jobParams: { sourcePrefix: 7 } }), 400, 'jobParams.sourcePrefix');
      expectError(await create({ jobType: 'BATCH_REPLICATE', bucketName: 'photos', jobParams: { sourcePrefixes: 'not json' } }), 400, 'jobParams.sourcePrefixes');
      expectError(await create({ jobType: 'BATCH_REPLICATE', bucketName: 'photos', jobParams: { replicationFilter: 'NEW' } }), 400, 'jobParams.replicationFilter');
      expectError(await create({ jobType: 'BATCH_REPLICATE', bucketName: 'photos', jobParams: { sourcePrefix: 'docs', targetPrefix: 'docs/inner' } }), 422, /jobParams\.targetPrefix/);
      await library('empty');
      expectError(await create({ jobType: 'BATCH_REPLICATE', bucketName: 'empty', jobParams: { targetBucket: 'photos' } }), 400, 'bucketName');
      expectError(await vsp(ops, '/v1/jobs/status', { jobId: { id: 999999 } }), 404);
      expectError(await vsp(ops, '/v1/jobs/status', {}), 400, 'jobId');
      expectError(await vsp(ops, '/v1/jobs/status', { jobId: {} }), 400, 'jobId.id');
      expectError(await vsp(ops, '/v1/jobs/cancel', { jobId: { id: 'x' } }), 400, 'jobId.id');
    });

    it('answers every error in VSP shape: XSRF, credentials, body, pageSize, pageToken, bucket, routes', async () => {
      await createUser('ops@example.com', 'admin');
      const ops = await signIn('ops@example.com');
      await library('photos');
      const list = (s: Partial<Session>, body: unknown = {}, extra: Record<string, string> = {}) => vsp(s, '/mapi/v1/jobs/list', body, extra);

      // XSRF: 403 before anything else.
      expectError(await list({ bearer: ops.bearer, session: '' }), 403, /XSRF/);
      expectError(await list(ops, {}, { 'x-xsrf-token': '' }), 403, /X-XSRF-TOKEN/);
      expectError(await list(ops, {}, { cookie: `vertx-web.session=` }), 403, /XSRF-TOKEN cookie/);
      const other = setCookies((await t.call('GET', '/csrf', { token: null })).headers).get('XSRF-TOKEN')!;
      expectError(await list(ops, {}, { 'x-xsrf-token': other }), 403, /does not match/);
      const [nonce, issued] = ops.xsrf.split('.');
      for (const forged of ['forged', 'abc.123.def', `${nonce}.${issued}.${'A'.repeat(43)}`, `${nonce}.${Number(issued) + 1}.${ops.xsrf.split('.')[2]}`]) {
        expectError(await list({ bearer: ops.bearer, xsrf: forged, session: '' }), 403, /not issued by this server/);
      }
      expect((await list(ops)).status).toBe(200);

      // Credentials: 401.
      expectError(await list({ xsrf: ops.xsrf, session: '' }), 401, /credentials/);
      expectError(await list({ xsrf: ops.xsrf, session: '', bearer: 'by_not-a-token' }), 401);
      expectError(await list(ops, {}, { authorization: 'Basic b3BzOnB3' }), 401);

      // Body and parameters: 400 naming the field.
      expectError(await list(ops, { pageSize: -1 }), 400, 'pageSize');
      expectError(await list(ops, { pageSize: 1001 }), 400, 'pageSize');
      expectError(await list(ops, { pageSize: 'many' }), 400, 'pageSize');
      expectError(await list(ops, { pageSize: 2.5 }), 400, 'pageSize');
      expectError(await list(ops, { pageToken: 'pageToken' }), 400, 'pageToken');
      expectError(await list(ops, { pageToken: Buffer.from('{"k":"failures:1","id":3}').toString('base64url') }), 400, 'pageToken');
      expectError(await list(ops, { pageToken: '%%%' }), 400, 'pageToken');
      expectError(await list(ops, { userId: {} }), 400, 'userId.id');
      expectError(await list(ops, { userId: { id: 2 ** 31 } }), 400, 'userId.id');
      expectError(await list(ops, { userId: 5 }), 400, 'userId');
      expectError(await list(ops, { bucketName: { name: 'photos' } }), 400, 'bucketName');
      const malformed = await t.call('POST', '/v1/jobs/list', {
        token: null,
        body: '{"pageSize": ',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${ops.bearer}`, 'x-xsrf-token': ops.xsrf, cookie: `XSRF-TOKEN=${ops.xsrf}` },
      });
      expectError(malformed, 400, 'body');
      expectError(await list(ops, { bucketName: 'nope' }), 404, 'bucketName');
      expect((await list(ops, { bucketName: 'photos', pageSize: 0 })).body).toEqual({ jobs: [], pageToken: '' });

      // Unknown routes under the dialect's prefixes, and a wrong method.
      for (const [method, url] of [['POST', '/v1/jobs/nope'], ['GET', '/v1/jobs/list'], ['GET', '/mapi/v1/anything'], ['POST', '/mapi/v1/csrf']]) {
        const res = await t.call(method!, url!, { token: null });
        expectError(res, 404);
      }
      // Hidden from the native OpenAPI document.
      const openapi = await t.call('GET', '/api/v1/openapi.json');
      expect(Object.keys(openapi.body.paths).filter((p) => p.includes('csrf') || p.startsWith('/v1') || p.startsWith('/mapi') || p.startsWith('/ui'))).toEqual([]);
    });
  });
}
