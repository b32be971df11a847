/**
 * AODocs dialect conformance, over HTTP on every driver: the seed pages' own sample
 * requests replayed against real jobs (run by the engine to completed, completed with
 * errors, failed and cancelled), every response validated against AODocs' OpenAPI
 * documents (seeds/openapi) and compared field by field with the native job; docs/dialects/README.md's
 * enum mappings; filters, orders and pages to the end while jobs are being created; the
 * library resource with include/updateLastAccessed; job get, cancel and events; and every
 * error in AODocs' Google-style shape.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { FAST_ENGINE } from '../support/engine.js';
import { startEngine } from '../../src/app.js';
import type { Engine } from '../../src/engine/engine.js';
import { FINAL_STATUSES } from '../../src/domain/jobs.js';
import { exact, operationParameter, published, sampleKind, samplePage, schemaEnum } from './support/aodocs-schemas.js';

const factories = await driverFactories();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are checked by schema and field by field
type Json = any;

interface CallOptions {
  token?: string | null;
  json?: unknown;
  body?: string;
  headers?: Record<string, string>;
}

/** docs/dialects/README.md: native type → AODocs type. */
const TYPE_TABLE: Record<string, string> = {
  copy: 'COPY_FILE',
  move: 'MOVE_DOCUMENTS_AND_FOLDERS',
  trash: 'DELETE_DOCUMENTS_AND_FOLDERS',
  purge: 'PERMANENTLY_DELETE_DOCUMENTS_AND_FOLDERS',
  restore: 'RESTORE_FOLDER',
  empty_trash: 'PERMANENTLY_DELETE_FOLDER',
  export: 'EXPORT_FOLDER',
  import: 'IMPORT_FOLDER',
  extract: 'IMPORT',
  replicate: 'EXPORT_TO_LIBRARY',
  backup: 'BACKUP',
  restore_backup: 'REVERT',
  retention: 'UNKNOWN',
  report: 'LIBRARY_PERMISSION_EXTRACTION',
  verify: 'REFRESH_INDEX_STAT',
};
/** docs/dialects/README.md: native status → AODocs status. */
const STATUS_TABLE: Record<string, string> = {
  queued: 'IN_PROGRESS',
  planning: 'IN_PROGRESS',
  running: 'IN_PROGRESS',
  cancelling: 'IN_PROGRESS',
  completed: 'COMPLETED',
  completed_with_errors: 'COMPLETED',
  failed: 'FAILED',
  cancelled: 'CANCELLED',
};

const JOB_SAMPLE = samplePage('000_c2449eef8fd7d1db.txt');
const LIBRARY_SAMPLE = samplePage('001_6a2520f9f4586b38.txt');

/** Every section of ApiLibrary a client may set, for a library that shows every field. */
const LIBRARY_CONFIG = {
  allowNonGoogleUsersInDriveOnlyPermissions: true,
  appMetadata: { acme: { appNamespaceId: 'acme', kind: 'aodocs#appMetadata', tags: [{ kind: 'aodocs#tag', name: 'team', stringValue: 'ops' }] } },
  attachmentMode: 'COMPOSITE',
  attachmentSearchEngine: 'AODOCS',
  categoryDefinitions: { kind: 'aodocs#categoryDefinitionList', items: [{ kind: 'aodocs#nameValue', name: 'Region', name_i18n: 'Region', value: 'cat-1' }] },
  daysBeforeDelete: 45,
  defaultDocumentType: 'dt-1',
  defaultView: 'v-1',
  documentTypes: { kind: 'aodocs#documentTypeList', items: [{ kind: 'aodocs#nameValue', name: 'Invoice', name_i18n: 'Invoice', value: 'dt-1' }] },
  driveShortcuts: { sameLibrary: 'KEEP' },
  enableExternalSharingInDriveOnlyPermissions: false,
  findableBy: 'READERS',
  folderDefinition: { kind: 'aodocs#folderDefinition', name: 'Folders', dynamicValues: false, folderVisibility: 'PRIVATE', onlyAdminCanManage: true },
  forwardRequestAccessRole: 'ADMIN',
  historyVisibility: { type: 'USER', value: 'admin@example.com', displayName: 'Admin' },
  homeUrl: 'https://example.com/lib',
  libraryLabels: [{ kind: 'aodocs#label', id: 'l-1', name: 'Finance', level: 0, leaf: true, deleted: false, rank: 1, createdAt: 1, lastModifiedAt: 2, parentIds: [] }],
  locale: 'en',
  logoUrl: 'https://example.com/logo.png',
  notifyUsersAboutPushToMyDrive: false,
  onlyAdminsCanEditRootFolder: false,
  onlyAdminsCanManageFolders: true,
  permissionMode: 'LOW_SECURITY_PRISON',
  pushToMyDrive: false,
  redirectUrl: 'https://example.com/r',
  restrictedDownload: false,
  storageAdmin: 'storage@example.com',
  technicalNotificationAddress: 'ops@example.com',
  timeZone: 'Europe/Paris',
  views: { kind: 'aodocs#viewList', items: [{ kind: 'aodocs#view', name: 'All', name_i18n: 'All', value: 'v-1', canDisplay: true }] },
  visibility: { level: 'READ', scope: 'DOMAIN', withLink: false },
  welcomeText: '<p>Hello</p>',
  wokflows: { kind: 'aodocs#workflowList', workflows: [{ id: 'wf-1', kind: 'aodocs#workflow', name: 'Review', classId: 'dt-1', states: [] }] },
};

for (const factory of factories) {
  describe(`AODocs dialect on ${factory.name}`, () => {
    let t: TestApp;
    let engine: Engine | undefined;
    let lib: string;
    let lib2: string;
    const users: Record<string, { token: string; id: number; email: string }> = {};
    /** Seeded jobs by name, as the native API renders them after they settled. */
    const jobs: Record<string, Json> = {};
    let otherDomainToken: string;
    let otherDomainLib: string;

    async function ok(method: string, url: string, options: CallOptions = {}, status = 200): Promise<Json> {
      const res = await t.call(method, url, options);
      expect(res.status, `${method} ${url}: ${JSON.stringify(res.body)}`).toBe(status);
      return res.body;
    }

    async function userToken(email: string, role = 'user'): Promise<{ token: string; id: number; email: string }> {
      const user = await ok('POST', '/api/v1/users', { json: { email, role } }, 201);
      const minted = await ok('POST', '/api/v1/tokens', { json: { userId: user.id } }, 201);
      return { token: minted.token, id: user.id, email };
    }

    async function submit(type: string, libraryId: string, params: Record<string, unknown>, token?: string): Promise<Json> {
      return ok('POST', '/api/v1/jobs', { json: { type, libraryId, params }, token }, 202);
    }

    async function nativeJob(id: number | string, token?: string): Promise<Json> {
      return ok('GET', `/api/v1/jobs/${id}`, { token });
    }

    async function settle(job: Json, token?: string): Promise<Json> {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const current = await nativeJob(job.id, token);
        if (FINAL_STATUSES.includes(current.status)) return current;
        if (Date.now() > deadline) throw new Error(`job ${job.id} did not end: ${JSON.stringify(current)}`);
        await sleep(20);
      }
    }

    /** An AODocs call that must succeed and validate against AODocs' schema, exactly. */
    async function aodocs(schema: keyof typeof exact, method: string, url: string, options: CallOptions = {}): Promise<Json> {
      const res = await t.call(method, url, options);
      expect(res.status, `${method} ${url}: ${JSON.stringify(res.body)}`).toBe(200);
      expect(String(res.headers['content-type'])).toContain('application/json');
      for (const validate of [published[schema], exact[schema]]) {
        expect(validate(res.body), `${url} as ${schema}: ${JSON.stringify(validate.errors)}`).toBe(true);
      }
      return res.body;
    }

    /** An AODocs error: the status, Google's body exactly, and the message naming `names` when given. */
    async function fails(method: string, url: string, status: number, names?: string, options: CallOptions = {}): Promise<Json> {
      const res = await t.call(method, url, options);
      expect(res.status, `${method} ${url}: ${JSON.stringify(res.body)}`).toBe(status);
      expect(res.body).toEqual({
        error: { errors: [{ domain: 'global', reason: expect.any(String), message: res.body.error.message }], code: status, message: expect.any(String) },
      });
      const reason = { 400: 'badRequest', 401: 'required', 403: 'forbidden', 404: 'notFound', 409: 'conflict' }[status];
      if (reason) expect(res.body.error.errors[0].reason).toBe(reason);
      if (names !== undefined) expect(res.body.error.message, url).toMatch(new RegExp(`^${names}\\b`));
      if (status === 401) expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
      return res.body;
    }

    const listUrl = (libraryId: string, query = '') => `/api/job/v1/libraries/${libraryId}${query ? `?${query}` : ''}`;
    const idsOf = (body: Json): string[] => (body.jobList as Json[]).map((j) => j.jobId);
    const sorted = (ids: Array<string | number>) => ids.map(String).sort((a, b) => Number(a) - Number(b));

    /** Every page of a listing, following nextPageToken to the end. */
    async function allPages(libraryId: string, query: string, token?: string, between?: () => Promise<void>): Promise<{ ids: string[]; pages: number }> {
      const ids: string[] = [];
      let pageToken: string | undefined;
      let pages = 0;
      do {
        const q = [query, pageToken ? `pageToken=${encodeURIComponent(pageToken)}` : ''].filter(Boolean).join('&');
        const body = await aodocs('ApiJobList', 'GET', listUrl(libraryId, q), { token });
        ids.push(...idsOf(body));
        pageToken = body.nextPageToken;
        pages++;
        if (between) await between();
        expect(pages).toBeLessThan(200);
      } while (pageToken);
      return { ids, pages };
    }

    beforeAll(async () => {
      t = await startTestApp(factory, { BATCHYARD_ENABLE_BENCH_JOBS: '1' });
      users.alice = await userToken('alice@example.com'); // WRITER on lib
      users.bob = await userToken('bob@example.com'); // READER on lib
      users.dave = await userToken('dave@example.com'); // ADMIN of lib
      users.erin = await userToken('erin@example.com', 'admin'); // the domain's admin
      users.frank = await userToken('frank@example.com'); // no rights
      lib = (await ok('POST', '/api/v1/libraries', { json: { name: 'Seeds', ...LIBRARY_CONFIG } }, 201)).libraryId;
      lib2 = (await ok('POST', '/api/v1/libraries', { json: { name: 'Elsewhere' } }, 201)).libraryId;
      await ok('PUT', `/api/v1/libraries/${lib}/permissions`, {
        json: {
          permissions: [
            { type: 'user', value: 'admin@example.com', role: 'ADMIN' },
            { type: 'user', value: 'alice@example.com', role: 'WRITER' },
            { type: 'user', value: 'bob@example.com', role: 'READER' },
            { type: 'user', value: 'dave@example.com', role: 'ADMIN' },
          ],
        },
      });
      for (const path of ['a/1.txt', 'a/2.txt', 'b.txt', 'c/3.txt', 'd/4.txt', 'e.txt', 'f/5.txt']) {
        await ok('PUT', `/api/v1/libraries/${lib}/files/${path}`, { body: `content of ${path}` }, 201);
      }
      const other = await ok('POST', '/api/v1/domains', { json: { name: 'other.test', admin: { email: 'adm@other.test' } } }, 201);
      otherDomainToken = other.token;
      otherDomainLib = (await ok('POST', '/api/v1/libraries', { json: { name: 'Theirs' }, token: otherDomainToken }, 201)).libraryId;

      // Jobs the engine runs to their end, one at a time so their times are distinct.
      engine = await startEngine(t.app, FAST_ENGINE);
      const run = async (name: string, type: string, params: Record<string, unknown>, token?: string, libraryId = lib) => {
        jobs[name] = await settle(await submit(type, libraryId, params, token), token);
        await sleep(3);
      };
      await run('trashed', 'trash', { paths: ['/a'] });
      await run('partly', 'trash', { paths: ['/b.txt', '/missing'] });
      await run('failed', 'trash', { paths: ['/nope', '/nothing'] });
      await run('restored', 'restore', { paths: ['/a'] });
      await run('copied', 'copy', { paths: ['/c'], destination: '/copies' });
      await run('moved', 'move', { paths: ['/d'], destination: '/moved' }, users.alice!.token);
      await run('purged', 'purge', { paths: ['/e.txt'] });
      await run('emptied', 'empty_trash', {});
      await run('noop', 'noop', { count: 3 });
      await run('elsewhere', 'trash', { paths: ['/x'] }, undefined, lib2);
      await run('theirs', 'empty_trash', {}, otherDomainToken, otherDomainLib);
      await engine.stop();
      engine = undefined;
      // Jobs that stay queued (no engine from here on), and one cancelled before it ran.
      jobs.queued = await nativeJob((await submit('trash', lib, { paths: ['/copies'] }, users.alice!.token)).id);
      await sleep(3);
      jobs.cancelled = await submit('trash', lib, { paths: ['/moved'] });
      jobs.cancelled = await ok('POST', `/api/v1/jobs/${jobs.cancelled.id}/cancel`, {}, 202);
      await sleep(3);
      jobs.queuedCopy = await nativeJob((await submit('copy', lib, { paths: ['/f'], destination: '/g' })).id);
    }, 120_000);

    afterAll(async () => {
      await engine?.stop();
      await t?.dispose();
    });

    /** The jobs of `lib` this dialect lists (every nameable type). */
    const libJobs = () => Object.values(jobs).filter((j) => j.libraryId === lib && j.type !== 'noop');

    /** The AODocs job a native job must render as (docs/dialects/README.md's field notes). */
    function expectedApiJob(native: Json): Json {
      return {
        kind: 'aodocs#job',
        jobId: String(native.id),
        libraryId: native.libraryId,
        type: TYPE_TABLE[native.type],
        status: STATUS_TABLE[native.status],
        completed: FINAL_STATUSES.includes(native.status),
        requestor: native.requestor.email,
        ...(native.startedAt === null ? {} : { startedAt: Date.parse(native.startedAt) }),
        lastActivityAt: Date.parse(native.lastActivityAt),
        succeededTasks: native.counts.succeeded,
        failedTasks: native.counts.failed,
        remainingTasks: native.counts.remaining,
        taskRetries: native.counts.retries,
      };
    }

    it('seeded every outcome: completed, completed with errors, failed, cancelled, queued', () => {
      expect(jobs.trashed.status).toBe('completed');
      expect(jobs.partly.status).toBe('completed_with_errors');
      expect(jobs.failed.status).toBe('failed');
      expect(jobs.cancelled.status).toBe('cancelled');
      expect(jobs.queued.status).toBe('queued');
      for (const name of ['restored', 'copied', 'moved', 'purged', 'emptied']) expect(jobs[name].status, name).toBe('completed');
    });

    it("replays the Job page's sample request and answers with the sample's fields and types", async () => {
      expect(JOB_SAMPLE.method).toBe('GET');
      const body = await aodocs('ApiJobList', JOB_SAMPLE.method, JOB_SAMPLE.path.replace('{libraryId}', lib));
      const sampleJob = (JOB_SAMPLE.response.jobList as Json[])[0];
      expect(Object.keys(body).sort()).toEqual(Object.keys(JOB_SAMPLE.response).filter((k) => k !== 'nextPageToken').sort()); // one page: no token
      expect(body.kind).toBe('aodocs#jobList');
      expect(sorted(idsOf(body))).toEqual(sorted(libJobs().map((j) => j.id)));
      for (const job of body.jobList as Json[]) {
        const keys = Object.keys(sampleJob).filter((k) => k !== 'startedAt' || job.startedAt !== undefined);
        expect(Object.keys(job).sort(), job.jobId).toEqual(keys.sort());
        for (const key of keys) expect(sampleKind(job[key]), `${job.jobId}.${key}`).toBe(sampleKind(sampleJob[key]));
        const native = Object.values(jobs).find((j) => String(j.id) === job.jobId);
        expect(job, job.jobId).toEqual(expectedApiJob(await nativeJob(native.id)));
      }
      // The page size default is 50 (the OpenAPI document's default) and the sample's optional parameters are accepted.
      expect(operationParameter('aodocs-job', '/job/v1/libraries/{libraryId}', 'get', 'pageSize')?.schema.default).toBe(50);
      const withOptions = await aodocs('ApiJobList', 'GET', listUrl(lib, 'securityCode=abc&domain=example.com&alt=json&prettyPrint=false'));
      expect(idsOf(withOptions)).toEqual(idsOf(body));
      // Newest first by default.
      const created = libJobs().sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt) || b.id - a.id);
      expect(idsOf(body)).toEqual(created.map((j) => String(j.id)));
    });

    it('renders every field from the native job: epoch ms times, requestor email, completed = terminal, counters', async () => {
      for (const [name, job] of Object.entries(jobs)) {
        if (job.type === 'noop' || job.libraryId === otherDomainLib) continue;
        const native = await nativeJob(job.id);
        const one = await aodocs('ApiJob', 'GET', `/api/job/v1/${job.id}`);
        expect(one, name).toEqual(expectedApiJob(native));
      }
      const partly = await aodocs('ApiJob', 'GET', `/api/job/v1/${jobs.partly.id}`);
      expect(partly).toMatchObject({ status: 'COMPLETED', completed: true, succeededTasks: 1, failedTasks: 1, remainingTasks: 0, requestor: 'admin@example.com' });
      expect(partly.startedAt).toBeGreaterThan(0);
      expect(partly.lastActivityAt).toBeGreaterThanOrEqual(partly.startedAt);
      const queued = await aodocs('ApiJob', 'GET', `/api/job/v1/${jobs.queued.id}`);
      expect(queued).toMatchObject({ status: 'IN_PROGRESS', completed: false, requestor: 'alice@example.com' });
      expect(queued).not.toHaveProperty('startedAt');
      expect((await aodocs('ApiJob', 'GET', `/api/job/v1/${jobs.moved.id}`)).requestor).toBe('alice@example.com');
    });

    it("maps types and statuses as docs/dialects/README.md's tables say, within AODocs' enums", async () => {
      const types = schemaEnum('aodocs-job', 'ApiJob', 'type');
      const statuses = schemaEnum('aodocs-job', 'ApiJob', 'status');
      for (const value of Object.values(TYPE_TABLE)) expect(types).toContain(value);
      for (const value of Object.values(STATUS_TABLE)) expect(statuses).toContain(value);
      // The listing's filter enums are the schema's.
      expect(operationParameter('aodocs-job', '/job/v1/libraries/{libraryId}', 'get', 'type')?.schema.enum).toEqual(types);
      expect(operationParameter('aodocs-job', '/job/v1/libraries/{libraryId}', 'get', 'status')?.schema.enum).toEqual(statuses);
      const seen = new Set<string>();
      for (const job of libJobs()) {
        const one = await aodocs('ApiJob', 'GET', `/api/job/v1/${job.id}`);
        const native = await nativeJob(job.id);
        expect(one.type).toBe(TYPE_TABLE[native.type]);
        expect(one.status).toBe(STATUS_TABLE[native.status]);
        seen.add(`${native.type}:${native.status}`);
      }
      for (const pair of ['trash:completed', 'trash:completed_with_errors', 'trash:failed', 'trash:cancelled', 'trash:queued', 'restore:completed', 'copy:completed', 'move:completed', 'purge:completed', 'empty_trash:completed']) {
        expect(seen).toContain(pair);
      }
    });

    it('lists only the jobs whose type it can name: a noop job is neither listed nor found', async () => {
      const all = await allPages(lib, 'pageSize=1000');
      expect(all.ids).not.toContain(String(jobs.noop.id));
      await fails('GET', `/api/job/v1/${jobs.noop.id}`, 404);
      await fails('GET', `/api/job/v1/events/${jobs.noop.id}`, 404);
      await fails('POST', `/api/job/v1/${jobs.noop.id}/cancel`, 404);
    });

    it('filters by status (IN_PROGRESS is every active native status), type, user, and combinations', async () => {
      const expectIds = async (query: string, expected: Json[]) => {
        const { ids } = await allPages(lib, query);
        expect(sorted(ids), query).toEqual(sorted(expected.map((j) => j.id)));
      };
      await expectIds('status=COMPLETED', [jobs.trashed, jobs.partly, jobs.restored, jobs.copied, jobs.moved, jobs.purged, jobs.emptied]);
      await expectIds('status=FAILED', [jobs.failed]);
      await expectIds('status=CANCELLED', [jobs.cancelled]);
      await expectIds('status=IN_PROGRESS', [jobs.queued, jobs.queuedCopy]);
      // Each AODocs status is every native status docs/dialects/README.md maps to it: the same as the native listing of those.
      for (const status of ['IN_PROGRESS', 'COMPLETED', 'FAILED', 'CANCELLED']) {
        const natives = Object.keys(STATUS_TABLE).filter((n) => STATUS_TABLE[n] === status);
        const native = await ok('GET', `/api/v1/jobs?libraryId=${lib}&limit=1000&${natives.map((n) => `status=${n}`).join('&')}`);
        const nameable = (native.jobs as Json[]).filter((j) => TYPE_TABLE[j.type] !== undefined);
        expect(sorted((await allPages(lib, `status=${status}`)).ids), status).toEqual(sorted(nameable.map((j) => j.id)));
      }
      await expectIds('type=DELETE_DOCUMENTS_AND_FOLDERS', [jobs.trashed, jobs.partly, jobs.failed, jobs.queued, jobs.cancelled]);
      await expectIds('type=COPY_FILE', [jobs.copied, jobs.queuedCopy]);
      await expectIds('type=MOVE_DOCUMENTS_AND_FOLDERS', [jobs.moved]);
      await expectIds('type=RESTORE_FOLDER', [jobs.restored]);
      await expectIds('type=PERMANENTLY_DELETE_DOCUMENTS_AND_FOLDERS', [jobs.purged]);
      await expectIds('type=PERMANENTLY_DELETE_FOLDER', [jobs.emptied]);
      // Valid AODocs types without a batchyard job of that kind here match nothing.
      await expectIds('type=TRASH_DOCUMENTS', []);
      await expectIds('type=UNKNOWN', []);
      await expectIds('type=EXPORT_FOLDER', []);
      await expectIds(`user=${encodeURIComponent('alice@example.com')}`, [jobs.moved, jobs.queued]);
      await expectIds('user=nobody%40example.com', []);
      await expectIds(`user=alice%40example.com&status=IN_PROGRESS`, [jobs.queued]);
      await expectIds('type=DELETE_DOCUMENTS_AND_FOLDERS&status=COMPLETED', [jobs.trashed, jobs.partly]);
      await expectIds('type=COPY_FILE&status=IN_PROGRESS&user=admin%40example.com', [jobs.queuedCopy]);
      // Another library's jobs stay there.
      await expectIds('', libJobs());
      expect((await allPages(lib2, '')).ids).toEqual([String(jobs.elsewhere.id)]);
    });

    it('orders by started and lastActivity, either way, as the native listing does', async () => {
      const spellings: Array<[string, string]> = [
        ['started asc', 'started_asc'],
        ['started desc', 'started_desc'],
        ['lastActivity asc', 'last_activity_asc'],
        ['lastActivity desc', 'last_activity_desc'],
        ['started', 'started_asc'], // no direction: ascending
        ['startedAt DESC', 'started_desc'], // the ApiJob field name, any case
        ['lastActivity_desc', 'last_activity_desc'],
        ['lastActivityAt:asc', 'last_activity_asc'],
      ];
      // A '+' in the query string is a space.
      expect((await allPages(lib, 'orderBy=lastActivity+desc')).ids).toEqual((await allPages(lib, 'orderBy=lastActivity%20desc')).ids);
      for (const [orderBy, native] of spellings) {
        const aodocsIds = (await allPages(lib, `orderBy=${encodeURIComponent(orderBy)}&pageSize=3`)).ids;
        const nativeIds = ((await ok('GET', `/api/v1/jobs?libraryId=${lib}&order=${native}&limit=1000`)).jobs as Json[]).filter((j) => j.type !== 'noop').map((j) => String(j.id));
        expect(aodocsIds, orderBy).toEqual(nativeIds);
        // And the keys really are in that order.
        const rendered = await Promise.all(aodocsIds.map(async (id) => aodocs('ApiJob', 'GET', `/api/job/v1/${id}`)));
        const key = (j: Json) => (native.startsWith('started') ? (j.startedAt ?? 0) : j.lastActivityAt);
        for (let i = 1; i < rendered.length; i++) {
          if (native.endsWith('asc')) expect(key(rendered[i]), orderBy).toBeGreaterThanOrEqual(key(rendered[i - 1]));
          else expect(key(rendered[i]), orderBy).toBeLessThanOrEqual(key(rendered[i - 1]));
        }
      }
    });

    it('pages to the end with no duplicate and no gap while new jobs are being created', async () => {
      const paging = (await ok('POST', '/api/v1/libraries', { json: { name: 'Paging' } }, 201)).libraryId;
      const permissions = [{ type: 'user', value: 'admin@example.com', role: 'ADMIN' }, { type: 'user', value: 'alice@example.com', role: 'WRITER' }];
      await ok('PUT', `/api/v1/libraries/${paging}/permissions`, { json: { permissions } });
      const initial: string[] = [];
      for (let i = 0; i < 17; i++) initial.push(String((await submit(i % 3 === 0 ? 'empty_trash' : 'trash', paging, i % 3 === 0 ? {} : { paths: [`/p${i}`] })).id));
      for (const orderBy of ['', 'orderBy=started%20desc', 'orderBy=started%20asc', 'orderBy=lastActivity%20asc', 'orderBy=lastActivity%20desc']) {
        const creations: Array<Promise<Json>> = [];
        const { ids, pages } = await allPages(paging, [orderBy, 'pageSize=4'].filter(Boolean).join('&'), undefined, async () => {
          // New jobs are submitted while the next page is being read (for the first pages only, so ascending listings end).
          if (creations.length < 6) creations.push(submit('trash', paging, { paths: ['/new'] }), submit('empty_trash', paging, {}, users.alice!.token));
        });
        const created = (await Promise.all(creations)).map((j) => String(j.id));
        expect(created).toHaveLength(6);
        expect(pages, orderBy).toBeGreaterThanOrEqual(5);
        expect(new Set(ids).size, `${orderBy}: ${ids}`).toBe(ids.length);
        for (const id of initial) expect(ids.filter((x) => x === id), `${orderBy}: job ${id}`).toHaveLength(1);
      }
      // A page of exactly pageSize jobs, then the rest; the last page carries no token.
      const first = await aodocs('ApiJobList', 'GET', listUrl(paging, 'pageSize=1'));
      expect(first.jobList).toHaveLength(1);
      expect(typeof first.nextPageToken).toBe('string');
      const everything = await aodocs('ApiJobList', 'GET', listUrl(paging, 'pageSize=1000'));
      expect(everything).not.toHaveProperty('nextPageToken');
      // Google clients may send an empty pageToken on the first call.
      expect(idsOf(await aodocs('ApiJobList', 'GET', listUrl(paging, 'pageSize=1000&pageToken=')))).toEqual(idsOf(everything));
    });

    it('shows each caller what they may see: library admins all, others their own; another domain’s library is a 404', async () => {
      const everyone = sorted(libJobs().map((j) => j.id));
      expect(sorted((await allPages(lib, '', users.dave!.token)).ids)).toEqual(everyone);
      expect(sorted((await allPages(lib, '', users.erin!.token)).ids)).toEqual(everyone);
      expect(sorted((await allPages(lib, '', users.alice!.token)).ids)).toEqual(sorted([jobs.moved.id, jobs.queued.id]));
      expect((await allPages(lib, '', users.bob!.token)).ids).toEqual([]);
      await fails('GET', listUrl(lib), 404, undefined, { token: users.frank!.token });
      await fails('GET', listUrl(lib), 404, undefined, { token: otherDomainToken });
      await fails('GET', listUrl(otherDomainLib), 404, undefined, { token: users.erin!.token });
      await fails('GET', listUrl('no-such-library'), 404);
      await fails('GET', `/api/job/v1/${jobs.trashed.id}`, 404, undefined, { token: otherDomainToken });
      await fails('GET', `/api/job/v1/${jobs.theirs.id}`, 404, undefined, { token: users.erin!.token });
      await fails('GET', `/api/job/v1/${jobs.trashed.id}`, 404, undefined, { token: users.bob!.token });
      expect((await aodocs('ApiJob', 'GET', `/api/job/v1/${jobs.theirs.id}`, { token: otherDomainToken })).libraryId).toBe(otherDomainLib);
    });

    it("replays the Library page's sample request: the whole ApiLibrary with the sample's fields and types", async () => {
      expect(LIBRARY_SAMPLE.method).toBe('GET');
      const body = await aodocs('ApiLibrary', LIBRARY_SAMPLE.method, LIBRARY_SAMPLE.path.replace('{libId}', lib));
      // Every field of the sample (aodocs-library-sample.test.ts walks them to every depth).
      const expectedKeys = Object.keys(LIBRARY_SAMPLE.response);
      expect(Object.keys(body).sort()).toEqual(expectedKeys.sort());
      for (const key of expectedKeys) expect(sampleKind(body[key]), key).toBe(sampleKind(LIBRARY_SAMPLE.response[key]));
      const native = await ok('GET', `/api/v1/libraries/${lib}`);
      // appType, usage and retention are batchyard's own fields, not ApiLibrary's.
      const { appType: _appType, usage: _usage, retention: _retention, ...nativeFields } = native;
      expect(body).toEqual(nativeFields);
      expect(body).toMatchObject({
        kind: 'aodocs#library',
        libraryId: lib,
        name: 'Seeds',
        domainName: 'example.com',
        creator: 'admin@example.com',
        state: 'STANDARD',
        currentUserRight: 'SUPER_ADMIN',
        daysBeforeDelete: 45,
        views: LIBRARY_CONFIG.views,
        documentTypes: LIBRARY_CONFIG.documentTypes,
        wokflows: LIBRARY_CONFIG.wokflows,
      });
      expect(body.permissions).toContainEqual({ kind: 'aodocs#permission', type: 'user', value: 'dave@example.com', name: 'dave@example.com', role: 'ADMIN', thumbnailPhotoUrl: '', withLink: false });
      expect((await aodocs('ApiLibrary', 'GET', `/api/library/v1/${lib}`, { token: users.bob!.token })).currentUserRight).toBe('READER');
    });

    it('limits the sections with include (repeated or comma-separated; NONE keeps none)', async () => {
      const full = await aodocs('ApiLibrary', 'GET', `/api/library/v1/${lib}`);
      const sections = ['documentTypes', 'categoryDefinitions', 'views', 'folderDefinition', 'wokflows', 'relations', 'permissions', 'libraryLabels'];
      const scalars = Object.keys(full).filter((k) => !sections.includes(k));
      const keep = async (query: string, kept: string[]) => {
        const body = await aodocs('ApiLibrary', 'GET', `/api/library/v1/${lib}?${query}`);
        expect(Object.keys(body).sort(), query).toEqual([...scalars, ...kept].sort());
        for (const key of kept) expect(body[key], `${query}: ${key}`).toEqual(full[key]);
      };
      await keep('include=NONE', []);
      await keep('include=VIEWS', ['views']);
      await keep('include=VIEWS&include=PERMISSIONS', ['views', 'permissions']);
      await keep('include=CLASSES,WORKFLOWS', ['documentTypes', 'wokflows']);
      await keep('include=CATEGORY_DEFINITIONS&include=FOLDER_DEFINITION,LIBRARY_LABELS', ['categoryDefinitions', 'folderDefinition', 'libraryLabels']);
      await keep('include=RELATIONS', ['relations']);
      await keep('include=NONE&include=VIEWS', ['views']);
      await keep('', sections);
      await fails('GET', `/api/library/v1/${lib}?include=EVERYTHING`, 400, 'include');
      await fails('GET', `/api/library/v1/${lib}?include=VIEWS,BOGUS`, 400, 'include');
    });

    it('updates lastAccessed for the caller only with updateLastAccessed=true', async () => {
      const before = await aodocs('ApiLibrary', 'GET', `/api/library/v1/${lib}`, { token: users.dave!.token });
      expect(before.lastAccessed).toBe(0);
      expect((await aodocs('ApiLibrary', 'GET', `/api/library/v1/${lib}?updateLastAccessed=false`, { token: users.dave!.token })).lastAccessed).toBe(0);
      const start = Date.now();
      const touched = await aodocs('ApiLibrary', 'GET', `/api/library/v1/${lib}?updateLastAccessed=true`, { token: users.dave!.token });
      expect(touched.lastAccessed).toBeGreaterThanOrEqual(start - 1000);
      expect((await aodocs('ApiLibrary', 'GET', `/api/library/v1/${lib}`, { token: users.dave!.token })).lastAccessed).toBe(touched.lastAccessed);
      // Per user: bob's is untouched.
      expect((await aodocs('ApiLibrary', 'GET', `/api/library/v1/${lib}`, { token: users.bob!.token })).lastAccessed).toBe(0);
      // A bad include or flag changes nothing.
      await fails('GET', `/api/library/v1/${lib}?updateLastAccessed=true&include=NOPE`, 400, 'include', { token: users.bob!.token });
      await fails('GET', `/api/library/v1/${lib}?updateLastAccessed=sometimes`, 400, 'updateLastAccessed', { token: users.bob!.token });
      expect((await aodocs('ApiLibrary', 'GET', `/api/library/v1/${lib}`, { token: users.bob!.token })).lastAccessed).toBe(0);
      // Libraries of another domain, or not visible, do not exist.
      await fails('GET', `/api/library/v1/${lib}`, 404, undefined, { token: otherDomainToken });
      await fails('GET', `/api/library/v1/${otherDomainLib}`, 404, undefined, { token: users.erin!.token });
      await fails('GET', `/api/library/v1/${lib}`, 404, undefined, { token: users.frank!.token });
      await fails('GET', '/api/library/v1/no-such-library', 404);
      await fails('GET', `/api/library/v1/${lib}`, 401, undefined, { token: null });
    });

    it('cancels for library administrators only (403 for others), 409 once ended', async () => {
      const byAlice = await submit('trash', lib, { paths: ['/x1'] }, users.alice!.token);
      const other = await submit('trash', lib, { paths: ['/x2'] }, users.alice!.token);
      // Alice requested it and sees it, but only administrators of the library may cancel.
      expect((await aodocs('ApiJob', 'GET', `/api/job/v1/${byAlice.id}`, { token: users.alice!.token })).status).toBe('IN_PROGRESS');
      await fails('POST', `/api/job/v1/${byAlice.id}/cancel`, 403, undefined, { token: users.alice!.token });
      await fails('POST', `/api/job/v1/${byAlice.id}/cancel`, 404, undefined, { token: users.bob!.token }); // not visible to a reader
      await fails('POST', `/api/job/v1/${byAlice.id}/cancel`, 404, undefined, { token: otherDomainToken });
      await fails('POST', `/api/job/v1/${byAlice.id}/cancel`, 401, undefined, { token: null });
      const cancelled = await aodocs('ApiJob', 'POST', `/api/job/v1/${byAlice.id}/cancel`, { token: users.dave!.token });
      expect(cancelled).toEqual(expectedApiJob(await nativeJob(byAlice.id)));
      expect(cancelled).toMatchObject({ jobId: String(byAlice.id), status: 'CANCELLED', completed: true, requestor: 'alice@example.com' });
      // The domain's admin may too; clients that POST an empty JSON body are served.
      const byAdmin = await aodocs('ApiJob', 'POST', `/api/job/v1/${other.id}/cancel?domain=example.com`, {
        token: users.erin!.token,
        headers: { 'content-type': 'application/json' },
      });
      expect(byAdmin.status).toBe('CANCELLED');
      // Whatever body comes with it is ignored.
      const third = await submit('trash', lib, { paths: ['/x3'] });
      const withBody = await aodocs('ApiJob', 'POST', `/api/job/v1/${third.id}/cancel`, { body: 'reason=none', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      expect(withBody.status).toBe('CANCELLED');
      await fails('POST', `/api/job/v1/${other.id}/cancel`, 409, undefined, { token: users.dave!.token });
      await fails('POST', `/api/job/v1/${jobs.trashed.id}/cancel`, 409);
      // The native job agrees.
      expect((await nativeJob(other.id)).status).toBe('cancelled');
    });

    it('shows a running job, and one being cancelled, as IN_PROGRESS', async () => {
      const big = (await ok('POST', '/api/v1/libraries', { json: { name: 'Big' } }, 201)).libraryId;
      // A tree large enough to be caught running: catalog rows written directly (the job itself goes through the API).
      const library = (await t.app.store.libraryGetById(big))!;
      const now = Date.now();
      const [root] = await t.app.store.itemInsertMany([
        { libraryId: big, parentId: library.rootFolderId, name: 'big', path: '/big', kind: 'folder', size: 0, sha256: null, contentType: null, createdAt: now, modifiedAt: now },
      ]);
      for (let folder = 0; folder < 20; folder++) {
        const [dir] = await t.app.store.itemInsertMany([
          { libraryId: big, parentId: root!.id, name: `d${folder}`, path: `/big/d${folder}`, kind: 'folder', size: 0, sha256: null, contentType: null, createdAt: now, modifiedAt: now },
        ]);
        const files = Array.from({ length: 300 }, (_, i) => ({
          libraryId: big, parentId: dir!.id, name: `f${i}`, path: `/big/d${folder}/f${i}`, kind: 'file' as const, size: 0, sha256: null, contentType: 'text/plain', createdAt: now, modifiedAt: now,
        }));
        await t.app.store.itemInsertMany(files);
      }
      // Each task takes a while, and once the job runs, each of its tasks waits for the test's
      // leave (one at a time until some items are done, then all once the cancel is sent): the
      // job is caught running, with work done, however slow the machine.
      let jobId: number | undefined;
      let permits = 0;
      let wake = () => {};
      const grant = (n: number) => {
        permits += n;
        wake();
      };
      const hooks = {
        // Outside the task's transaction: on SQLite a wait inside it would hold the one connection the test reads through.
        beforePrepare: async () => {
          if (jobId === undefined || (await t.app.store.jobGetById(jobId))?.status !== 'running') return;
          while (permits === 0) await new Promise<void>((resolve) => (wake = resolve));
          permits--;
        },
        beforeApply: async () => {
          await sleep(50);
        },
      };
      engine = await startEngine(t.app, { ...FAST_ENGINE, concurrency: 1, hooks });
      try {
        const job = await submit('trash', big, { paths: ['/big'] });
        jobId = job.id;
        /** Samples the dialect between two native reads; `status` is the native one when both reads agree. */
        const sample = async () => {
          const before = (await nativeJob(job.id)).status;
          const one = await aodocs('ApiJob', 'GET', `/api/job/v1/${job.id}`);
          const listed = idsOf(await aodocs('ApiJobList', 'GET', listUrl(big, 'status=IN_PROGRESS')));
          const after = (await nativeJob(job.id)).status;
          return { status: before === after ? before : undefined, ended: FINAL_STATUSES.includes(after), one, listed };
        };
        const seen = new Set<string>();
        for (let round = 0; ; round++) {
          expect(round, [...seen].join()).toBeLessThan(20_000);
          await sleep(1); // let the engine's timers run (SQLite calls here never leave the microtask queue)
          const s = await sample();
          if (s.ended) break;
          if (s.status !== undefined) {
            seen.add(s.status);
            expect(s.one.status, s.status).toBe('IN_PROGRESS');
            expect(s.one.completed).toBe(false);
            expect(s.listed, s.status).toEqual([String(job.id)]);
          }
          if (s.status === 'running' && s.one.succeededTasks === 0 && permits === 0) grant(1);
          if (s.status === 'running' && (s.one.succeededTasks > 0 || seen.has('cancelling'))) {
            if (!seen.has('cancelling')) {
              const cancelled = await aodocs('ApiJob', 'POST', `/api/job/v1/${job.id}/cancel`);
              expect(['IN_PROGRESS', 'CANCELLED']).toContain(cancelled.status);
              seen.add('cancel sent');
              grant(Number.POSITIVE_INFINITY);
            }
          }
        }
        expect(seen).toContain('running');
        expect(seen).toContain('cancel sent');
        expect([...seen].every((status) => ['queued', 'planning', 'running', 'cancelling', 'cancel sent'].includes(status)), [...seen].join()).toBe(true);
        const ended = await aodocs('ApiJob', 'GET', `/api/job/v1/${job.id}`);
        expect(ended).toMatchObject({ status: 'CANCELLED', completed: true });
        expect(ended.succeededTasks).toBeGreaterThan(0);
        expect(idsOf(await aodocs('ApiJobList', 'GET', listUrl(big, 'status=IN_PROGRESS')))).toEqual([]);
        expect(idsOf(await aodocs('ApiJobList', 'GET', listUrl(big, 'status=CANCELLED')))).toEqual([String(job.id)]);
      } finally {
        grant(Number.POSITIVE_INFINITY);
        await engine.stop();
        engine = undefined;
      }
    });

    it('lists a job’s events: state changes then per-item failures, onlyErrors, maxResults pages to the end', async () => {
      const all = await aodocs('ApiJobEventList', 'GET', `/api/job/v1/events/${jobs.partly.id}`);
      expect(Object.keys(all).sort()).toEqual(['events', 'job', 'kind']);
      expect(all.kind).toBe('aodocs#jobEventList');
      expect(all.job).toEqual(expectedApiJob(await nativeJob(jobs.partly.id)));
      const states = (all.events as Json[]).filter((e) => /^Job /.test(e.message));
      const failures = (all.events as Json[]).filter((e) => !/^Job /.test(e.message));
      // Every event has its time: state changes their event's, failures when they were recorded.
      for (const e of all.events as Json[]) expect(Number.isInteger(e.timestamp)).toBe(true);
      expect(states.length).toBeGreaterThanOrEqual(2);
      expect(states[0].message).toMatch(/^Job IN_PROGRESS \(queued\)/);
      expect(states.at(-1)).toMatchObject({ kind: 'aodocs#jobEvent', severity: 'WARN' });
      expect(states.at(-1).message).toMatch(/^Job COMPLETED \(completed_with_errors\): 1 succeeded, 1 failed/);
      for (let i = 1; i < states.length; i++) expect(states[i].timestamp).toBeGreaterThanOrEqual(states[i - 1].timestamp);
      expect(states[0].timestamp).toBe(Date.parse(jobs.partly.createdAt));
      expect(failures).toEqual([{ kind: 'aodocs#jobEvent', severity: 'ERROR', message: expect.stringMatching(/^\/missing: NOT_FOUND: .+ \(after 1 attempt\)$/), timestamp: expect.any(Number) }]);
      // State changes first, failures after.
      expect(all.events.slice(-1)).toEqual(failures);

      const errors = await aodocs('ApiJobEventList', 'GET', `/api/job/v1/events/${jobs.partly.id}?onlyErrors=true`);
      expect(errors.events).toEqual(failures);
      const failed = await aodocs('ApiJobEventList', 'GET', `/api/job/v1/events/${jobs.failed.id}?onlyErrors=true`);
      expect((failed.events as Json[]).map((e) => e.severity)).toEqual(['ERROR', 'ERROR', 'ERROR']);
      expect(failed.events[0].message).toMatch(/^Job FAILED \(failed\)/);
      expect(failed.events.slice(1).map((e: Json) => e.message.split(':')[0]).sort()).toEqual(['/nope', '/nothing']);
      const none = await aodocs('ApiJobEventList', 'GET', `/api/job/v1/events/${jobs.trashed.id}?onlyErrors=true`);
      expect(none.events).toEqual([]);
      const cancelled = await aodocs('ApiJobEventList', 'GET', `/api/job/v1/events/${jobs.cancelled.id}`);
      expect(cancelled.events.at(-1)).toMatchObject({ severity: 'WARN', message: expect.stringMatching(/^Job CANCELLED \(cancelled\)/) });

      // maxResults=1 walks the same sequence page by page.
      for (const [job, query] of [[jobs.failed, ''], [jobs.failed, 'onlyErrors=true&'], [jobs.partly, '']] as const) {
        const whole = await aodocs('ApiJobEventList', 'GET', `/api/job/v1/events/${job.id}?${query}maxResults=1000`);
        const paged: Json[] = [];
        let pageToken: string | undefined;
        let pages = 0;
        do {
          const page = await aodocs('ApiJobEventList', 'GET', `/api/job/v1/events/${job.id}?${query}maxResults=1${pageToken ? `&pageToken=${encodeURIComponent(pageToken)}` : ''}`);
          expect(page.events.length).toBeLessThanOrEqual(1);
          paged.push(...page.events);
          pageToken = page.nextPageToken;
          expect(++pages).toBeLessThan(50);
        } while (pageToken);
        expect(paged, `${job.id} ${query}`).toEqual(whole.events);
      }
      const first = await aodocs('ApiJobEventList', 'GET', `/api/job/v1/events/${jobs.failed.id}?maxResults=1`);
      // A token belongs to its job and its onlyErrors.
      await fails('GET', `/api/job/v1/events/${jobs.partly.id}?pageToken=${first.nextPageToken}`, 400, 'pageToken');
      await fails('GET', `/api/job/v1/events/${jobs.failed.id}?onlyErrors=true&pageToken=${first.nextPageToken}`, 400, 'pageToken');
      await fails('GET', `/api/job/v1/events/${jobs.failed.id}?pageToken=garbage!`, 400, 'pageToken');
      for (const maxResults of ['0', '1001', 'many', '-3', '1.5']) await fails('GET', `/api/job/v1/events/${jobs.failed.id}?maxResults=${maxResults}`, 400, 'maxResults');
      await fails('GET', `/api/job/v1/events/${jobs.failed.id}?onlyErrors=perhaps`, 400, 'onlyErrors');
      await fails('GET', `/api/job/v1/events/${jobs.failed.id}`, 404, undefined, { token: otherDomainToken });
      await fails('GET', '/api/job/v1/events/abc', 404);
    });

    it('answers every error in the Google-style shape with the right status', async () => {
      // No credentials, or bad ones: 401.
      await fails('GET', listUrl(lib), 401, undefined, { token: null });
      await fails('GET', listUrl(lib), 401, undefined, { token: 'not-a-token' });
      await fails('GET', listUrl(lib), 401, undefined, { token: null, headers: { authorization: 'Basic YWxhZGRpbjpvcGVuc2VzYW1l' } });
      await fails('GET', `/api/job/v1/${jobs.trashed.id}`, 401, undefined, { token: null });
      // Google's access_token query parameter stands for the header.
      const byHeader = idsOf(await aodocs('ApiJobList', 'GET', listUrl(lib, 'pageSize=1000'), { token: users.dave!.token }));
      expect(byHeader.length).toBeGreaterThanOrEqual(libJobs().length);
      expect(idsOf(await aodocs('ApiJobList', 'GET', listUrl(lib, `pageSize=1000&access_token=${users.dave!.token}`), { token: null }))).toEqual(byHeader);
      // Bad parameters: 400 naming them.
      await fails('GET', listUrl(lib, 'pageToken=not-a-token'), 400, 'pageToken');
      await fails('GET', listUrl(lib, 'pageToken=eyJrIjoiam9iczpjcmVhdGVkX2Rlc2MiLCJrZXkiOiJ4In0'), 400, 'pageToken');
      const startedToken = (await aodocs('ApiJobList', 'GET', listUrl(lib, 'orderBy=started%20asc&pageSize=1'))).nextPageToken;
      await fails('GET', listUrl(lib, `orderBy=lastActivity%20asc&pageToken=${startedToken}`), 400, 'pageToken');
      for (const pageSize of ['0', '1001', '-1', 'ten', '2.5', '99999999999']) await fails('GET', listUrl(lib, `pageSize=${pageSize}`), 400, 'pageSize');
      for (const status of ['DONE', 'completed', 'queued', '']) await fails('GET', listUrl(lib, `status=${status}`), 400, 'status');
      await fails('GET', listUrl(lib, 'status=COMPLETED&status=FAILED'), 400, 'status');
      for (const type of ['SHRED', 'trash', 'copy_file']) await fails('GET', listUrl(lib, `type=${type}`), 400, 'type');
      for (const orderBy of ['created%20desc', 'started%20sideways', 'lastActivity%20asc%20desc', 'name', '-started']) await fails('GET', listUrl(lib, `orderBy=${orderBy}`), 400, 'orderBy');
      await fails('GET', listUrl(lib, 'user=alice'), 400, 'user');
      // The G Suite domain must be the caller's.
      await fails('GET', listUrl(lib, 'domain=other.test'), 403, 'domain');
      await fails('GET', `/api/library/v1/${lib}?domain=other.test`, 403, 'domain');
      // Unknown jobs, libraries and paths: 404.
      await fails('GET', '/api/job/v1/999999', 404);
      await fails('GET', '/api/job/v1/not-a-job-id', 404);
      await fails('POST', '/api/job/v1/0/cancel', 404);
      await fails('GET', '/api/job/v1/libraries/no-such-library', 404);
      await fails('GET', '/api/job/v1/no/such/method', 404);
      await fails('DELETE', `/api/job/v1/${jobs.trashed.id}`, 404);
      await fails('GET', `/api/library/v1/${lib}/nothing-here`, 404);
      // A malformed JSON body on cancel is a 400, not a 500.
      await fails('POST', `/api/job/v1/${jobs.queued.id}/cancel`, 400, 'body', { body: '{"x":', headers: { 'content-type': 'application/json' } });
      // None of this is in the native OpenAPI document.
      const openapi = await ok('GET', '/api/v1/openapi.json');
      expect(Object.keys(openapi.paths).filter((p) => p.startsWith('/api/job') || p.startsWith('/api/library'))).toEqual([]);
      // And native errors keep the native shape.
      expect((await t.call('GET', '/api/v1/jobs?limit=0')).body.error.code).toBe('INVALID_ARGUMENT');
    });
  });
}
