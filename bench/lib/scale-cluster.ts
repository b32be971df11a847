/**
 * One PostgreSQL database shared by an engine-less API process
 * (bench/lib/api-host.ts) and any number of `batchyard worker` processes, all
 * from one build of HEAD taken at the start of the run; and what the
 * database did meanwhile: pg_stat_activity sampled every 50 ms (the wait
 * events and statements of the run's sessions), pg_stat_database and
 * pg_stat_wal deltas. Used by bench/scale-bench.ts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { benchDatabaseName, call, TOKEN, type EngineTarget } from './engine-target.js';
import { dropDatabase, freshDatabase } from '../peers/common.js';

const benchDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const repoDir = path.resolve(benchDir, '../..');

let snapshot: { dist: string; commit: string; dirtySrc: boolean } | undefined;
/**
 * The server every process of the run loads: HEAD's src/ compiled on its own
 * (git archive + tsc -p tsconfig.build.json) into dist-bench/scale-server-<pid>/,
 * beside node_modules' resolution root. Not dist/ nor the working tree's src/:
 * other work in progress on this shared checkout (a half-written migration)
 * must not be what is measured, nor break the run. BENCH_SCALE_DIST=<dir>
 * runs another compiled server instead (e.g. dist to measure uncommitted work).
 */
export function distSnapshot(): { dist: string; commit: string; dirtySrc: boolean } {
  if (snapshot) return snapshot;
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repoDir, encoding: 'utf8' }).trim();
  if (process.env.BENCH_SCALE_DIST) {
    snapshot = { dist: path.resolve(process.env.BENCH_SCALE_DIST), commit: `the build in ${process.env.BENCH_SCALE_DIST}`, dirtySrc: false };
    return snapshot;
  }
  const root = path.join(repoDir, `dist-bench/scale-server-${process.pid}`);
  fs.rmSync(root, { recursive: true, force: true });
  fs.mkdirSync(root, { recursive: true });
  const commit = git('rev-parse', '--short', 'HEAD');
  execFileSync('sh', ['-c', `git archive ${commit} src tsconfig.json tsconfig.build.json package.json | tar -x -C '${root}'`], { cwd: repoDir });
  execFileSync(process.execPath, [path.join(repoDir, 'node_modules/typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.build.json'), '--sourceMap', 'false'], { cwd: root, stdio: 'inherit' });
  snapshot = { dist: path.join(root, 'dist'), commit, dirtySrc: false };
  return snapshot;
}

export function removeDistSnapshot() {
  if (snapshot && !process.env.BENCH_SCALE_DIST) fs.rmSync(path.dirname(snapshot.dist), { recursive: true, force: true });
  snapshot = undefined;
}

export interface Cluster {
  database: string;
  dataDir: string;
  env: Record<string, string>;
  /** The API process as the engine benchmarks' target (its `pid` is the API's: point watchMemory at a worker instead). */
  target: EngineTarget;
  /** Starts `n` worker processes; resolves once each logged that it runs. */
  startWorkers(n: number, env?: Record<string, string>): Promise<ChildProcess[]>;
  stopWorkers(workers: ChildProcess[]): Promise<void>;
  dispose(): Promise<void>;
}

const stop = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });

/** A fresh database named for `part` (and this process) and a data directory shared by every process, as one host's would be. */
export async function startCluster(part: string, env: Record<string, string> = {}): Promise<Cluster> {
  const { dist } = distSnapshot();
  const database = await freshDatabase(benchDatabaseName(part));
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `batchyard-bench-${part}-`));
  const baseEnv: Record<string, string> = { BATCHYARD_ENABLE_BENCH_JOBS: '1', BATCHYARD_DATA_DIR: dataDir, DATABASE_URL: database, BATCHYARD_BOOTSTRAP_TOKEN: TOKEN, LOG_LEVEL: 'warn', ...env };
  const api = spawn(process.execPath, [path.join(benchDir, 'lib/api-host.js'), dist, '0'], { env: { ...process.env, ...baseEnv }, stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    api.stdout!.once('data', (chunk: Buffer) => resolve(/ready (\S+)/.exec(chunk.toString())?.[1] ?? ''));
    api.once('exit', (code) => reject(new Error(`api host exited with ${code}`)));
  });
  api.stdout!.resume();
  if (!url.startsWith('http')) throw new Error(`api host did not say where it listens: '${url}'`);
  const target: EngineTarget = {
    db: 'postgres',
    mode: 'server',
    url,
    jobsUrl: url,
    pid: api.pid!,
    dataDir,
    database,
    env: baseEnv,
    api: (m, p, b) => call(url, m, p, b),
    jobsApi: (m, p, b) => call(url, m, p, b),
    stop: () => stop(api),
  };
  const all: ChildProcess[] = [];
  return {
    database,
    dataDir,
    env: baseEnv,
    target,
    async startWorkers(n, extra = {}) {
      const workers = Array.from({ length: n }, () =>
        spawn(process.execPath, [path.join(dist, 'cli/main.js'), 'worker'], { env: { ...process.env, ...baseEnv, LOG_LEVEL: 'info', ...extra }, stdio: ['ignore', 'pipe', 'inherit'] }),
      );
      all.push(...workers);
      await Promise.all(
        workers.map(
          (w) =>
            new Promise<void>((resolve, reject) => {
              let out = '';
              const onData = (chunk: Buffer) => {
                out += chunk.toString();
                if (out.includes('batchyard worker is running')) {
                  w.stdout!.off('data', onData);
                  w.stdout!.resume();
                  resolve();
                }
              };
              w.stdout!.on('data', onData);
              w.once('exit', (code) => reject(new Error(`worker exited with ${code}: ${out.slice(-2000)}`)));
            }),
        ),
      );
      return workers;
    },
    async stopWorkers(workers) {
      await Promise.all(workers.map(stop));
    },
    async dispose() {
      await Promise.all(all.map(stop));
      await stop(api);
      fs.rmSync(dataDir, { recursive: true, force: true });
      await dropDatabase(benchDatabaseName(part));
    },
  };
}

// ---------------------------------------------------------------- what the database did

export interface DbCounters {
  at: number;
  xactCommit: number;
  xactRollback: number;
  blksRead: number;
  blksHit: number;
  tupInserted: number;
  tupUpdated: number;
  tupDeleted: number;
  walBytes: number;
  walRecords: number;
  walFpi: number;
}

export async function dbCounters(client: pg.Client, dbName: string): Promise<DbCounters> {
  const { rows } = await client.query(
    `SELECT d.xact_commit, d.xact_rollback, d.blks_read, d.blks_hit, d.tup_inserted, d.tup_updated, d.tup_deleted, w.wal_bytes, w.wal_records, w.wal_fpi
       FROM pg_stat_database d, pg_stat_wal w WHERE d.datname = $1`,
    [dbName],
  );
  const r = rows[0] as Record<string, string>;
  return {
    at: Date.now(),
    xactCommit: Number(r.xact_commit),
    xactRollback: Number(r.xact_rollback),
    blksRead: Number(r.blks_read),
    blksHit: Number(r.blks_hit),
    tupInserted: Number(r.tup_inserted),
    tupUpdated: Number(r.tup_updated),
    tupDeleted: Number(r.tup_deleted),
    walBytes: Number(r.wal_bytes),
    walRecords: Number(r.wal_records),
    walFpi: Number(r.wal_fpi),
  };
}

/** Per second between two readings (pg_stat_database is per database; pg_stat_wal is server-wide: other databases' WAL counts too). */
export function counterRates(a: DbCounters, b: DbCounters) {
  const s = (b.at - a.at) / 1000;
  const per = (x: number) => Math.round(x / s);
  return {
    seconds: Math.round(s * 100) / 100,
    commitsPerSecond: per(b.xactCommit - a.xactCommit),
    rollbacksPerSecond: per(b.xactRollback - a.xactRollback),
    rowsInsertedPerSecond: per(b.tupInserted - a.tupInserted),
    rowsUpdatedPerSecond: per(b.tupUpdated - a.tupUpdated),
    rowsDeletedPerSecond: per(b.tupDeleted - a.tupDeleted),
    blocksReadPerSecond: per(b.blksRead - a.blksRead),
    walBytesPerSecondServerWide: per(b.walBytes - a.walBytes),
    walRecordsPerSecondServerWide: per(b.walRecords - a.walRecords),
    fullPageImagesPerSecondServerWide: per(b.walFpi - a.walFpi),
    commits: b.xactCommit - a.xactCommit,
    walBytesServerWide: b.walBytes - a.walBytes,
  };
}

/**
 * pg_stat_activity of `dbName` every `intervalMs`: each sample counts every
 * session of the database by what it is doing (`CPU` for an active session
 * with no wait event, `idle` / `idle in transaction`, or `<type>:<event>`),
 * and the active sessions' statements (first 120 characters).
 */
export function sampleActivity(database: string, dbName: string, intervalMs = 50) {
  const client = new pg.Client({ connectionString: database });
  const states = new Map<string, number>();
  const statements = new Map<string, number>();
  let samples = 0;
  let running = true;
  let timer: NodeJS.Timeout | undefined;
  const ready = client.connect();
  const tick = async () => {
    if (!running) return;
    try {
      const { rows } = await client.query(
        `SELECT state, wait_event_type, wait_event, left(regexp_replace(query, '\\s+', ' ', 'g'), 120) AS q
           FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() AND backend_type = 'client backend'`,
        [dbName],
      );
      samples++;
      for (const r of rows as Array<{ state: string | null; wait_event_type: string | null; wait_event: string | null; q: string }>) {
        let key: string;
        if (r.state === 'active') key = r.wait_event_type ? `${r.wait_event_type}:${r.wait_event}` : 'CPU';
        else if (r.state === 'idle in transaction') key = r.wait_event_type === 'Client' ? 'idle in transaction (Client:ClientRead)' : `idle in transaction (${r.wait_event_type}:${r.wait_event})`;
        else key = r.state ?? 'unknown';
        states.set(key, (states.get(key) ?? 0) + 1);
        if (r.state === 'active' || r.state === 'idle in transaction') statements.set(`[${key}] ${r.q}`, (statements.get(`[${key}] ${r.q}`) ?? 0) + 1);
      }
    } catch {
      // a sample lost (the machine is loaded); the next one counts
    }
    if (running) timer = setTimeout(() => void tick(), intervalMs);
  };
  void ready.then(tick);
  return {
    async stop() {
      running = false;
      if (timer) clearTimeout(timer);
      await ready;
      await client.end();
      const perSample = (n: number) => Math.round((100 * n) / Math.max(1, samples)) / 100;
      const sorted = (m: Map<string, number>, top: number) =>
        [...m.entries()]
          .sort((a, b) => b[1] - a[1])
          .slice(0, top)
          .map(([k, n]) => ({ what: k, sessionsPerSample: perSample(n) }));
      return { samples, intervalMs, sessions: sorted(states, 20), statements: sorted(statements, 12) };
    },
  };
}
