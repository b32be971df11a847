/** Worker processes for crash tests: spawned from the built code, killed for real. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import type { TestDriver } from './drivers.js';
import { TEST_DATABASE_URL } from './drivers.js';

const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'worker-child.mjs');
/** How long a child may take to load or to start (a loaded machine is slow to start Node). */
const START_TIMEOUT_MS = 90_000;

export interface WorkerProcess {
  child: ChildProcess;
  /** The engine's worker id: the `lease_owner` of the tasks it holds. */
  id: string;
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

interface Launched {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

function launch(env: Record<string, string>, standby: boolean): Launched {
  const child = spawn(process.execPath, [script], { env: standby ? { ...env, CRASH_STANDBY: '1' } : env, stdio: [standby ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

/** Waits for a line of the child's output that `pattern` matches; returns the match. */
async function untilLine(p: Launched, pattern: RegExp, what: string): Promise<RegExpMatchArray> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    const match = pattern.exec(p.output());
    if (match) return match;
    if (p.child.exitCode !== null || p.child.signalCode !== null) throw new Error(`worker exited before ${what}: ${p.output()}`);
    if (Date.now() > deadline) throw new Error(`worker not ${what} after ${START_TIMEOUT_MS} ms: ${p.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const READY = /^ready (\S+)$/m;

export async function spawnWorker(env: Record<string, string>): Promise<WorkerProcess> {
  const p = launch(env, false);
  const [, id] = await untilLine(p, READY, 'ready');
  return { ...p, id: id! };
}

/** A worker process with its modules loaded that opens the database and runs its engine only at `start()`. */
export interface StandbyWorker {
  /** Resolves once its modules are loaded. */
  booted: Promise<void>;
  start(): Promise<WorkerProcess>;
  /** Kills it, or cancels its launch. */
  dispose(): Promise<void>;
}

/** Launches a standby worker once `after` settles (booting one after another, the first is ready soonest). */
export function bootStandby(env: Record<string, string>, after: Promise<unknown> = Promise.resolve()): StandbyWorker {
  let launched: Launched | undefined;
  let disposed = false;
  const booted = after
    .catch(() => {})
    .then(async () => {
      if (disposed) throw new Error('standby worker disposed before its launch');
      launched = launch(env, true);
      await untilLine(launched, /^booted$/m, 'booted');
    });
  // A failure surfaces at start(); a standby never started must not leave an unhandled rejection.
  booted.catch(() => {});
  return {
    booted,
    async start() {
      await booted;
      const p = launched!;
      p.child.stdin!.write('start\n');
      const [, id] = await untilLine(p, READY, 'ready');
      return { ...p, id: id! };
    },
    async dispose() {
      disposed = true;
      if (launched) await kill9(launched);
      await booted.catch(() => {});
    },
  };
}

export async function kill9(worker: { child: ChildProcess; exited: Promise<number | null> }): Promise<void> {
  if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill('SIGKILL');
  await worker.exited;
}

export async function stop(worker: WorkerProcess): Promise<void> {
  if (worker.child.exitCode !== null || worker.child.signalCode !== null) return;
  worker.child.kill('SIGTERM');
  await worker.exited;
}
