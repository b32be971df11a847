/**
 * The server the engine benchmarks drive: `batchyard serve` from dist/ in its
 * own process on a fresh data directory (SQLite) or a fresh database
 * (PostgreSQL), with bench jobs enabled. If that server has no jobs routes
 * yet (404 on GET /api/v1/jobs), bench/lib/engine-host.ts stands in: the
 * same server and engine in one process, plus a listener serving the jobs
 * routes through JobService. Also: a small JSON client, and the server
 * process's memory (/proc/<pid>/status).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startServerProcess } from './server-process.js';
import { freshDatabase } from '../peers/common.js';

export const TOKEN = 'bench-bootstrap-token-0123456789abcdef';

/**
 * The PostgreSQL database a benchmark part uses: named for the part and for
 * this run's process, so two runs (or parts) on the shared server never drop
 * each other's database (freshDatabase drops it WITH (FORCE) first).
 */
export function benchDatabaseName(part: string): string {
  return `batchyard_bench_${part.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${process.pid}`;
}
export type DbKind = 'sqlite' | 'postgres';

const benchDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const repoDir = path.resolve(benchDir, '../..');

/**
 * The server build every engine benchmark of this process runs: a copy of
 * dist-bench/src (compiled from src/ by `npm run bench`, with the compiler
 * options of the build) taken once, at the first start, into
 * dist-bench/engine-server/. dist/ is shared with whoever else runs
 * `npm run build` on this checkout, and may change in the middle of a run.
 */
let snapshot: { entry: string; commit: string; dirtySrc: boolean } | undefined;
export function serverBuild(): { entry: string; commit: string; dirtySrc: boolean } {
  if (snapshot) return snapshot;
  const root = path.join(repoDir, 'dist-bench/engine-server');
  fs.rmSync(root, { recursive: true, force: true });
  // BENCH_SERVER_SRC: another compiled src/ to run (an A/B against a baseline build kept aside); the commit then says so.
  const source = process.env.BENCH_SERVER_SRC ?? path.join(repoDir, 'dist-bench/src');
  fs.cpSync(source, path.join(root, 'src'), { recursive: true });
  fs.copyFileSync(path.join(repoDir, 'package.json'), path.join(root, 'package.json'));
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repoDir, encoding: 'utf8' }).trim();
  const commit = process.env.BENCH_SERVER_SRC ? `the build in ${process.env.BENCH_SERVER_SRC}` : git('rev-parse', '--short', 'HEAD');
  snapshot = { entry: path.join(root, 'src/cli/main.js'), commit, dirtySrc: !process.env.BENCH_SERVER_SRC && git('status', '--porcelain', '--', 'src').length > 0 };
  return snapshot;
}

export interface ApiResponse<T = unknown> {
  status: number;
  body: T;
}

export interface EngineTarget {
  db: DbKind;
  /** 'server': `batchyard serve` with its own jobs routes; 'shim': engine-host.ts (real server + stand-in jobs routes). */
  mode: 'server' | 'shim';
  url: string;
  /** Base URL of /api/v1/jobs (the server's, or the shim's listener). */
  jobsUrl: string;
  pid: number;
  dataDir: string;
  /** postgres://… of the fresh database, or the SQLite file. */
  database: string;
  env: Record<string, string>;
  api<T = unknown>(method: string, pathname: string, body?: unknown): Promise<ApiResponse<T>>;
  jobsApi<T = unknown>(method: string, pathname: string, body?: unknown): Promise<ApiResponse<T>>;
  stop(): Promise<void>;
}

/** One request to a bench server with the bench token: a Buffer body sent raw, any other as JSON; the answer parsed when it is JSON. */
export async function call<T>(base: string, method: string, pathname: string, body?: unknown): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` };
  let payload: string | Buffer | undefined;
  if (Buffer.isBuffer(body)) payload = body;
  else if (body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  const res = await fetch(new URL(pathname, base), { method, headers, body: payload });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, body: parsed as T };
}

function randomPort(): number {
  return 20000 + Math.floor(Math.random() * 20000);
}

/** BENCH_SERVER_NODE_ARGS (space-separated), e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`: node flags for the server process. */
function serverNodeArgs(): string[] {
  return (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
}

let detectedMode: 'server' | 'shim' | undefined;

/** Does `batchyard serve` (dist/) have the jobs routes? Asked once per run, on a scratch SQLite server. */
export async function detectMode(): Promise<'server' | 'shim'> {
  if (detectedMode) return detectedMode;
  if (process.env.BENCH_ENGINE_MODE === 'server' || process.env.BENCH_ENGINE_MODE === 'shim') return (detectedMode = process.env.BENCH_ENGINE_MODE);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchyard-bench-probe-'));
  const server = await startServerProcess({ dataDir, port: randomPort(), token: TOKEN, env: { BATCHYARD_ENABLE_BENCH_JOBS: '1' }, entry: serverBuild().entry });
  try {
    const res = await call(server.url, 'GET', '/api/v1/jobs?limit=1');
    detectedMode = res.status === 404 ? 'shim' : 'server';
  } finally {
    await server.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  return detectedMode;
}

async function startShim(port: number, shimPort: number, env: Record<string, string>): Promise<ChildProcess> {
  serverBuild();
  const child = spawn(process.execPath, [...serverNodeArgs(), path.join(benchDir, 'lib/engine-host.js'), String(port), String(shimPort)], {
    env: { ...process.env, BATCHYARD_BOOTSTRAP_TOKEN: TOKEN, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`engine host exited with ${code}`)));
  });
  child.stdout!.resume();
  return child;
}

/**
 * Starts a server on fresh storage. `reuse` reuses storage prepared by an
 * earlier start (same data directory and database), e.g. to restart under a
 * profiler; `entry` runs another build's CLI (an A/B against a baseline).
 */
export async function startTarget(
  db: DbKind,
  options: { env?: Record<string, string>; reuse?: { dataDir: string; database: string }; pgName?: string; entry?: string } = {},
): Promise<EngineTarget> {
  const mode = await detectMode();
  const dataDir = options.reuse?.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), `batchyard-bench-engine-${db}-`));
  const database =
    options.reuse?.database ?? (db === 'postgres' ? await freshDatabase(options.pgName ?? benchDatabaseName('engine')) : path.join(dataDir, 'batchyard.sqlite'));
  const env: Record<string, string> = {
    BATCHYARD_ENABLE_BENCH_JOBS: '1',
    BATCHYARD_DATA_DIR: dataDir,
    DATABASE_URL: db === 'postgres' ? database : '',
    ...options.env,
  };
  const port = randomPort();
  if (mode === 'server') {
    const server = await startServerProcess({ dataDir, port, token: TOKEN, databaseUrl: db === 'postgres' ? database : undefined, env, entry: options.entry ?? serverBuild().entry, nodeArgs: serverNodeArgs() });
    return {
      db,
      mode,
      url: server.url,
      jobsUrl: server.url,
      pid: server.child.pid!,
      dataDir,
      database,
      env,
      api: (m, p, b) => call(server.url, m, p, b),
      jobsApi: (m, p, b) => call(server.url, m, p, b),
      stop: () => server.stop(),
    };
  }
  const shimPort = port + 1;
  const child = await startShim(port, shimPort, env);
  const url = `http://127.0.0.1:${port}`;
  const jobsUrl = `http://127.0.0.1:${shimPort}`;
  return {
    db,
    mode,
    url,
    jobsUrl,
    pid: child.pid!,
    dataDir,
    database,
    env,
    api: (m, p, b) => call(url, m, p, b),
    jobsApi: (m, p, b) => call(jobsUrl, m, p, b),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** kB fields of /proc/<pid>/status (VmRSS, VmHWM), in MiB. */
export function procMemory(pid: number): { rssMiB: number; hwmMiB: number } | undefined {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) / 1024;
    return { rssMiB: field('VmRSS'), hwmMiB: field('VmHWM') };
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds a process has used (user + system, all its threads), from
 * /proc/<pid>/stat (clock ticks of 1/100 s); undefined when unreadable.
 * On a shared machine the CPU a stage costs is steadier than its wall time.
 */
export function procCpuSeconds(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces), from field 3: utime is field 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/**
 * Samples a process's RSS every `intervalMs` and resets its VmHWM at start
 * (writing 5 to /proc/<pid>/clear_refs), so `stop()` gives the peak during
 * the window both ways: the highest sample and the kernel's high-water mark;
 * and the CPU seconds the process used meanwhile.
 */
export function watchMemory(pid: number, intervalMs = 100) {
  let hwmReset = false;
  try {
    fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
    hwmReset = true;
  } catch {
    // not permitted: VmHWM then covers the process's whole life
  }
  const start = procMemory(pid);
  const cpuStart = procCpuSeconds(pid);
  let peak = start?.rssMiB ?? 0;
  const timer = setInterval(() => {
    const m = procMemory(pid);
    if (m && m.rssMiB > peak) peak = m.rssMiB;
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      const end = procMemory(pid);
      if (end && end.rssMiB > peak) peak = end.rssMiB;
      const cpuEnd = procCpuSeconds(pid);
      return {
        cpuSeconds: cpuStart !== undefined && cpuEnd !== undefined ? Math.round((cpuEnd - cpuStart) * 100) / 100 : null,
        startRssMiB: Math.round(start?.rssMiB ?? 0),
        peakSampledRssMiB: Math.round(peak),
        vmHwmMiB: end ? Math.round(end.hwmMiB) : null,
        vmHwmCovers: hwmReset ? 'this job only (reset via clear_refs at submit)' : 'the whole process life',
      };
    },
  };
}
