/**
 * PostgreSQL: three worker processes share jobs; one is frozen (SIGSTOP)
 * past its lease while holding tasks and then resumed. Its tasks are
 * reclaimed by the others; its late commits are refused by the fence; every
 * job finishes with each item applied exactly once.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { driverFactories, postgresFactory } from '../support/drivers.js';
import { engineFixture, type EngineFixture } from '../support/engine.js';
import { childEnv, spawnWorker, stop, type WorkerProcess } from '../support/worker-process.js';

const factories = await driverFactories();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.runIf(factories.includes(postgresFactory))('three workers on postgres', { timeout: 180_000 }, () => {
  let f: EngineFixture;
  const workers: WorkerProcess[] = [];
  beforeEach(async () => {
    f = await engineFixture(postgresFactory);
  });
  afterEach(async () => {
    for (const w of workers.splice(0)) {
      w.child.kill('SIGCONT');
      await stop(w);
    }
    await f.dispose();
  });

  it('share the work; a worker stopped past its lease commits nothing stale', async () => {
    const libs = [await f.library('L1'), await f.library('L2'), await f.library('L3')];
    const totals: number[] = [];
    for (const lib of libs) totals.push(await f.tree(lib, '/big', 8, 1000));
    const env = await childEnv(f.t, { BATCHYARD_TEST_TASK_DELAY_MS: '30', BATCHYARD_WORKER_CONCURRENCY: '3', BATCHYARD_ENABLE_BENCH_JOBS: '1', LOG_LEVEL: 'info' });
    for (let i = 0; i < 3; i++) workers.push(await spawnWorker(env));
    const jobs = [];
    for (const lib of libs) jobs.push(await f.submit('trash', lib, { paths: ['/big'] }));
    jobs.push(await f.submit('noop', libs[0]!, { count: 300_000 }));

    // Freeze the first worker once it holds tasks, for well past its 1 s lease.
    const victim = workers[0]!;
    const victimId = /ready (\S+)/.exec(victim.output())![1]!;
    for (let i = 0; i < 500; i++) {
      const held = await f.app.driver.db.selectFrom('job_tasks').select('id').where('lease_owner', '=', victimId).execute();
      if (held.length > 0) break;
      await sleep(10);
    }
    victim.child.kill('SIGSTOP');
    await sleep(3_000);
    victim.child.kill('SIGCONT');

    const done = await Promise.all(jobs.map((j) => f.waitFor(j.id, 120_000)));
    for (const [i, job] of done.entries()) {
      const total = i < 3 ? totals[i]! : 300_000;
      expect(job.status, JSON.stringify(job.counts)).toBe('completed');
      expect(job.counts).toMatchObject({ total, succeeded: total, failed: 0, skipped: 0, remaining: 0 });
    }
    for (const lib of libs) expect(await f.livePaths(lib)).toEqual(['/']);
    // The frozen worker's tasks were taken over by the others while it slept.
    expect(workers.slice(1).some((w) => w.output().includes('returned tasks with expired leases'))).toBe(true);
  });
});
