/**
 * Schedules fired by real `batchyard worker` processes (the built code, as the crash tests
 * run it), on every driver: schedules that fell due while no process ran fire once when
 * workers start; on PostgreSQL two workers start together and race for the same ticks.
 * Then they are killed (kill -9) and another starts: nothing fires twice. A schedule created
 * afterwards, due at once, shows the new worker has made its passes (waiting on it, not on time).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { engineFixture, type EngineFixture } from '../support/engine.js';
import { childEnv, kill9, spawnWorker, type WorkerProcess } from '../support/worker-process.js';
import { ScheduleService } from '../../src/services/schedule-service.js';

const factories = await driverFactories();
const HOUR = 3_600_000;

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

for (const factory of factories) {
  describe(`schedules fired by worker processes on ${factory.name}`, () => {
    let f: EngineFixture;
    const workers: WorkerProcess[] = [];
    beforeEach(async () => {
      f = await engineFixture(factory);
    });
    afterEach(async () => {
      for (const w of workers.splice(0)) await kill9(w);
      await f.dispose();
    });

    it('fires each tick missed while no process ran exactly once, across racing workers, a kill -9 and a restart', async () => {
      const libraryId = await f.library('docs');
      // Created as if five hours ago: each is due now, its latest missed tick the one to fire.
      const past = new ScheduleService(f.app.store, f.app.jobs, { minIntervalMs: 60_000 }, () => Date.now() - 5 * HOUR);
      const add = async () => (await past.create(f.admin, { libraryId, type: 'report', params: { format: 'csv' }, cron: '0 * * * *', timeZone: 'UTC', overlap: 'queue' })).schedule.id;
      const ids: number[] = [];
      for (let i = 0; i < 6; i++) ids.push(await add());
      const firesOf = async (id: number) => f.app.store.scheduleFireList({ scheduleId: id, limit: 10 });
      const allFired = async (list: number[]) => (await Promise.all(list.map(firesOf))).every((fires) => fires.length > 0);

      const env = await childEnv(f.t, { BATCHYARD_WORKER_CONCURRENCY: '2' });
      // PostgreSQL: two processes from the start, racing; SQLite (one writer): one.
      const starting = factory.name === 'postgres' ? [spawnWorker(env), spawnWorker(env)] : [spawnWorker(env)];
      workers.push(...(await Promise.all(starting)));
      await until(() => allFired(ids), 'every due schedule fired');
      for (const w of workers.splice(0)) await kill9(w);
      workers.push(await spawnWorker(env));
      const sentinel = await add();
      await until(() => allFired([sentinel]), 'the schedule created after the restart fired');

      for (const id of [...ids, sentinel]) {
        const fires = await firesOf(id);
        expect(fires, `schedule ${id}`).toHaveLength(1);
        expect(fires[0]).toMatchObject({ kind: 'tick', outcome: 'started' });
        expect(fires[0]!.fireAt).toBeGreaterThan(Date.now() - 2 * HOUR);
      }
      const jobs = await f.app.driver.db.selectFrom('jobs').select(['origin']).execute();
      expect(jobs).toHaveLength(ids.length + 1);
      expect(new Set(jobs.map((j) => j.origin))).toEqual(new Set(['system']));
    });
  });
}
