/**
 * Issue 4's listing benchmark: each vendor dialect's job listing over the same
 * seeded server as GET /api/v1/jobs (engine-bench.ts `listBench`), next to a
 * native row of the same (or the nearest) filter, loaded the same way.
 *
 * Every pool is built by walking the listing once with its own pagination
 * (AODocs pageToken, AvePoint nextLink URLs, KooDrive offsets, VSP One
 * pageToken in the POST body; native cursors) and keeping the position at
 * every page start: pages of 50 are then requested from those positions,
 * shuffled. A dialect lists only the job types it can name (docs/dialects/README.md), so
 * each filter below is one that returns full pages over the bench's seeded
 * jobs (copy, move, trash, restore, purge, empty_trash); a sample of each
 * pool is fetched once before its load to check that.
 *
 *  - AODocs `GET /api/job/v1/libraries/{id}?pageSize=50&pageToken=…` (all six
 *    seeded types are AODocs types) vs native `?libraryId=`, the same 4 libraries;
 *  - AvePoint `GET /backup/google/admin/jobs?jobType=4&jobStatus=2&pageSize=50`
 *    (its Delete type: trash, purge, empty_trash; Finished: completed) following
 *    nextLink tokens, and by `pageIndex` (an offset), vs native `?status=completed`
 *    and `?status=completed&type=trash` (less / more filtered than AvePoint's);
 *  - KooDrive `GET /koodrive/ose/v1/jobs?offset&limit=50` (the caller's own tasks,
 *    oldest first, offset pages) as the admin, one of the 21 requestors, vs native
 *    `?requestor=<the admin's id>`;
 *  - VSP One `POST /v1/jobs/list {bucketName, pageSize: 50, pageToken}` (BATCH_REPLICATE
 *    = copy is the one seeded type it names) vs native `?libraryId=…&type=copy`,
 *    the same result set, the same 4 libraries.
 */
import { LIST_SECONDS, load, shuffle, type LoadOptions, type LoadRequest, type LoadResult } from './lib/list-load.js';
import { TOKEN, type EngineTarget } from './lib/engine-target.js';
import { now, round, secondsSince } from './peers/common.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are read as JSON */

export const DIALECTS = ['aodocs', 'avepoint', 'koodrive', 'vsp-one'] as const;
export type Dialect = (typeof DIALECTS)[number];

/** BENCH_LIST_DIALECTS=aodocs,koodrive picks dialects; `none` skips them (default: all four). */
export function selectedDialects(): Dialect[] {
  const raw = process.env.BENCH_LIST_DIALECTS;
  if (raw === undefined || raw === '' || raw === 'all') return [...DIALECTS];
  if (raw === 'none') return [];
  const picked = raw.split(',').map((s) => s.trim());
  const unknown = picked.filter((d) => !(DIALECTS as readonly string[]).includes(d));
  if (unknown.length) throw new Error(`BENCH_LIST_DIALECTS: unknown dialect(s) ${unknown.join(', ')} (known: ${DIALECTS.join(', ')}, none)`);
  return picked as Dialect[];
}

const PAGE = 50;

export interface WalkInfo {
  what: string;
  pageSize: number;
  pages: number;
  jobs: number;
  /** Pages other than the last that held fewer than pageSize jobs (0 when the filter pages fully). */
  shortPages: number;
  seconds: number;
  slowestPageMs: number;
}

interface HttpResponse {
  status: number;
  body: any;
  headers: Headers;
}

async function http(base: string, r: LoadRequest, extra: Record<string, string> = {}): Promise<HttpResponse> {
  const headers: Record<string, string> = { authorization: `Bearer ${TOKEN}`, ...extra, ...r.headers };
  const res = await fetch(new URL(r.path, base), { method: r.method ?? 'GET', headers, body: r.body });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, body, headers: res.headers };
}

function ok(res: HttpResponse, what: string): any {
  if (res.status !== 200) throw new Error(`${what}: HTTP ${res.status} ${JSON.stringify(res.body).slice(0, 500)}`);
  return res.body;
}

/**
 * Walks a listing once: `page(position)` fetches the page at a position (undefined:
 * the first) and returns its job count and the next position (undefined at the end).
 * Returns every position a page started at (the first one included) that has
 * a full page of 50 after it.
 */
async function walkListing<P>(what: string, pageSize: number, page: (at: P | undefined) => Promise<{ jobs: number; next: P | undefined }>) {
  const positions: Array<P | undefined> = [undefined];
  const counts: number[] = [];
  let slowest = 0;
  const started = now();
  let at: P | undefined;
  for (;;) {
    const pageStart = now();
    const p = await page(at);
    slowest = Math.max(slowest, secondsSince(pageStart) * 1000);
    counts.push(p.jobs);
    if (p.next === undefined) break;
    at = p.next;
    positions.push(at);
  }
  const info: WalkInfo = {
    what,
    pageSize,
    pages: counts.length,
    jobs: counts.reduce((a, b) => a + b, 0),
    shortPages: counts.slice(0, -1).filter((c) => c < pageSize).length,
    seconds: round(secondsSince(started), 1),
    slowestPageMs: Math.round(slowest),
  };
  // Only positions a page of 50 fits after (the last page of a walk may hold fewer).
  const full = positions.filter((_, k) => k * pageSize + PAGE <= info.jobs);
  return { positions: full, info };
}

/** The native listing `?query` walked with keyset cursors. */
function walkNative(t: EngineTarget, query: string, pageSize: number) {
  return walkListing<string>(`GET /api/v1/jobs?${query}`, pageSize, async (cursor) => {
    const body = ok(await http(t.jobsUrl, { path: `/api/v1/jobs?${query}&limit=${pageSize}${cursor ? `&cursor=${cursor}` : ''}` }), `walk ${query}`);
    return { jobs: body.jobs.length, next: body.nextCursor ?? undefined };
  });
}

const nativePage = (query: string, cursor: string | undefined): LoadRequest => ({ path: `/api/v1/jobs?${query}&limit=${PAGE}${cursor ? `&cursor=${cursor}` : ''}` });

/** KooDrive's X-Date: yyyyMMdd'T'HHmmss'Z' (UTC), the current second. */
function xDate(ms = Date.now()): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
}

interface RowSpec {
  label: string;
  filter: string;
  how: string;
  pool: LoadRequest[];
  options?: LoadOptions;
  /** Jobs in a response body. */
  count: (body: any) => number;
  /** Pool entries fetched before the load to check that pages are full. */
  sample?: number;
  comparedWith?: string;
}

export interface FilterRowsInput {
  t: EngineTarget;
  /** The bootstrap admin's user id (one of the seeded requestors). */
  adminId: number;
  /** The libraries the native `?libraryId=` rows walked, with their names (VSP One's bucket names). */
  libraries: Array<{ id: string; name: string; cursors: string[] }>;
  /** Cursors of the native `?status=completed` walk (pages of 1000). */
  statusCursors: string[];
  log: (line: string) => void;
}

/**
 * The per-filter rows: for each dialect selected, a native row of the same filter
 * (or the nearest the native API has) and the dialect's row(s), one after the other.
 */
export async function filterRows(input: FilterRowsInput): Promise<{ loads: LoadResult[]; walks: WalkInfo[] }> {
  const { t, log } = input;
  const dialects = selectedDialects();
  const loads: LoadResult[] = [];
  const walks: WalkInfo[] = [];
  const nativeRows = new Map<string, LoadResult>();

  const run = async (spec: RowSpec) => {
    const sample = shuffle([...spec.pool]).slice(0, spec.sample ?? 40);
    let full = 0;
    let minJobs = Infinity;
    for (const entry of sample) {
      const res = await http(t.url, entry, { ...spec.options?.headers, ...spec.options?.perRequestHeaders?.() });
      const jobs = spec.count(ok(res, `${spec.label}: ${entry.method ?? 'GET'} ${entry.path} ${entry.body ?? ''}`));
      if (jobs === PAGE) full++;
      minJobs = Math.min(minJobs, jobs);
    }
    await load('warm-up', t.url, spec.pool, 2, spec.options);
    const result = await load(spec.label, t.url, spec.pool, LIST_SECONDS, spec.options);
    result.filter = spec.filter;
    result.pool = { how: spec.how, size: spec.pool.length, checked: sample.length, full, minJobs: sample.length ? minJobs : 0 };
    if (spec.comparedWith) result.comparedWith = spec.comparedWith;
    else nativeRows.set(spec.label, result);
    loads.push(result);
    log(
      `list ${t.db}: ${spec.label}: p50/p90/p99 ${result.latencyMs.p50}/${result.latencyMs.p90}/${result.latencyMs.p99} ms, ${result.pagesPerSecond} pages/s` +
        ` (${result.non2xx} non-2xx, ${result.errors} errors; pool ${spec.pool.length}, ${full}/${sample.length} sampled pages full)`,
    );
    return result;
  };
  const walked = (w: WalkInfo) => {
    walks.push(w);
    log(`list ${t.db}: walked ${w.what}: ${w.pages} pages of ${w.pageSize} (${w.jobs} jobs, ${w.shortPages} short) in ${w.seconds} s, slowest ${w.slowestPageMs} ms`);
  };
  const libs = input.libraries;

  if (dialects.includes('aodocs')) {
    const nativeLabel = `native ?libraryId= (${libs.length} libraries)`;
    await run({
      label: nativeLabel,
      filter: 'libraryId',
      how: `cursors from walking each library with pages of 1000 (the idle row's library half), and the first pages`,
      pool: shuffle(libs.flatMap((l) => [undefined, ...l.cursors].map((c) => nativePage(`libraryId=${l.id}`, c)))),
      count: (b) => b.jobs.length,
    });
    const pool: LoadRequest[] = [];
    for (const l of libs) {
      const w = await walkListing<string>(`AODocs GET /api/job/v1/libraries/${l.id}`, 1000, async (token) => {
        const body = ok(await http(t.url, { path: `/api/job/v1/libraries/${l.id}?pageSize=1000${token ? `&pageToken=${token}` : ''}` }), 'walk AODocs');
        return { jobs: body.jobList.length, next: body.nextPageToken };
      });
      walked(w.info);
      pool.push(...w.positions.map((token) => ({ path: `/api/job/v1/libraries/${l.id}?pageSize=${PAGE}${token ? `&pageToken=${token}` : ''}` })));
    }
    await run({
      label: `AODocs GET /api/job/v1/libraries/{id} (same ${libs.length} libraries)`,
      filter: 'libraryId',
      how: 'pageTokens from walking each library with pageSize=1000 (nextPageToken), and the first pages',
      pool: shuffle(pool),
      count: (b) => b.jobList.length,
      comparedWith: nativeLabel,
    });
  }

  if (dialects.includes('avepoint')) {
    const nativeLabel = 'native ?status=completed';
    await run({
      label: nativeLabel,
      filter: 'status',
      how: 'cursors from walking the listing with pages of 1000 (the idle row\'s status half), and the first page',
      pool: shuffle([undefined, ...input.statusCursors].map((c) => nativePage('status=completed', c))),
      count: (b) => b.jobs.length,
    });
    const narrowQuery = 'status=completed&type=trash';
    const narrow = await walkNative(t, narrowQuery, 1000);
    walked(narrow.info);
    const narrowLabel = `native ?${narrowQuery}`;
    await run({
      label: narrowLabel,
      filter: 'status+type',
      how: 'cursors from walking the listing with pages of 1000, and the first page',
      pool: shuffle(narrow.positions.map((c) => nativePage(narrowQuery, c))),
      count: (b) => b.jobs.length,
    });
    // AvePoint's own pagination: follow nextLink URLs (pageSize=1000) to the end.
    const filter = 'jobType=4&jobStatus=2';
    const aveBase = `/backup/google/admin/jobs?${filter}`;
    const w = await walkListing<string>(`AvePoint GET ${aveBase}`, 1000, async (link) => {
      const path = link ? `${new URL(link).pathname}${new URL(link).search}` : `${aveBase}&pageSize=1000`;
      const body = ok(await http(t.url, { path }), 'walk AvePoint');
      return { jobs: body.jobs.length, next: body.nextLink };
    });
    walked(w.info);
    // A nextLink carries its query (pageSize, pageIndex) and the keyset cursor, base64url JSON
    // (src/dialects/avepoint/next-link.ts); the link a pageSize=50 walk reaches at the same
    // depth is that cursor with pageSize 50 and pageIndex depth/50: re-issued as such.
    const nextLinks = w.positions.map((link, k) => {
      if (link === undefined) return { path: `${aveBase}&pageSize=${PAGE}` };
      const url = new URL(link);
      const token = JSON.parse(Buffer.from(url.searchParams.get('nextLink')!, 'base64url').toString('utf8')) as { v: 1; q: Record<string, string>; c: string };
      const pageIndex = String((k * 1000) / PAGE);
      token.q = { ...token.q, pageIndex, pageSize: String(PAGE) };
      url.searchParams.set('pageIndex', pageIndex);
      url.searchParams.set('pageSize', String(PAGE));
      url.searchParams.set('nextLink', Buffer.from(JSON.stringify(token), 'utf8').toString('base64url'));
      return { path: `${url.pathname}${url.search}` };
    });
    await run({
      label: 'AvePoint GET /backup/google/admin/jobs?jobType=4&jobStatus=2, nextLink pages',
      filter: 'status+type',
      how: "nextLinks at every depth 1000·k from following nextLink with pageSize=1000, re-issued for pageSize=50 (the link a pageSize=50 walk reaches there: same keyset cursor, pageIndex = depth/50), and the first page",
      pool: shuffle(nextLinks),
      count: (b) => b.jobs.length,
      comparedWith: nativeLabel,
    });
    await run({
      label: 'AvePoint GET /backup/google/admin/jobs?jobType=4&jobStatus=2, pageIndex pages (offset)',
      filter: 'status+type',
      how: 'pageIndex = 20·k with pageSize=50, i.e. the same depths 1000·k as the nextLink pool (an OFFSET of 1000·k rows)',
      pool: shuffle(w.positions.map((_, k) => ({ path: `${aveBase}&pageSize=${PAGE}&pageIndex=${(k * 1000) / PAGE}` }))),
      count: (b) => b.jobs.length,
      sample: 12,
      comparedWith: nativeLabel,
    });
  }

  if (dialects.includes('koodrive')) {
    const query = `requestor=${input.adminId}`;
    const native = await walkNative(t, query, 1000);
    walked(native.info);
    const nativeLabel = `native ?requestor=<admin's id>`;
    await run({
      label: nativeLabel,
      filter: 'requestor',
      how: 'cursors from walking the listing with pages of 1000, and the first page',
      pool: shuffle(native.positions.map((c) => nativePage(query, c))),
      count: (b) => b.jobs.length,
    });
    // A fresh X-Date per request (the server takes one within 15 minutes); the admin's own id as X-User-Id.
    let second = 0;
    let date = '';
    const options: LoadOptions = {
      headers: { 'x-user-id': String(input.adminId) },
      perRequestHeaders: () => {
        const s = Math.floor(Date.now() / 1000);
        if (s !== second) [second, date] = [s, xDate(s * 1000)];
        return { 'x-date': date };
      },
    };
    const w = await walkListing<number>('KooDrive GET /koodrive/ose/v1/jobs (offset pages)', 100, async (offset = 0) => {
      const body = ok(await http(t.url, { path: `/koodrive/ose/v1/jobs?offset=${offset}&limit=100` }, { ...options.headers, ...options.perRequestHeaders!() }), 'walk KooDrive');
      return { jobs: body.data.length, next: body.data.length === 100 ? offset + 100 : undefined };
    });
    walked(w.info);
    const depths: number[] = [];
    for (let d = 0; d + PAGE <= w.info.jobs; d += 1000) depths.push(d);
    await run({
      label: 'KooDrive GET /koodrive/ose/v1/jobs (offset pages, as the admin)',
      filter: 'requestor',
      how: `offset = 1000·k (every depth the native walk's cursors stand at) over the caller's ${w.info.jobs} tasks, walked first with limit=100 offset pages; X-Date fresh per request`,
      pool: shuffle(depths.map((d) => ({ path: `/koodrive/ose/v1/jobs?offset=${d}&limit=${PAGE}` }))),
      options,
      count: (b) => b.data.length,
      comparedWith: nativeLabel,
    });
  }

  if (dialects.includes('vsp-one')) {
    // Small listings (~1/6 of a library's jobs are copies): walked with pages of 100 for enough depths.
    const walkSize = 100;
    const nativePool: LoadRequest[] = [];
    for (const l of libs) {
      const q = `libraryId=${l.id}&type=copy`;
      const w = await walkNative(t, q, walkSize);
      walked(w.info);
      nativePool.push(...w.positions.map((c) => nativePage(q, c)));
    }
    const nativeLabel = `native ?libraryId=&type=copy (${libs.length} libraries)`;
    await run({
      label: nativeLabel,
      filter: 'library+type',
      how: `cursors from walking each library's copies with pages of ${walkSize}, and the first pages`,
      pool: shuffle(nativePool),
      count: (b) => b.jobs.length,
    });
    // Hitachi's client: GET /csrf (no credentials) for the XSRF-TOKEN cookie, then the double submit + Bearer.
    const csrf = await fetch(new URL('/csrf', t.url));
    const xsrf = /XSRF-TOKEN=([^;]*)/.exec(csrf.headers.getSetCookie().find((c) => c.startsWith('XSRF-TOKEN=')) ?? '')?.[1];
    if (csrf.status !== 200 || !xsrf) throw new Error(`VSP One GET /csrf: HTTP ${csrf.status}, no XSRF-TOKEN cookie`);
    const options: LoadOptions = { headers: { cookie: `XSRF-TOKEN=${xsrf}`, 'x-xsrf-token': xsrf, 'content-type': 'application/json' } };
    const list = (bucketName: string, pageSize: number, pageToken: string | undefined): LoadRequest => ({
      method: 'POST',
      path: '/v1/jobs/list',
      body: JSON.stringify({ bucketName, pageSize, ...(pageToken ? { pageToken } : {}) }),
    });
    const pool: LoadRequest[] = [];
    for (const l of libs) {
      const w = await walkListing<string>(`VSP One POST /v1/jobs/list {bucketName: ${l.name}}`, walkSize, async (token) => {
        const body = ok(await http(t.url, list(l.name, walkSize, token), options.headers), 'walk VSP One');
        return { jobs: body.jobs.length, next: body.pageToken || undefined };
      });
      walked(w.info);
      pool.push(...w.positions.map((token) => list(l.name, PAGE, token)));
    }
    await run({
      label: `VSP One POST /v1/jobs/list {bucketName} (same ${libs.length} libraries)`,
      filter: 'library+type',
      how: `pageTokens from walking each bucket with pageSize=${walkSize}, and the first pages; XSRF cookie + X-XSRF-TOKEN from GET /csrf, Bearer`,
      pool: shuffle(pool),
      options,
      count: (b) => b.jobs.length,
      comparedWith: nativeLabel,
    });
  }

  for (const l of loads) {
    const native = l.comparedWith ? nativeRows.get(l.comparedWith) : undefined;
    if (native) l.percentOfNative = Math.round((100 * l.pagesPerSecond) / native.pagesPerSecond);
  }
  return { loads, walks };
}
