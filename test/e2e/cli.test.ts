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
      // Bench jobs (noop) give the cancel test a job long enough to cancel.
      env: { ...process.env, DATABASE_URL: '', BATCHYARD_BOOTSTRAP_TOKEN: TOKEN, LOG_LEVEL: 'warn', BATCHYARD_ENABLE_BENCH_JOBS: '1' },
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

  it('runs jobs: submit --watch, list, show, failures, retry, cancel', () => {
    expect(cli(['library', 'create', 'Jobs'], env).status).toBe(0);
    const tree = path.join(dir, 'jobs-tree');
    fs.mkdirSync(path.join(tree, 'old'), { recursive: true });
    fs.writeFileSync(path.join(tree, 'old', 'a.txt'), 'a');
    fs.writeFileSync(path.join(tree, 'old', 'b.txt'), 'b');
    fs.writeFileSync(path.join(tree, 'keep.txt'), 'k');
    expect(cli(['put', 'Jobs', path.join(tree, 'old'), '/old'], env).status).toBe(0);
    expect(cli(['put', 'Jobs', path.join(tree, 'keep.txt'), '/keep.txt'], env).status).toBe(0);

    // A folder and its two files go to the trash; the watch ends with a summary and exit 0.
    const trashed = cli(['job', 'submit', 'trash', '--library', 'Jobs', '--path', '/old', '--watch'], env);
    expect(trashed.status, trashed.stderr).toBe(0);
    const summary = /^job (\d+) completed: 3 succeeded, 0 failed, 0 skipped in \S+\n$/.exec(trashed.stdout);
    expect(summary, trashed.stdout).not.toBeNull();
    const jobId = Number(summary![1]);
    const ls = cli(['ls', 'Jobs', '/', '--json'], env);
    expect((JSON.parse(ls.stdout) as { name: string }[]).map((i) => i.name)).toEqual(['keep.txt']);

    const list = cli(['job', 'list', '--library', 'Jobs'], env);
    expect(list.status, list.stderr).toBe(0);
    expect(list.stdout.split('\n')[0]).toMatch(/^ID\s+TYPE\s+STATUS\s+PROGRESS\s+ITEMS\s+FAILED\s+LIBRARY\s+REQUESTOR\s+CREATED\s+FINISHED$/);
    expect(list.stdout).toMatch(new RegExp(`^\\s*${jobId}\\s+trash\\s+completed\\s+100%\\s+3/3\\s+0\\s`, 'm'));
    const listed = JSON.parse(cli(['job', 'list', '--status', 'completed', '--type', 'trash', '--json'], env).stdout) as { jobs: { id: number }[]; nextCursor: null };
    expect(listed.jobs.map((j) => j.id)).toContain(jobId);

    const show = cli(['job', 'show', String(jobId), '--json'], env);
    expect(JSON.parse(show.stdout)).toMatchObject({ id: jobId, type: 'trash', status: 'completed', params: { paths: ['/old'] }, counts: { total: 3, succeeded: 3 } });
    expect(cli(['job', 'show', String(jobId)], env).stdout).toMatch(/^status\s+completed$/m);

    // A missing path fails its item: completed_with_errors, exit 1, and the failure is listed.
    const partial = cli(['job', 'submit', 'trash', '--library', 'Jobs', '--path', '/keep.txt', '--path', '/missing.txt', '--watch'], env);
    expect(partial.status).toBe(1);
    const partialId = Number(/^job (\d+) completed_with_errors: 1 succeeded, 1 failed, 0 skipped/.exec(partial.stdout)?.[1]);
    expect(partialId, partial.stdout).toBeGreaterThan(jobId);
    expect(partial.stderr).toContain(`batchyard: JOB_COMPLETED_WITH_ERRORS: job ${partialId} completed with errors: 1 of 2 items failed`);
    const failures = cli(['job', 'failures', String(partialId)], env);
    expect(failures.status, failures.stderr).toBe(0);
    expect(failures.stdout.split('\n').map((l) => l.split(/\s{2,}/))).toEqual([
      ['PATH', 'CODE', 'ATTEMPTS', 'MESSAGE'],
      ['/missing.txt', 'NOT_FOUND', '1', "'/missing.txt' not found"],
      [''],
    ]);

    // Once the file exists, a retry of the failed item completes.
    expect(cli(['put', 'Jobs', '-', '/missing.txt'], env, 'now here').status).toBe(0);
    const retried = cli(['job', 'retry', String(partialId), '--watch'], env);
    expect(retried.status, retried.stderr).toBe(0);
    const retryId = Number(/^job (\d+) completed: 1 succeeded, 0 failed/.exec(retried.stdout)?.[1]);
    expect(JSON.parse(cli(['job', 'show', String(retryId), '--json'], env).stdout)).toMatchObject({ status: 'completed', retryOf: partialId });

    // Bad input is a usage error; an ended job cannot be cancelled (422: exit 1); a missing one is exit 4.
    expect(cli(['job', 'show', 'abc'], env).status).toBe(2);
    expect(cli(['job', 'submit', 'trash', '--library', 'Jobs'], env).status).toBe(2);
    const ended = cli(['job', 'cancel', String(jobId)], env);
    expect(ended.status).toBe(1);
    expect(ended.stderr.trim().split('\n')).toHaveLength(1);
    expect(cli(['job', 'show', '999999'], env).status).toBe(4);
  }, 90_000); // some twenty CLI processes

  it('cancels a running job; watching it ends with exit 1', () => {
    const submitted = cli(['job', 'submit', 'noop', '--library', 'Jobs', '--count', '100000000', '--json'], env);
    expect(submitted.status, submitted.stderr).toBe(0);
    const id = (JSON.parse(submitted.stdout) as { id: number }).id;
    const cancelled = cli(['job', 'cancel', String(id)], env);
    expect(cancelled.status, cancelled.stderr).toBe(0);
    expect(cancelled.stdout).toMatch(new RegExp(`^job ${id} (cancelling|cancelled)\n$`));
    const watched = cli(['job', 'watch', String(id)], env);
    expect(watched.status).toBe(1);
    expect(watched.stdout).toMatch(new RegExp(`^job ${id} cancelled: \\d+ succeeded, 0 failed, 0 skipped in `));
    expect(watched.stderr).toContain(`batchyard: JOB_CANCELLED: job ${id} was cancelled`);
  });

  it('answers --help for every command', () => {
    for (const command of [
      [], ['serve'], ['worker'], ['migrate'], ['user', 'add'], ['token', 'create'], ['library', 'create'], ['library', 'list'], ['ls'], ['put'], ['get'],
      ['job'], ['job', 'submit'], ['job', 'list'], ['job', 'show'], ['job', 'watch'], ['job', 'cancel'], ['job', 'retry'], ['job', 'failures'],
    ]) {
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

describe('batchyard worker (SQLite)', () => {
  it('says it is ready (worker id, database), warns that SQLite is not shared, and drains on SIGTERM', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchyard-e2e-worker-'));
    try {
      const worker = spawn(process.execPath, [main, 'worker', '--data', path.join(dir, 'data'), '--concurrency', '2', '--lease-seconds', '5'], {
        env: { ...process.env, DATABASE_URL: '', LOG_LEVEL: 'info' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      const ready = new Promise<void>((resolve, reject) => {
        worker.stdout!.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          if (output.includes('batchyard worker is running')) resolve();
        });
        worker.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
        worker.once('exit', (code) => reject(new Error(`worker exited early with ${code}: ${output}`)));
      });
      await ready;
      const lines = output.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      const readyLine = lines.find((l) => l.msg === 'batchyard worker is running')!;
      expect(readyLine).toMatchObject({ concurrency: 2, leaseSeconds: 5, db: expect.stringMatching(/^sqlite:/) });
      expect(readyLine.workerId).toEqual(expect.any(String));
      expect(lines.some((l) => l.level === 40 && String(l.msg).includes('cannot share it with a running server'))).toBe(true);
      const exited = new Promise<number | null>((resolve) => worker.once('exit', (code) => resolve(code)));
      await new Promise((resolve) => setTimeout(resolve, 300)); // still running, not exited on its own
      expect(worker.exitCode).toBeNull();
      worker.kill('SIGTERM');
      expect(await exited, output).toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
