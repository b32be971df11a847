/**
 * The built `batchyard` command in child processes, for end-to-end tests:
 * one-shot CLI runs, long-running `serve`/`worker` processes whose output is
 * kept, and a database per run: a SQLite file under the data directory, or a
 * fresh PostgreSQL schema (DATABASE_URL with its search_path), dropped after.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { driverFactories, TEST_DATABASE_URL } from '../support/drivers.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const main = path.join(repo, 'dist/cli/main.js');

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** One CLI run to its end (asynchronous: a blocked event loop would stall the test runner's own messages). */
export function cli(args: string[], env: Record<string, string> = {}, input?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, [main, ...args], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 60_000 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') return reject(new Error(`batchyard ${args.join(' ')}: ${error.message}\n${stderr}`));
      resolve({ status: error ? (error.code as number) : 0, stdout, stderr });
    });
    child.stdin!.end(input);
  });
}

export type Backend = 'sqlite' | 'postgres';

/** SQLite always; PostgreSQL when reachable (required in CI, as for every suite). */
export async function backends(): Promise<Backend[]> {
  return (await driverFactories()).map((f) => f.name);
}

export interface Database {
  /** DATABASE_URL for the child processes: empty for SQLite (under --data), else the fresh schema's URL. */
  url: string;
  dispose(): Promise<void>;
}

export async function database(backend: Backend): Promise<Database> {
  if (backend === 'sqlite') return { url: '', dispose: async () => {} };
  const schema = `by_e2e_${crypto.randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`).finally(() => admin.end());
  const url = new URL(TEST_DATABASE_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    url: url.toString(),
    async dispose() {
      const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).finally(() => client.end());
    },
  };
}

export interface Proc {
  child: ChildProcess;
  output(): string;
  /** Parsed JSON log lines (pino) so far. */
  logs(): Array<Record<string, unknown>>;
  exited: Promise<number | null>;
  /** Resolves with the first log line `match` accepts; rejects if the process exits first or after `timeoutMs`. */
  waitForLog(match: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Stops the process with `signal` (if it still runs) and returns its exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function spawnBatchyard(args: string[], env: Record<string, string>): Proc {
  return spawnNode(main, args, env);
}

/** A Node script of the test suite (e.g. server-child.mjs) as a process, like spawnBatchyard. */
export function spawnNode(script: string, args: string[], env: Record<string, string>): Proc {
  const child = spawn(process.execPath, [script, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const logs = () =>
    out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return {
    child,
    output: () => out,
    logs,
    exited,
    async waitForLog(match, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = logs().find(match);
        if (found) return found;
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${path.basename(script)} ${args[0] ?? ''} exited (${child.exitCode ?? child.signalCode}) before the expected log line:\n${out}`);
        if (Date.now() > deadline) throw new Error(`${path.basename(script)} ${args[0] ?? ''}: no expected log line after ${timeoutMs} ms:\n${out}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** `batchyard serve` on a free port; resolves once it serves, with its URL. */
export async function startServe(dataDir: string, env: Record<string, string>, args: string[] = []): Promise<{ proc: Proc; url: string }> {
  const proc = spawnBatchyard(['serve', '--port', '0', '--data', dataDir, ...args], { LOG_LEVEL: 'info', ...env });
  try {
    // 60 s: on two cores shared with other test runs, a start (engine thread, dialects, the dashboard) took over 20 s.
    const line = await proc.waitForLog((l) => l.msg === 'batchyard is serving', 60_000);
    return { proc, url: String(line.url) };
  } catch (error) {
    await proc.stop('SIGKILL');
    throw error;
  }
}
