/**
 * The built CLI end to end: `batchyard serve` in its own process on a fresh
 * data directory, the client commands against it, SIGTERM to stop it.
 * Runs on SQLite, and on PostgreSQL when it is reachable (a schema per run).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const main = path.join(repo, 'dist/cli/main.js');
const TOKEN = 'e2e-bootstrap-token-0123456789';

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string> = {}, input?: string): Run {
  const result = spawnSync(process.execPath, [main, ...args], { env: { ...process.env, ...env }, input, encoding: 'utf8', timeout: 30_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

async function waitForHealth(url: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`server exited early with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('server never became healthy');
}

describe('the built CLI against a real server (SQLite)', () => {
  let dir: string;
  let server: ChildProcess;
  let url: string;
  let env: Record<string, string>;
  let serverOutput = '';

  beforeAll(async () => {
    expect(fs.existsSync(main), 'dist/cli/main.js exists (npm test builds first)').toBe(true);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchyard-e2e-'));
    const port = 20000 + Math.floor(Math.random() * 10000);
    url = `http://127.0.0.1:${port}`;
    const migrated = cli(['migrate', '--data', path.join(dir, 'data')], { DATABASE_URL: '' });
    expect(migrated.status, migrated.stderr).toBe(0);
    expect(migrated.stdout).toContain('applied 1-init');
    server = spawn(process.execPath, [main, 'serve', '--port', String(port), '--data', path.join(dir, 'data')], {
      env: { ...process.env, DATABASE_URL: '', BATCHYARD_BOOTSTRAP_TOKEN: TOKEN, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server.stdout!.on('data', (chunk: Buffer) => (serverOutput += chunk.toString()));
    server.stderr!.on('data', (chunk: Buffer) => (serverOutput += chunk.toString()));
    await waitForHealth(url, server);
    env = { BATCHYARD_URL: url, BATCHYARD_TOKEN: TOKEN };
  });

  afterAll(async () => {
    if (server && server.exitCode === null) {
      server.kill('SIGKILL');
      await new Promise((resolve) => server.once('exit', resolve));
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('creates a library, puts a tree, lists it and gets a file back', () => {
    const created = cli(['library', 'create', 'Reports'], env);
    expect(created.status, created.stderr).toBe(0);
    const libraryId = created.stdout.trim();
    expect(libraryId).toMatch(/^[A-Za-z0-9]{20}$/);

    const tree = path.join(dir, 'tree');
    fs.mkdirSync(path.join(tree, 'q1'), { recursive: true });
    fs.writeFileSync(path.join(tree, 'q1', 'jan report.txt'), 'january');
    fs.writeFileSync(path.join(tree, 'summary.txt'), 'all good');
    const put = cli(['put', 'Reports', tree, '/2026'], env);
    expect(put.status, put.stderr).toBe(0);
    expect(put.stdout).toContain('uploaded 2 files');

    const ls = cli(['ls', 'Reports', '/2026', '--json'], env);
    expect(ls.status, ls.stderr).toBe(0);
    const names = (JSON.parse(ls.stdout) as Array<{ name: string; kind: string }>).map((i) => `${i.name}:${i.kind}`);
    expect(names).toEqual(['q1:folder', 'summary.txt:file']);

    const out = path.join(dir, 'back.txt');
    const get = cli(['get', libraryId, '/2026/q1/jan report.txt', out], env);
    expect(get.status, get.stderr).toBe(0);
    expect(fs.readFileSync(out, 'utf8')).toBe('january');

    const list = cli(['library', 'list', '--json'], env);
    expect(JSON.parse(list.stdout).map((l: { name: string }) => l.name)).toEqual(['Reports']);
  });

  it('creates a user and a token that works, and fails with clear exit codes', () => {
    const user = cli(['user', 'add', 'ann@example.com', '--json'], env);
    expect(user.status, user.stderr).toBe(0);
    const userId = JSON.parse(user.stdout).id as number;
    const token = cli(['token', 'create', '--user-id', String(userId)], env).stdout.trim();
    expect(token).toMatch(/^by_/);
    const me = cli(['me', '--json'], { ...env, BATCHYARD_TOKEN: token });
    expect(JSON.parse(me.stdout).email).toBe('ann@example.com');

    const hidden = cli(['ls', 'Reports'], { ...env, BATCHYARD_TOKEN: token });
    expect(hidden.status).toBe(4);
    expect(hidden.stderr.trim().split('\n')).toHaveLength(1);
    expect(cli(['me'], { ...env, BATCHYARD_TOKEN: 'by_wrong' }).status).toBe(3);
    expect(cli(['token', 'create', '--expires-in-days', 'soon'], env).status).toBe(2);
    expect(cli(['no-such-command'], env).status).toBe(2);
    expect(cli(['me'], { BATCHYARD_URL: 'http://127.0.0.1:1', BATCHYARD_TOKEN: TOKEN }).status).toBe(1);
  });

  it('answers --help for every command', () => {
    for (const command of [[], ['serve'], ['migrate'], ['user', 'add'], ['token', 'create'], ['library', 'create'], ['library', 'list'], ['ls'], ['put'], ['get']]) {
      const help = cli([...command, '--help']);
      expect(help.status, command.join(' ')).toBe(0);
      expect(help.stdout).toContain('Usage: batchyard');
    }
  });

  it('drains and exits 0 on SIGTERM', async () => {
    const exited = new Promise<number | null>((resolve) => server.once('exit', (code) => resolve(code)));
    server.kill('SIGTERM');
    expect(await exited, serverOutput).toBe(0);
  });
});
