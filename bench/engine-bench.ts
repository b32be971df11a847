/**
 * Issue 3's engine benchmarks, against the server in its own process
 * (bench/lib/engine-target.ts), on SQLite and PostgreSQL:
 *  - noop:  engine overhead, one `noop` job of 100k items, submit → completed,
 *           3 trials per driver; the peers (bench/peers) drain 100k no-op jobs in the same run;
 *  - tree:  trash → restore (by the trash root's id) → purge of a 1M-item tree,
 *           items/s and the server's peak RSS per job;
 *  - list:  GET /api/v1/jobs over 1M jobs, filtered pages of 50 at random depths,
 *           8 connections, against a bare route with the same SQL, then while a big job runs;
 *           and (issue 4) each vendor dialect's listing beside a native row of the same
 *           filter (list-dialects.ts);
 *  - copy:  a cross-library copy of 10k files of 4 KiB between two storage locations vs `cp -r` + `sync`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { execFileSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import BetterSqlite3 from 'better-sqlite3';
import { expectStatus, median, uploadFiles, writePlainFiles } from './lib/file-tree.js';
import { startTarget, watchMemory, type DbKind, type EngineTarget } from './lib/engine-target.js';
import { dropDatabase, now, round, secondsSince, sleep } from './peers/common.js';
import { runPeersBench } from './peers/run-peers.js';
import type { DrainResult } from './peers/types.js';
import { load, shuffle, type LoadResult } from './lib/list-load.js';
import { filterRows, selectedDialects, type WalkInfo } from './list-dialects.js';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const repoDir = path.resolve(benchDir, '../..');

export const ENGINE_PARTS = ['noop', 'tree', 'list', 'copy'] as const;
export type EnginePart = (typeof ENGINE_PARTS)[number];

const NOOP_ITEMS = Number(process.env.BENCH_NOOP_ITEMS ?? 100_000);
const NOOP_TRIALS = Number(process.env.BENCH_NOOP_TRIALS ?? 3);
const TREE_FOLDERS = Number(process.env.BENCH_TREE_FOLDERS ?? 1_000);
const TREE_FILES_PER_FOLDER = Number(process.env.BENCH_TREE_FILES ?? 999);
export const LIST_JOBS = Number(process.env.BENCH_LIST_JOBS ?? 1_000_000);
const COPY_FILES = Number(process.env.BENCH_COPY_FILES ?? 10_000);
const JOB_TIMEOUT_MS = Number(process.env.BENCH_JOB_TIMEOUT_S ?? 180) * 1000;
const FINAL = ['completed', 'completed_with_errors', 'failed', 'cancelled'];

export interface JobView {
  id: number;
  type: string;
  status: string;
  counts: { total: number; succeeded: number; failed: number; skipped: number; remaining: number; retries: number };
  bytes?: { total: number; done: number };
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  error: unknown;
}

function batchyardVersion(): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(repoDir, 'package.json'), 'utf8')) as { version: string };
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoDir, encoding: 'utf8' }).trim();
  return `${pkg.version} (${commit})`;
}

const benchStart = Date.now();
function log(line: string) {
  process.stderr.write(`engine [${Math.round((Date.now() - benchStart) / 1000)} s]: ${line}\n`);
}

export { expectStatus };

export async function createLibrary(t: EngineTarget, name: string, extra: Record<string, unknown> = {}): Promise<string> {
  const lib = expectStatus(await t.api<{ libraryId: string }>('POST', '/api/v1/libraries', { name, ...extra }), 201, `create library ${name}`);
  return lib.libraryId;
}

export interface JobRun {
  jobId: number;
  type: string;
  status: string;
  items: number;
  counts: JobView['counts'];
  /** POST /api/v1/jobs until its 202. */
  submitSeconds: number;
  /** From just before the POST until a GET saw a final status (polled every 20 ms). */
  wallSeconds: number;
  /** The job's own startedAt → finishedAt. */
  runSeconds: number | null;
  itemsPerSecondWall: number;
  itemsPerSecondRun: number | null;
  memory: ReturnType<ReturnType<typeof watchMemory>['stop']>;
}

/** Submits a job and polls GET /api/v1/jobs/{id} every 20 ms until it ends, watching the server's memory. */
/**
 * Submits a job and polls GET /api/v1/jobs/{id} every 20 ms until it ends, watching the server's memory.
 * A job still running after `timeoutMs` is cancelled and reported with status `timed out (<status>)`.
 */
export async function runJob(t: EngineTarget, body: { type: string; libraryId: string; params: Record<string, unknown> }, timeoutMs = JOB_TIMEOUT_MS, pollMs = 20): Promise<JobRun> {
  const memory = watchMemory(t.pid);
  const start = now();
  let job = expectStatus(await t.jobsApi<JobView>('POST', '/api/v1/jobs', body), 202, `submit ${body.type}`);
  const submitSeconds = secondsSince(start);
  const deadline = Date.now() + timeoutMs;
  let timedOut = false;
  while (!FINAL.includes(job.status)) {
    if (Date.now() > deadline) {
      timedOut = true;
      log(`job ${job.id} (${body.type}) did not end in ${timeoutMs / 1000} s; cancelling it: ${JSON.stringify(job.counts)}`);
      await t.jobsApi('POST', `/api/v1/jobs/${job.id}/cancel`);
      break;
    }
    await sleep(pollMs);
    job = expectStatus(await t.jobsApi<JobView>('GET', `/api/v1/jobs/${job.id}`), 200, `get job ${job.id}`);
  }
  const wallSeconds = secondsSince(start);
  if (timedOut) job = { ...job, status: `timed out after ${timeoutMs / 1000} s (${job.status})`, finishedAt: null };
  const mem = memory.stop();
  const runSeconds = job.startedAt && job.finishedAt ? (Date.parse(job.finishedAt) - Date.parse(job.startedAt)) / 1000 : null;
  const items = job.counts.succeeded + job.counts.failed + job.counts.skipped;
  if (job.status !== 'completed') log(`job ${job.id} (${body.type}) ended ${job.status}: ${JSON.stringify(job.counts)} ${JSON.stringify(job.error)}`);
  return {
    jobId: job.id,
    type: body.type,
    status: job.status,
    items,
    counts: job.counts,
    submitSeconds: round(submitSeconds, 4),
    wallSeconds: round(wallSeconds, 3),
    runSeconds: runSeconds === null ? null : round(runSeconds, 3),
    itemsPerSecondWall: Math.round(items / wallSeconds),
    itemsPerSecondRun: runSeconds ? Math.round(items / runSeconds) : null,
    memory: mem,
  };
}

export async function disposeTarget(t: EngineTarget) {
  await t.stop();
  fs.rmSync(t.dataDir, { recursive: true, force: true });
  if (t.db === 'postgres') await dropDatabase(new URL(t.database).pathname.slice(1));
}

function engineSettings(t: EngineTarget) {
  return {
    database: t.db === 'postgres' ? 'PostgreSQL 15, fresh database, same machine' : 'SQLite (WAL), fresh data directory',
    server: t.mode === 'server' ? 'batchyard serve (this run\'s build), own process' : 'bench/lib/engine-host.js: startServer() + stand-in jobs routes, own process',
    workerConcurrency: Number(t.env.BATCHYARD_WORKER_CONCURRENCY ?? 8),
    leaseSeconds: Number(t.env.BATCHYARD_LEASE_SECONDS ?? 30),
  };
}

// ---------------------------------------------------------------- noop

async function noopBench(dbs: DbKind[]) {
  const ours: Array<{ db: DbKind; trials: JobRun[]; medianItemsPerSecond: number; drain: DrainResult }> = [];
  for (const db of dbs) {
    const trials: JobRun[] = [];
    let settings: Record<string, unknown> = {};
    for (let i = 0; i < NOOP_TRIALS; i++) {
      const t = await startTarget(db);
      try {
        settings = engineSettings(t);
        const libraryId = await createLibrary(t, 'noop');
        const run = await runJob(t, { type: 'noop', libraryId, params: { count: NOOP_ITEMS } });
        log(`noop ${db} trial ${i + 1}: ${run.items} items, wall ${run.wallSeconds} s (${run.itemsPerSecondWall}/s), run ${run.runSeconds} s`);
        trials.push(run);
      } finally {
        await disposeTarget(t);
      }
    }
    const med = median(trials.map((r) => r.wallSeconds));
    ours.push({
      db,
      trials,
      medianItemsPerSecond: Math.round(NOOP_ITEMS / med),
      drain: {
        system: `batchyard (${db === 'sqlite' ? 'SQLite' : 'PostgreSQL'})`,
        version: batchyardVersion(),
        jobs: NOOP_ITEMS,
        settings: { ...settings, job: `one noop job of ${NOOP_ITEMS} items`, trials: NOOP_TRIALS },
        enqueueSeconds: median(trials.map((r) => r.submitSeconds)),
        drainSeconds: med,
        jobsPerSecond: Math.round(NOOP_ITEMS / med),
      },
    });
  }
  let peers: DrainResult[] = [];
  if (process.env.BENCH_PEERS !== 'none') peers = await runPeersBench(NOOP_ITEMS);
  const bestPeer = peers.reduce<DrainResult | undefined>((best, p) => (!best || p.jobsPerSecond > best.jobsPerSecond ? p : best), undefined);
  return {
    items: NOOP_ITEMS,
    ours,
    peers,
    bestPeer: bestPeer?.system ?? null,
    ratioToBestPeer: Object.fromEntries(ours.map((o) => [o.db, bestPeer ? round(o.medianItemsPerSecond / bestPeer.jobsPerSecond, 2) : null])),
    target: '≥ 5× the best peer on both drivers',
  };
}

// ---------------------------------------------------------------- direct SQL (seeding)

interface SeedSql {
  /** Runs one statement; `?` placeholders (rewritten to $n for PostgreSQL). */
  run(text: string, params?: unknown[]): Promise<number>;
  all<T>(text: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

export async function openSeedSql(t: EngineTarget): Promise<SeedSql> {
  if (t.db === 'sqlite') {
    const db = new BetterSqlite3(t.database);
    db.pragma('busy_timeout = 30000');
    return {
      async run(text, params = []) {
        return db.prepare(text).run(...params).changes;
      },
      async all<T>(text: string, params: unknown[] = []) {
        return db.prepare(text).all(...params) as T[];
      },
      async close() {
        db.close();
      },
    };
  }
  const client = new pg.Client({ connectionString: t.database });
  await client.connect();
  const numbered = (text: string) => {
    let i = 0;
    return text.replace(/\?/g, () => `$${++i}`);
  };
  return {
    async run(text, params = []) {
      return (await client.query(numbered(text), params)).rowCount ?? 0;
    },
    async all<T>(text: string, params: unknown[] = []) {
      return (await client.query(numbered(text), params)).rows as T[];
    },
    async close() {
      await client.end();
    },
  };
}

const sqlString = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** SQL for 0..count-1 as a row source `n(i)`: a recursive CTE on SQLite, generate_series on PostgreSQL. */
function series(db: DbKind, count: number): { with: string; from: string } {
  return db === 'sqlite'
    ? { with: `n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${count - 1})`, from: 'n' }
    : { with: `n(i) AS (SELECT generate_series(0::bigint, ${count - 1}))`, from: 'n' };
}

const pad = (db: DbKind, expr: string, width: number) => (db === 'sqlite' ? `printf('%0${width}d', ${expr})` : `lpad((${expr})::text, ${width}, '0')`);

// ---------------------------------------------------------------- tree

const TREE_BLOBS = 4;

/**
 * /big with `folders` (default TREE_FOLDERS) folders × TREE_FILES_PER_FOLDER files, inserted in
 * bulk with SQL (rows in path order). Files share TREE_BLOBS contents that
 * were uploaded through the API (so the bytes are in the real blob store and
 * the blobs rows exist); their refcounts are raised by the rows added.
 */
export async function seedTree(
  t: EngineTarget,
  libraryId: string,
  folders = TREE_FOLDERS,
): Promise<{ items: number; bigId: number; blobs: Array<{ sha256: string; size: number; refs: number }>; seconds: number }> {
  const blobs: Array<{ sha256: string; size: number; refs: number }> = [];
  for (let k = 0; k < TREE_BLOBS; k++) {
    const file = expectStatus(await t.api<{ sha256: string; size: number }>('PUT', `/api/v1/libraries/${libraryId}/files/seed/b${k}.bin`, crypto.randomBytes(1024)), 201, 'upload seed blob');
    let refs = 0;
    for (let i = 0; i < TREE_FILES_PER_FOLDER; i++) if (i % TREE_BLOBS === k) refs++;
    blobs.push({ sha256: file.sha256, size: file.size, refs: refs * folders });
  }
  const big = expectStatus(await t.api<{ id: number }>('POST', `/api/v1/libraries/${libraryId}/folders`, { path: '/big' }), 201, 'create /big');
  const started = now();
  const sql = await openSeedSql(t);
  try {
    const ts = Date.now();
    const cols = '(library_id, parent_id, name, path, kind, size, sha256, content_type, created_at, modified_at)';
    const f = series(t.db, folders);
    await sql.run('BEGIN');
    await sql.run(
      `WITH RECURSIVE ${f.with} INSERT INTO items ${cols} SELECT ?, ?, 'd' || ${pad(t.db, 'i', 4)}, '/big/d' || ${pad(t.db, 'i', 4)}, 'folder', 0, NULL, NULL, ?, ? FROM ${f.from}`.replace(
        'RECURSIVE',
        t.db === 'sqlite' ? 'RECURSIVE' : '',
      ),
      [libraryId, big.id, ts, ts],
    );
    const n = series(t.db, TREE_FILES_PER_FOLDER);
    const values = blobs.map((b, k) => `(${k}, ${sqlString(b.sha256)}, ${b.size})`).join(', ');
    const name = `'f' || ${pad(t.db, 'n.i', 5)} || '.bin'`;
    await sql.run(
      `WITH ${t.db === 'sqlite' ? 'RECURSIVE ' : ''}${n.with}, b(k, sha, size) AS (VALUES ${values})
       INSERT INTO items ${cols}
       SELECT f.library_id, f.id, ${name}, f.path || '/' || ${name}, 'file', b.size, b.sha, 'application/octet-stream', ?, ?
       FROM items f CROSS JOIN ${n.from} JOIN b ON b.k = n.i % ${TREE_BLOBS}
       WHERE f.parent_id = ? AND f.kind = 'folder' ORDER BY f.id, n.i`,
      [ts, ts, big.id],
    );
    const storage = (await sql.all<{ storage: string }>('SELECT storage FROM libraries WHERE id = ?', [libraryId]))[0]!.storage;
    for (const b of blobs) await sql.run('UPDATE blobs SET refcount = refcount + ? WHERE storage = ? AND sha256 = ?', [b.refs, storage, b.sha256]);
    await sql.run('COMMIT');
    // PostgreSQL's autovacuum would analyze a table that grew this much within a minute; do it now.
    if (t.db === 'postgres') await sql.run('ANALYZE items');
  } finally {
    await sql.close();
  }
  return { items: 1 + folders + folders * TREE_FILES_PER_FOLDER, bigId: big.id, blobs, seconds: round(secondsSince(started), 1) };
}

async function showSetting(t: EngineTarget, name: string): Promise<string> {
  const sql = await openSeedSql(t);
  try {
    return Object.values((await sql.all<Record<string, string>>(`SHOW ${name}`))[0]!)[0]!;
  } finally {
    await sql.close();
  }
}

/**
 * ANALYZE items before a job (BENCH_TREE_ANALYZE=1), as a prompt autovacuum
 * would (off on this machine's PostgreSQL). Without any, after a job rewrote
 * a million rows the planner thought every trash partial index empty and
 * restore's chunk queries scanned all members per chunk; the engine now runs
 * autovacuum's analyze rule itself (see BENCHMARKS.md).
 */
async function analyzeItems(t: EngineTarget): Promise<number> {
  const sql = await openSeedSql(t);
  try {
    const started = now();
    await sql.run('ANALYZE items');
    return round(secondsSince(started), 2);
  } finally {
    await sql.close();
  }
}

async function blobRefcounts(t: EngineTarget, shas: string[]): Promise<Record<string, number>> {
  const sql = await openSeedSql(t);
  try {
    const rows = await sql.all<{ sha256: string; refcount: number }>(`SELECT sha256, refcount FROM blobs WHERE sha256 IN (${shas.map(() => '?').join(', ')})`, shas);
    return Object.fromEntries(rows.map((r) => [r.sha256.slice(0, 12), Number(r.refcount)]));
  } finally {
    await sql.close();
  }
}

async function treeBench(dbs: DbKind[]) {
  const runs = [];
  for (const db of dbs) {
    const t = await startTarget(db);
    try {
      const libraryId = await createLibrary(t, 'tree');
      log(`tree ${db}: seeding…`);
      const seed = await seedTree(t, libraryId);
      log(`tree ${db}: seeded ${seed.items} items in ${seed.seconds} s`);
      const jobs: JobRun[] = [];
      const pgAutovacuum = db === 'postgres' ? await showSetting(t, 'autovacuum') : null;
      // The engine refreshes stale statistics itself (every 5 s); BENCH_TREE_ANALYZE=1 also analyzes before each job, as autovacuum might.
      const analyze = db === 'postgres' && process.env.BENCH_TREE_ANALYZE === '1';
      const analyzeSeconds: number[] = [];
      const beforeJob = async () => {
        if (analyze) analyzeSeconds.push(await analyzeItems(t));
      };
      await beforeJob();
      const trash = await runJob(t, { type: 'trash', libraryId, params: { paths: ['/big'] } });
      jobs.push(trash);
      log(`tree ${db}: trash ${trash.items} items, run ${trash.runSeconds} s (${trash.itemsPerSecondRun}/s), wall ${trash.wallSeconds} s, peak RSS ${trash.memory.peakSampledRssMiB} MiB`);
      const roots = expectStatus(await t.api<{ items: Array<{ id: number; path: string }> }>('GET', `/api/v1/libraries/${libraryId}/trash?limit=10`), 200, 'trash listing');
      const root = roots.items.find((i) => i.path === '/big');
      if (!root) throw new Error(`tree ${db}: /big is not among the trash roots: ${JSON.stringify(roots)}`);
      await beforeJob();
      const restore = await runJob(t, { type: 'restore', libraryId, params: { itemIds: [root.id] } });
      jobs.push(restore);
      log(`tree ${db}: restore ${restore.items} items, run ${restore.runSeconds} s (${restore.itemsPerSecondRun}/s), wall ${restore.wallSeconds} s, peak RSS ${restore.memory.peakSampledRssMiB} MiB`);
      await beforeJob();
      const purge = await runJob(t, { type: 'purge', libraryId, params: { paths: ['/big'] } });
      jobs.push(purge);
      log(`tree ${db}: purge ${purge.items} items, run ${purge.runSeconds} s (${purge.itemsPerSecondRun}/s), wall ${purge.wallSeconds} s, peak RSS ${purge.memory.peakSampledRssMiB} MiB`);
      const refcountsAfterPurge = await blobRefcounts(t, seed.blobs.map((b) => b.sha256));
      runs.push({
        db,
        seed,
        settings: engineSettings(t),
        postgres: db === 'postgres' ? { autovacuum: pgAutovacuum, analyzeItemsBeforeEachJob: analyze, analyzeSeconds } : undefined,
        jobs,
        refcountsAfterPurge,
      });
    } finally {
      await disposeTarget(t);
    }
  }
  return {
    items: 1 + TREE_FOLDERS + TREE_FOLDERS * TREE_FILES_PER_FOLDER,
    shape: `/big: ${TREE_FOLDERS} folders × ${TREE_FILES_PER_FOLDER} files, ${TREE_BLOBS} shared 1 KiB blobs`,
    runs,
    targets: { sqliteItemsPerSecond: 200_000, postgresItemsPerSecond: 50_000, peakRssMiB: 256 },
  };
}

// ---------------------------------------------------------------- list

const LIST_USERS = 20;
const LIST_LIBRARIES = 50;
const JOB_TYPES = ['copy', 'move', 'trash', 'restore', 'purge', 'empty_trash'];

/** The seeded jobs' owners: the admin and LIST_USERS users (user<u>@example.com), LIST_LIBRARIES libraries (jobs-<l>). */
export async function createJobOwners(t: EngineTarget): Promise<{ requestors: number[]; libraries: string[] }> {
  const requestors = [expectStatus(await t.api<{ id: number }>('GET', '/api/v1/me'), 200, 'me').id];
  for (let u = 0; u < LIST_USERS; u++) {
    requestors.push(expectStatus(await t.api<{ id: number }>('POST', '/api/v1/users', { email: `user${u}@example.com`, name: `User ${u}` }), 201, 'create user').id);
  }
  const libraries: string[] = [];
  for (let l = 0; l < LIST_LIBRARIES; l++) libraries.push(await createLibrary(t, `jobs-${l}`));
  return { requestors, libraries };
}

/**
 * LIST_JOBS finished jobs in one domain: 70% completed, 10% each
 * completed_with_errors / failed / cancelled, six types, LIST_LIBRARIES libraries,
 * LIST_USERS + 1 requestors, created over the past year in id order.
 */
export async function seedJobs(t: EngineTarget, libraries: string[], requestors: number[]): Promise<number> {
  const started = now();
  const sql = await openSeedSql(t);
  try {
    const domainId = Number((await sql.all<{ id: number }>('SELECT id FROM domains ORDER BY id LIMIT 1'))[0]!.id);
    const n = series(t.db, LIST_JOBS);
    const base = Date.now() - 365 * 86_400_000;
    const step = Math.floor((365 * 86_400_000) / LIST_JOBS);
    const pick = (list: Array<string | number>, expr: string) => `CASE ${expr} ${list.map((v, k) => `WHEN ${k} THEN ${typeof v === 'string' ? sqlString(v) : v}`).join(' ')} END`;
    const status = `CASE WHEN i % 20 < 14 THEN 'completed' WHEN i % 20 < 16 THEN 'completed_with_errors' WHEN i % 20 < 18 THEN 'failed' ELSE 'cancelled' END`;
    const created = `(${base} + i * ${step})`;
    const div = (a: string, b: number) => (t.db === 'sqlite' ? `(${a} / ${b})` : `(${a} / ${b})`);
    await sql.run('BEGIN');
    await sql.run(
      `WITH ${t.db === 'sqlite' ? 'RECURSIVE ' : ''}${n.with}
       INSERT INTO jobs (domain_id, library_id, target_library_id, type, status, requestor_id, origin, params, priority, total, succeeded, failed, skipped, retries,
                         bytes_total, bytes_done, planned, retry_of, error, result, created_at, started_at, last_activity_at, finished_at, last_claim_at)
       SELECT ${domainId}, ${pick(libraries, `((i * 7 + ${div('i', 1000)}) % ${libraries.length})`)}, NULL, ${pick(JOB_TYPES, `(${div('i', 3)} % ${JOB_TYPES.length})`)},
              ${status}, ${pick(requestors, `((i * 13 + ${div('i', 777)}) % ${requestors.length})`)}, 'admin', '{"paths":["/reports/2026"]}', 0,
              100, CASE WHEN i % 20 < 14 THEN 100 ELSE 60 END, CASE WHEN i % 20 < 14 THEN 0 ELSE 40 END, 0, i % 3,
              0, 0, 1, NULL, NULL, NULL, ${created}, ${created} + 500, ${created} + 60000, ${created} + 60000, ${created} + 500
       FROM ${n.from}`,
    );
    await sql.run('COMMIT');
    // What autovacuum does to a freshly loaded table (it is off on this machine): statistics, and the
    // visibility map that lets index-only scans skip the heap.
    if (t.db === 'postgres') await sql.run('VACUUM ANALYZE jobs');
  } finally {
    await sql.close();
  }
  return round(secondsSince(started), 1);
}

/** Walks a listing once with pages of 1000, keeping every nextCursor (a cursor at each depth 1000·k). */
async function walk(t: EngineTarget, query: string): Promise<{ cursors: string[]; pages: number; seconds: number; slowestPageMs: number }> {
  const cursors: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  let slowest = 0;
  const started = now();
  do {
    const pageStart = now();
    const res: { status: number; body: { jobs: unknown[]; nextCursor: string | null } } = await t.jobsApi('GET', `/api/v1/jobs?${query}&limit=1000${cursor ? `&cursor=${cursor}` : ''}`);
    const page: { nextCursor: string | null } = expectStatus(res, 200, `walk ${query}`);
    slowest = Math.max(slowest, secondsSince(pageStart) * 1000);
    pages++;
    cursor = page.nextCursor;
    if (cursor) cursors.push(cursor);
  } while (cursor);
  return { cursors, pages, seconds: round(secondsSince(started), 1), slowestPageMs: Math.round(slowest) };
}

async function withBareJobsServer<T>(database: string, variant: 'same' | 'bounded', fn: (url: string) => Promise<T>): Promise<T> {
  const port = 17000 + Math.floor(Math.random() * 1000);
  const child = spawn(process.execPath, [path.join(benchDir, 'bare-jobs-server.js'), String(port), database, variant], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`bare jobs server exited with ${code}`)));
  });
  try {
    return await fn(`http://127.0.0.1:${port}`);
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
}

async function listBench(dbs: DbKind[]) {
  const runs = [];
  for (const db of dbs) {
    const t = await startTarget(db);
    try {
      const { requestors, libraries } = await createJobOwners(t);
      log(`list ${db}: seeding ${LIST_JOBS} jobs…`);
      const seedSeconds = await seedJobs(t, libraries, requestors);
      log(`list ${db}: seeded in ${seedSeconds} s; walking the listings for cursors…`);
      const byStatus = await walk(t, 'status=completed');
      log(`list ${db}: status=completed: ${byStatus.pages} pages of 1000 in ${byStatus.seconds} s (slowest ${byStatus.slowestPageMs} ms)`);
      const walkedLibraries = libraries.slice(0, 4);
      const byLibrary = [];
      for (const lib of walkedLibraries) byLibrary.push({ lib, ...(await walk(t, `libraryId=${lib}`)) });
      log(`list ${db}: 4 libraries: ${byLibrary.map((w) => `${w.pages} pages in ${w.seconds} s (slowest ${w.slowestPageMs} ms)`).join('; ')}`);
      // The pool: a page of 50 after each cursor found, half by status, half by library, shuffled; plus first pages.
      const entries: Array<{ filter: string; cursor?: string }> = [
        ...byStatus.cursors.map((cursor) => ({ filter: 'status=completed', cursor })),
        ...byLibrary.flatMap((w) => w.cursors.map((cursor) => ({ filter: `libraryId=${w.lib}`, cursor }))),
        { filter: 'status=completed' },
        ...walkedLibraries.map((lib) => ({ filter: `libraryId=${lib}` })),
      ];
      // Balance: as many library pages as status pages.
      const libEntries = entries.filter((e) => e.filter.startsWith('libraryId'));
      const statusEntries = entries.filter((e) => e.filter.startsWith('status'));
      const pool = shuffle([...statusEntries, ...Array.from({ length: statusEntries.length }, (_, k) => libEntries[k % libEntries.length]!)]);
      const ours = pool.map((e) => `/api/v1/jobs?${e.filter}&limit=50${e.cursor ? `&cursor=${e.cursor}` : ''}`);
      const bare = pool.map((e) => {
        if (!e.cursor) return `/jobs?${e.filter}&limit=50`;
        const c = JSON.parse(Buffer.from(e.cursor, 'base64url').toString('utf8')) as { key: number; id: number };
        return `/jobs?${e.filter}&limit=50&afterKey=${c.key}&afterId=${c.id}`;
      });
      const loads: LoadResult[] = [];
      await load('warm-up', t.jobsUrl, ours, 2);
      loads.push(await load('batchyard, idle server', t.jobsUrl, ours));
      log(`list ${db}: idle: p99 ${loads.at(-1)!.latencyMs.p99} ms, ${loads.at(-1)!.pagesPerSecond} pages/s`);

      // Issue 4: each dialect's listing with its own pagination, beside a native row of the same filter (list-dialects.ts).
      let dialectWalks: WalkInfo[] = [];
      if (selectedDialects().length > 0 && t.mode === 'server') {
        const rows = await filterRows({
          t,
          adminId: requestors[0]!,
          libraries: byLibrary.map((w) => ({ id: w.lib, name: `jobs-${libraries.indexOf(w.lib)}`, cursors: w.cursors })),
          statusCursors: byStatus.cursors,
          log,
        });
        loads.push(...rows.loads);
        dialectWalks = rows.walks;
      }

      // The same load while a big job runs in the same server (BENCH_LIST_BIG_JOB=0 skips it, e.g. to profile the idle load).
      const bigJob = process.env.BENCH_LIST_BIG_JOB === '0' ? undefined : await bigJobLoad(t, libraries[0]!, ours);
      if (bigJob) {
        loads.push(bigJob.load);
        log(`list ${db}: during a noop job: p99 ${bigJob.load.latencyMs.p99} ms, ${bigJob.load.pagesPerSecond} pages/s (${bigJob.load.errors} errors); the job ran ${bigJob.itemsPerSecondDuringLoad} items/s meanwhile`);
      }
      const database = t.database;
      await t.stop();
      const bareLoad = await withBareJobsServer(database, 'same', async (url) => {
        await load('warm-up', url, bare, 2);
        return load('bare route (same SQL, no auth/services)', url, bare);
      });
      log(`list ${db}: bare: p99 ${bareLoad.latencyMs.p99} ms, ${bareLoad.pagesPerSecond} pages/s`);
      loads.push(bareLoad);
      // BENCH_LIST_BOUNDED=1: also the bare route with a redundant `created_at <= cursor` bound (how an
      // OR-form keyset, the store's SQL until 402d9be, gets an index range; a no-op for the row-value form).
      if (process.env.BENCH_LIST_BOUNDED === '1') {
        const boundedLoad = await withBareJobsServer(database, 'bounded', async (url) => {
          await load('warm-up', url, bare, 2);
          return load('bare route, SQL with a `created_at <= cursor` bound', url, bare);
        });
        log(`list ${db}: bare, bounded SQL: p99 ${boundedLoad.latencyMs.p99} ms, ${boundedLoad.pagesPerSecond} pages/s`);
        loads.push(boundedLoad);
      }
      for (const l of loads) l.percentOfBare = Math.round((100 * l.pagesPerSecond) / bareLoad.pagesPerSecond);
      runs.push({
        db,
        settings: engineSettings(t),
        seedSeconds,
        walks: { status: { pages: byStatus.pages, seconds: byStatus.seconds, slowestPageMs: byStatus.slowestPageMs }, libraries: byLibrary.map(({ cursors: _c, ...w }) => w), perFilter: dialectWalks },
        poolSize: pool.length,
        loads,
        bigJob: bigJob?.job,
      });
    } finally {
      await disposeTarget(t);
    }
  }
  return {
    jobs: LIST_JOBS,
    shape: `${LIST_JOBS} finished jobs, 1 domain, ${LIST_LIBRARIES} libraries, ${LIST_USERS + 1} requestors, 6 types, 70% completed; pages of 50 at random depths (cursors from walking each listing once with pages of 1000): half ?status=completed, half ?libraryId= (4 libraries), as the domain admin; then per filter, a native row and each dialect's row (its own pagination; see each load's pool.how)`,
    runs,
    targets: { percentOfBare: 80, p99Ms: 5, p99DuringJobMs: 15 },
  };
}

/** Runs the list load while a noop job of BENCH_BIG_NOOP (default 100M, the most noop takes) items runs; cancels it after. */
async function bigJobLoad(t: EngineTarget, libraryId: string, paths: string[]) {
  const count = Number(process.env.BENCH_BIG_NOOP ?? 100_000_000);
  let job = expectStatus(await t.jobsApi<JobView>('POST', '/api/v1/jobs', { type: 'noop', libraryId, params: { count } }), 202, 'submit big noop');
  const get = async () => expectStatus(await t.jobsApi<JobView>('GET', `/api/v1/jobs/${job.id}`), 200, 'get big noop');
  const waitUntil = async (done: () => boolean, seconds: number) => {
    const deadline = Date.now() + seconds * 1000;
    while (!done() && Date.now() < deadline) {
      await sleep(20);
      job = await get();
    }
  };
  const submitted = now();
  await waitUntil(() => job.counts.succeeded > 0 || FINAL.includes(job.status), 60);
  const secondsToFirstItems = round(secondsSince(submitted), 2);
  const before = job.counts.succeeded;
  const started = now();
  const result = await load(`batchyard, during a noop job of ${count.toLocaleString('en-US')} items`, t.jobsUrl, paths);
  const seconds = secondsSince(started);
  job = await get();
  const stillRunning = !FINAL.includes(job.status); // planning (a 100M noop plans for a long while) or running
  const itemsPerSecondDuringLoad = Math.round((job.counts.succeeded - before) / seconds);
  if (stillRunning) expectStatus(await t.jobsApi('POST', `/api/v1/jobs/${job.id}/cancel`), 202, 'cancel big noop');
  const cancelled = now();
  await waitUntil(() => FINAL.includes(job.status), 60);
  const cancelSeconds = round(secondsSince(cancelled), 2);
  return { load: result, itemsPerSecondDuringLoad, job: { id: job.id, count, secondsToFirstItems, stillRunningAtEndOfLoad: stillRunning, itemsPerSecondDuringLoad, cancelSeconds, endedAs: job.status } };
}

// ---------------------------------------------------------------- copy

async function copyBench(dbs: DbKind[]) {
  const runs = [];
  for (const db of dbs) {
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'batchyard-bench-copy-'));
    const t = await startTarget(db, { env: { BATCHYARD_STORAGES: `a=${path.join(scratch, 'store-a')},b=${path.join(scratch, 'store-b')}` } });
    try {
      const a = await createLibrary(t, 'copy-a', { objectStorageLocation: 'a' });
      const b = await createLibrary(t, 'copy-b', { objectStorageLocation: 'b' });
      const probe = await t.jobsApi<{ error?: { message: string } }>('POST', '/api/v1/jobs', { type: 'copy', libraryId: a, params: { paths: ['/nothing'], destination: '/', targetLibraryId: b } });
      if (probe.status !== 202) {
        return { skipped: `the server refused a copy job: HTTP ${probe.status} ${JSON.stringify(probe.body).slice(0, 300)}`, runs };
      }
      const files = Array.from({ length: COPY_FILES }, () => crypto.randomBytes(4096));
      const rel = (i: number) => `src/d${String(i % 100).padStart(2, '0')}/f${String(i).padStart(5, '0')}.bin`;
      log(`copy ${db}: uploading ${COPY_FILES} files of 4 KiB into library A (storage a)…`);
      const uploadStart = now();
      await uploadFiles(t, a, files, rel);
      const uploadSeconds = round(secondsSince(uploadStart), 1);
      // The same files as plain files on the same disk, for cp -r.
      const plain = path.join(scratch, 'plain');
      writePlainFiles(plain, files, rel);
      execFileSync('sync');
      // cp -r varies several-fold from run to run on this VM: three trials, the median counts.
      const cpTrials: Array<{ seconds: number; withSyncSeconds: number }> = [];
      for (let k = 0; k < 3; k++) {
        const cpStart = now();
        execFileSync('cp', ['-r', path.join(plain, 'src'), path.join(scratch, `cp-dst-${k}`)]);
        const seconds = secondsSince(cpStart);
        execFileSync('sync');
        cpTrials.push({ seconds: round(seconds, 3), withSyncSeconds: round(secondsSince(cpStart), 3) });
      }
      const cpSeconds = median(cpTrials.map((c) => c.seconds));
      const cpSyncSeconds = median(cpTrials.map((c) => c.withSyncSeconds));
      log(`copy ${db}: cp -r ${cpTrials.map((c) => c.seconds).join(', ')} s (median ${cpSeconds}), with sync median ${cpSyncSeconds} s`);
      execFileSync('sync');
      const durable = await durableCopyCeiling(path.join(plain, 'src'), path.join(scratch, 'durable-dst'));
      log(`copy ${db}: durable per-file copy ceiling ${durable.seconds} s (${durable.filesPerSecond} files/s)`);
      execFileSync('sync');
      const job = await runJob(t, { type: 'copy', libraryId: a, params: { paths: ['/src'], destination: '/', targetLibraryId: b } });
      log(`copy ${db}: copy job ${job.status}: ${job.items} items, wall ${job.wallSeconds} s, run ${job.runSeconds} s`);
      const blobsInB = countBlobs(path.join(scratch, 'store-b'));
      runs.push({
        db,
        files: COPY_FILES,
        bytesEach: 4096,
        uploadSeconds,
        settings: engineSettings(t),
        job,
        blobsWrittenToB: blobsInB,
        cp: { seconds: round(cpSeconds, 3), trials: cpTrials },
        cpSync: { seconds: round(cpSyncSeconds, 3) },
        durableCopyCeiling: durable,
        ratioToCp: round(job.wallSeconds / cpSeconds, 1),
        ratioToCpSync: round(job.wallSeconds / cpSyncSeconds, 1),
      });
    } finally {
      await disposeTarget(t);
      fs.rmSync(scratch, { recursive: true, force: true });
    }
  }
  return { runs, target: '≤ 1.5× cp -r followed by sync' };
}

/**
 * What copying the same files costs when each one is made durable on its own,
 * the way the blob store writes (read, write a temp file, fsync, close, mkdir
 * of its objects/ab/cd directory, rename, fsync of the directory), 16 at a time,
 * no database: the disk's ceiling for a per-file-durable copy.
 */
async function durableCopyCeiling(src: string, dst: string): Promise<{ seconds: number; filesPerSecond: number }> {
  const files: string[] = [];
  for (const entry of fs.readdirSync(src, { withFileTypes: true, recursive: true })) if (entry.isFile()) files.push(path.join(entry.parentPath, entry.name));
  const fsp = fs.promises;
  await fsp.mkdir(path.join(dst, 'tmp'), { recursive: true });
  let next = 0;
  const started = now();
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < files.length) {
        const i = next++;
        const bytes = await fsp.readFile(files[i]!);
        const sha = crypto.createHash('sha256').update(bytes).digest('hex');
        const tmp = path.join(dst, 'tmp', `${i}.tmp`);
        const handle = await fsp.open(tmp, 'wx');
        await handle.write(bytes);
        await handle.sync();
        await handle.close();
        const dir = path.join(dst, 'objects', sha.slice(0, 2), sha.slice(2, 4));
        await fsp.mkdir(dir, { recursive: true });
        await fsp.rename(tmp, path.join(dir, sha));
        const dirHandle = await fsp.open(dir, 'r');
        await dirHandle.sync();
        await dirHandle.close();
      }
    }),
  );
  const seconds = secondsSince(started);
  return { seconds: round(seconds, 3), filesPerSecond: Math.round(files.length / seconds) };
}

/** Blobs in a storage location: its loose objects and its packed ones (the pack index's rows). */
function countBlobs(root: string): number {
  const index = path.join(root, 'packs', 'index.db');
  let packed = 0;
  if (fs.existsSync(index)) {
    const db = new BetterSqlite3(index, { readonly: true });
    try {
      packed = (db.prepare('SELECT count(*) AS n FROM packed').get() as { n: number }).n;
    } finally {
      db.close();
    }
  }
  return countFiles(path.join(root, 'objects')) + packed;
}

function countFiles(dir: string): number {
  if (!fs.existsSync(dir)) return 0;
  let count = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) if (entry.isFile()) count++;
  return count;
}

export async function runEngineBench(parts: EnginePart[], dbs: DbKind[]) {
  const result: Record<string, unknown> = {};
  for (const part of parts) {
    log(`part ${part} on ${dbs.join(', ')}…`);
    const started = now();
    if (part === 'noop') result.noop = await noopBench(dbs);
    else if (part === 'tree') result.tree = await treeBench(dbs);
    else if (part === 'list') result.list = await listBench(dbs);
    else result.copy = await copyBench(dbs);
    log(`part ${part} took ${round(secondsSince(started), 1)} s`);
  }
  return result;
}
