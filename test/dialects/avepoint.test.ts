/**
 * AvePoint conformance (seeds/002_…, `GET /backup/google/admin/jobs`) over HTTP, on every
 * driver: the page's own sample request replayed against seeded jobs, every field and type
 * of its response sample, docs/dialects/README.md's enum mappings, each filter, case-insensitive names,
 * nextLink pages to the end while jobs are being created, and every error as `{status, message}`.
 *
 * Jobs are real: submitted through the native API (a domain admin's are `admin`, a plain
 * user's `self_service`) and run by the engine, so they end completed, completed with
 * errors, failed or cancelled. The rows that reproduce the page's own samples (their exact
 * 2024 times, a `system` Retention of Gmail, backups and restores with fixed counts) are
 * written through the Store, since a job made now cannot carry those times; the backup,
 * restore_backup and retention job types are run for real by the engine in
 * backup-dialects.test.ts and retention-dialects.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { ADMIN_TOKEN, startTestApp, type TestApp } from '../support/app.js';
import { FAST_ENGINE } from '../support/engine.js';
import { startEngine } from '../../src/app.js';
import type { Engine } from '../../src/engine/engine.js';
import { FINAL_STATUSES, type JobOrigin, type JobStatus } from '../../src/domain/jobs.js';
import { DATA_SOURCE_TO_ORIGINS, JOB_TYPE_TO_NATIVE, STATUS_TO_NATIVE } from '../../src/dialects/avepoint/mapping.js';

const factories = await driverFactories();

const PATH = '/backup/google/admin/jobs';
/** The page's "Request Sample", path and query exactly as printed (lower-case names, `status`). */
const SAMPLE_QUERY = 'pageindex=0&pagesize=10&apptype=1&jobtype=1&status=2&starttime=2024-12-12T00:00:00Z&finishtime=2024-12-13T00:00:00Z';
/** `2024-10-09T05:34:31+00:00`, `2024-10-09T05:50:36.008+00:00`, as in the response sample. */
const AVE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?\+00:00$/;
const JOB_KEYS = ['jobId', 'appType', 'jobType', 'dataSource', 'status', 'progress', 'startTime', 'finishTime', 'operator'].sort();

// docs/dialects/README.md: the binding tables, written out independently of the code.
const DESIGN_JOB_TYPE: Record<string, number | undefined> = {
  copy: undefined, move: undefined, trash: 4, purge: 4, restore: undefined, empty_trash: 4, export: 3, import: undefined, extract: undefined,
  replicate: undefined, backup: 1, restore_backup: 2, retention: 5, report: 6, verify: undefined, noop: undefined,
};
const DESIGN_STATUS: Record<JobStatus, number> = {
  queued: 0, planning: 0, running: 0, cancelling: 0, completed: 2, completed_with_errors: 7, failed: 3, cancelled: 3,
};
const DESIGN_DATA_SOURCE: Record<JobOrigin, number> = { admin: 1, system: 1, self_service: 2 };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Expected AvePoint time of a native ISO time (written independently of the dialect). */
const aveOf = (iso: string | null) => (iso === null ? null : new Date(iso).toISOString().replace('.000Z', 'Z').replace('Z', '+00:00'));

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are checked field by field
type Json = any;

interface Seeded {
  /** Native job resources (as GET /api/v1/jobs/{id} shows them, after the engine ran) with their library's appType. */
  jobs: Array<Json & { appType: number }>;
  sampleBackupId: number;
}

for (const factory of factories) {
  describe(`AvePoint dialect on ${factory.name}`, () => {
    let t: TestApp;
    let seeded: Seeded;
    let alice: { token: string; id: number };
    let eve: { token: string; id: number };
    let libs: { gmail: string; drive: string; shared: string };

    const get = (query: string, options: { token?: string | null; headers?: Record<string, string> } = {}) =>
      t.call('GET', `${PATH}${query ? `?${query}` : ''}`, options);

    async function list(query: string, token?: string): Promise<Json> {
      const res = await get(query, { token });
      expect(res.status, `${query}: ${JSON.stringify(res.body)}`).toBe(200);
      return res.body;
    }

    /** Every page of a listing, following nextLink. */
    async function listAll(query: string, token?: string): Promise<Json[]> {
      const jobs: Json[] = [];
      let body = await list(query, token);
      jobs.push(...body.jobs);
      while (body.nextLink !== undefined) {
        const url = new URL(body.nextLink);
        const res = await t.call('GET', url.pathname + url.search, { token });
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        body = res.body;
        jobs.push(...body.jobs);
      }
      return jobs;
    }

    const idsOf = (jobs: Json[]) => jobs.map((j) => Number(j.jobId)).sort((a, b) => a - b);
    const nativeIds = (pred: (job: Json) => boolean) =>
      seeded.jobs.filter((j) => DESIGN_JOB_TYPE[j.type] !== undefined && pred(j)).map((j) => j.id as number).sort((a, b) => a - b);

    async function userToken(email: string, name: string, role = 'user'): Promise<{ token: string; id: number }> {
      const user = await t.call('POST', '/api/v1/users', { json: { email, name, role } });
      expect(user.status, JSON.stringify(user.body)).toBe(201);
      const minted = await t.call('POST', '/api/v1/tokens', { json: { userId: user.body.id } });
      return { token: minted.body.token, id: user.body.id };
    }

    async function library(name: string, appType?: number): Promise<string> {
      const res = await t.call('POST', '/api/v1/libraries', { json: appType === undefined ? { name } : { name, appType } });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body.libraryId;
    }

    async function submit(type: string, libraryId: string, params: Record<string, unknown>, token?: string): Promise<Json> {
      const res = await t.call('POST', '/api/v1/jobs', { json: { type, libraryId, params }, token });
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      return res.body;
    }

    async function nativeJob(id: number): Promise<Json> {
      const res = await t.call('GET', `/api/v1/jobs/${id}`);
      expect(res.status).toBe(200);
      return res.body;
    }

    async function waitEnded(id: number): Promise<Json> {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const job = await nativeJob(id);
        if (FINAL_STATUSES.includes(job.status)) return job;
        if (Date.now() > deadline) throw new Error(`job ${id} never ended: ${JSON.stringify(job)}`);
        await sleep(20);
      }
    }

    /** A job the API cannot make yet, written as its operation will write it: inserted, then started and ended at given instants. */
    async function storeJob(p: { type: string; libraryId: string; origin: JobOrigin; created: string; started?: string; ended?: { at: string; status: JobStatus } }) {
      const admin = await t.app.auth.authenticateSecret(ADMIN_TOKEN);
      const store = t.app.store;
      const job = await store.jobInsert({
        domainId: admin.user.domainId, libraryId: p.libraryId, targetLibraryId: null, type: p.type, requestorId: admin.user.id, origin: p.origin,
        params: {}, priority: 0, retryOf: null, now: Date.parse(p.created),
      });
      if (p.started) await store.jobSetStatus({ id: job.id, status: 'running', now: Date.parse(p.started), started: true });
      if (p.ended) await store.jobSetStatus({ id: job.id, status: p.ended.status, now: Date.parse(p.ended.at), finished: true });
      return job.id;
    }

    beforeAll(async () => {
      t = await startTestApp(factory);
      alice = await userToken('alice@example.com', 'Alice Liddell');
      eve = await userToken('eve@example.com', 'Eve Admin', 'admin');
      libs = { gmail: await library('Mail archive', 1), drive: await library('Team drive'), shared: await library('Shared', 64) };
      const grant = await t.call('PUT', `/api/v1/libraries/${libs.drive}/permissions`, {
        json: { permissions: [{ type: 'user', value: 'admin@example.com', role: 'ADMIN' }, { type: 'user', value: 'alice@example.com', role: 'WRITER' }] },
      });
      expect(grant.status).toBe(200);
      for (const path of ['a.txt', 'b.txt', 'c/d.txt']) {
        expect((await t.call('PUT', `/api/v1/libraries/${libs.gmail}/files/${path}`, { body: path })).status).toBe(201);
        expect((await t.call('PUT', `/api/v1/libraries/${libs.drive}/files/${path}`, { body: path })).status).toBe(201);
      }

      // Before any engine runs: one is cancelled while queued.
      const cancelled = await submit('trash', libs.shared, { paths: ['/never'] });
      expect((await t.call('POST', `/api/v1/jobs/${cancelled.id}/cancel`)).status).toBe(202);
      const submitted = [
        cancelled,
        await submit('trash', libs.gmail, { paths: ['/a.txt'] }), // completed
        await submit('trash', libs.gmail, { paths: ['/missing'] }), // failed
        await submit('trash', libs.gmail, { paths: ['/b.txt', '/missing-too'] }), // completed with errors
        await submit('purge', libs.drive, { paths: ['/c'] }), // completed
        await submit('empty_trash', libs.gmail, {}, eve.token), // an admin's: origin admin
        await submit('trash', libs.drive, { paths: ['/a.txt'] }, alice.token), // self-service
        await submit('trash', libs.drive, { paths: ['/gone'] }, alice.token), // self-service, failed
        await submit('copy', libs.drive, { paths: ['/b.txt'], destination: '/copies' }), // AvePoint cannot name it
      ];
      const engine: Engine = await startEngine(t.app, FAST_ENGINE);
      try {
        for (const job of submitted) await waitEnded(job.id);
      } finally {
        await engine.stop();
      }
      // Engine stopped: this one stays queued (in progress, never started).
      submitted.push(await submit('trash', libs.gmail, { paths: ['/c'] }));

      const sampleBackupId = await storeJob({
        type: 'backup', libraryId: libs.gmail, origin: 'system', created: '2024-12-12T05:34:30Z', started: '2024-12-12T05:34:31Z',
        ended: { at: '2024-12-12T05:50:36.008Z', status: 'completed' },
      });
      const storeIds = [
        sampleBackupId,
        // Near the sample's window but outside it, or of another app, status, type or source.
        await storeJob({ type: 'backup', libraryId: libs.gmail, origin: 'system', created: '2024-12-11T23:00:00Z', started: '2024-12-11T23:59:59.999Z', ended: { at: '2024-12-12T01:00:00Z', status: 'completed' } }),
        await storeJob({ type: 'backup', libraryId: libs.gmail, origin: 'admin', created: '2024-12-12T22:00:00Z', started: '2024-12-12T23:00:00Z', ended: { at: '2024-12-13T00:00:00Z', status: 'completed' } }),
        await storeJob({ type: 'backup', libraryId: libs.drive, origin: 'system', created: '2024-12-12T06:00:00Z', started: '2024-12-12T06:00:00Z', ended: { at: '2024-12-12T07:00:00Z', status: 'completed' } }),
        await storeJob({ type: 'backup', libraryId: libs.gmail, origin: 'system', created: '2024-12-12T08:00:00Z', started: '2024-12-12T08:00:00Z', ended: { at: '2024-12-12T09:00:00Z', status: 'failed' } }),
        await storeJob({ type: 'backup', libraryId: libs.gmail, origin: 'self_service', created: '2024-12-12T10:00:00Z', started: '2024-12-12T10:00:00Z', ended: { at: '2024-12-12T11:00:00Z', status: 'completed' } }),
        await storeJob({ type: 'restore_backup', libraryId: libs.gmail, origin: 'system', created: '2024-12-12T12:00:00Z', started: '2024-12-12T12:00:00Z', ended: { at: '2024-12-12T13:00:00Z', status: 'completed' } }),
        await storeJob({ type: 'export', libraryId: libs.drive, origin: 'admin', created: '2024-12-14T00:00:00Z', started: '2024-12-14T00:00:01Z' }), // running
        await storeJob({ type: 'retention', libraryId: libs.gmail, origin: 'system', created: '2024-10-09T05:34:31Z', started: '2024-10-09T05:34:31Z', ended: { at: '2024-10-09T05:50:36.008Z', status: 'completed' } }),
        await storeJob({ type: 'report', libraryId: libs.shared, origin: 'system', created: '2024-09-09T07:18:17Z', started: '2024-09-09T07:18:17Z', ended: { at: '2024-09-09T07:22:34.984Z', status: 'completed_with_errors' } }),
      ];
      const appTypeOf: Record<string, number> = { [libs.gmail]: 1, [libs.drive]: 2, [libs.shared]: 64 };
      const jobs = [];
      for (const id of [...submitted.map((j) => j.id as number), ...storeIds]) {
        const job = await nativeJob(id);
        jobs.push({ ...job, appType: appTypeOf[job.libraryId]! });
      }
      seeded = { jobs, sampleBackupId };
      // The seed covers every AvePoint status and both sources.
      expect(new Set(jobs.map((j) => j.status))).toEqual(new Set(['queued', 'running', 'completed', 'completed_with_errors', 'failed', 'cancelled']));
      expect(new Set(jobs.map((j) => j.origin))).toEqual(new Set(['admin', 'self_service', 'system']));
    }, 120_000);

    afterAll(async () => {
      await t?.dispose();
    });

    it("replays the page's request sample: its fields, their types and values", async () => {
      const res = await get(SAMPLE_QUERY);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.body).toEqual({
        status: 200,
        message: '',
        jobs: [
          {
            jobId: String(seeded.sampleBackupId),
            appType: 1,
            jobType: 1,
            dataSource: 1,
            status: 2,
            progress: 100,
            startTime: '2024-12-12T05:34:31+00:00',
            finishTime: '2024-12-12T05:50:36.008+00:00',
            operator: 'System',
          },
        ],
      });
      // The last page has no nextLink (the page: it is returned when more requests are needed).
      expect('nextLink' in res.body).toBe(false);
      // The response sample's two jobs (a Retention and a Generate Report job here, by System), field for field.
      const sampleJobs = (await list('jobtype=5')).jobs.concat((await list('jobtype=6')).jobs);
      expect(sampleJobs.map(({ jobId: _id, ...rest }: Json) => rest)).toEqual([
        { appType: 1, jobType: 5, dataSource: 1, status: 2, progress: 100, startTime: '2024-10-09T05:34:31+00:00', finishTime: '2024-10-09T05:50:36.008+00:00', operator: 'System' },
        { appType: 64, jobType: 6, dataSource: 1, status: 7, progress: 100, startTime: '2024-09-09T07:18:17+00:00', finishTime: '2024-09-09T07:22:34.984+00:00', operator: 'System' },
      ]);
    });

    it("renders every job's fields with the page's types and docs/dialects/README.md's mappings", async () => {
      const admin = await listAll('');
      const recenter = await listAll('datasource=2');
      const byId = new Map([...admin, ...recenter].map((j) => [Number(j.jobId), j]));
      // Only jobs AvePoint can name, each once, of both sources.
      expect([...byId.keys()].sort((a, b) => a - b)).toEqual(nativeIds(() => true));
      expect(byId.size).toBe(admin.length + recenter.length);
      for (const native of seeded.jobs) {
        const ave = byId.get(native.id);
        if (DESIGN_JOB_TYPE[native.type] === undefined) {
          expect(ave, native.type).toBeUndefined();
          continue;
        }
        expect(Object.keys(ave).sort()).toEqual(JOB_KEYS);
        expect(typeof ave.jobId).toBe('string');
        for (const key of ['appType', 'jobType', 'dataSource', 'status']) expect(Number.isInteger(ave[key]), key).toBe(true);
        expect(typeof ave.progress).toBe('number');
        expect(typeof ave.operator).toBe('string');
        for (const key of ['startTime', 'finishTime']) if (ave[key] !== null) expect(ave[key]).toMatch(AVE_TIME);
        expect(ave, JSON.stringify(native)).toEqual({
          jobId: String(native.id),
          appType: native.appType,
          jobType: DESIGN_JOB_TYPE[native.type],
          dataSource: DESIGN_DATA_SOURCE[native.origin as JobOrigin],
          status: DESIGN_STATUS[native.status as JobStatus],
          progress: native.progress,
          startTime: aveOf(native.startedAt),
          finishTime: aveOf(native.finishedAt),
          operator: native.origin === 'system' ? 'System' : native.requestor.name,
        });
      }
      // Names, not emails: the self-service jobs are Alice's (and the one written through the Store, the bootstrap admin's).
      const bootstrapName = seeded.jobs.find((j) => j.requestor.email === 'admin@example.com')!.requestor.name;
      expect(new Set(recenter.map((j) => j.operator))).toEqual(new Set(['Alice Liddell', bootstrapName]));
      expect(admin.some((j) => j.operator === 'Eve Admin')).toBe(true);
      // Newest first, like the sample.
      const created = admin.map((j) => Date.parse(seeded.jobs.find((n) => n.id === Number(j.jobId))!.createdAt));
      expect(created).toEqual([...created].sort((a, b) => b - a));
    });

    it("stays out of the native OpenAPI document (it is AvePoint's contract, not ours)", async () => {
      const doc = (await t.call('GET', '/api/v1/openapi.json')).body;
      expect(Object.keys(doc.paths).filter((path) => path.startsWith('/backup'))).toEqual([]);
    });

    it('maps its enums as docs/dialects/README.md binds them', () => {
      for (const [native, code] of Object.entries(DESIGN_JOB_TYPE)) {
        const named = Object.entries(JOB_TYPE_TO_NATIVE).filter(([, natives]) => natives.includes(native)).map(([c]) => Number(c));
        expect(named, native).toEqual(code === undefined ? [] : [code]);
      }
      for (const [native, code] of Object.entries(DESIGN_STATUS)) expect(STATUS_TO_NATIVE[code], native).toContain(native);
      expect(Object.values(STATUS_TO_NATIVE).flat().sort()).toEqual(Object.keys(DESIGN_STATUS).sort());
      for (const [origin, code] of Object.entries(DESIGN_DATA_SOURCE)) expect(DATA_SOURCE_TO_ORIGINS[code], origin).toContain(origin);
    });

    it('filters by dataSource (default 1), jobType, jobStatus/status, appType and the time range', async () => {
      const admins = (j: Json) => j.origin !== 'self_service';
      expect(idsOf(await listAll(''))).toEqual(nativeIds(admins));
      expect(idsOf(await listAll('dataSource=1'))).toEqual(nativeIds(admins));
      expect(idsOf(await listAll('dataSource=2'))).toEqual(nativeIds((j) => j.origin === 'self_service'));
      for (const code of [1, 2, 3, 4, 5, 6]) {
        for (const source of [1, 2]) {
          expect(idsOf(await listAll(`jobType=${code}&dataSource=${source}`)), `jobType ${code}`).toEqual(
            nativeIds((j) => DESIGN_JOB_TYPE[j.type] === code && DESIGN_DATA_SOURCE[j.origin as JobOrigin] === source),
          );
        }
      }
      for (const code of [0, 2, 3, 7]) {
        const expected = nativeIds((j) => admins(j) && DESIGN_STATUS[j.status as JobStatus] === code);
        expect(expected.length, `status ${code} is seeded`).toBeGreaterThan(0);
        expect(idsOf(await listAll(`jobStatus=${code}`)), `jobStatus ${code}`).toEqual(expected);
        expect(idsOf(await listAll(`status=${code}`)), `status ${code}`).toEqual(expected);
      }
      for (const [appType, apps] of [['1', [1]], ['2', [2]], ['64', [64]], ['3', [1, 2]], ['66', [2, 64]], ['4096', []], ['8', []]] as const) {
        expect(idsOf(await listAll(`appType=${appType}`)), `appType ${appType}`).toEqual(nativeIds((j) => admins(j) && (apps as readonly number[]).includes(j.appType)));
      }
      // startTime: started at or after it; finishTime: finished before it (never-started or running jobs match neither).
      const started = seeded.jobs.filter((j) => j.startedAt !== null).map((j) => j.startedAt as string).sort();
      const finished = seeded.jobs.filter((j) => j.finishedAt !== null).map((j) => j.finishedAt as string).sort();
      for (const at of [started[0]!, started[3]!, started.at(-1)!]) {
        expect(idsOf(await listAll(`startTime=${encodeURIComponent(at)}`)), at).toEqual(nativeIds((j) => admins(j) && j.startedAt !== null && Date.parse(j.startedAt) >= Date.parse(at)));
      }
      for (const at of [finished[0]!, finished[4]!, finished.at(-1)!]) {
        expect(idsOf(await listAll(`finishTime=${encodeURIComponent(at)}`)), at).toEqual(nativeIds((j) => admins(j) && j.finishedAt !== null && Date.parse(j.finishedAt) < Date.parse(at)));
      }
      const [from, to] = [started[2]!, finished.at(-2)!];
      expect(idsOf(await listAll(`startTime=${encodeURIComponent(from)}&finishTime=${encodeURIComponent(to)}&jobType=4&dataSource=2`))).toEqual(
        nativeIds((j) => j.origin === 'self_service' && DESIGN_JOB_TYPE[j.type] === 4 && j.startedAt !== null && j.finishedAt !== null && j.startedAt >= from && Date.parse(j.finishedAt) < Date.parse(to)),
      );
      // The sample's window in other ISO 8601 spellings: a date, an offset, a zoneless UTC time, an unencoded '+' (read as a space).
      const sampleIds = [seeded.sampleBackupId];
      for (const window of [
        'startTime=2024-12-12&finishTime=2024-12-13',
        `startTime=${encodeURIComponent('2024-12-12T02:00:00+02:00')}&finishTime=${encodeURIComponent('2024-12-12T19:00:00-05:00')}`,
        'startTime=2024-12-12T00:00:00&finishTime=2024-12-13T00:00:00.000',
        'startTime=2024-12-12T00:00:00+00:00&finishTime=2024-12-13T00:00Z',
      ]) {
        expect(idsOf((await list(`appType=1&jobType=1&jobStatus=2&${window}`)).jobs), window).toEqual(sampleIds);
      }
    });

    it('takes parameter names in any case, and status as well as jobStatus', async () => {
      const reference = await list('pageIndex=0&pageSize=3&appType=1&jobType=4&jobStatus=3&dataSource=1');
      expect(reference.jobs.length).toBeGreaterThan(0);
      for (const query of [
        'pageindex=0&pagesize=3&apptype=1&jobtype=4&jobstatus=3&datasource=1',
        'PAGEINDEX=0&PAGESIZE=3&APPTYPE=1&JOBTYPE=4&STATUS=3&DATASOURCE=1',
        'PageIndex=0&PageSize=3&AppType=1&JobType=4&Status=3&DataSource=1',
        'pageSize=3&appType=1&jobType=4&status=3&jobStatus=3', // both spellings, the same value
        'pageSize=3&appType=1&jobType=4&jobStatus=3&utm_source=mail', // a parameter AvePoint does not define is ignored
        'pageSize=3&appType=1&jobType=4&jobStatus=3&jobType=', // an empty value is no value
      ]) {
        const body = await list(query);
        expect(body.jobs, query).toEqual(reference.jobs);
        expect(body.nextLink === undefined, query).toBe(reference.nextLink === undefined);
      }
    });

    it('shows a domain admin their own domain only; other callers are refused', async () => {
      const everyone = idsOf(await listAll('')).concat(idsOf(await listAll('dataSource=2')));
      expect(idsOf(await listAll('', eve.token)).concat(idsOf(await listAll('dataSource=2', eve.token)))).toEqual(everyone);
      const other = await t.call('POST', '/api/v1/domains', { json: { name: 'other.test', admin: { email: 'adm@other.test' } } });
      expect(other.status).toBe(201);
      const theirs = await list('', other.body.token);
      expect(theirs).toEqual({ status: 200, message: '', jobs: [] });
      expect((await list('dataSource=2', other.body.token)).jobs).toEqual([]);
    });

    it('answers every error as {status, message} with that HTTP status, naming the parameter', async () => {
      const expectError = async (res: { status: number; body: Json; headers: Record<string, unknown> }, status: number, mentions?: string) => {
        expect(res.status, JSON.stringify(res.body)).toBe(status);
        expect(res.headers['content-type']).toMatch(/^application\/json/);
        expect(Object.keys(res.body).sort(), JSON.stringify(res.body)).toEqual(['message', 'status']);
        expect(res.body.status).toBe(status);
        expect(typeof res.body.message).toBe('string');
        if (mentions !== undefined) expect(res.body.message.startsWith(`${mentions}:`), `${res.body.message} names ${mentions}`).toBe(true);
      };
      // 401 without or with bad credentials (before anything else is read).
      await expectError(await get('', { token: null }), 401);
      await expectError(await get('pageSize=0', { token: null }), 401);
      await expectError(await get('', { token: 'not-a-token' }), 401);
      await expectError(await get('', { token: null, headers: { authorization: 'Basic YTpi' } }), 401);
      // 403 for anyone but a domain admin: a plain user, even one who ADMINs a library.
      await expectError(await get('', { token: alice.token }), 403);
      await expectError(await get('dataSource=2', { token: alice.token }), 403);
      const grant = await t.call('PUT', `/api/v1/libraries/${libs.shared}/permissions`, {
        json: { permissions: [{ type: 'user', value: 'admin@example.com', role: 'ADMIN' }, { type: 'user', value: 'alice@example.com', role: 'ADMIN' }] },
      });
      expect(grant.status).toBe(200);
      await expectError(await get('', { token: alice.token }), 403);

      for (const [query, field] of [
        ['dataSource=0', 'dataSource'], ['dataSource=3', 'dataSource'], ['datasource=admin', 'dataSource'],
        ['appType=0', 'appType'], ['appType=16', 'appType'], ['apptype=32', 'appType'], ['appType=4097.5', 'appType'], ['appType=8191', 'appType'], ['appType=-1', 'appType'], ['appType=gmail', 'appType'], ['appType=1.5', 'appType'],
        ['jobType=0', 'jobType'], ['jobType=7', 'jobType'], ['jobtype=backup', 'jobType'],
        ['jobStatus=1', 'jobStatus'], ['status=4', 'jobStatus'], ['STATUS=finished', 'jobStatus'], ['jobStatus=8', 'jobStatus'],
        ['pageIndex=-1', 'pageIndex'], ['pageindex=1.5', 'pageIndex'], ['pageIndex=first', 'pageIndex'], ['pageIndex=99999999999', 'pageIndex'],
        ['pageSize=0', 'pageSize'], ['pagesize=1001', 'pageSize'], ['pageSize=-5', 'pageSize'], ['pageSize=ten', 'pageSize'],
        ['startTime=yesterday', 'startTime'], ['starttime=2024-02-30T00:00:00Z', 'startTime'], ['startTime=2024-12-12T24:00:00Z', 'startTime'],
        ['startTime=12/12/2024', 'startTime'], ['finishTime=2024-13-01T00:00:00Z', 'finishTime'], ['finishtime=2024-12-13T00:00:00+25:00', 'finishTime'],
        ['finishTime=1734048000', 'finishTime'],
        ['jobType=1&JobType=2', 'jobType'], ['status=2&jobStatus=3', 'jobStatus'],
        ['nextLink=not-a-token', 'nextLink'], ['nextlink=%%%', 'nextLink'], ['nextLink=bm9wZQ', 'nextLink'],
        [`nextLink=${Buffer.from(JSON.stringify({ v: 1, q: { dataSource: '1', pageIndex: '1', pageSize: '2' }, c: 'forged' })).toString('base64url')}`, 'nextLink'],
        ['nextLink=https://elsewhere.test/backup/google/admin/jobs?pageIndex=1', 'nextLink'],
      ] as const) {
        await expectError(await get(query), 400, field);
      }

      // A nextLink is bound to its query: a parameter changed beside it is refused, naming that parameter.
      const first = await list('pageSize=2&jobType=4');
      const url = new URL(first.nextLink);
      const token = url.searchParams.get('nextLink')!;
      await expectError(await get(`nextLink=${token}&pageSize=5`), 400, 'pageSize');
      await expectError(await get(`nextLink=${token}&jobType=1`), 400, 'jobType');
      await expectError(await get(`nextLink=${token}&jobStatus=2`), 400, 'jobStatus');
      await expectError(await get(`nextLink=${token}&pageIndex=7`), 400, 'pageIndex');
      // A native listing's cursor is no nextLink.
      const nativeCursor = (await t.call('GET', '/api/v1/jobs?limit=1&order=created_asc')).body.nextCursor as string;
      const forged = Buffer.from(JSON.stringify({ v: 1, q: { dataSource: '1', pageIndex: '1', pageSize: '1' }, c: nativeCursor })).toString('base64url');
      await expectError(await get(`nextLink=${forged}`), 400, 'nextLink');

      // Unknown paths and methods under the dialect's prefix.
      await expectError(await t.call('GET', '/backup/google/admin/job'), 404);
      await expectError(await t.call('GET', '/backup/google/admin/jobs/12'), 404);
      await expectError(await t.call('POST', PATH, { json: {} }), 404);
    });

    it('follows nextLink to the end with no job skipped or repeated while jobs are being created', async () => {
      const lib = await library('Classroom', 128);
      const initial: number[] = [];
      for (let i = 0; i < 23; i++) initial.push((await submit('trash', lib, { paths: [`/p${i}`] })).id);
      // A self-service job on that library is not on the admin pages.
      await t.call('PUT', `/api/v1/libraries/${lib}/permissions`, {
        json: { permissions: [{ type: 'user', value: 'admin@example.com', role: 'ADMIN' }, { type: 'user', value: 'alice@example.com', role: 'WRITER' }] },
      });
      const alicesId = (await submit('trash', lib, { paths: ['/hers'] }, alice.token)).id as number;

      // Offset pages (pageIndex) before anything moves: the same sequence as the nextLinks give.
      const offsetPages: number[] = [];
      for (let index = 0; ; index++) {
        const body = await list(`apptype=128&pagesize=5&pageindex=${index}`);
        offsetPages.push(...body.jobs.map((j: Json) => Number(j.jobId)));
        if (body.jobs.length < 5) break;
      }
      expect(offsetPages).toEqual([...initial].reverse());

      let paging = true;
      const creator = (async () => {
        let made = 0;
        while (paging && made < 40) {
          await submit('trash', lib, { paths: [`/new${made++}`] });
          await sleep(1);
        }
        return made;
      })();
      const seen: number[] = [];
      const links: string[] = [];
      let body = await get('apptype=128&pagesize=4&jobtype=4', { headers: { host: 'jobs.example.test:8443' } }).then((r) => r.body);
      try {
        for (;;) {
          seen.push(...body.jobs.map((j: Json) => Number(j.jobId)));
          if (body.nextLink === undefined) break;
          links.push(body.nextLink);
          const next = new URL(body.nextLink);
          const res = await t.call('GET', next.pathname + next.search, { headers: { host: 'jobs.example.test:8443' } });
          expect(res.status, JSON.stringify(res.body)).toBe(200);
          body = res.body;
          await sleep(2);
        }
      } finally {
        paging = false;
      }
      const made = await creator;
      expect(made).toBeGreaterThan(0);
      expect(new Set(seen).size, `${seen}`).toBe(seen.length);
      for (const id of initial) expect(seen.filter((s) => s === id), `job ${id}`).toHaveLength(1);
      expect(seen).not.toContain(alicesId);
      // Absolute links on the caller's host, to the same path, one page on each time; the last page has none.
      expect(links.length).toBeGreaterThanOrEqual(Math.ceil(initial.length / 4) - 1);
      links.forEach((link, i) => {
        const url = new URL(link);
        expect(`${url.protocol}//${url.host}${url.pathname}`).toBe(`http://jobs.example.test:8443${PATH}`);
        expect(url.searchParams.get('pageIndex')).toBe(String(i + 1));
        expect(url.searchParams.get('pageSize')).toBe('4');
        expect(url.searchParams.get('appType')).toBe('128');
      });
      expect('nextLink' in body).toBe(false);

      // The bare token (the form the page's sample shows) continues the same listing.
      const start = await list('apptype=128&pagesize=3');
      const token = new URL(start.nextLink).searchParams.get('nextLink')!;
      const viaUrl = await t.call('GET', new URL(start.nextLink).pathname + new URL(start.nextLink).search);
      const viaToken = await list(`nextLink=${token}`);
      expect(viaToken.jobs).toEqual(viaUrl.body.jobs);
      expect(viaToken.jobs.map((j: Json) => Number(j.jobId))).toEqual(
        (await list('apptype=128&pagesize=6')).jobs.slice(3).map((j: Json) => Number(j.jobId)),
      );
      // The whole nextLink URL given as the nextLink parameter works too.
      expect((await list(`nextLink=${encodeURIComponent(start.nextLink)}`)).jobs).toEqual(viaToken.jobs);
    });
  });
}
