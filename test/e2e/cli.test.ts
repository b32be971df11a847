/**
 * The built CLI end to end: `batchyard serve` in its own process on a fresh
 * data directory, the client commands against it, SIGTERM to stop it. Runs on
 * SQLite, and on PostgreSQL when it is reachable (always in CI): a fresh
 * schema per run, named by DATABASE_URL's search_path.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { backends, cli, database, main, spawnBatchyard, startServe, type Database, type Proc } from './processes.js';

const TOKEN = 'e2e-bootstrap-token-0123456789';

for (const backend of await backends()) {
  // Each test runs CLI processes one after another (a second or more each on a busy machine).
  // The backends' servers run side by side (concurrent suites); within one the steps run in order.
  describe(`the built CLI against a real server (${backend})`, { timeout: 120_000, concurrent: true }, () => {
    let dir: string;
    let db: Database;
    let server: Proc;
    let env: Record<string, string>;

    beforeAll(async () => {
      expect(fs.existsSync(main), 'dist/cli/main.js exists (npm test builds first)').toBe(true);
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchyard-e2e-'));
      db = await database(backend);
      const migrated = await cli(['migrate', '--data', path.join(dir, 'data')], { DATABASE_URL: db.url });
      expect(migrated.status, migrated.stderr).toBe(0);
      expect(migrated.stdout).toContain('applied 1-init');
      expect(migrated.stdout).toMatch(backend === 'sqlite' ? /^sqlite:/ : /^postgres:/);
      // Bench jobs (noop) give the cancel test a job long enough to cancel.
      const started = await startServe(path.join(dir, 'data'), { DATABASE_URL: db.url, BATCHYARD_BOOTSTRAP_TOKEN: TOKEN, BATCHYARD_ENABLE_BENCH_JOBS: '1' });
      server = started.proc;
      const serving = server.logs().find((l) => l.msg === 'batchyard is serving')!;
      expect(String(serving.db)).toMatch(backend === 'sqlite' ? /^sqlite:/ : /^postgres:/);
      env = { BATCHYARD_URL: started.url, BATCHYARD_TOKEN: TOKEN };
    }, 120_000); // two servers start at once: a busy machine takes its time

    afterAll(async () => {
      await server?.stop('SIGKILL');
      await db?.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it.sequential('creates a library, puts a tree, lists it and gets a file back', async () => {
      const created = await cli(['library', 'create', 'Reports'], env);
      expect(created.status, created.stderr).toBe(0);
      const libraryId = created.stdout.trim();
      expect(libraryId).toMatch(/^[A-Za-z0-9]{20}$/);

      const tree = path.join(dir, 'tree');
      fs.mkdirSync(path.join(tree, 'q1'), { recursive: true });
      fs.writeFileSync(path.join(tree, 'q1', 'jan report.txt'), 'january');
      fs.writeFileSync(path.join(tree, 'summary.txt'), 'all good');
      const put = await cli(['put', 'Reports', tree, '/2026'], env);
      expect(put.status, put.stderr).toBe(0);
      expect(put.stdout).toContain('uploaded 2 files');

      const ls = await cli(['ls', 'Reports', '/2026', '--json'], env);
      expect(ls.status, ls.stderr).toBe(0);
      const names = (JSON.parse(ls.stdout) as Array<{ name: string; kind: string }>).map((i) => `${i.name}:${i.kind}`);
      expect(names).toEqual(['q1:folder', 'summary.txt:file']);

      const out = path.join(dir, 'back.txt');
      const get = await cli(['get', libraryId, '/2026/q1/jan report.txt', out], env);
      expect(get.status, get.stderr).toBe(0);
      expect(fs.readFileSync(out, 'utf8')).toBe('january');

      const list = await cli(['library', 'list', '--json'], env);
      expect(JSON.parse(list.stdout).map((l: { name: string }) => l.name)).toEqual(['Reports']);
    });

    it.sequential('creates a user and a token that works, and fails with clear exit codes', async () => {
      const user = await cli(['user', 'add', 'ann@example.com', '--json'], env);
      expect(user.status, user.stderr).toBe(0);
      const userId = JSON.parse(user.stdout).id as number;
      const token = (await cli(['token', 'create', '--user-id', String(userId)], env)).stdout.trim();
      expect(token).toMatch(/^by_/);
      const me = await cli(['me', '--json'], { ...env, BATCHYARD_TOKEN: token });
      expect(JSON.parse(me.stdout).email).toBe('ann@example.com');

      // Independent runs: at once.
      const [hidden, wrongToken, badExpiry, unknown, unreachable] = await Promise.all([
        cli(['ls', 'Reports'], { ...env, BATCHYARD_TOKEN: token }),
        cli(['me'], { ...env, BATCHYARD_TOKEN: 'by_wrong' }),
        cli(['token', 'create', '--expires-in-days', 'soon'], env),
        cli(['no-such-command'], env),
        cli(['me'], { BATCHYARD_URL: 'http://127.0.0.1:1', BATCHYARD_TOKEN: TOKEN }),
      ]);
      expect(hidden.status).toBe(4);
      expect(hidden.stderr.trim().split('\n')).toHaveLength(1);
      expect(wrongToken.status).toBe(3);
      expect(badExpiry.status).toBe(2);
      expect(unknown.status).toBe(2);
      expect(unreachable.status).toBe(1);
    });

    it.sequential('runs jobs: submit --watch, list, show, failures, retry, cancel', async () => {
      expect((await cli(['library', 'create', 'Jobs'], env)).status).toBe(0);
      const tree = path.join(dir, 'jobs-tree');
      fs.mkdirSync(path.join(tree, 'old'), { recursive: true });
      fs.writeFileSync(path.join(tree, 'old', 'a.txt'), 'a');
      fs.writeFileSync(path.join(tree, 'old', 'b.txt'), 'b');
      fs.writeFileSync(path.join(tree, 'keep.txt'), 'k');
      expect((await cli(['put', 'Jobs', path.join(tree, 'old'), '/old'], env)).status).toBe(0);
      expect((await cli(['put', 'Jobs', path.join(tree, 'keep.txt'), '/keep.txt'], env)).status).toBe(0);

      // A folder and its two files go to the trash; the watch ends with a summary and exit 0.
      const trashed = await cli(['job', 'submit', 'trash', '--library', 'Jobs', '--path', '/old', '--watch'], env);
      expect(trashed.status, trashed.stderr).toBe(0);
      const summary = /^job (\d+) completed: 3 succeeded, 0 failed, 0 skipped in \S+\n$/.exec(trashed.stdout);
      expect(summary, trashed.stdout).not.toBeNull();
      const jobId = Number(summary![1]);
      // Reads of the ended job and the library: at once.
      const [ls, list, listedRun, show, shown] = await Promise.all([
        cli(['ls', 'Jobs', '/', '--json'], env),
        cli(['job', 'list', '--library', 'Jobs'], env),
        cli(['job', 'list', '--status', 'completed', '--type', 'trash', '--json'], env),
        cli(['job', 'show', String(jobId), '--json'], env),
        cli(['job', 'show', String(jobId)], env),
      ]);
      expect((JSON.parse(ls.stdout) as { name: string }[]).map((i) => i.name)).toEqual(['keep.txt']);

      expect(list.status, list.stderr).toBe(0);
      expect(list.stdout.split('\n')[0]).toMatch(/^ID\s+TYPE\s+STATUS\s+PROGRESS\s+ITEMS\s+FAILED\s+LIBRARY\s+REQUESTOR\s+CREATED\s+FINISHED$/);
      expect(list.stdout).toMatch(new RegExp(`^\\s*${jobId}\\s+trash\\s+completed\\s+100%\\s+3/3\\s+0\\s`, 'm'));
      const listed = JSON.parse(listedRun.stdout) as { jobs: { id: number }[]; nextCursor: null };
      expect(listed.jobs.map((j) => j.id)).toContain(jobId);

      expect(JSON.parse(show.stdout)).toMatchObject({ id: jobId, type: 'trash', status: 'completed', params: { paths: ['/old'] }, counts: { total: 3, succeeded: 3 } });
      expect(shown.stdout).toMatch(/^status\s+completed$/m);

      // A missing path fails its item: completed_with_errors, exit 1, and the failure is listed.
      const partial = await cli(['job', 'submit', 'trash', '--library', 'Jobs', '--path', '/keep.txt', '--path', '/missing.txt', '--watch'], env);
      expect(partial.status).toBe(1);
      const partialId = Number(/^job (\d+) completed_with_errors: 1 succeeded, 1 failed, 0 skipped/.exec(partial.stdout)?.[1]);
      expect(partialId, partial.stdout).toBeGreaterThan(jobId);
      expect(partial.stderr).toContain(`batchyard: JOB_COMPLETED_WITH_ERRORS: job ${partialId} completed with errors: 1 of 2 items failed`);
      const failures = await cli(['job', 'failures', String(partialId)], env);
      expect(failures.status, failures.stderr).toBe(0);
      expect(failures.stdout.split('\n').map((l) => l.split(/\s{2,}/))).toEqual([
        ['PATH', 'CODE', 'ATTEMPTS', 'MESSAGE'],
        ['/missing.txt', 'NOT_FOUND', '1', "'/missing.txt' not found"],
        [''],
      ]);

      // Once the file exists, a retry of the failed item completes.
      expect((await cli(['put', 'Jobs', '-', '/missing.txt'], env, 'now here')).status).toBe(0);
      const retried = await cli(['job', 'retry', String(partialId), '--watch'], env);
      expect(retried.status, retried.stderr).toBe(0);
      const retryId = Number(/^job (\d+) completed: 1 succeeded, 0 failed/.exec(retried.stdout)?.[1]);
      expect(JSON.parse((await cli(['job', 'show', String(retryId), '--json'], env)).stdout)).toMatchObject({ status: 'completed', retryOf: partialId });

      // Bad input is a usage error; an ended job cannot be cancelled (422: exit 1); a missing one is exit 4.
      const [badId, noSelection, ended, missing] = await Promise.all([
        cli(['job', 'show', 'abc'], env),
        cli(['job', 'submit', 'trash', '--library', 'Jobs'], env),
        cli(['job', 'cancel', String(jobId)], env),
        cli(['job', 'show', '999999'], env),
      ]);
      expect(badId.status).toBe(2);
      expect(noSelection.status).toBe(2);
      expect(ended.status).toBe(1);
      expect(ended.stderr.trim().split('\n')).toHaveLength(1);
      expect(missing.status).toBe(4);
    });

    it.sequential('cancels a running job; watching it ends with exit 1', async () => {
      const submitted = await cli(['job', 'submit', 'noop', '--library', 'Jobs', '--count', '100000000', '--json'], env);
      expect(submitted.status, submitted.stderr).toBe(0);
      const id = (JSON.parse(submitted.stdout) as { id: number }).id;
      const cancelled = await cli(['job', 'cancel', String(id)], env);
      expect(cancelled.status, cancelled.stderr).toBe(0);
      expect(cancelled.stdout).toMatch(new RegExp(`^job ${id} (cancelling|cancelled)\n$`));
      const watched = await cli(['job', 'watch', String(id)], env);
      expect(watched.status).toBe(1);
      // What the cancel stopped counts as skipped: the planned items not done.
      const summary = new RegExp(`^job ${id} cancelled: (\\d+) succeeded, 0 failed, (\\d+) skipped in `).exec(watched.stdout);
      expect(summary, watched.stdout).not.toBeNull();
      const shown = JSON.parse((await cli(['job', 'show', String(id), '--json'], env)).stdout) as { counts: { total: number; succeeded: number; skipped: number; remaining: number } };
      expect(shown.counts).toMatchObject({ succeeded: Number(summary![1]), skipped: Number(summary![2]), remaining: 0 });
      expect(shown.counts.succeeded + shown.counts.skipped).toBe(shown.counts.total);
      expect(watched.stderr).toContain(`batchyard: JOB_CANCELLED: job ${id} was cancelled`);
    });

    it.sequential('drains and exits 0 on SIGTERM', async () => {
      expect(await server.stop('SIGTERM'), server.output()).toBe(0);
    });
  });
}

describe('the built CLI without a server', { timeout: 120_000 }, () => {
  it('answers --help for every command', async () => {
    const commands = [
      [], ['serve'], ['worker'], ['migrate'], ['user', 'add'], ['token', 'create'], ['library', 'create'], ['library', 'list'], ['ls'], ['put'], ['get'],
      ['job'], ['job', 'submit'], ['job', 'list'], ['job', 'show'], ['job', 'watch'], ['job', 'cancel'], ['job', 'retry'], ['job', 'failures'],
      ['user', 'list'], ['token', 'list'], ['token', 'revoke'], ['library', 'show'], ['library', 'rename'], ['library', 'delete'], ['library', 'permissions'],
      ['rm'], ['mv'], ['trash'], ['admin-token'], ['doctor'],
    ];
    const helps = await Promise.all(commands.map((command) => cli([...command, '--help'])));
    for (const [i, help] of helps.entries()) {
      expect(help.status, commands[i]!.join(' ')).toBe(0);
      expect(help.stdout).toContain('Usage: batchyard');
    }
  });
});

describe('batchyard worker (SQLite)', () => {
  it('says it is ready (worker id, database), warns that SQLite is not shared, and drains on SIGTERM', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchyard-e2e-worker-'));
    const worker = spawnBatchyard(['worker', '--data', path.join(dir, 'data'), '--concurrency', '2', '--lease-seconds', '5'], { DATABASE_URL: '', LOG_LEVEL: 'info' });
    try {
      // Its start may take long on a busy machine.
      const readyLine = await worker.waitForLog((l) => l.msg === 'batchyard worker is running', 60_000);
      expect(readyLine).toMatchObject({ concurrency: 2, leaseSeconds: 5, db: expect.stringMatching(/^sqlite:/) });
      expect(readyLine.workerId).toEqual(expect.any(String));
      expect(worker.logs().some((l) => l.level === 40 && String(l.msg).includes('cannot share it with a running server'))).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 300)); // still running, not exited on its own
      expect(worker.child.exitCode).toBeNull();
      expect(await worker.stop('SIGTERM'), worker.output()).toBe(0);
    } finally {
      await worker.stop('SIGKILL'); // a failed step must not leave it running
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
