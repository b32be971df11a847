/**
 * KooDrive dialect conformance over HTTP, on every driver: the page's sample
 * request against seeded jobs (run by the engine: completed, partly failed,
 * failed, cancelled, queued), every JobInfo field and type, the docs/dialects/README.md
 * enum mappings, type/status filters, only the caller's own tasks, offset
 * pages to the end while tasks are being created, create and read, the
 * X-Traceid echo, and every error in KooDrive's `{code, msg}` shape.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { FAST_ENGINE } from '../support/engine.js';
import { startEngine } from '../../src/app.js';
import type { Engine } from '../../src/engine/engine.js';
import { FINAL_STATUSES } from '../../src/domain/jobs.js';

const factories = await driverFactories();

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const BASE = '/koodrive/ose/v1';
const DOMAIN = 'example.com';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are checked field by field
type Json = any;

interface Caller {
  token: string;
  id: number;
}

/** `yyyyMMdd'T'HHmmss'Z'`, written independently of the server's formatter. */
function xDate(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getUTCFullYear(), 4)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}T${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`;
}

/** A native ISO time as KooDrive's `yyyyMMddHHmmss` (UTC). */
function kooTimeOf(iso: string): string {
  const d = new Date(iso);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getUTCFullYear(), 4)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
}

/** docs/dialects/README.md's KooDrive columns. */
const TYPES: Record<string, [number, number]> = {
  copy: [1, 101],
  trash: [2, 201],
  purge: [2, 202],
  move: [3, 301],
  restore: [4, 401],
  empty_trash: [7, 701],
};
const STATUS: Record<string, number> = {
  queued: 0,
  planning: 0,
  running: 1,
  cancelling: 1,
  completed: 2,
  completed_with_errors: 2,
  failed: 2,
  cancelled: 3,
};
const TASK_RESULT: Record<string, number | undefined> = { completed: 1, completed_with_errors: 2, failed: 3 };

const REQUIRED_KEYS = ['taskId', 'taskType', 'actionType', 'status', 'contentNum', 'containerId', 'tenantId', 'createTime'];

for (const factory of factories) {
  describe(`KooDrive dialect on ${factory.name}`, () => {
    let t: TestApp;
    let engine: Engine | undefined;
    let lib: string;
    let lib2: string;
    let alice: Caller;
    let admin: Caller;
    /** Alice's seeded jobs, in creation order, as the native API renders them once settled. */
    const seeded: Json[] = [];
    const named: Record<string, Json> = {};

    async function native(method: string, url: string, json?: unknown, token?: string): Promise<Json> {
      const res = await t.call(method, url, { json, token });
      expect(res.status, `${method} ${url}: ${JSON.stringify(res.body)}`).toBeLessThan(300);
      return res.body;
    }

    async function userToken(email: string): Promise<Caller> {
      const user = await native('POST', '/api/v1/users', { email, role: 'user' });
      const minted = await native('POST', '/api/v1/tokens', { userId: user.id });
      return { token: minted.token, id: user.id };
    }

    async function grant(libraryId: string, permissions: Array<[string, 'READER' | 'WRITER' | 'ADMIN']>) {
      await native('PUT', `/api/v1/libraries/${libraryId}/permissions`, {
        permissions: [{ type: 'user', value: 'admin@example.com', role: 'ADMIN' }, ...permissions.map(([value, role]) => ({ type: 'user', value, role }))],
      });
    }

    async function upload(libraryId: string, path: string) {
      const res = await t.call('PUT', `/api/v1/libraries/${libraryId}/files/${path}`, { body: `content of ${path}` });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    }

    /** A KooDrive request with valid app-authentication headers unless overridden (a null header is left out). */
    async function koo(
      method: string,
      path: string,
      options: { as?: Caller; json?: unknown; body?: string; headers?: Record<string, string | null> } = {},
    ): Promise<{ status: number; body: Json; headers: Record<string, unknown> }> {
      const as = options.as ?? alice;
      const merged: Record<string, string | null> = {
        authorization: `Bearer+${as.token}`,
        'x-user-id': String(as.id),
        'x-date': xDate(Date.now()),
        ...(options.headers ?? {}),
      };
      const headers = Object.fromEntries(Object.entries(merged).filter((e): e is [string, string] => e[1] !== null));
      return t.call(method, `${BASE}${path}`, { token: null, headers, json: options.json, body: options.body });
    }

    async function createTask(body: unknown, as: Caller = alice): Promise<number> {
      const res = await koo('POST', '/jobs', { as, json: body });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body).toEqual({ code: 0, msg: 'OK', data: expect.stringMatching(/^\d+$/) });
      return Number(res.body.data);
    }

    async function settled(id: number): Promise<Json> {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const job = await native('GET', `/api/v1/jobs/${id}`);
        if (FINAL_STATUSES.includes(job.status)) return job;
        if (Date.now() > deadline) throw new Error(`job ${id} never ended: ${JSON.stringify(job)}`);
        await sleep(20);
      }
    }

    async function seed(name: string, id: number) {
      const job = await settled(id);
      named[name] = job;
      seeded.push(job);
    }

    async function listAll(query = '', as: Caller = alice): Promise<Json[]> {
      const res = await koo('GET', `/jobs?offset=0&limit=100${query}`, { as });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body.data;
    }

    /** What KooDrive must say of a native job. */
    function expectedInfo(job: Json): Json {
      const [taskType, actionType] = TYPES[job.type]!;
      const selection = job.params.paths ?? job.params.itemIds;
      const info: Json = {
        taskId: String(job.id),
        taskType,
        actionType,
        status: STATUS[job.status],
        contentNum: Array.isArray(selection) ? selection.length : job.counts.total,
        containerId: job.targetLibraryId ?? job.libraryId,
        tenantId: DOMAIN,
        createTime: kooTimeOf(job.createdAt),
      };
      if (TASK_RESULT[job.status] !== undefined) info.taskResultCode = TASK_RESULT[job.status];
      if (STATUS[job.status]! >= 2) {
        info.resultCode = job.counts.failed === 0 ? 0 : job.counts.succeeded > 0 ? 207 : 422;
      }
      if (job.startedAt) info.beginTime = kooTimeOf(job.startedAt);
      if (job.finishedAt) info.endTime = kooTimeOf(job.finishedAt);
      return info;
    }

    function expectJobInfoTypes(info: Json) {
      for (const key of REQUIRED_KEYS) expect(info, key).toHaveProperty(key);
      expect(Object.keys(info).every((k) => [...REQUIRED_KEYS, 'taskResultCode', 'resultCode', 'beginTime', 'endTime'].includes(k)), JSON.stringify(info)).toBe(true);
      expect(info.taskId).toMatch(/^\d+$/);
      for (const key of ['taskType', 'actionType', 'status', 'contentNum']) expect(Number.isInteger(info[key]), key).toBe(true);
      for (const key of ['taskResultCode', 'resultCode']) if (key in info) expect(Number.isInteger(info[key]), key).toBe(true);
      expect(typeof info.containerId).toBe('string');
      expect(typeof info.tenantId).toBe('string');
      for (const key of ['createTime', 'beginTime', 'endTime']) if (key in info) expect(info[key], key).toMatch(/^\d{14}$/);
    }

    beforeAll(async () => {
      t = await startTestApp(factory, { BATCHYARD_ENABLE_BENCH_JOBS: '1' });
      const me = await native('GET', '/api/v1/me');
      admin = { token: 'test-bootstrap-token-0123456789', id: me.id };
      lib = (await native('POST', '/api/v1/libraries', { name: 'Koo' })).libraryId;
      lib2 = (await native('POST', '/api/v1/libraries', { name: 'Koo target' })).libraryId;
      alice = await userToken('alice@example.com');
      await grant(lib, [['alice@example.com', 'WRITER']]);
      await grant(lib2, [['alice@example.com', 'WRITER']]);
      for (const path of ['docs/a.txt', 'docs/b.txt', 'docs/c.txt', 'docs/sub/d.txt', 'm.txt', 'p.txt', 'admin.txt']) await upload(lib, path);

      // Cancelled before any engine runs: it never starts.
      const cancelledId = await createTask({ taskType: 2, actionType: 201, taskInfo: { srcContainerId: lib, fileInfo: [{ filePath: '/docs/c.txt' }] }, dstContainerId: lib });
      await native('POST', `/api/v1/jobs/${cancelledId}/cancel`, undefined, alice.token);
      await seed('cancelled', cancelledId);

      engine = await startEngine(t.app, FAST_ENGINE);
      await seed('trash', await createTask({ taskType: 2, taskInfo: { srcContainerId: lib, fileInfo: [{ filePath: '/docs/a.txt' }] }, dstContainerId: lib }));
      await seed('partial', (await native('POST', '/api/v1/jobs', { type: 'trash', libraryId: lib, params: { paths: ['/docs/b.txt', '/nope'] } }, alice.token)).id);
      await seed('failed', (await native('POST', '/api/v1/jobs', { type: 'trash', libraryId: lib, params: { paths: ['/missing1', '/missing2'] } }, alice.token)).id);
      await seed(
        'copy',
        await createTask({ taskType: 1, actionType: 101, taskInfo: { srcContainerId: lib, fileInfo: [{ filePath: '/docs/sub' }], newFilePath: '/copied' }, dstContainerId: lib2 }),
      );
      await seed('move', await createTask({ taskType: 3, taskInfo: { srcContainerId: lib, fileInfo: [{ filePath: '/m.txt' }], newFilePath: '/moved' }, dstContainerId: lib }));
      const trashed = await native('GET', `/api/v1/libraries/${lib}/trash`, undefined, alice.token);
      const a = trashed.items.find((item: Json) => item.path === '/docs/a.txt');
      const b = trashed.items.find((item: Json) => item.path === '/docs/b.txt');
      await seed('restore', await createTask({ taskType: 4, taskInfo: { srcContainerId: lib, fileInfo: [{ fileId: String(a.id) }] }, dstContainerId: lib }));
      await seed('purge', await createTask({ taskType: 2, actionType: 202, taskInfo: { srcContainerId: lib, fileInfo: [{ fileId: String(b.id), filePath: '/docs/b.txt' }] }, dstContainerId: lib }));
      await upload(lib, 'docs/e.txt');
      // Something in the recycle bin for the clearance below.
      await seed('trashE', (await native('POST', '/api/v1/jobs', { type: 'trash', libraryId: lib, params: { paths: ['/docs/e.txt'] } }, alice.token)).id);
      await seed('emptyTrash', await createTask({ taskType: 7, actionType: 701, taskInfo: { srcContainerId: lib }, dstContainerId: lib }));
      // Not for KooDrive: a type it cannot name, and someone else's task.
      named.noop = await settled((await native('POST', '/api/v1/jobs', { type: 'noop', libraryId: lib, params: { count: 2 } }, alice.token)).id);
      named.admins = await settled((await native('POST', '/api/v1/jobs', { type: 'trash', libraryId: lib, params: { paths: ['/admin.txt'] } })).id);
      await engine.stop();
      engine = undefined;
      // Nothing runs it: it stays to be processed.
      const queuedId = await createTask({ taskType: 2, taskInfo: { srcContainerId: lib, fileInfo: [{ filePath: '/p.txt' }, { filePath: '/docs/c.txt' }] }, dstContainerId: lib });
      named.queued = await native('GET', `/api/v1/jobs/${queuedId}`);
      seeded.push(named.queued);
    }, 120_000);

    afterAll(async () => {
      await engine?.stop();
      await t?.dispose();
    });

    it('seeded every outcome KooDrive can show', () => {
      expect(named.cancelled.status).toBe('cancelled');
      expect(named.trash.status).toBe('completed');
      expect(named.partial.status).toBe('completed_with_errors');
      expect(named.failed.status).toBe('failed');
      for (const name of ['copy', 'move', 'restore', 'purge', 'emptyTrash']) expect(named[name].status, name).toBe('completed');
      expect(named.copy).toMatchObject({ type: 'copy', libraryId: lib, targetLibraryId: lib2, params: { paths: ['/docs/sub'], destination: '/copied' } });
      expect(named.move).toMatchObject({ type: 'move', targetLibraryId: null, params: { paths: ['/m.txt'], destination: '/moved' } });
      expect(named.restore).toMatchObject({ type: 'restore', params: { itemIds: [expect.any(Number)] } });
      expect(named.purge).toMatchObject({ type: 'purge', params: { itemIds: [expect.any(Number)] } });
      expect(named.emptyTrash).toMatchObject({ type: 'empty_trash', params: {} });
      expect(named.emptyTrash.counts.total).toBeGreaterThan(0);
      expect(named.queued.status).toBe('queued');
    });

    it("replays the page's sample request: GET /koodrive/ose/v1/jobs?offset=0&limit=2", async () => {
      const res = await koo('GET', '/jobs?offset=0&limit=2', { headers: { authorization: `Bearer+${alice.token}` } });
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(Object.keys(res.body).sort()).toEqual(['code', 'data', 'msg']);
      expect(res.body.code).toBe(0);
      expect(res.body.msg).toBe('OK');
      expect(res.body.data).toHaveLength(2);
      for (const info of res.body.data) expectJobInfoTypes(info);
      // Oldest first: the cancelled task, then the first completed one.
      expect(res.body.data).toEqual([expectedInfo(named.cancelled), expectedInfo(named.trash)]);
      expect(res.body.data[1]).toMatchObject({ taskType: 2, actionType: 201, status: 2, taskResultCode: 1, resultCode: 0, contentNum: 1, containerId: lib, tenantId: DOMAIN });
      expect(res.body.data[0]).toMatchObject({ status: 3, resultCode: 0 });
      expect(res.body.data[0]).not.toHaveProperty('taskResultCode');
      expect(res.body.data[0]).not.toHaveProperty('beginTime');
      // The plain "Bearer <token>" form works the same.
      const spaced = await koo('GET', '/jobs?offset=0&limit=2', { headers: { authorization: `Bearer ${alice.token}` } });
      expect(spaced.status).toBe(200);
      expect(spaced.body).toEqual(res.body);
    });

    it('renders every task with the docs/dialects/README.md mappings, field by field', async () => {
      const data = await listAll();
      expect(data.map((info: Json) => info.taskId)).toEqual(seeded.map((job) => String(job.id)));
      for (const [i, info] of data.entries()) {
        expectJobInfoTypes(info);
        expect(info, seeded[i].type).toEqual(expectedInfo(seeded[i]));
      }
      const byId = new Map<string, Json>(data.map((info: Json) => [info.taskId, info]));
      const of = (name: string) => byId.get(String(named[name].id));
      expect(of('cancelled')).toMatchObject({ taskType: 2, actionType: 201, status: 3 });
      expect(of('trash')).toMatchObject({ taskType: 2, actionType: 201, status: 2, taskResultCode: 1, resultCode: 0, contentNum: 1 });
      expect(of('partial')).toMatchObject({ taskType: 2, actionType: 201, status: 2, taskResultCode: 2, resultCode: 207, contentNum: 2 });
      expect(of('failed')).toMatchObject({ taskType: 2, actionType: 201, status: 2, taskResultCode: 3, resultCode: 422, contentNum: 2 });
      expect(of('copy')).toMatchObject({ taskType: 1, actionType: 101, status: 2, taskResultCode: 1, containerId: lib2, contentNum: 1 });
      expect(of('move')).toMatchObject({ taskType: 3, actionType: 301, containerId: lib });
      expect(of('restore')).toMatchObject({ taskType: 4, actionType: 401, contentNum: 1 });
      expect(of('purge')).toMatchObject({ taskType: 2, actionType: 202, contentNum: 1 });
      expect(of('emptyTrash')).toMatchObject({ taskType: 7, actionType: 701, contentNum: named.emptyTrash.counts.total });
      expect(of('queued')).toMatchObject({ taskType: 2, status: 0, contentNum: 2 });
      for (const key of ['taskResultCode', 'resultCode', 'beginTime', 'endTime']) expect(of('queued'), key).not.toHaveProperty(key);
      for (const name of ['trash', 'copy', 'emptyTrash']) {
        expect(of(name)!.beginTime).toBe(kooTimeOf(named[name].startedAt));
        expect(of(name)!.endTime).toBe(kooTimeOf(named[name].finishedAt));
        expect(of(name)!.createTime).toBe(kooTimeOf(named[name].createdAt));
      }
    });

    it('lists only the caller’s own tasks of the types KooDrive can name', async () => {
      const ids = (await listAll()).map((info: Json) => Number(info.taskId));
      expect(ids).not.toContain(named.noop.id);
      expect(ids).not.toContain(named.admins.id);
      // The domain admin sees every job natively, but KooDrive lists only the tasks they requested.
      const theirs = await listAll('', admin);
      expect(theirs.map((info: Json) => Number(info.taskId))).toEqual([named.admins.id]);
      // A user with no tasks gets an empty page, not an error.
      const nobody = await userToken('nobody@example.com');
      expect(await listAll('', nobody)).toEqual([]);
    });

    it('filters by type and status (each KooDrive value as its native set)', async () => {
      const idsOf = (data: Json[]) => data.map((info: Json) => Number(info.taskId));
      const nativeIds = (pred: (job: Json) => boolean) => seeded.filter(pred).map((job) => job.id);
      for (const [type, natives] of [
        [1, ['copy']],
        [2, ['trash', 'purge']],
        [3, ['move']],
        [4, ['restore']],
        [7, ['empty_trash']],
      ] as const) {
        const data = await listAll(`&type=${type}`);
        expect(idsOf(data), `type=${type}`).toEqual(nativeIds((job) => (natives as readonly string[]).includes(job.type)));
        expect(data.length, `type=${type}`).toBeGreaterThan(0);
        for (const info of data) expect(info.taskType).toBe(type);
      }
      // Types this server has no jobs for: an empty list, not an error.
      expect(await listAll('&type=5')).toEqual([]);
      expect(await listAll('&type=6')).toEqual([]);
      for (const [status, natives] of [
        [0, ['queued', 'planning']],
        [2, ['completed', 'completed_with_errors', 'failed']],
        [3, ['cancelled']],
      ] as const) {
        const data = await listAll(`&status=${status}`);
        expect(idsOf(data), `status=${status}`).toEqual(nativeIds((job) => (natives as readonly string[]).includes(job.status)));
        expect(data.length).toBeGreaterThan(0);
        for (const info of data) expect(info.status).toBe(status);
      }
      expect(await listAll('&status=1')).toEqual([]);
      expect(idsOf(await listAll('&type=2&status=2'))).toEqual(nativeIds((job) => ['trash', 'purge'].includes(job.type) && STATUS[job.status] === 2));
      expect(idsOf(await listAll('&type=2&status=3'))).toEqual([named.cancelled.id]);
      // Unknown query parameters are ignored, as a vendor server does.
      expect(idsOf(await listAll('&sort=whatever'))).toEqual(seeded.map((job) => job.id));
    });

    it('pages by offset to the end with no duplicates and no gaps while new tasks are being created', async () => {
      const carol = await userToken('carol@example.com');
      await grant(lib, [['alice@example.com', 'WRITER'], ['carol@example.com', 'WRITER']]);
      const emptyTrash = { taskType: 7, taskInfo: { srcContainerId: lib }, dstContainerId: lib };
      for (let i = 0; i < 8; i++) await createTask(emptyTrash, carol);
      const seen: number[] = [];
      const created: number[] = [];
      const limit = 3;
      let offset = 0;
      for (let page = 0; ; page++) {
        // A new task is created at the same time as the page is read, for the first pages.
        const [res, newId] = await Promise.all([
          koo('GET', `/jobs?offset=${offset}&limit=${limit}`, { as: carol }),
          page < 4 ? createTask(emptyTrash, carol) : Promise.resolve(undefined),
        ]);
        if (newId !== undefined) created.push(newId);
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        const ids = res.body.data.map((info: Json) => Number(info.taskId));
        seen.push(...ids);
        offset += ids.length;
        // A short page ends the listing, unless a task was being created as it was read (then read on from here).
        if (ids.length < limit && newId === undefined) break;
        expect(page).toBeLessThan(20);
      }
      expect(new Set(seen).size).toBe(seen.length);
      const all = (await native('GET', `/api/v1/jobs?requestor=${carol.id}&order=created_asc&limit=1000`)).jobs.map((job: Json) => job.id);
      expect(all).toHaveLength(8 + created.length);
      expect(seen).toEqual(all);
      // Past the end: an empty page.
      const past = await koo('GET', `/jobs?offset=${offset + 50}&limit=100`, { as: carol });
      expect(past.status).toBe(200);
      expect(past.body).toEqual({ code: 0, msg: 'OK', data: [] });
    });

    it('creates tasks of every supported type and reads one back', async () => {
      const dave = await userToken('dave@example.com');
      await grant(lib, [['alice@example.com', 'WRITER'], ['dave@example.com', 'WRITER']]);
      await grant(lib2, [['alice@example.com', 'WRITER'], ['dave@example.com', 'WRITER']]);
      const file = await native('GET', `/api/v1/libraries/${lib}/items?path=/docs`, undefined, dave.token);
      const c = file.items.find((item: Json) => item.path === '/docs/c.txt');
      const cases: Array<[unknown, Record<string, unknown>]> = [
        [
          { taskType: 1, actionType: 101, taskInfo: { srcContainerId: lib, fileInfo: [{ filePath: '/docs' }], newFilePath: '/backup' }, dstContainerId: lib2 },
          { type: 'copy', libraryId: lib, targetLibraryId: lib2, params: { paths: ['/docs'], destination: '/backup', targetLibraryId: lib2 } },
        ],
        [
          { taskType: 1, taskInfo: { srcContainerId: lib, fileInfo: [{ filePath: '/docs' }], newFilePath: '/again' }, containerId: lib },
          { type: 'copy', targetLibraryId: null, params: { paths: ['/docs'], destination: '/again' } },
        ],
        [
          { taskType: 3, actionType: 301, taskInfo: { srcContainerId: lib, fileInfo: [{ filePath: '/p.txt' }], newFilePath: '/elsewhere' }, dstContainerId: lib2 },
          { type: 'move', targetLibraryId: lib2, params: { paths: ['/p.txt'], destination: '/elsewhere' } },
        ],
        // File ids go straight through, for every type (no id → path → id round trip).
        [{ taskType: 2, taskInfo: { srcContainerId: lib, fileInfo: [{ fileId: String(c.id) }] } }, { type: 'trash', params: { itemIds: [c.id] } }],
        // An id that names no item is accepted; once planned it is that item's NOT_FOUND failure, as for an
        // item that vanished after submission (test/engine/item-ids.test.ts runs that).
        [{ taskType: 2, taskInfo: { srcContainerId: lib, fileInfo: [{ fileId: '999999' }] } }, { type: 'trash', params: { itemIds: [999999] } }],
        [{ taskType: 2, actionType: 202, taskInfo: { srcContainerId: lib, fileInfo: [{ filePath: '/docs/c.txt' }] } }, { type: 'purge', params: { paths: ['/docs/c.txt'] } }],
        [{ taskType: 4, actionType: 401, taskInfo: { srcContainerId: lib, fileInfo: [{ fileId: c.id }] } }, { type: 'restore', params: { itemIds: [c.id] } }],
        [{ taskType: 4, taskInfo: { srcContainerId: lib, fileInfo: [{ filePath: '/docs/c.txt' }] } }, { type: 'restore', params: { paths: ['/docs/c.txt'] } }],
        [{ taskType: 7, taskInfo: { srcContainerId: lib, fileInfo: [] }, dstContainerId: lib }, { type: 'empty_trash', params: {} }],
      ];
      for (const [body, expected] of cases) {
        const id = await createTask(body, dave);
        const job = await native('GET', `/api/v1/jobs/${id}`);
        expect(job, JSON.stringify(body)).toMatchObject({ ...expected, libraryId: lib, requestor: { id: dave.id }, origin: 'self_service' });
        const one = await koo('GET', `/${id}`, { as: dave });
        expect(one.status, JSON.stringify(one.body)).toBe(200);
        expect(Object.keys(one.body).sort()).toEqual(['code', 'data', 'msg']);
        expect(one.body).toMatchObject({ code: 0, msg: 'OK' });
        expect(Object.keys(one.body.data)).toEqual(['jobInfo', 'taskInfos']);
        // One TaskInfo per file the request named (none for emptying the recycle bin), not done yet.
        const files = (body as Json).taskInfo.fileInfo as Json[];
        expect(one.body.data.taskInfos).toEqual(
          files.map((f) => ({ ...(f.fileId !== undefined ? { fileId: String(f.fileId) } : { filePath: f.filePath }), srcContainerId: lib, status: job.status === 'queued' ? '0' : expect.any(String) })),
        );
        const { userId, progress, ...info } = one.body.data.jobInfo;
        expect(userId).toBe(String(dave.id));
        expect(progress).toBe(job.progress);
        expectJobInfoTypes(info);
        expect(info).toEqual(expectedInfo(job));
      }
      // A settled task read back: the same JobInfo the listing shows.
      const listed = await listAll();
      const one = await koo('GET', `/${named.partial.id}`);
      const { userId, progress, ...info } = one.body.data.jobInfo;
      expect(userId).toBe(String(alice.id));
      expect(progress).toBe(100);
      expect(info).toEqual(listed.find((l: Json) => l.taskId === String(named.partial.id)));
    });

    it('echoes X-Traceid on answers and errors; accepts a language', async () => {
      const trace = 'a'.repeat(58);
      const ok = await koo('GET', '/jobs?offset=0&limit=1', { headers: { 'x-traceid': trace, language: 'en-US' } });
      expect(ok.status).toBe(200);
      expect(ok.headers['x-traceid']).toBe(trace);
      const bad = await koo('GET', '/jobs?offset=0&limit=0', { headers: { 'x-traceid': trace } });
      expect(bad.status).toBe(400);
      expect(bad.headers['x-traceid']).toBe(trace);
      const unauthenticated = await koo('GET', '/jobs?offset=0&limit=1', { headers: { 'x-traceid': trace, 'x-date': null } });
      expect(unauthenticated.status).toBe(401);
      expect(unauthenticated.headers['x-traceid']).toBe(trace);
      const none = await koo('GET', '/jobs?offset=0&limit=1');
      expect(none.headers['x-traceid']).toBeUndefined();
    });

    it('refuses failed app authentication with 401 {code, msg} naming the header', async () => {
      const now = Date.now();
      const refused = async (headers: Record<string, string | null>, names: string) => {
        const res = await koo('GET', '/jobs?offset=0&limit=1', { headers });
        expect(res.status, `${JSON.stringify(headers)}: ${JSON.stringify(res.body)}`).toBe(401);
        expect(Object.keys(res.body).sort()).toEqual(['code', 'msg']);
        expect(res.body.code).toBe('401');
        expect(typeof res.body.msg).toBe('string');
        expect(res.body.msg).toContain(names);
      };
      await refused({ 'x-date': null }, 'X-Date');
      await refused({ 'x-date': '' }, 'X-Date');
      await refused({ 'x-date': xDate(now - 16 * 60_000) }, 'X-Date');
      await refused({ 'x-date': xDate(now + 5 * 60_000) }, 'X-Date');
      for (const malformed of ['2025-11-03T07:01:40Z', '20251103T070140', '20251303T070140Z', '20250230T070140Z', '20251103 070140Z', 'yesterday', String(now)]) {
        await refused({ 'x-date': malformed }, 'X-Date');
      }
      await refused({ 'x-user-id': null }, 'X-User-Id');
      await refused({ 'x-user-id': String(admin.id) }, 'X-User-Id');
      await refused({ 'x-user-id': 'alice' }, 'X-User-Id');
      await refused({ 'x-user-id': `${alice.id}.0` }, 'X-User-Id');
      await refused({ authorization: null }, 'Authorization');
      await refused({ authorization: `Basic ${alice.token}` }, 'Authorization');
      await refused({ authorization: 'Bearer+not-a-token' }, 'Authorization');
      await refused({ authorization: `Bearer+${alice.token}`, 'x-user-id': String(admin.id) }, 'X-User-Id');
      // Within the window, and a few seconds ahead (clock skew), is fine.
      for (const at of [now - 14 * 60_000, now - 1000, now + 20_000]) {
        const res = await koo('GET', '/jobs?offset=0&limit=1', { headers: { 'x-date': xDate(at) } });
        expect(res.status, xDate(at)).toBe(200);
      }
      // Every KooDrive route checks the same headers.
      expect((await koo('GET', `/${named.trash.id}`, { headers: { 'x-date': null } })).status).toBe(401);
      expect((await koo('POST', '/jobs', { headers: { 'x-user-id': String(admin.id) }, json: { taskType: 7, taskInfo: { srcContainerId: lib } } })).status).toBe(401);
    });

    it('refuses bad listing parameters with 400 naming the parameter', async () => {
      const bad = async (query: string, names: string) => {
        const res = await koo('GET', `/jobs${query}`);
        expect(res.status, `${query}: ${JSON.stringify(res.body)}`).toBe(400);
        expect(res.body).toEqual({ code: '400', msg: expect.stringContaining(names) });
      };
      await bad('?offset=0&limit=0', 'limit');
      await bad('?offset=0&limit=101', 'limit');
      await bad('?offset=0&limit=abc', 'limit');
      await bad('?offset=0&limit=1.5', 'limit');
      await bad('?offset=0', 'limit');
      await bad('?limit=2', 'offset');
      await bad('', 'offset');
      await bad('?offset=-1&limit=2', 'offset');
      await bad('?offset=x&limit=2', 'offset');
      await bad('?offset=0&limit=2&type=0', 'type');
      await bad('?offset=0&limit=2&type=8', 'type');
      await bad('?offset=0&limit=2&type=copy', 'type');
      await bad('?offset=0&limit=2&status=4', 'status');
      await bad('?offset=0&limit=2&status=-1', 'status');
      await bad('?offset=0&limit=2&status=done', 'status');
      await bad('?offset=0&limit=', 'limit');
      await bad('?offset=&limit=2', 'offset');
      await bad('?offset=0&limit=2&type=', 'type');
      await bad('?offset=0&limit=2&limit=3', 'limit');
      await bad('?offset=0&limit=2&status=1&status=2', 'status');
      // The edges are accepted.
      await bad('?offset=9007199254740992&limit=2', 'offset');
      for (const query of ['?offset=0&limit=1', '?offset=0&limit=100', '?offset=1&limit=1', '?offset=9007199254740991&limit=1', '?offset=0&limit=2&type=1&status=0', '?offset=0&limit=2&type=7&status=3']) {
        expect((await koo('GET', `/jobs${query}`)).status, query).toBe(200);
      }
    });

    it('refuses bad create-task bodies in KooDrive terms', async () => {
      const refused = async (body: unknown, status: number, names: string) => {
        const res = await koo('POST', '/jobs', { json: body });
        expect(res.status, `${JSON.stringify(body)}: ${JSON.stringify(res.body)}`).toBe(status);
        expect(res.body).toEqual({ code: String(status), msg: expect.stringContaining(names) });
      };
      const info = { srcContainerId: lib, fileInfo: [{ filePath: '/docs/a.txt' }] };
      // Compressed package preview is the one action this server does not serve (5 and 6: koodrive-transfer.test.ts).
      await refused({ taskType: 5, actionType: 501, taskInfo: { srcContainerId: lib, fileInfo: [{ filePath: '/a.zip' }] }, dstContainerId: lib }, 400, 'actionType');
      await refused({ taskType: 0, taskInfo: info }, 400, 'taskType');
      await refused({ taskType: 8, taskInfo: info }, 400, 'taskType');
      await refused({ taskType: 'copy', taskInfo: info }, 400, 'taskType');
      await refused({ taskInfo: info }, 400, 'taskType');
      await refused({ taskType: 2, actionType: 301, taskInfo: info }, 400, 'actionType');
      await refused({ taskType: 1, actionType: 201, taskInfo: { ...info, newFilePath: '/x' } }, 400, 'actionType');
      await refused({ taskType: 2 }, 400, 'taskInfo');
      await refused({ taskType: 2, taskInfo: { fileInfo: info.fileInfo } }, 400, 'taskInfo.srcContainerId');
      await refused({ taskType: 2, taskInfo: { ...info, srcContainerId: 'no/such' } }, 400, 'taskInfo.srcContainerId');
      await refused({ taskType: 2, taskInfo: { srcContainerId: lib } }, 400, 'taskInfo.fileInfo');
      await refused({ taskType: 2, taskInfo: { srcContainerId: lib, fileInfo: [] } }, 400, 'taskInfo.fileInfo');
      await refused({ taskType: 2, taskInfo: { srcContainerId: lib, fileInfo: 'a.txt' } }, 400, 'taskInfo.fileInfo');
      await refused({ taskType: 2, taskInfo: { srcContainerId: lib, fileInfo: [{}] } }, 400, 'taskInfo.fileInfo[0]');
      await refused({ taskType: 2, taskInfo: { srcContainerId: lib, fileInfo: [{ filePath: '/ok' }, { filePath: '../x' }] } }, 400, 'taskInfo.fileInfo[1].filePath');
      await refused({ taskType: 4, taskInfo: { srcContainerId: lib, fileInfo: [{ fileId: 'abc' }] } }, 400, 'taskInfo.fileInfo[0].fileId');
      await refused({ taskType: 4, taskInfo: { srcContainerId: lib, fileInfo: [{ fileId: '1' }, { fileId: true }] } }, 400, 'taskInfo.fileInfo[1].fileId');
      await refused({ taskType: 4, taskInfo: { srcContainerId: lib, fileInfo: [{ fileId: '0' }] } }, 400, 'taskInfo.fileInfo[0].fileId');
      await refused({ taskType: 2, taskInfo: { srcContainerId: lib, fileInfo: [{ fileId: '7' }, { filePath: '/docs/c.txt' }] } }, 400, 'taskInfo.fileInfo[0].filePath');
      await refused({ taskType: 1, taskInfo: info, dstContainerId: lib2 }, 400, 'taskInfo.newFilePath');
      await refused({ taskType: 1, taskInfo: { ...info, newFilePath: '/docs/a.txt/inside' } }, 400, 'taskInfo.newFilePath');
      await refused({ taskType: 2, taskInfo: info, dstContainerId: lib2 }, 400, 'dstContainerId');
      await refused({ taskType: 1, taskInfo: { ...info, newFilePath: '/x' }, dstContainerId: lib, containerId: lib2 }, 400, 'containerId');
      await refused({ taskType: 2, taskInfo: { ...info, newFilePath: '/x' } }, 400, 'taskInfo.newFilePath');
      await refused({ taskType: 7, taskInfo: info }, 400, 'taskInfo.fileInfo');
      await refused([], 400, 'body');
      const notJson = await koo('POST', '/jobs', { body: '{"taskType":', headers: { 'content-type': 'application/json' } });
      expect(notJson.status).toBe(400);
      expect(notJson.body).toEqual({ code: '400', msg: expect.stringContaining('JSON') });
      const text = await koo('POST', '/jobs', { body: 'taskType=2', headers: { 'content-type': 'text/plain' } });
      expect(text.status).toBe(400);
      expect(text.body).toEqual({ code: '400', msg: expect.stringContaining('body') });
      const xml = await koo('POST', '/jobs', { body: '<taskType>2</taskType>', headers: { 'content-type': 'application/xml' } });
      expect(xml.status).toBe(400);
      expect(xml.body).toEqual({ code: '400', msg: expect.stringContaining('Content-Type') });
      // Spaces: an unknown one, another domain's, one the caller may only read.
      await refused({ taskType: 2, taskInfo: { ...info, srcContainerId: 'nosuchlibrary' } }, 404, 'nosuchlibrary');
      const other = await native('POST', '/api/v1/domains', { name: 'other.test', admin: { email: 'adm@other.test' } });
      const theirLib = (await native('POST', '/api/v1/libraries', { name: 'Theirs' }, other.token)).libraryId;
      await refused({ taskType: 2, taskInfo: { ...info, srcContainerId: theirLib } }, 404, theirLib);
      await refused({ taskType: 1, taskInfo: { ...info, newFilePath: '/x' }, dstContainerId: theirLib }, 404, theirLib);
      const erin = await userToken('erin@example.com');
      await grant(lib, [['alice@example.com', 'WRITER'], ['erin@example.com', 'READER']]);
      const readOnly = await koo('POST', '/jobs', { as: erin, json: { taskType: 2, taskInfo: info } });
      expect(readOnly.status).toBe(403);
      expect(readOnly.body).toEqual({ code: '403', msg: expect.any(String) });
      // Nothing above created a task.
      expect((await listAll()).map((i: Json) => i.taskId)).toEqual(seeded.map((job) => String(job.id)));
    });

    it('reads one task: 400 for a malformed id, 404 for one the caller cannot see or KooDrive cannot name', async () => {
      for (const bad of ['abc', '0', '-1', '1.5', '99999999999999999999']) {
        const res = await koo('GET', `/${bad}`);
        expect(res.status, bad).toBe(400);
        expect(res.body).toEqual({ code: '400', msg: expect.stringContaining('jobId') });
      }
      for (const id of [named.noop.id, named.admins.id, 9_999_999]) {
        const res = await koo('GET', `/${id}`);
        expect(res.status, String(id)).toBe(404);
        expect(res.body).toEqual({ code: '404', msg: expect.any(String) });
      }
      // Another domain's admin cannot see Alice's task either.
      const other = await native('POST', '/api/v1/domains', { name: 'third.test', admin: { email: 'adm@third.test' } });
      const me = await native('GET', '/api/v1/me', undefined, other.token);
      const res = await koo('GET', `/${named.trash.id}`, { as: { token: other.token, id: me.id } });
      expect(res.status).toBe(404);
      expect(await listAll('', { token: other.token, id: me.id })).toEqual([]);
    });

    it('answers unknown routes under its prefix in its own shape, and stays out of the native OpenAPI document', async () => {
      const res = await koo('DELETE', '/jobs');
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ code: '404', msg: expect.any(String) });
      const deeper = await koo('GET', '/jobs/1/whatever');
      expect(deeper.status).toBe(404);
      expect(deeper.body).toEqual({ code: '404', msg: expect.any(String) });
      const openapi = await native('GET', '/api/v1/openapi.json');
      expect(Object.keys(openapi.paths).filter((path) => path.startsWith('/koodrive'))).toEqual([]);
      // The native API keeps its own error shape.
      const nativeError = await t.call('GET', '/api/v1/jobs?limit=0');
      expect(nativeError.body.error.code).toBe('INVALID_ARGUMENT');
    });
  });
}

for (const factory of factories) {
  describe(`KooDrive dialect on ${factory.name}: a task being processed`, () => {
    let t: TestApp | undefined;
    afterAll(async () => {
      await t?.dispose();
    });

    it('shows a running (and then cancelling) task as status 1 with a begin time and no result yet', async () => {
      t = await startTestApp(factory);
      const app = t;
      const me = (await app.call('GET', '/api/v1/me')).body;
      const lib = (await app.call('POST', '/api/v1/libraries', { json: { name: 'Slow' } })).body.libraryId;
      const headers = () => ({ authorization: 'Bearer+test-bootstrap-token-0123456789', 'x-user-id': String(me.id), 'x-date': xDate(Date.now()) });
      const read = async (url: string) => (await app.call('GET', `${BASE}${url}`, { token: null, headers: headers() })).body.data;
      const created = await app.call('POST', `${BASE}/jobs`, { token: null, headers: headers(), json: { taskType: 2, taskInfo: { srcContainerId: lib, fileInfo: [{ filePath: '/a.txt' }] }, dstContainerId: lib } });
      expect(created.status, JSON.stringify(created.body)).toBe(200);
      const id = created.body.data as string;
      // The step the engine takes when a worker starts the job (no engine runs here, so the state holds still;
      // on SQLite a running engine's task holds the only connection, so readers never see "running").
      expect(await app.app.store.jobSetStatus({ id: Number(id), status: 'running', from: ['queued'], now: Date.now(), started: true })).toBe(true);
      let info = (await read(`/${id}`)).jobInfo;
      expect(info).toMatchObject({ taskId: id, taskType: 2, actionType: 201, status: 1, contentNum: 1 });
      expect(info.beginTime).toMatch(/^\d{14}$/);
      for (const key of ['taskResultCode', 'resultCode', 'endTime']) expect(info, key).not.toHaveProperty(key);
      expect((await read('/jobs?offset=0&limit=10&status=1')).map((i: Json) => i.taskId)).toEqual([id]);
      expect(await read('/jobs?offset=0&limit=10&status=0')).toEqual([]);
      // Cancelled through the native API: "being processed" while cancelling, then cancelled (3).
      const cancel = await app.call('POST', `/api/v1/jobs/${id}/cancel`);
      expect(cancel.status).toBe(202);
      info = (await read(`/${id}`)).jobInfo;
      expect(info.status).toBe(STATUS[cancel.body.status]);
      expect(['cancelling', 'cancelled']).toContain(cancel.body.status);
      if (cancel.body.status === 'cancelled') expect(info.endTime).toMatch(/^\d{14}$/);
    });
  });
}
