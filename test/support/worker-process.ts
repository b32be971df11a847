/** Worker processes for crash tests: spawned from the built code, killed for real. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import type { TestDriver } from './drivers.js';
import { TEST_DATABASE_URL } from './drivers.js';

const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'worker-child.mjs');

export interface WorkerProcess {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

/** The environment that points a child process at the test's database and data directory. */
export async function childEnv(t: TestDriver, extra: Record<string, string> = {}): Promise<Record<string, string>> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    BATCHYARD_DATA_DIR: t.dir,
    LOG_LEVEL: process.env.CRASH_LOG_LEVEL ?? 'warn',
    BATCHYARD_LEASE_SECONDS: '1',
    ...(process.env.CRASH_WATCHDOG ? { CRASH_WATCHDOG: '1' } : {}),
    ...extra,
  };
  if (!t.driver.label.startsWith('sqlite')) {
    const { rows } = await sql<{ schema: string }>`SELECT current_schema() AS schema`.execute(t.driver.db);
    env.DATABASE_URL = `${TEST_DATABASE_URL}?options=${encodeURIComponent(`-c search_path=${rows[0]!.schema}`)}`;
  }
  return env;
}

export async function spawnWorker(env: Record<string, string>): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [script], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  for (let i = 0; i < 1500 && !out.includes('ready'); i++) {
    if (child.exitCode !== null) throw new Error(`worker exited before ready: ${out}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  if (!out.includes('ready')) throw new Error(`worker not ready after 15 s: ${out}`);
  return { child, output: () => out, exited };
}

export async function kill9(worker: WorkerProcess): Promise<void> {
  worker.child.kill('SIGKILL');
  await worker.exited;
}

export async function stop(worker: WorkerProcess): Promise<void> {
  if (worker.child.exitCode !== null) return;
  worker.child.kill('SIGTERM');
  await worker.exited;
}
