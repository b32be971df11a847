/**
 * Issue 13's scale benchmarks on PostgreSQL (`npm run bench -- scale [workers] [model]`):
 *  - workers: engine throughput with 1, 2 and 4 `batchyard worker` processes (BENCH_SCALE_WORKERS,
 *             default 1,2,4) on one database, the API in a process with no engine: a noop job
 *             (BENCH_SCALE_NOOP_ITEMS, default 200,000) and a cross-storage copy of BENCH_SCALE_COPY_FILES
 *             (default 5,000) files of 4 KiB per count, with what the database did meanwhile
 *             (pg_stat_activity every 50 ms, commits/s, WAL/s) and EXPLAIN (ANALYZE, BUFFERS) of the
 *             claim and commit statements;
 *  - model:   a library of BENCH_SCALE_MODEL_FOLDERS (default 10,000) × 999 files seeded with SQL
 *             (≈10M items), bytes per row and per index entry of every table, a listing's latency,
 *             and a trash → restore of the whole tree with one worker (items/s), to check the
 *             100M model's linearity against the 1M tree of the engine benchmark.
 * Each part has its own database (benchDatabaseName), dropped at the end.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';
import { describeMachine } from './lib/machine.js';
import { createLibrary, expectStatus, runJob, seedTree, type JobView } from './engine-bench.js';
import { procCpuSeconds } from './lib/engine-target.js';
import { counterRates, dbCounters, distSnapshot, removeDistSnapshot, sampleActivity, startCluster, type Cluster } from './lib/scale-cluster.js';
import { uploadFiles } from './lib/file-tree.js';
import { now, round, secondsSince, sleep } from './peers/common.js';

export const SCALE_PARTS = ['workers', 'model'] as const;
export type ScalePart = (typeof SCALE_PARTS)[number];

const WORKER_COUNTS = (process.env.BENCH_SCALE_WORKERS ?? '1,2,4').split(',').map(Number);
const NOOP_ITEMS = Number(process.env.BENCH_SCALE_NOOP_ITEMS ?? 200_000);
const COPY_FILES = Number(process.env.BENCH_SCALE_COPY_FILES ?? 5_000);
const MODEL_FOLDERS = Number(process.env.BENCH_SCALE_MODEL_FOLDERS ?? 10_000);
const resultsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bench/results');
const FINAL = ['completed', 'completed_with_errors', 'failed', 'cancelled'];

const started = Date.now();
function log(line: string) {
  process.stderr.write(`scale [${Math.round((Date.now() - started) / 1000)} s]: ${line}\n`);
}

/** /proc/loadavg's 1-minute figure: the machine is shared, every figure says how loaded it was. */
function loadAverage(): number {
  try {
    return Number(fs.readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
  } catch {
    return NaN;
  }
}

async function withClient<T>(database: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: database });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

const dbNameOf = (database: string) => new URL(database).pathname.slice(1);

// ---------------------------------------------------------------- workers

/** EXPLAIN (ANALYZE, BUFFERS) of the claim and the commit point of a task of `jobId`, rolled back (the rows stay as they were). */
async function explainClaimAndCommit(database: string, jobId: number) {
  return withClient(database, async (c) => {
    const plan = async (sql: string, params: unknown[]) => {
      await c.query('BEGIN');
      try {
        const { rows } = await c.query(`EXPLAIN (ANALYZE, BUFFERS, TIMING OFF) ${sql}`, params);
        return rows.map((r: Record<string, string>) => r['QUERY PLAN']).join('\n');
      } finally {
        await c.query('ROLLBACK');
      }
    };
    const phase = (await c.query('SELECT min(phase) AS p FROM job_tasks WHERE job_id = $1', [jobId])).rows[0]?.p;
    if (phase === null || phase === undefined) return { skipped: 'no task left to claim' };
    const claim = await plan(
      `UPDATE job_tasks SET state = 'running', fence = fence + 1, lease_owner = 'explain', lease_until = 0
        WHERE id IN (SELECT id FROM job_tasks WHERE job_id = $1 AND phase = $2 AND state = 'ready' AND run_after <= $3 ORDER BY id LIMIT 8 FOR UPDATE SKIP LOCKED)
          AND state = 'ready' RETURNING *`,
      [jobId, phase, Date.now()],
    );
    const task = (await c.query(`SELECT id, fence FROM job_tasks WHERE job_id = $1 ORDER BY id DESC LIMIT 1`, [jobId])).rows[0] as { id: string; fence: string } | undefined;
    const commit = task ? await plan(`DELETE FROM job_tasks WHERE id = $1 AND fence = $2`, [task.id, task.fence]) : 'no task';
    const jobRow = await plan(`UPDATE jobs SET last_activity_at = $2 WHERE id = $1`, [jobId, Date.now()]);
    return { claim, commitTaskDelete: commit, commitJobRowUpdate: jobRow };
  });
}

async function measuredJob(cluster: Cluster, workers: number[], body: { type: string; libraryId: string; params: Record<string, unknown> }, explainAtSeconds?: number) {
  const dbName = dbNameOf(cluster.database);
  const cpuBefore = workers.map((pid) => procCpuSeconds(pid) ?? 0);
  const sampler = sampleActivity(cluster.database, dbName);
  const counters = await withClient(cluster.database, async (c) => {
    const before = await dbCounters(c, dbName);
    const load1 = loadAverage();
    let explain: unknown;
    let maxTasks = { rows: 0, bytes: 0 };
    const t = cluster.target;
    const start = now();
    let job = expectStatus(await t.jobsApi<JobView>('POST', '/api/v1/jobs', body), 202, `submit ${body.type}`);
    let lastSize = 0;
    while (!FINAL.includes(job.status)) {
      await sleep(50);
      job = expectStatus(await t.jobsApi<JobView>('GET', `/api/v1/jobs/${job.id}`), 200, 'get job');
      if (Date.now() - lastSize > 1000) {
        lastSize = Date.now();
        const r = (await c.query(`SELECT count(*) AS n, pg_total_relation_size('job_tasks') AS b FROM job_tasks`)).rows[0] as { n: string; b: string };
        if (Number(r.n) > maxTasks.rows) maxTasks = { rows: Number(r.n), bytes: Number(r.b) };
      }
      if (explainAtSeconds !== undefined && explain === undefined && secondsSince(start) > explainAtSeconds && job.status === 'running') explain = await explainClaimAndCommit(cluster.database, job.id);
    }
    const wallSeconds = secondsSince(start);
    const after = await dbCounters(c, dbName);
    return { job, wallSeconds, rates: counterRates(before, after), load1, load1After: loadAverage(), explain, maxTasks };
  });
  const activity = await sampler.stop();
  const cpu = workers.map((pid, i) => round((procCpuSeconds(pid) ?? 0) - cpuBefore[i]!, 2));
  const { job } = counters;
  const items = job.counts.succeeded + job.counts.failed + job.counts.skipped;
  const runSeconds = job.startedAt && job.finishedAt ? (Date.parse(job.finishedAt) - Date.parse(job.startedAt)) / 1000 : null;
  return {
    type: body.type,
    status: job.status,
    items,
    wallSeconds: round(counters.wallSeconds, 2),
    runSeconds,
    itemsPerSecond: Math.round(items / counters.wallSeconds),
    workerCpuSeconds: cpu,
    database: counters.rates,
    commitsPerItem: items ? round(counters.rates.commits / items, 4) : null,
    walBytesPerItemServerWide: items ? Math.round(counters.rates.walBytesServerWide / items) : null,
    jobTasksPeak: counters.maxTasks,
    activity,
    explain: counters.explain,
    loadAverage1m: { atStart: counters.load1, atEnd: counters.load1After },
  };
}

async function workersBench() {
  const scratch = fs.mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', 'batchyard-bench-scale-copy-'));
  const cluster = await startCluster('scale_workers', { BATCHYARD_STORAGES: `a=${path.join(scratch, 'a')},b=${path.join(scratch, 'b')}` });
  const runs = [];
  try {
    const noopLib = await createLibrary(cluster.target, 'noop');
    const a = await createLibrary(cluster.target, 'copy-a', { objectStorageLocation: 'a' });
    const b = await createLibrary(cluster.target, 'copy-b', { objectStorageLocation: 'b' });
    log(`uploading ${COPY_FILES} files of 4 KiB…`);
    const files = Array.from({ length: COPY_FILES }, () => crypto.randomBytes(4096));
    await uploadFiles(cluster.target, a, files, (i) => `src/d${String(i % 50).padStart(2, '0')}/f${String(i).padStart(5, '0')}.bin`, 8);
    for (const n of WORKER_COUNTS) {
      const workers = await cluster.startWorkers(n);
      try {
        await sleep(1000);
        const pids = workers.map((w) => w.pid!);
        const noop = await measuredJob(cluster, pids, { type: 'noop', libraryId: noopLib, params: { count: NOOP_ITEMS } }, 1);
        log(`${n} worker(s): noop ${noop.items} in ${noop.wallSeconds} s (${noop.itemsPerSecond}/s), ${noop.database.commitsPerSecond} commits/s, load ${noop.loadAverage1m.atStart}`);
        const copy = await measuredJob(cluster, pids, { type: 'copy', libraryId: a, params: { paths: ['/src'], destination: `/w${n}`, targetLibraryId: b } }, 1);
        log(`${n} worker(s): copy ${copy.items} in ${copy.wallSeconds} s (${copy.itemsPerSecond}/s), ${copy.database.commitsPerSecond} commits/s, load ${copy.loadAverage1m.atStart}`);
        runs.push({ workers: n, noop, copy });
      } finally {
        await cluster.stopWorkers(workers);
      }
    }
    const settings = await withClient(cluster.database, async (c) => {
      const show = async (name: string) => Object.values((await c.query(`SHOW ${name}`)).rows[0] as Record<string, string>)[0];
      return { max_connections: await show('max_connections'), shared_buffers: await show('shared_buffers'), synchronous_commit: await show('synchronous_commit'), autovacuum: await show('autovacuum'), server: await show('server_version') };
    });
    return { noopItems: NOOP_ITEMS, copyFiles: COPY_FILES, workerConcurrency: 8, postgres: settings, runs };
  } finally {
    await cluster.dispose();
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- model

async function tableSizes(database: string) {
  return withClient(database, async (c) => {
    await c.query('ANALYZE');
    const tables = (
      await c.query(
        `SELECT relname AS table, c.reltuples::bigint AS rows, pg_relation_size(c.oid) AS heap, pg_indexes_size(c.oid) AS indexes, pg_total_relation_size(c.oid) AS total
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE c.relkind = 'r' AND n.nspname = current_schema() ORDER BY pg_total_relation_size(c.oid) DESC`,
      )
    ).rows as Array<Record<string, string>>;
    const indexes = (
      await c.query(
        `SELECT t.relname AS table, i.relname AS index, pg_relation_size(i.oid) AS bytes
           FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace
          WHERE n.nspname = current_schema() AND pg_relation_size(i.oid) > 8192 * 16 ORDER BY pg_relation_size(i.oid) DESC`,
      )
    ).rows as Array<Record<string, string>>;
    const rowsOf = new Map(tables.map((t) => [t.table, Math.max(0, Number(t.rows))]));
    return {
      tables: tables
        .filter((t) => Number(t.total) > 8192 * 4)
        .map((t) => {
          const rows = Math.max(0, Number(t.rows));
          return { table: t.table!, rows, heapBytes: Number(t.heap), indexBytes: Number(t.indexes), totalBytes: Number(t.total), heapBytesPerRow: rows ? Math.round(Number(t.heap) / rows) : null, indexBytesPerRow: rows ? Math.round(Number(t.indexes) / rows) : null };
        }),
      indexes: indexes.map((i) => ({ table: i.table!, index: i.index!, bytes: Number(i.bytes), bytesPerEntry: rowsOf.get(i.table!) ? Math.round(Number(i.bytes) / rowsOf.get(i.table!)!) : null })),
      databaseBytes: Number((await c.query('SELECT pg_database_size(current_database()) AS b')).rows[0].b),
    };
  });
}

async function listingLatency(cluster: Cluster, libraryId: string) {
  const t = cluster.target;
  const time = async (pathname: string) => {
    const start = now();
    const res = await t.api<{ items: unknown[]; nextCursor?: string | null }>('GET', pathname);
    expectStatus(res, 200, `GET ${pathname}`);
    return { ms: secondsSince(start) * 1000, next: res.body.nextCursor ?? null };
  };
  const pct = (xs: number[], p: number) => round([...xs].sort((x, y) => x - y)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!, 1);
  const out: Record<string, unknown> = {};
  for (const [label, folder] of [
    ['/big (10,000 folders): first page of 50', '/big'],
    [`/big/d${String(Math.floor(MODEL_FOLDERS / 2)).padStart(4, '0')} (999 files): first page of 50`, `/big/d${String(Math.floor(MODEL_FOLDERS / 2)).padStart(4, '0')}`],
  ] as const) {
    const ms: number[] = [];
    const probe = await t.api('GET', `/api/v1/libraries/${libraryId}/items?path=${encodeURIComponent(folder)}&limit=1`);
    if (probe.status !== 200) {
      out[label] = { skipped: `HTTP ${probe.status}` };
      continue;
    }
    for (let i = 0; i < 20; i++) ms.push((await time(`/api/v1/libraries/${libraryId}/items?path=${encodeURIComponent(folder)}&limit=50`)).ms);
    out[label] = { p50: pct(ms, 50), p90: pct(ms, 90), max: pct(ms, 100), requests: ms.length };
  }
  // 100 pages deep into /big by cursor: each page's latency.
  const deep: number[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < 100; i++) {
    const r = await time(`/api/v1/libraries/${libraryId}/items?path=%2Fbig&limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    deep.push(r.ms);
    cursor = r.next;
    if (!cursor) break;
  }
  out['/big walked by cursor, pages of 50'] = { pages: deep.length, p50: pct(deep, 50), p90: pct(deep, 90), max: pct(deep, 100) };
  return out;
}

async function modelBench() {
  const cluster = await startCluster('scale_model');
  try {
    const t = cluster.target;
    const libraryId = await createLibrary(t, 'model');
    const emptySizes = await tableSizes(cluster.database);
    log(`seeding ${MODEL_FOLDERS} folders × 999 files…`);
    const load1 = loadAverage();
    const seed = await seedTree(t, libraryId, MODEL_FOLDERS);
    log(`seeded ${seed.items} items in ${seed.seconds} s`);
    const seeded = await tableSizes(cluster.database);
    log(`sizes after seeding: ${JSON.stringify(seeded)}`);
    const listing = await listingLatency(cluster, libraryId);
    log(`listing: ${JSON.stringify(listing)}`);
    const [worker] = await cluster.startWorkers(1);
    const jobs = [];
    const dbName = dbNameOf(cluster.database);
    const measure = async (body: { type: string; libraryId: string; params: Record<string, unknown> }) => {
      const before = await withClient(cluster.database, (c) => dbCounters(c, dbName));
      const loadAt = loadAverage();
      const run = await runJob({ ...t, pid: worker!.pid! }, body, 3_600_000, 500);
      const after = await withClient(cluster.database, (c) => dbCounters(c, dbName));
      log(`${body.type}: ${run.items} items, run ${run.runSeconds} s (${run.itemsPerSecondRun}/s), wall ${run.wallSeconds} s, load ${loadAt}; ${JSON.stringify(counterRates(before, after))}`);
      return { ...run, database: counterRates(before, after), walBytesPerItemServerWide: run.items ? Math.round((after.walBytes - before.walBytes) / run.items) : null, loadAverage1m: { atStart: loadAt, atEnd: loadAverage() } };
    };
    jobs.push(await measure({ type: 'trash', libraryId, params: { paths: ['/big'] } }));
    const afterTrash = await tableSizes(cluster.database);
    log(`sizes after trash: ${JSON.stringify(afterTrash.tables)}`);
    const roots = expectStatus(await t.api<{ items: Array<{ id: number; path: string }> }>('GET', `/api/v1/libraries/${libraryId}/trash?limit=10`), 200, 'trash listing');
    const root = roots.items.find((i) => i.path === '/big');
    if (!root) throw new Error(`/big is not among the trash roots: ${JSON.stringify(roots).slice(0, 300)}`);
    jobs.push(await measure({ type: 'restore', libraryId, params: { itemIds: [root.id] } }));
    const afterRestore = await tableSizes(cluster.database);
    const listingAfter = await listingLatency(cluster, libraryId);
    return { folders: MODEL_FOLDERS, seed, loadAverage1mAtSeed: load1, sizes: { empty: emptySizes, seeded, afterTrash, afterRestore }, listing, listingAfterRestore: listingAfter, jobs };
  } finally {
    await cluster.dispose();
  }
}

/** Runs the parts in order; `done(part, result)` hears of each as it ends (a later part's failure loses nothing). */
export async function runScaleBench(parts: ScalePart[], done: (part: ScalePart, result: unknown) => void = () => {}) {
  const out: Record<string, unknown> = {};
  if (parts.includes('workers')) done('workers', (out.workers = await workersBench()));
  if (parts.includes('model')) done('model', (out.model = await modelBench()));
  return out;
}

/** The markdown rows of the worker-count table. */
export function scaleTable(results: Record<string, unknown>): string[] {
  const w = results.workers as Awaited<ReturnType<typeof workersBench>> | undefined;
  const lines: string[] = [];
  if (w) {
    lines.push('| workers | noop items/s | commits/s | WAL MB/s | copy files/s | commits/s | top wait (sessions/sample) | load 1m |', '|---|---|---|---|---|---|---|---|');
    for (const r of w.runs) {
      const top = r.noop.activity.sessions.filter((s) => s.what !== 'idle').slice(0, 3).map((s) => `${s.what} ${s.sessionsPerSample}`).join(', ');
      lines.push(
        `| ${r.workers} | ${r.noop.itemsPerSecond} | ${r.noop.database.commitsPerSecond} | ${round(r.noop.database.walBytesPerSecondServerWide / 1e6, 1)} | ${r.copy.itemsPerSecond} | ${r.copy.database.commitsPerSecond} | ${top} | ${r.noop.loadAverage1m.atStart} |`,
      );
    }
  }
  const m = results.model as Awaited<ReturnType<typeof modelBench>> | undefined;
  if (m) for (const j of m.jobs) lines.push(`model: ${j.type} of ${j.items} items: ${j.itemsPerSecondRun}/s (run ${j.runSeconds} s), load ${j.loadAverage1m.atStart}`);
  return lines;
}

/**
 * Run on its own: `node dist-bench/bench/scale-bench.js [workers] [model]` (after `tsc -p tsconfig.bench.json`);
 * writes bench/results/scale.json (each part replaces its own entry) and prints the table.
 */
async function main() {
  const args = process.argv.slice(2);
  const unknown = args.filter((a) => !(SCALE_PARTS as readonly string[]).includes(a));
  if (unknown.length > 0) throw new Error(`scale: unknown argument(s) ${unknown.join(', ')} (parts: ${SCALE_PARTS.join(', ')})`);
  const parts = args.length ? (args as ScalePart[]) : [...SCALE_PARTS];
  const env = Object.entries(process.env)
    .filter(([k]) => k.startsWith('BENCH_SCALE_'))
    .map(([k, v]) => `${k}=${v} `)
    .join('');
  const began = new Date().toISOString();
  const file = path.join(resultsDir, 'scale.json');
  const save = (part: string, value: unknown) => {
    const snap = distSnapshot();
    const run = { date: began, command: `${env}node dist-bench/bench/scale-bench.js ${parts.join(' ')}`, server: `batchyard ${snap.commit}${process.env.BENCH_SCALE_DIST ? '' : ' (HEAD compiled alone)'}`, machine: describeMachine() };
    fs.mkdirSync(resultsDir, { recursive: true });
    const previous = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as { parts?: Record<string, unknown> }) : {};
    const merged = { benchmark: 'scale', parts: { ...(previous.parts ?? {}), [part]: { ...run, ...(value as object) } } };
    fs.writeFileSync(file, JSON.stringify(merged, null, 2) + '\n');
  };
  try {
    const results = await runScaleBench(parts, save);
    process.stdout.write(`${JSON.stringify(describeMachine())}\n${scaleTable(results).join('\n')}\n(wrote ${path.relative(process.cwd(), file)})\n`);
  } finally {
    removeDistSnapshot();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
