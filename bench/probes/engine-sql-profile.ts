/**
 * Where an engine job's time goes, statement by statement: runs the server's
 * own build (dist/: openApp + startEngine, default engine settings) in this
 * process with Kysely's executor patched to time every statement (execution
 * only, and separately the wait for a connection), then prints, per job, the
 * statements by total time.
 *
 *   node [--cpu-prof] dist-bench/bench/probes/engine-sql-profile.js <sqlite|postgres> <tree|trash|restore|noop|noop-history>
 *
 * tree: seeds the 1M-item tree of the engine benchmark, then trash → restore → purge.
 * trash, restore: the same, stopping after trash, or after restore.
 * noop: one noop job of BENCH_NOOP_ITEMS (default 100k) items.
 * noop-history: the same after seeding BENCH_LIST_JOBS (default 1M) finished jobs, as the list benchmark does.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { DefaultQueryExecutor, sql, type CompiledQuery, type DatabaseConnection, type QueryResult } from 'kysely';
import type * as ConfigModule from '../../src/config.js';
import type * as AppModule from '../../src/app.js';
import type * as JobsModule from '../../src/domain/jobs.js';
import { serverBuild, startTarget, TOKEN, type DbKind } from '../lib/engine-target.js';
import { createLibrary, seedJobs, seedTree } from '../engine-bench.js';
import { dropDatabase, round } from '../peers/common.js';

const [dbArg, what = 'tree'] = process.argv.slice(2) as [DbKind, string];
const db: DbKind = dbArg === 'postgres' ? 'postgres' : 'sqlite';

// ---- statement timing
interface Stat {
  count: number;
  execNs: bigint;
  waitNs: bigint;
  maxNs: bigint;
}
let stats = new Map<string, Stat>();
const normalize = (sql: string) =>
  sql
    .replace(/\(\s*(?:\?|\$\d+)(?:\s*,\s*(?:\?|\$\d+))+\s*\)/g, '(…list…)')
    .replace(/\$\d+/g, '?')
    .replace(/\s+/g, ' ')
    .trim();
type Executor = { provideConnection<T>(fn: (c: DatabaseConnection) => Promise<T>): Promise<T> };
const base = Object.getPrototypeOf(DefaultQueryExecutor.prototype) as { executeQuery(this: Executor, q: CompiledQuery): Promise<QueryResult<unknown>> };
base.executeQuery = async function (this: Executor, compiled: CompiledQuery) {
  const asked = process.hrtime.bigint();
  return this.provideConnection(async (connection) => {
    const got = process.hrtime.bigint();
    const result = await connection.executeQuery(compiled);
    const done = process.hrtime.bigint();
    const key = normalize(compiled.sql);
    let s = stats.get(key);
    if (!s) stats.set(key, (s = { count: 0, execNs: 0n, waitNs: 0n, maxNs: 0n }));
    s.count++;
    s.execNs += done - got;
    s.waitNs += got - asked;
    if (done - got > s.maxNs) s.maxNs = done - got;
    return result; // the app installs no Kysely plugins: nothing to transform
  });
};

function report(label: string, wallSeconds: number) {
  const rows = [...stats.entries()].sort((a, b) => Number(b[1].execNs - a[1].execNs));
  const totalExec = rows.reduce((n, [, s]) => n + Number(s.execNs), 0) / 1e9;
  process.stdout.write(`\n== ${label}: wall ${round(wallSeconds, 2)} s; time inside statements ${round(totalExec, 2)} s (${Math.round((100 * totalExec) / wallSeconds)}% of wall)\n`);
  process.stdout.write('exec s | % | count | mean ms | max ms | conn wait s | statement\n');
  for (const [sql, s] of rows.slice(0, 14)) {
    const exec = Number(s.execNs) / 1e9;
    process.stdout.write(
      `${round(exec, 2)} | ${Math.round((100 * exec) / wallSeconds)} | ${s.count} | ${round((exec * 1000) / s.count, 3)} | ${round(Number(s.maxNs) / 1e6, 1)} | ${round(Number(s.waitNs) / 1e9, 2)} | ${sql.slice(0, 260)}\n`,
    );
  }
  stats = new Map();
}

// ---- storage prepared by the real server (seeding goes through its API and SQL)
const target = await startTarget(db, { pgName: 'batchyard_bench_probe' });
const libraryId = await createLibrary(target, 'probe');
if (what === 'noop-history') {
  process.stdout.write(`seeded ${process.env.BENCH_LIST_JOBS ?? 1_000_000} finished jobs in ${await seedJobs(target, [libraryId], [1])} s\n`);
} else if (what !== 'noop') {
  const seed = await seedTree(target, libraryId);
  process.stdout.write(`seeded ${seed.items} items in ${seed.seconds} s\n`);
}
await target.stop();

const dist = serverBuild().entry.replace(/cli\/main\.js$/, '');
const load = async <T>(file: string) => (await import(pathToFileURL(path.join(dist, file)).href)) as T;
const { loadConfig } = await load<typeof ConfigModule>('config.js');
const { openApp, startEngine } = await load<typeof AppModule>('app.js');
const { FINAL_STATUSES } = await load<typeof JobsModule>('domain/jobs.js');
const config = loadConfig({ data: target.dataDir }, { ...process.env, ...target.env, LOG_LEVEL: 'warn', BATCHYARD_BOOTSTRAP_TOKEN: TOKEN });
const app = await openApp(config);
const engine = await startEngine(app);
const admin = await app.auth.authenticateSecret(TOKEN);
stats = new Map();

async function run(type: string, params: Record<string, unknown>) {
  const started = process.hrtime.bigint();
  const { job } = await app.jobs.submit(admin, { type, libraryId, params });
  for (;;) {
    const current = (await app.store.jobGetById(job.id))!;
    if (FINAL_STATUSES.includes(current.status)) {
      const wall = Number(process.hrtime.bigint() - started) / 1e9;
      report(`${db} ${type} ${JSON.stringify(params)}: ${current.status}, ${current.counts.succeeded} items`, wall);
      return current;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

class Done extends Error {}
try {
  if (what === 'noop' || what === 'noop-history') {
    await run('noop', { count: Number(process.env.BENCH_NOOP_ITEMS ?? 100_000) });
  } else {
    await run('trash', { paths: ['/big'] });
    if (what === 'trash') throw new Done();
    const roots = await app.store.itemListTrashRoots({ libraryId, after: undefined, limit: 10 });
    const root = roots.find((r) => r.path === '/big')!;
    await run('restore', { itemIds: [root.id] });
    if (what === 'tree') await run('purge', { paths: ['/big'] });
  }
} catch (error) {
  if (!(error instanceof Done)) throw error;
} finally {
  if (db === 'postgres') {
    // To name the relations in deadlock reports ("tuple (p,n) of relation <oid>").
    const { rows } = await sql<{ oid: number; relname: string }>`select oid::int as oid, relname from pg_class where relname in ('jobs', 'job_tasks', 'blobs', 'items', 'job_events', 'engine_domain_turns')`.execute(app.driver.db);
    process.stdout.write(`relations: ${rows.map((r) => `${r.oid}=${r.relname}`).join(', ')}\n`);
  }
  await engine.stop(1000);
  await app.close();
  fs.rmSync(target.dataDir, { recursive: true, force: true });
  if (db === 'postgres') await dropDatabase('batchyard_bench_probe');
}
