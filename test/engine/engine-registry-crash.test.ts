/**
 * A `batchyard worker` killed with -9, on every driver: it registered as a
 * worker and held tasks; once its lease has passed it shows `silent` (never
 * `stopped`: it did not stop cleanly), and the engine that takes over counts
 * each of its tasks it returned to the queue as a lease rescue. Runs the
 * built worker (npm test builds first).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { engineFixture, type EngineFixture } from '../support/engine.js';
import { childEnv, kill9, spawnWorker, type WorkerProcess } from '../support/worker-process.js';

const factories = await driverFactories();

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: still not there after 60 s: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

for (const factory of factories) {
  describe(`a killed worker in the registry on ${factory.name}`, { timeout: 180_000 }, () => {
    let f: EngineFixture;
    let worker: WorkerProcess | undefined;
    beforeEach(async () => {
      f = await engineFixture(factory);
    });
    afterEach(async () => {
      if (worker) await kill9(worker);
      worker = undefined;
      await f.dispose();
    });

    it('turns silent after its lease, and the engine taking over counts the tasks it rescues', async () => {
      const lib = await f.library();
      const job = await f.submit('noop', lib, { count: 20_000 });
      // Each task of the child waits inside its transaction: it is killed holding some.
      worker = await spawnWorker(await childEnv(f.t, { BATCHYARD_ENABLE_BENCH_JOBS: '1', BATCHYARD_TEST_TASK_DELAY_MS: '300', BATCHYARD_WORKER_CONCURRENCY: '3' }));
      const dead = /^ready (\S+)$/m.exec(worker.output())?.[1];
      expect(dead).toEqual(expect.any(String));
      // Killed while its registry row says it holds tasks: frozen first (SIGSTOP), so that the row
      // read is the one it dies with (a commit already sent lands within the pause); else thawed, again.
      const child = worker.child;
      for (let attempt = 1; ; attempt++) {
        await until(
          () => f.app.store.engineWorkerList(),
          (rows) => (rows.find((w) => w.id === dead)?.tasksHeld ?? 0) > 0,
          'the worker holds tasks',
        );
        child.kill('SIGSTOP');
        await new Promise((resolve) => setTimeout(resolve, 200));
        const frozen = (await f.app.store.engineWorkerList()).find((w) => w.id === dead);
        if ((frozen?.tasksHeld ?? 0) > 0 || attempt >= 20) break;
        child.kill('SIGCONT');
      }
      await kill9(worker);
      worker = undefined;
      const [row] = (await f.app.store.engineWorkerList()).filter((w) => w.id === dead);
      expect(row).toMatchObject({ kind: 'worker', stoppedAt: null });
      const held = row!.tasksHeld;
      expect(held).toBeGreaterThan(0);

      const views = await until(
        () => f.app.engineInfo.workers(f.admin),
        (ws) => ws.find((w) => w.id === dead)?.state === 'silent',
        'the killed worker shows silent',
      );
      expect(views.find((w) => w.id === dead)).toMatchObject({ kind: 'worker', state: 'silent' });

      await f.startEngine();
      expect((await f.waitFor(job.id, 120_000)).status).toBe('completed');
      const stats = await until(
        () => f.app.engineInfo.stats(f.admin, 3600),
        (s) => s.totals.rescues >= held,
        'the rescues are counted',
      );
      expect(stats.totals.rescues).toBe(held);
      expect((await f.app.engineInfo.workers(f.admin)).find((w) => w.id === dead)?.state).toBe('silent');
    });
  });
}
