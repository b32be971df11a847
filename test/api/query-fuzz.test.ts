/**
 * A hostile client's query strings, on every driver: every query parameter of
 * every operation in the native OpenAPI document (and every integer path
 * parameter), and every parameter of the vendor dialects' routes with their
 * real authentication, gets the usual extremes (non-finite, NaN, huge,
 * negative, hex, empty, NUL, very long). Nothing may be a 5xx; a numeric
 * parameter given a value that is no finite integer in its range is a 400
 * naming it. VSP One takes its numbers in JSON bodies: those get the same.
 * Requests go over a real socket, so an event stream a valid value opens is
 * just closed.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AddressInfo } from 'node:net';
import { driverFactories } from '../support/drivers.js';
import { ADMIN_TOKEN, startTestApp, type TestApp } from '../support/app.js';

const factories = await driverFactories();

/** label → the raw (already URL-encoded) query value. */
const EXTREMES: ReadonlyArray<readonly [string, string]> = [
  ['Infinity', 'Infinity'],
  ['-Infinity', '-Infinity'],
  ['1e309', '1e309'],
  ['NaN', 'NaN'],
  ['huge', '99999999999999999999'],
  ['negative', '-1'],
  ['hex', '0x10'],
  ['empty', ''],
  ['NUL', '%00'],
  ['long', '9'.repeat(4000)],
];
/** No numeric parameter takes these: each must be a 400 naming the parameter. */
const NEVER_A_NUMBER = new Set(['Infinity', '-Infinity', '1e309', 'NaN', 'huge', 'NUL', 'long']);

interface Param {
  name: string;
  numeric: boolean;
  /** The smallest value a numeric parameter takes (so `-1` is refused when it is 0 or more). */
  minimum?: number;
}

interface Target {
  method: string;
  /** The path with its parameters filled in, and `{name}` where a fuzzed path parameter goes. */
  path: string;
  query: Param[];
  pathParam?: Param;
  /** Valid values of required query parameters, sent beside the fuzzed one. */
  base?: Record<string, string>;
  headers?: () => Record<string, string>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- OpenAPI fragments are read field by field
type Json = any;

/** `yyyyMMdd'T'HHmmss'Z'` (KooDrive's X-Date). */
function xDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

const isNumeric = (schema: Json): boolean => ['integer', 'number'].includes(schema?.type) || (Array.isArray(schema?.type) && schema.type.some((t: string) => t === 'integer' || t === 'number'));

for (const factory of factories) {
  describe(`hostile query values on ${factory.name}`, () => {
    let t: TestApp;
    let base: string;
    let lib: string;
    let itemId: number;
    let jobId: number;

    beforeEach(async () => {
      t = await startTestApp(factory);
      await t.http.listen({ port: 0, host: '127.0.0.1' });
      base = `http://127.0.0.1:${(t.http.server.address() as AddressInfo).port}`;
      lib = (await t.call('POST', '/api/v1/libraries', { json: { name: 'photos' } })).body.libraryId;
      for (const name of ['docs/a.txt', 'b.txt']) {
        const put = await t.call('PUT', `/api/v1/libraries/${lib}/files/${name}`, { body: `content of ${name}` });
        expect(put.status, JSON.stringify(put.body)).toBe(201);
      }
      // A folder, so that listing its children reads the parameters it is given.
      const root = await t.call('GET', `/api/v1/libraries/${lib}/items?path=/`);
      itemId = root.body.items.find((item: Json) => item.name === 'docs').id;
      const job = await t.call('POST', '/api/v1/jobs', { json: { type: 'trash', libraryId: lib, params: { paths: ['/b.txt'] } } });
      expect(job.status, JSON.stringify(job.body)).toBe(202);
      jobId = job.body.id;
    });
    afterEach(async () => {
      await t.dispose();
    });

    /** One request; an event stream is closed once its status is known. */
    async function send(method: string, url: string, headers: Record<string, string>, body?: string): Promise<{ status: number; text: string }> {
      const abort = new AbortController();
      const res = await fetch(`${base}${url}`, { method, headers, body, signal: abort.signal });
      if (String(res.headers.get('content-type')).startsWith('text/event-stream')) {
        abort.abort();
        return { status: res.status, text: '' };
      }
      return { status: res.status, text: await res.text() };
    }

    /** Sends every extreme to every parameter of each target; returns what went wrong (empty when nothing did). */
    async function fuzz(targets: Target[]): Promise<string[]> {
      const problems: string[] = [];
      for (const target of targets) {
        const params = [...target.query.map((p) => ({ p, inPath: false })), ...(target.pathParam ? [{ p: target.pathParam, inPath: true }] : [])];
        for (const { p, inPath } of params) {
          for (const [label, raw] of EXTREMES) {
            const query = Object.entries(target.base ?? {})
              .filter(([name]) => inPath || name !== p.name)
              .map(([name, value]) => `${name}=${encodeURIComponent(value)}`);
            if (!inPath) query.push(`${encodeURIComponent(p.name)}=${raw}`);
            const path = inPath ? target.path.replace(`{${p.name}}`, raw) : target.path;
            const url = `${path}${query.length > 0 ? `?${query.join('&')}` : ''}`;
            const headers = target.headers?.() ?? { authorization: `Bearer ${ADMIN_TOKEN}` };
            const { status, text } = await send(target.method, url, target.method === 'GET' ? headers : { ...headers, 'content-type': 'application/json' }, target.method === 'GET' ? undefined : '{}');
            const where = `${target.method} ${url.slice(0, 160)} (${p.name}=${label})`;
            if (status >= 500) {
              problems.push(`${where}: ${status} ${text.slice(0, 200)}`);
              continue;
            }
            if (!p.numeric) continue;
            // Other values may be taken (hex, say) and then refused for another reason (a file is no folder).
            if (!(NEVER_A_NUMBER.has(label) || (label === 'negative' && (p.minimum ?? -Infinity) >= 0))) continue;
            if (status !== 400) problems.push(`${where}: expected a 400, got ${status} ${text.slice(0, 200)}`);
            else if (!text.includes(p.name)) problems.push(`${where}: the 400 does not name ${p.name}: ${text.slice(0, 200)}`);
          }
        }
      }
      return problems;
    }

    it('walks every query parameter (and integer path parameter) of the native OpenAPI document', async () => {
      const doc = await t.call('GET', '/api/v1/openapi.json', { token: null });
      expect(doc.status).toBe(200);
      const values: Record<string, string> = { libraryId: lib, itemId: String(itemId), jobId: String(jobId), tokenId: 'no-such-token', viewId: '1', userId: '1', scheduleId: '1', snapshotId: '1', webhookId: '1', deliveryId: 'msg_none', '*': 'docs/a.txt' };
      const targets: Target[] = [];
      for (const [template, operations] of Object.entries<Json>(doc.body.paths)) {
        for (const [method, op] of Object.entries<Json>(operations)) {
          const parameters: Json[] = op.parameters ?? [];
          const query: Param[] = parameters.filter((x) => x.in === 'query').map((x) => ({ name: x.name, numeric: isNumeric(x.schema), minimum: x.schema?.minimum }));
          const pathParams = parameters.filter((x) => x.in === 'path');
          for (const x of pathParams) expect(values, `no value for path parameter ${x.name} of ${template}: add one`).toHaveProperty([x.name]);
          const fill = (except?: string) => template.replace(/\{([^}]+)\}/g, (whole, name: string) => (name === except ? whole : values[name]!));
          const base = Object.fromEntries(parameters.filter((x) => x.in === 'query' && x.required).map((x) => [x.name, String(x.schema?.default ?? x.schema?.minimum ?? 1)]));
          // A body is validated before the query: only bodiless operations can show which parameter a 400 is about.
          if (query.length > 0 && op.requestBody === undefined) targets.push({ method: method.toUpperCase(), path: fill(), query, base });
          for (const x of pathParams.filter((x) => isNumeric(x.schema))) {
            targets.push({ method: method.toUpperCase(), path: fill(x.name), query: [], pathParam: { name: x.name, numeric: true, minimum: x.schema.minimum }, base });
          }
        }
      }
      const names = new Set(targets.flatMap((target) => [...target.query, ...(target.pathParam ? [target.pathParam] : [])].map((p) => p.name)));
      // The walk reached what the defect was about, and the document's integer parameters.
      for (const name of ['limit', 'cursor', 'lastEventId', 'jobId', 'itemId', 'download']) expect(names).toContain(name);
      expect(await fuzz(targets)).toEqual([]);
    });

    it('walks every query parameter of the AODocs, AvePoint and KooDrive routes, with their own authentication', async () => {
      const bearer = () => ({ authorization: `Bearer ${ADMIN_TOKEN}` });
      const google = [
        { name: 'securityCode', numeric: false },
        { name: 'domain', numeric: false },
      ];
      const me = (await t.call('GET', '/api/v1/me')).body;
      const koo = () => ({ authorization: `Bearer+${ADMIN_TOKEN}`, 'x-user-id': String(me.user?.id ?? me.id), 'x-date': xDate(Date.now()) });
      const targets: Target[] = [
        {
          method: 'GET',
          path: `/api/job/v1/libraries/${lib}`,
          headers: bearer,
          query: [
            ...google,
            { name: 'pageSize', numeric: true, minimum: 1 },
            { name: 'pageToken', numeric: false },
            { name: 'status', numeric: false },
            { name: 'type', numeric: false },
            { name: 'user', numeric: false },
            { name: 'orderBy', numeric: false },
          ],
        },
        { method: 'GET', path: `/api/job/v1/${jobId}`, headers: bearer, query: google },
        {
          method: 'GET',
          path: `/api/job/v1/events/${jobId}`,
          headers: bearer,
          query: [...google, { name: 'onlyErrors', numeric: false }, { name: 'pageToken', numeric: false }, { name: 'maxResults', numeric: true, minimum: 1 }],
        },
        {
          method: 'GET',
          path: `/api/library/v1/${lib}`,
          headers: bearer,
          query: [...google, { name: 'include', numeric: false }, { name: 'updateLastAccessed', numeric: false }],
        },
        {
          method: 'GET',
          path: '/backup/google/admin/jobs',
          headers: bearer,
          query: [
            { name: 'dataSource', numeric: true, minimum: 1 },
            { name: 'appType', numeric: true, minimum: 1 },
            { name: 'pageIndex', numeric: true, minimum: 0 },
            { name: 'pageSize', numeric: true, minimum: 1 },
            { name: 'jobType', numeric: true, minimum: 1 },
            { name: 'jobStatus', numeric: true, minimum: 0 },
            { name: 'startTime', numeric: false },
            { name: 'finishTime', numeric: false },
            { name: 'nextLink', numeric: false },
          ],
        },
        {
          method: 'GET',
          path: '/koodrive/ose/v1/jobs',
          headers: koo,
          base: { offset: '0', limit: '10' },
          query: [
            { name: 'type', numeric: true, minimum: 1 },
            { name: 'status', numeric: true, minimum: 0 },
            { name: 'offset', numeric: true, minimum: 0 },
            { name: 'limit', numeric: true, minimum: 1 },
          ],
        },
        { method: 'GET', path: '/koodrive/ose/v1/{jobId}', headers: koo, query: [], pathParam: { name: 'jobId', numeric: true, minimum: 1 } },
        // Last: a cancel that goes through changes the job the others read.
        { method: 'POST', path: `/api/job/v1/${jobId}/cancel`, headers: bearer, query: google },
      ];
      expect(await fuzz(targets)).toEqual([]);
    });

    it('gives VSP One’s JSON numbers the same extremes, through its sign-in and XSRF check', async () => {
      const password = 'correct horse battery';
      const user = await t.call('POST', '/api/v1/users', { json: { email: 'ops@example.com', role: 'admin', password } });
      expect(user.status, JSON.stringify(user.body)).toBe(201);
      const grant = await send(
        'POST',
        '/ui/auth/realms/vsp-object/protocol/openid-connect/token',
        { 'content-type': 'application/x-www-form-urlencoded' },
        new URLSearchParams({ client_id: 'vsp-object-external-client', username: 'ops@example.com', password, grant_type: 'password' }).toString(),
      );
      expect(grant.status, grant.text).toBe(200);
      const csrf = await fetch(`${base}/mapi/v1/csrf`);
      expect(csrf.status).toBe(200);
      const cookies = csrf.headers.getSetCookie().map((line) => line.split(';')[0]!);
      const xsrf = cookies.find((c) => c.startsWith('XSRF-TOKEN='))!.slice('XSRF-TOKEN='.length);
      const headers = {
        authorization: `Bearer ${JSON.parse(grant.text).access_token}`,
        'x-xsrf-token': xsrf,
        cookie: cookies.join('; '),
        'content-type': 'application/json',
      };
      /** JSON text of each extreme; numbers JSON cannot hold (NaN) make the body malformed, a 400 naming the body. */
      const values: ReadonlyArray<readonly [string, string, boolean]> = [
        ['1e309', '1e309', true],
        ['-1e309', '-1e309', true],
        ['huge', '99999999999999999999', true],
        ['negative', '-1', false],
        ['fraction', '1.5', true],
        ['"Infinity"', '"Infinity"', true],
        ['"0x10"', '"0x10"', true],
        ['"7"', '"7"', true],
        ['""', '""', true],
        ['"NUL"', '"\\u0000"', true],
        ['long', `"${'9'.repeat(4000)}"`, true],
      ];
      const fields: ReadonlyArray<{ paths: string[]; field: string; body: (v: string) => string; minimum: number }> = [
        { paths: ['/v1/jobs/list', '/mapi/v1/jobs/list'], field: 'pageSize', body: (v) => `{"pageSize":${v}}`, minimum: 0 },
        { paths: ['/v1/jobs/list'], field: 'userId', body: (v) => `{"userId":{"id":${v}}}`, minimum: -2_147_483_648 },
        { paths: ['/v1/jobs/status', '/mapi/v1/jobs/cancel'], field: 'jobId', body: (v) => `{"jobId":{"id":${v}}}`, minimum: -2_147_483_648 },
      ];
      const problems: string[] = [];
      for (const { paths, field, body, minimum } of fields) {
        for (const path of paths) {
          for (const [label, json, refused] of values) {
            const { status, text } = await send('POST', path, headers, body(json));
            const where = `POST ${path} ${field}=${label}`;
            if (status >= 500) problems.push(`${where}: ${status} ${text.slice(0, 200)}`);
            else if (!(refused || (label === 'negative' && minimum >= 0))) continue;
            else if (status !== 400) problems.push(`${where}: expected a 400, got ${status} ${text.slice(0, 200)}`);
            else if (!text.includes(field)) problems.push(`${where}: the 400 does not name ${field}: ${text.slice(0, 200)}`);
          }
        }
      }
      expect(problems).toEqual([]);
    });
  });
}
