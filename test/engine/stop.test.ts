/**
 * An engine that stops while tasks are still running waits up to its grace
 * period, then hands them back to the queue (not leaving them leased until
 * the lease runs out); another engine runs them, and the stopped engine's
 * late runs commit nothing (their claim is gone). Each item is done once.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { engineFixture, type EngineFixture } from '../support/engine.js';
import { Gate } from './trees.js';

const factories = await driverFactories();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

for (const factory of factories) {
  describe(`engine stop on ${factory.name}`, () => {
    let f: EngineFixture;
    let lib: string;
    beforeEach(async () => {
      f = await engineFixture(factory);
      lib = await f.library();
    });
    afterEach(async () => {
      await f.dispose();
    });

    it('hands back the tasks it still runs after its grace; another engine does them, each item once', async () => {
      const total = await f.tree(lib, '/big', 4, 300);
      const gate = new Gate();
      gate.close();
      // Items tasks wait at the gate (outside any transaction) until the test opens it.
      const first = await f.startEngine({ concurrency: 2, leaseMs: 60_000, hooks: { beforePrepare: () => gate.pass() } });
      const job = await f.submit('trash', lib, { paths: ['/big'] });
      await gate.reached;
      const leasedTo = (owner: string) => f.app.driver.db.selectFrom('job_tasks').select(['id', 'state']).where('lease_owner', '=', owner).where('kind', '=', 'items').execute();
      const held = await leasedTo(first.workerId);
      expect(held.length).toBeGreaterThan(0);

      await first.stop(100);
      expect(await f.app.driver.db.selectFrom('job_tasks').select('id').where('lease_owner', '=', first.workerId).execute()).toEqual([]);
      const handedBack = await f.app.driver.db.selectFrom('job_tasks').select(['id', 'state']).where('id', 'in', held.map((t) => t.id)).execute();
      expect(handedBack.map((t) => t.state)).toEqual(held.map(() => 'ready'));
      expect(first.activeTasks).toBeGreaterThanOrEqual(held.length); // still running, at the gate

      await f.startEngine({ leaseMs: 60_000 });
      gate.openNow(); // the stopped engine's runs go on, and find their claims gone
      const done = await f.waitFor(job.id);
      while (first.activeTasks > 0) await sleep(10);
      const after = (await f.app.store.jobGetById(job.id))!;
      expect(done.status).toBe('completed');
      expect(after.counts).toMatchObject({ total, succeeded: total, failed: 0, skipped: 0, remaining: 0 });
      expect(await f.livePaths(lib)).toEqual(['/']);
    });
  });
}
