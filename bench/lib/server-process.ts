/**
 * Runs `batchyard serve` from dist/ in a child process (the way it is deployed),
 * so the load generator in this process does not share its event loop.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** `entry`: the CLI to run (default dist/cli/main.js; the engine benchmarks pass their own snapshot of the build); `nodeArgs`: e.g. --cpu-prof. */
export async function startServerProcess(p: { dataDir: string; port: number; token: string; databaseUrl?: string; env?: Record<string, string>; entry?: string; nodeArgs?: string[] }): Promise<ServerProcess> {
  const child = spawn(process.execPath, [...(p.nodeArgs ?? []), p.entry ?? path.join(repo, 'dist/cli/main.js'), 'serve', '--port', String(p.port), '--data', p.dataDir], {
    env: {
      ...process.env,
      BATCHYARD_BOOTSTRAP_TOKEN: p.token,
      LOG_LEVEL: 'warn',
      ...(p.databaseUrl ? { DATABASE_URL: p.databaseUrl } : { DATABASE_URL: '' }),
      ...p.env,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${p.port}`;
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
