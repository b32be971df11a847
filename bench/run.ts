/**
 * `npm run bench`: runs the benchmarks, writes bench/results/<name>.json and
 * prints the markdown table that goes into BENCHMARKS.md.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeMachine } from './lib/machine.js';
import { runPlatformBench } from './platform-bench.js';
import { drainTable, runPeersBench } from './peers/run-peers.js';
import { ENGINE_PARTS, runEngineBench, type EnginePart } from './engine-bench.js';
import { engineReport } from './engine-report.js';
import { serverBuild } from './lib/engine-target.js';
import { importTable, runImportBench } from './import-bench.js';
import { replicateTable, runReplicateBench } from './replicate-bench.js';
import { exportTable, runExportBench } from './export-bench.js';
import { bigfileTable, runBigfileBench } from './bigfile-bench.js';
import { dashboardTable, runDashboardBench } from './dashboard-bench.js';
import { backupTable, runBackupBench } from './backup-bench.js';
import { runWebhooksBench, webhooksTable } from './webhooks-bench.js';
import { jobsTable, runJobsBench } from './jobs-bench.js';
import { runS3Bench, s3Table } from './s3-bench.js';

const resultsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bench/results');

/** Issue 3's engine-overhead peers: BENCH_JOBS (default 100,000) no-op jobs drained by each peer. */
async function peers() {
  const jobs = Number(process.env.BENCH_JOBS ?? 100_000);
  const runs = await runPeersBench(jobs);
  const command = `${process.env.BENCH_JOBS ? `BENCH_JOBS=${process.env.BENCH_JOBS} ` : ''}${process.env.BENCH_PEERS ? `BENCH_PEERS=${process.env.BENCH_PEERS} ` : ''}npm run bench -- peers`;
  const result = { benchmark: 'peers', date: new Date().toISOString(), command, machine: describeMachine(), jobs, runs };
  fs.mkdirSync(resultsDir, { recursive: true });
  const file = path.join(resultsDir, 'peers.json');
  fs.writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  process.stdout.write(`${JSON.stringify(result.machine)}\n${drainTable(runs).join('\n')}\n(wrote ${path.relative(process.cwd(), file)})\n`);
}

/**
 * Issue 3's engine benchmarks: `npm run bench -- engine [noop] [tree] [list] [copy] [sqlite] [postgres]`
 * (no part named: all four; no database named: both). Each part's result replaces
 * that part in bench/results/engine.json, so parts run alone accumulate.
 */
async function engine(args: string[]) {
  const parts = args.filter((a): a is EnginePart => (ENGINE_PARTS as readonly string[]).includes(a));
  const dbs = args.filter((a): a is 'sqlite' | 'postgres' => a === 'sqlite' || a === 'postgres');
  const unknown = args.filter((a) => !(ENGINE_PARTS as readonly string[]).includes(a) && a !== 'sqlite' && a !== 'postgres');
  if (unknown.length > 0) throw new Error(`engine: unknown argument(s) ${unknown.join(', ')} (parts: ${ENGINE_PARTS.join(', ')}; databases: sqlite, postgres)`);
  const env = Object.entries(process.env)
    .filter(([k]) => k.startsWith('BENCH_'))
    .map(([k, v]) => `${k}=${v} `)
    .join('');
  const command = `${env}npm run bench -- engine${args.length ? ' ' + args.join(' ') : ''}`;
  const started = Date.now();
  const results = await runEngineBench(parts.length ? parts : [...ENGINE_PARTS], dbs.length ? dbs : ['sqlite', 'postgres']);
  const file = path.join(resultsDir, 'engine.json');
  fs.mkdirSync(resultsDir, { recursive: true });
  const previous = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as { parts?: Record<string, unknown> }) : {};
  const build = serverBuild();
  const server = `batchyard ${build.commit}${build.dirtySrc ? ' + uncommitted src changes' : ''}`;
  const run = { date: new Date(started).toISOString(), command, server, machine: describeMachine(), seconds: Math.round((Date.now() - started) / 1000) };
  const merged = { benchmark: 'engine', parts: { ...(previous.parts ?? {}) } as Record<string, unknown> };
  for (const [part, value] of Object.entries(results)) merged.parts[part] = { ...run, ...(value as object) };
  fs.writeFileSync(file, JSON.stringify(merged, null, 2) + '\n');
  process.stdout.write(`${JSON.stringify(run.machine)}\n${engineReport(merged.parts).join('\n')}\n(wrote ${path.relative(process.cwd(), file)})\n`);
}

/** Issue 10's replicate benchmark: `npm run bench -- replicate [sqlite] [postgres]` (BENCH_REPLICATE_FILES, default 10,000). */
async function replicate(args: string[]) {
  const dbs = args.filter((a): a is 'sqlite' | 'postgres' => a === 'sqlite' || a === 'postgres');
  const unknown = args.filter((a) => a !== 'sqlite' && a !== 'postgres');
  if (unknown.length > 0) throw new Error(`replicate: unknown argument(s) ${unknown.join(', ')} (databases: sqlite, postgres)`);
  const env = process.env.BENCH_REPLICATE_FILES ? `BENCH_REPLICATE_FILES=${process.env.BENCH_REPLICATE_FILES} ` : '';
  const results = await runReplicateBench(dbs.length ? dbs : ['sqlite', 'postgres']);
  const build = serverBuild();
  const result = {
    benchmark: 'replicate',
    date: new Date().toISOString(),
    command: `${env}npm run bench -- replicate${args.length ? ' ' + args.join(' ') : ''}`,
    server: `batchyard ${build.commit}${build.dirtySrc ? ' + uncommitted src changes' : ''}`,
    machine: describeMachine(),
    ...results,
  };
  fs.mkdirSync(resultsDir, { recursive: true });
  const file = path.join(resultsDir, 'replicate.json');
  fs.writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  process.stdout.write(`${JSON.stringify(result.machine)}\n${replicateTable(results).join('\n')}\n(wrote ${path.relative(process.cwd(), file)})\n`);
}

/** Issue 10's export benchmark: `npm run bench -- export [sqlite] [postgres]` (BENCH_EXPORT_FILES, default 10,000), against `zip -r -q`. */
async function exportBench(args: string[]) {
  const dbs = args.filter((a): a is 'sqlite' | 'postgres' => a === 'sqlite' || a === 'postgres');
  const unknown = args.filter((a) => a !== 'sqlite' && a !== 'postgres');
  if (unknown.length > 0) throw new Error(`export: unknown argument(s) ${unknown.join(', ')} (databases: sqlite, postgres)`);
  const env = Object.entries(process.env)
    .filter(([k]) => k.startsWith('BENCH_EXPORT_') || k === 'BENCH_BASELINE_ENTRY')
    .map(([k, v]) => `${k}=${v} `)
    .join('');
  const results = await runExportBench(dbs.length ? dbs : ['sqlite', 'postgres']);
  const build = serverBuild();
  const result = {
    benchmark: 'export',
    date: new Date().toISOString(),
    command: `${env}npm run bench -- export${args.length ? ' ' + args.join(' ') : ''}`,
    server: `batchyard ${build.commit}${build.dirtySrc ? ' + uncommitted src changes' : ''}`,
    machine: describeMachine(),
    ...results,
  };
  fs.mkdirSync(resultsDir, { recursive: true });
  const file = path.join(resultsDir, 'export.json');
  fs.writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  process.stdout.write(`${JSON.stringify(result.machine)}\n${exportTable(results).join('\n')}\n(wrote ${path.relative(process.cwd(), file)})\n`);
}

/** Issue 10's import benchmark: `npm run bench -- import [sqlite] [postgres]` (BENCH_IMPORT_FILES, default 10,000), against `cp -r` + `sync`. */
async function importBench(args: string[]) {
  const dbs = args.filter((a): a is 'sqlite' | 'postgres' => a === 'sqlite' || a === 'postgres');
  const unknown = args.filter((a) => a !== 'sqlite' && a !== 'postgres');
  if (unknown.length > 0) throw new Error(`import: unknown argument(s) ${unknown.join(', ')} (databases: sqlite, postgres)`);
  const env = process.env.BENCH_IMPORT_FILES ? `BENCH_IMPORT_FILES=${process.env.BENCH_IMPORT_FILES} ` : '';
  const results = await runImportBench(dbs.length ? dbs : ['sqlite', 'postgres']);
  const build = serverBuild();
  const result = {
    benchmark: 'import',
    date: new Date().toISOString(),
    command: `${env}npm run bench -- import${args.length ? ' ' + args.join(' ') : ''}`,
    server: `batchyard ${build.commit}${build.dirtySrc ? ' + uncommitted src changes' : ''}`,
    machine: describeMachine(),
    ...results,
  };
  fs.mkdirSync(resultsDir, { recursive: true });
  const file = path.join(resultsDir, 'import.json');
  fs.writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  process.stdout.write(`${JSON.stringify(result.machine)}\n${importTable(results).join('\n')}\n(wrote ${path.relative(process.cwd(), file)})\n`);
}

/** Issue 10's big single file benchmark: `npm run bench -- bigfile [sqlite] [postgres]` (BENCH_BIGFILE_MIB, default 2048; default SQLite), against `cp` + `sync`. */
async function bigfile(args: string[]) {
  const dbs = args.filter((a): a is 'sqlite' | 'postgres' => a === 'sqlite' || a === 'postgres');
  const unknown = args.filter((a) => a !== 'sqlite' && a !== 'postgres');
  if (unknown.length > 0) throw new Error(`bigfile: unknown argument(s) ${unknown.join(', ')} (databases: sqlite, postgres)`);
  const env = Object.entries(process.env)
    .filter(([k]) => k.startsWith('BENCH_BIGFILE_'))
    .map(([k, v]) => `${k}=${v} `)
    .join('');
  const results = await runBigfileBench(dbs.length ? dbs : ['sqlite']);
  const build = serverBuild();
  const result = {
    benchmark: 'bigfile',
    date: new Date().toISOString(),
    command: `${env}npm run bench -- bigfile${args.length ? ' ' + args.join(' ') : ''}`,
    server: `batchyard ${build.commit}${build.dirtySrc ? ' + uncommitted src changes' : ''}`,
    machine: describeMachine(),
    ...results,
  };
  fs.mkdirSync(resultsDir, { recursive: true });
  const file = path.join(resultsDir, 'bigfile.json');
  fs.writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  process.stdout.write(`${JSON.stringify(result.machine)}\n${bigfileTable(results).join('\n')}\n(wrote ${path.relative(process.cwd(), file)})\n`);
}

/** Issue 11's dashboard benchmark: `npm run bench -- dashboard [sqlite] [postgres]` (BENCH_LIST_JOBS, default 1,000,000; BENCH_DASHBOARD_TRIALS, default 5). */
async function dashboard(args: string[]) {
  const dbs = args.filter((a): a is 'sqlite' | 'postgres' => a === 'sqlite' || a === 'postgres');
  const unknown = args.filter((a) => a !== 'sqlite' && a !== 'postgres');
  if (unknown.length > 0) throw new Error(`dashboard: unknown argument(s) ${unknown.join(', ')} (databases: sqlite, postgres)`);
  const env = Object.entries(process.env)
    .filter(([k]) => k === 'BENCH_LIST_JOBS' || k === 'BENCH_DASHBOARD_TRIALS')
    .map(([k, v]) => `${k}=${v} `)
    .join('');
  const runs = await runDashboardBench(dbs.length ? dbs : ['sqlite', 'postgres']);
  const build = serverBuild();
  const result = {
    benchmark: 'dashboard',
    date: new Date().toISOString(),
    command: `${env}npm run bench -- dashboard${args.length ? ' ' + args.join(' ') : ''}`,
    server: `batchyard ${build.commit}${build.dirtySrc ? ' + uncommitted src changes' : ''}`,
    machine: describeMachine(),
    target: { firstRowsMs: 1000 },
    runs,
  };
  fs.mkdirSync(resultsDir, { recursive: true });
  const file = path.join(resultsDir, 'dashboard.json');
  fs.writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  process.stdout.write(`${JSON.stringify(result.machine)}\n${dashboardTable(runs).join('\n')}\n(wrote ${path.relative(process.cwd(), file)})\n`);
}

/** Issue 12's webhook benchmark: `npm run bench -- webhooks [sqlite] [postgres]` (BENCH_WEBHOOK_JOBS, default 1,000; BENCH_WEBHOOK_RATE, default 50 jobs/s, and a burst; no database named: both). */
async function webhooks(args: string[]) {
  const dbs = args.filter((a): a is 'sqlite' | 'postgres' => a === 'sqlite' || a === 'postgres');
  const unknown = args.filter((a) => a !== 'sqlite' && a !== 'postgres');
  if (unknown.length > 0) throw new Error(`webhooks: unknown argument(s) ${unknown.join(', ')} (databases: sqlite, postgres)`);
  const env = Object.entries(process.env)
    .filter(([k]) => k === 'BENCH_WEBHOOK_JOBS' || k === 'BENCH_WEBHOOK_RATE')
    .map(([k, v]) => `${k}=${v} `)
    .join('');
  const results = await runWebhooksBench(dbs.length ? dbs : ['sqlite', 'postgres']);
  const build = serverBuild();
  const result = {
    benchmark: 'webhooks',
    date: new Date().toISOString(),
    command: `${env}npm run bench -- webhooks${args.length ? ' ' + args.join(' ') : ''}`,
    server: `batchyard ${build.commit}${build.dirtySrc ? ' + uncommitted src changes' : ''}`,
    machine: describeMachine(),
    ...results,
  };
  fs.mkdirSync(resultsDir, { recursive: true });
  const file = path.join(resultsDir, 'webhooks.json');
  fs.writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  process.stdout.write(`${JSON.stringify(result.machine)}\n${webhooksTable(results).join('\n')}\n(wrote ${path.relative(process.cwd(), file)})\n`);
}

/** Issue 12's backup benchmark: `npm run bench -- backup [sqlite] [postgres]` (see bench/backup-bench.ts for its settings). */
async function backup(args: string[]) {
  const dbs = args.filter((a): a is 'sqlite' | 'postgres' => a === 'sqlite' || a === 'postgres');
  const unknown = args.filter((a) => a !== 'sqlite' && a !== 'postgres');
  if (unknown.length > 0) throw new Error(`backup: unknown argument(s) ${unknown.join(', ')} (databases: sqlite, postgres)`);
  const env = Object.entries(process.env)
    .filter(([k]) => k.startsWith('BENCH_BACKUP_'))
    .map(([k, v]) => `${k}=${v} `)
    .join('');
  const results = await runBackupBench(dbs.length ? dbs : ['sqlite', 'postgres']);
  const build = serverBuild();
  const result = {
    benchmark: 'backup',
    date: new Date().toISOString(),
    command: `${env}npm run bench -- backup${args.length ? ' ' + args.join(' ') : ''}`,
    server: `batchyard ${build.commit}${build.dirtySrc ? ' + uncommitted src changes' : ''}`,
    machine: describeMachine(),
    ...results,
  };
  fs.mkdirSync(resultsDir, { recursive: true });
  const file = path.join(resultsDir, 'backup.json');
  fs.writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  process.stdout.write(`${JSON.stringify(result.machine)}\n${backupTable(results).join('\n')}\n(wrote ${path.relative(process.cwd(), file)})\n`);
}

/** Issue 13's many small jobs: `npm run bench -- jobs [sqlite] [postgres]` (BENCH_SMALL_JOBS, default 100,000; BENCH_PEERS as for peers). */
async function jobs(args: string[]) {
  const dbs = args.filter((a): a is 'sqlite' | 'postgres' => a === 'sqlite' || a === 'postgres');
  const unknown = args.filter((a) => a !== 'sqlite' && a !== 'postgres');
  if (unknown.length > 0) throw new Error(`jobs: unknown argument(s) ${unknown.join(', ')} (databases: sqlite, postgres)`);
  const env = Object.entries(process.env)
    .filter(([k]) => k === 'BENCH_SMALL_JOBS' || k === 'BENCH_PEERS')
    .map(([k, v]) => `${k}=${v} `)
    .join('');
  const results = await runJobsBench(dbs.length ? dbs : ['sqlite', 'postgres']);
  const build = serverBuild();
  const result = {
    benchmark: 'jobs',
    date: new Date().toISOString(),
    command: `${env}npm run bench -- jobs${args.length ? ' ' + args.join(' ') : ''}`,
    server: `batchyard ${build.commit}${build.dirtySrc ? ' + uncommitted src changes' : ''}`,
    machine: describeMachine(),
    ...results,
  };
  fs.mkdirSync(resultsDir, { recursive: true });
  const file = path.join(resultsDir, 'jobs.json');
  fs.writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  process.stdout.write(`${JSON.stringify(result.machine)}\n${jobsTable(results).join('\n')}\n(wrote ${path.relative(process.cwd(), file)})\n`);
}

/** Issue 13's S3 benchmark: `npm run bench -- s3` (BENCH_S3_FILES, default 10,000; BENCH_S3_BIG_MIB, default 2048; BENCH_S3_WORKERS, BENCH_S3_RCLONE_TRANSFERS: see bench/s3-bench.ts), against rclone and aws s3 cp. */
async function s3(args: string[]) {
  if (args.length > 0) throw new Error(`s3: unknown argument(s) ${args.join(', ')} (it takes none: SQLite, one Swift + s3api server of its own)`);
  const env = Object.entries(process.env)
    .filter(([k]) => k.startsWith('BENCH_S3_'))
    .map(([k, v]) => `${k}=${v} `)
    .join('');
  const results = await runS3Bench();
  const build = serverBuild();
  const result = {
    benchmark: 's3',
    date: new Date().toISOString(),
    command: `${env}npm run bench -- s3`,
    server: `batchyard ${build.commit}${build.dirtySrc ? ' + uncommitted src changes' : ''}`,
    machine: describeMachine(),
    ...results,
  };
  fs.mkdirSync(resultsDir, { recursive: true });
  const file = path.join(resultsDir, 's3.json');
  fs.writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  process.stdout.write(`${JSON.stringify(result.machine)}\n${s3Table(results).join('\n')}\n(wrote ${path.relative(process.cwd(), file)})\n`);
}

async function main() {
  const which = process.argv[2] ?? 'platform';
  if (which === 'peers') return peers();
  if (which === 'engine') return engine(process.argv.slice(3));
  if (which === 'import') return importBench(process.argv.slice(3));
  if (which === 'replicate') return replicate(process.argv.slice(3));
  if (which === 'export') return exportBench(process.argv.slice(3));
  if (which === 'bigfile') return bigfile(process.argv.slice(3));
  if (which === 'dashboard') return dashboard(process.argv.slice(3));
  if (which === 'backup') return backup(process.argv.slice(3));
  if (which === 'webhooks') return webhooks(process.argv.slice(3));
  if (which === 'jobs') return jobs(process.argv.slice(3));
  if (which === 's3') return s3(process.argv.slice(3));
  if (which !== 'platform') throw new Error(`unknown benchmark '${which}' (known: platform, peers, engine, replicate, export, import, bigfile, dashboard, webhooks, jobs, s3)`);
  // `platform [sqlite] [postgres]`: the databases to run (default both).
  const named = process.argv.slice(3);
  const unknown = named.filter((a) => a !== 'sqlite' && a !== 'postgres');
  if (unknown.length > 0) throw new Error(`platform: unknown argument(s) ${unknown.join(', ')} (databases: sqlite, postgres)`);
  const runs = [];
  for (const db of named.length ? (named as Array<'sqlite' | 'postgres'>) : (['sqlite', 'postgres'] as const)) {
    process.stderr.write(`platform benchmark on ${db}…\n`);
    runs.push(await runPlatformBench(db));
  }
  const result = { benchmark: 'platform', date: new Date().toISOString(), command: `${process.env.BENCH_UPLOADS ? `BENCH_UPLOADS=${process.env.BENCH_UPLOADS} ` : ''}npm run bench -- platform${named.length ? ' ' + named.join(' ') : ''}`, machine: describeMachine(), runs };
  fs.mkdirSync(resultsDir, { recursive: true });
  const file = path.join(resultsDir, 'platform.json');
  fs.writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  const lines = [
    '| db | upload 10k × 4 KiB: files/s | bare fs ceiling: writes/s | list page of 50, 8 conn: p50 / p90 / p99 ms | pages/s | bare route: p99 ms, pages/s |',
    '|---|---|---|---|---|---|',
    ...runs.map(
      (r) =>
        `| ${r.db} | ${r.upload.filesPerSecond} (${r.upload.failures} failed) | ${r.upload.bareFsCeiling.writesPerSecond} | ${r.list.latencyMs.p50} / ${r.list.latencyMs.p90} / ${r.list.latencyMs.p99} | ${r.list.pagesPerSecond} | ${r.bareList.latencyMs.p99}, ${r.bareList.pagesPerSecond} |`,
    ),
  ];
  process.stdout.write(`${JSON.stringify(result.machine)}\n${lines.join('\n')}\n(wrote ${path.relative(process.cwd(), file)})\n`);
}

await main();
