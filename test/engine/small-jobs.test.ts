/**
 * The small-job path (src/engine/small-jobs.ts) on both drivers: queued jobs of a few items
 * run plan, items and end in one transaction per group; a job whose apply throws leaves its
 * group (the others commit) and takes the normal path under the retry policy; each job's
 * status events still lead to its end; a big job among them is planned the normal way; and
 * kill -9 of workers mid-group ends every job once, each item once.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { engineFixture, type EngineFixture } from '../support/engine.js';
import { childEnv, kill9, spawnWorker, stop, type WorkerProcess } from '../support/worker-process.js';
import { NotFoundError, TransientError } from '../../src/domain/errors.js';
import { FINAL_STATUSES } from '../../src/domain/jobs.js';

const factories = await driverFactories();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

for (const factory of factories) {
  describe(`small jobs on ${factory.name}`, { timeout: 240_000 }, () => {
    let f: EngineFixture;
    let lib: string;
    beforeEach(async () => {
      f = await engineFixture(factory);
      lib = await f.library();
    });
    afterEach(async () => {
      await f.dispose();
    });

    async function statusTrail(jobId: number): Promise<string[]> {
      const rows = await f.app.driver.db.selectFrom('job_events').select(['kind', 'data']).where('job_id', '=', jobId).orderBy('id').execute();
      return rows.filter((r) => r.kind === 'status').map((r) => (JSON.parse(r.data) as { status: string }).status);
    }

    it('drains many one-item jobs in groups: each completes once, with its status trail queued → running → completed', async () => {
      const jobs = [];
      for (let i = 0; i < 250; i++) jobs.push(await f.submit('noop', lib, { count: 1 }));
      await f.startEngine({ concurrency: 2 });
      for (const job of jobs) {
        const done = await f.waitFor(job.id);
        expect(done.status).toBe('completed');
        expect(done.counts).toMatchObject({ total: 1, succeeded: 1, failed: 0, skipped: 0, remaining: 0, retries: 0 });
        expect(done.planned).toBe(true);
        expect(await statusTrail(job.id)).toEqual(['queued', 'running', 'completed']);
      }
      expect(await f.app.driver.db.selectFrom('job_tasks').select('id').execute()).toEqual([]);
    });

    it('a job whose apply throws leaves its group: the others complete, it is retried (transient) or failed (permanent) per policy', async () => {
      for (let i = 0; i < 30; i++) await f.tree(lib, `/f${i}`, 0, 0);
      const jobs = [];
      for (let i = 0; i < 30; i++) jobs.push(await f.submit('trash', lib, { paths: [`/f${i}`] }));
      const flaky = jobs[7]!.id;
      const broken = jobs[19]!.id;
      let flakyFaults = 0;
      await f.startEngine({
        retry: { maxAttempts: 4, baseDelayMs: 10, maxDelayMs: 50 },
        hooks: {
          beforeApply(_task, job) {
            if (job.id === flaky && flakyFaults < 2) {
              flakyFaults++;
              throw new TransientError('injected: briefly down');
            }
            if (job.id === broken) throw new NotFoundError('injected: gone');
          },
        },
      });
      for (const job of jobs) {
        const done = await f.waitFor(job.id);
        const counts = JSON.stringify(done.counts);
        if (job.id === broken) {
          expect(done.status, counts).toBe('failed');
          expect(done.counts, counts).toMatchObject({ total: 1, failed: 1, succeeded: 0 });
        } else {
          expect(done.status, counts).toBe('completed');
          expect(done.counts.failed, counts).toBe(0);
          expect(done.counts.succeeded, counts).toBe(done.counts.total);
        }
        if (job.id === flaky) expect(done.counts.retries, counts).toBe(2);
        const trail = await statusTrail(job.id);
        expect(trail.filter((s) => FINAL_STATUSES.includes(s as never))).toHaveLength(1);
        expect(trail.at(-1)).toBe(done.status);
      }
      expect(flakyFaults).toBe(2);
      // Every job but the broken one trashed its folder.
      expect((await f.livePaths(lib)).filter((p) => p !== '/')).toEqual(['/f19']);
    });

    it('a big job among the queued ones is planned the normal way, and a job cancelled while queued ends cancelled', async () => {
      const small = await f.submit('noop', lib, { count: 5 });
      const big = await f.submit('noop', lib, { count: 5_000 });
      const cancelled = await f.submit('noop', lib, { count: 1 });
      await f.app.jobs.cancel(f.admin, cancelled.id);
      await f.startEngine({ concurrency: 1 });
      expect((await f.waitFor(small.id)).counts).toMatchObject({ total: 5, succeeded: 5 });
      const b = await f.waitFor(big.id);
      expect(b.counts).toMatchObject({ total: 5_000, succeeded: 5_000, remaining: 0 });
      expect(await statusTrail(big.id)).toEqual(['queued', 'planning', 'running', 'completed']);
      const c = await f.waitFor(cancelled.id);
      expect(c.status).toBe('cancelled');
      expect(await statusTrail(cancelled.id)).toEqual(['queued', 'cancelling', 'cancelled']);
    });

    it('kill -9 of workers inside group transactions: every job ends once, each item trashed once', async () => {
      // Three groups of 100 with two slots: the third runs after the first two, where the second kill lands.
      const files = 300;
      await f.tree(lib, '/t', 1, files);
      const paths = (await f.livePaths(lib)).filter((p) => p.endsWith('.txt'));
      expect(paths).toHaveLength(files);
      const jobs = [];
      for (const p of paths) jobs.push((await f.submit('trash', lib, { paths: [p] })).id);
      // Each job waits 10 ms inside its group's transaction: a group of many is open for a while, where the kills land.
      const env = await childEnv(f.t, { BATCHYARD_TEST_TASK_DELAY_MS: '10', BATCHYARD_WORKER_CONCURRENCY: '2' });
      const ended = async () => (await f.app.driver.db.selectFrom('jobs').select('id').where('status', 'in', [...FINAL_STATUSES]).execute()).length;
      const held = async (w: WorkerProcess) =>
        (await f.app.driver.db.selectFrom('job_tasks').select('id').where('lease_owner', '=', w.id).where('state', '=', 'running').execute()).length;
      let heldAtKills = 0;
      for (const fraction of [0, 0.6]) {
        const worker = await spawnWorker(env);
        const deadline = Date.now() + 120_000;
        while (!((await ended()) >= fraction * files && (await held(worker)) > 0)) {
          if (Date.now() > deadline || (await ended()) === files) {
            throw new Error(`no kill point at ${fraction}: ${await ended()} jobs ended, ${await held(worker)} tasks held: ${worker.output().slice(-2000)}`);
          }
          await sleep(5);
        }
        await kill9(worker);
        heldAtKills += await held(worker);
      }
      expect(heldAtKills).toBeGreaterThan(0);
      expect(await ended()).toBeLessThan(files);
      const last = await spawnWorker(env);
      try {
        for (const id of jobs) {
          const done = await f.waitFor(id, 120_000);
          const counts = JSON.stringify(done.counts);
          expect(done.status, counts).toBe('completed');
          expect(done.counts, counts).toMatchObject({ total: 1, succeeded: 1, failed: 0, skipped: 0, remaining: 0 });
          const trail = await statusTrail(id);
          expect(trail.filter((s) => FINAL_STATUSES.includes(s as never)), trail.join()).toEqual(['completed']);
        }
      } finally {
        await stop(last);
      }
      expect((await f.livePaths(lib)).filter((p) => p.endsWith('.txt'))).toEqual([]);
      const trashed = await f.app.driver.db.selectFrom('items').select('path').where('library_id', '=', lib).where('trashed_at', 'is not', null).execute();
      expect(trashed.filter((r) => r.path.endsWith('.txt'))).toHaveLength(files);
    });
  });
}
