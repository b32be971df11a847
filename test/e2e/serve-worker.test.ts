/**
 * `batchyard serve` and `batchyard worker` as separate processes, from the
 * built code: a worker stopped with SIGTERM while it holds tasks finishes them
 * (its lease is long, so no expiry is what frees them) and the job still ends
 * with every item done once; on PostgreSQL a worker process's progress reaches
 * a server's SSE client through NOTIFY (the server runs no job workers of its
 * own); and with BATCHYARD_ENGINE_THREAD=0 a SQLite server runs jobs on its
 * API thread.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { driverFactories, postgresFactory, sqliteFactory } from '../support/drivers.js';
import { engineFixture, type EngineFixture } from '../support/engine.js';
import { ADMIN_TOKEN } from '../support/app.js';
import { childEnv } from '../support/worker-process.js';
import { FINAL_STATUSES } from '../../src/domain/jobs.js';
import { spawnBatchyard, spawnNode, startServe, type Proc } from './processes.js';
import { readEvents, until } from './sse-client.js';

const factories = await driverFactories();
const serverChild = path.join(path.dirname(fileURLToPath(import.meta.url)), 'server-child.mjs');

for (const factory of factories) {
  describe(`batchyard worker processes on ${factory.name}`, { timeout: 120_000 }, () => {
    let f: EngineFixture;
    const procs: Proc[] = [];
    beforeEach(async () => {
      f = await engineFixture(factory, { BATCHYARD_ENABLE_BENCH_JOBS: '1' });
    });
    afterEach(async () => {
      for (const p of procs.splice(0)) await p.stop('SIGKILL');
      await f.dispose();
    });

    /** The environment of a child process on this test's database (and no other: DATABASE_URL is always set). */
    async function envFor(extra: Record<string, string>): Promise<Record<string, string>> {
      const env = await childEnv(f.t, { LOG_LEVEL: 'info', ...extra });
      return { DATABASE_URL: '', ...env };
    }

    it('SIGTERM while it holds tasks: it finishes them and exits 0, nothing stays leased to it, and the job completes with every item done once', async () => {
      const lib = await f.library();
      const total = await f.tree(lib, '/big', 4, 500);
      // A long lease: only the worker itself can free its tasks in time. Slow tasks: it is caught holding them.
      const env = await envFor({ BATCHYARD_TEST_TASK_DELAY_MS: '300', BATCHYARD_LEASE_SECONDS: '60', BATCHYARD_WORKER_CONCURRENCY: '2' });
      const worker = spawnBatchyard(['worker'], env);
      procs.push(worker);
      const workerId = String((await worker.waitForLog((l) => l.msg === 'batchyard worker is running')).workerId);
      const job = await f.submit('trash', lib, { paths: ['/big'] });
      const heldBy = () => f.app.driver.db.selectFrom('job_tasks').select(['id', 'kind']).where('lease_owner', '=', workerId).execute();
      await until('the worker to hold an items task', async () => ((await heldBy()).some((t) => t.kind === 'items') ? true : undefined));

      expect(await worker.stop('SIGTERM'), worker.output()).toBe(0);
      expect(worker.logs().some((l) => l.msg === 'draining and shutting down')).toBe(true);
      expect(await heldBy()).toEqual([]);
      const between = (await f.app.store.jobGetById(job.id))!;
      expect(FINAL_STATUSES, 'the worker stopped mid-job').not.toContain(between.status);
      expect(between.counts.succeeded).toBeGreaterThan(0); // what it held, it finished

      await f.startEngine();
      const done = await f.waitFor(job.id);
      expect(done.status).toBe('completed');
      expect(done.counts).toMatchObject({ total, succeeded: total, failed: 0, skipped: 0, remaining: 0 });
      expect(await f.livePaths(lib)).toEqual(['/']);
    });

    it.runIf(factory === postgresFactory)("a worker process's progress reaches a server's SSE client (NOTIFY), up to the final status", async () => {
      const lib = await f.library();
      const env = await envFor({ BATCHYARD_BOOTSTRAP_TOKEN: ADMIN_TOKEN, BATCHYARD_LEASE_SECONDS: '5', BATCHYARD_ENABLE_BENCH_JOBS: '1' });
      const server = spawnNode(serverChild, [], env);
      procs.push(server);
      const serving = await server.waitForLog((l) => l.msg === 'batchyard is serving');
      expect(serving.engine).toBe('none');
      const url = String(serving.url);
      const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };

      const submitted = await fetch(`${url}/api/v1/jobs`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'noop', libraryId: lib, params: { count: 20_000 } }),
      });
      expect(submitted.status).toBe(202);
      const id = ((await submitted.json()) as { id: number }).id;
      const stream = await fetch(`${url}/api/v1/jobs/${id}/events`, { headers: auth });
      expect(stream.status).toBe(200);
      const reading = readEvents(stream, (e) => e.event === 'status' && FINAL_STATUSES.includes(e.data.status as never));

      // Only now does anything run the job: a separate worker process.
      const worker = spawnBatchyard(['worker', '--concurrency', '2'], { ...env, BATCHYARD_TEST_TASK_DELAY_MS: '50' });
      procs.push(worker);
      const events = await reading;
      const last = events.at(-1)!;
      expect(last.event, JSON.stringify(events)).toBe('status');
      expect(last.data).toMatchObject({ jobId: id, status: 'completed', counts: { total: 20_000, succeeded: 20_000 } });
      // Progress events are pruned from the log when the job ends: seeing them means they reached the client while it ran.
      const progress = events.filter((e) => e.event === 'progress').map((e) => (e.data.counts as { succeeded: number }).succeeded);
      expect(progress.length, JSON.stringify(events)).toBeGreaterThan(0);
      expect(progress.some((n) => n > 0 && n < 20_000)).toBe(true);
      expect(events.map((e) => e.data.status)).toContain('running');
    });
  });
}

describe('BATCHYARD_ENGINE_THREAD=0 (SQLite)', { timeout: 120_000 }, () => {
  let dir: string;
  let serve: Proc | undefined;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchyard-e2e-nothread-'));
  });
  afterEach(async () => {
    await serve?.stop('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('serve runs jobs on its API thread, and a job completes', async () => {
    expect(sqliteFactory.name).toBe('sqlite');
    const started = await startServe(path.join(dir, 'data'), { DATABASE_URL: '', BATCHYARD_BOOTSTRAP_TOKEN: ADMIN_TOKEN, BATCHYARD_ENGINE_THREAD: '0', BATCHYARD_ENABLE_BENCH_JOBS: '1' });
    serve = started.proc;
    const serving = serve.logs().find((l) => l.msg === 'batchyard is serving')!;
    expect(String(serving.db)).toMatch(/^sqlite:/);
    // An engine on the server's own thread is named host:pid:hex; an engine thread's id is host:pid:thex.
    expect(String(serving.workerId)).toMatch(new RegExp(`:${serve.child.pid}:[0-9a-f]{6}$`));

    const auth = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };
    const library = (await (await fetch(`${started.url}/api/v1/libraries`, { method: 'POST', headers: auth, body: JSON.stringify({ name: 'NoThread' }) })).json()) as { libraryId: string };
    const submitted = await fetch(`${started.url}/api/v1/jobs`, { method: 'POST', headers: auth, body: JSON.stringify({ type: 'noop', libraryId: library.libraryId, params: { count: 5_000 } }) });
    expect(submitted.status).toBe(202);
    const id = ((await submitted.json()) as { id: number }).id;
    const done = await until('the job to end', async () => {
      const job = (await (await fetch(`${started.url}/api/v1/jobs/${id}`, { headers: auth })).json()) as { status: string; counts: unknown };
      return FINAL_STATUSES.includes(job.status as never) ? job : undefined;
    });
    expect(done).toMatchObject({ status: 'completed', counts: { total: 5_000, succeeded: 5_000, failed: 0 } });
    expect(await serve.stop('SIGTERM'), serve.output()).toBe(0);
  });
});
