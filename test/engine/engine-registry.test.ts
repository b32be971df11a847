/**
 * What the engine records of itself, on every driver: its row in the worker
 * registry (registered at start, heartbeated, marked stopped on a clean
 * stop), the items and bytes its task commits report and the lease rescues
 * and retries it made (written with its heartbeat), and each failed attempt
 * of a task with its error as a job event (the timeline).
 */
import os from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { engineFixture, type EngineFixture } from '../support/engine.js';
import { NotFoundError, TransientError } from '../../src/domain/errors.js';
import { VERSION } from '../../src/version.js';

const factories = await driverFactories();

/** Polls `read` until `done` holds of its value (the engine writes with its next heartbeat); fails after 20 s. */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`still not there after 20 s: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

for (const factory of factories) {
  describe(`engine registry, stats and task events on ${factory.name}`, () => {
    let f: EngineFixture;
    let lib: string;
    beforeEach(async () => {
      f = await engineFixture(factory);
      lib = await f.library();
    });
    afterEach(async () => {
      await f.dispose();
    });

    const stats = () => f.app.engineInfo.stats(f.admin, 3600);
    const itemsOf = (buckets: Array<{ type: string; items: number }>, type: string) => buckets.filter((b) => b.type === type).reduce((n, b) => n + b.items, 0);

    it('registers at start, heartbeats while running, and shows stopped after a clean stop', async () => {
      const engine = await f.startEngine({ kind: 'worker' });
      const [row] = await f.app.store.engineWorkerList();
      expect(row).toMatchObject({ id: engine.workerId, host: os.hostname(), pid: process.pid, kind: 'worker', version: VERSION, leaseMs: 2_000, stoppedAt: null, tasksHeld: 0 });
      const beaten = await until(
        () => f.app.store.engineWorkerList(),
        (rows) => rows[0]!.lastHeartbeatAt > row!.lastHeartbeatAt,
      );
      expect(beaten).toHaveLength(1);
      expect(beaten[0]!.startedAt).toBe(row!.startedAt);
      expect((await f.app.engineInfo.workers(f.admin)).map((w) => [w.id, w.state])).toEqual([[engine.workerId, 'alive']]);

      await engine.stop();
      f.engine = undefined;
      const [stopped] = await f.app.store.engineWorkerList();
      expect(stopped!.stoppedAt).not.toBeNull();
      expect((await f.app.engineInfo.workers(f.admin)).map((w) => w.state)).toEqual(['stopped']);
    });

    it('counts the items of a noop job and the items and bytes of a copy, per job type', async () => {
      await f.startEngine();
      const noop = await f.waitFor((await f.submit('noop', lib, { count: 2_500 })).id);
      expect(noop.status).toBe('completed');
      const total = await f.tree(lib, '/t', 2, 5);
      const copy = await f.waitFor((await f.submit('copy', lib, { paths: ['/t'], destination: '/copied' })).id);
      expect(copy.status).toBe('completed');
      expect(copy.counts.succeeded).toBe(total);
      const seen = await until(stats, (s) => itemsOf(s.buckets, 'noop') === 2_500 && itemsOf(s.buckets, 'copy') === total);
      const copyBytes = seen.buckets.filter((b) => b.type === 'copy').reduce((n, b) => n + b.bytes, 0);
      expect(copyBytes).toBe(copy.bytes.done);
      expect(seen.totals).toEqual({ rescues: 0, retries: 0 });
      // Nothing is left queued once both have ended.
      expect(seen.queue).toEqual([]);
    });

    it('counts the tasks it rescues when a dead engine’s lease runs out', async () => {
      const job = await f.submit('noop', lib, { count: 10 });
      const now = Date.now();
      // An engine claimed the job's planner task and died: its lease has run out.
      const claimed = await f.app.store.taskClaim({ jobId: job.id, owner: 'dead-host:1:abc', leaseUntil: now - 1, now, limit: 10 });
      expect(claimed).toHaveLength(1);
      await f.startEngine();
      expect((await f.waitFor(job.id)).status).toBe('completed');
      const seen = await until(stats, (s) => s.totals.rescues > 0 && itemsOf(s.buckets, 'noop') === 10);
      expect(seen.totals.rescues).toBe(1);
    });

    it('records each failed attempt of a task with its error, in order before the final status, a page at a time', async () => {
      await f.startEngine({
        hooks: {
          beforeApply(task) {
            const body = JSON.parse(task.payload) as { context: { from: number } };
            if (body.context.from === 0) throw new TransientError('injected: always down');
            if (body.context.from === 1000) throw new NotFoundError('injected: gone');
          },
        },
      });
      const job = await f.waitFor((await f.submit('noop', lib, { count: 3000 })).id);
      expect(job.status).toBe('completed_with_errors');
      const { events, nextCursor } = await f.app.timeline.page(f.admin, job.id, { limit: 100 });
      expect(nextCursor).toBeNull();
      expect(events.map((e) => e.id)).toEqual([...events.map((e) => e.id)].sort((a, b) => a - b));
      expect(events.some((e) => e.kind === 'progress')).toBe(false);
      expect(events[0]).toMatchObject({ kind: 'status', data: { status: 'queued' } });
      expect(events.at(-1)).toMatchObject({ kind: 'status', data: { status: 'completed_with_errors' } });

      const retries = events.filter((e) => e.kind === 'task-retry');
      expect(retries.map((e) => e.data.attempt)).toEqual([1, 2, 3]);
      const taskId = retries[0]!.data.taskId;
      for (const e of retries) {
        expect(e.data).toMatchObject({ jobId: job.id, taskId, maxAttempts: 4, items: 1000, error: { code: 'TRANSIENT', message: 'injected: always down' } });
        expect(Date.parse(e.data.retryAt as string)).toBeGreaterThan(0);
      }
      const failed = events.filter((e) => e.kind === 'task-failed');
      expect(failed.map((e) => e.data)).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ taskId, attempt: 4, items: 1000, error: { code: 'TRANSIENT', message: 'injected: always down' } }),
          expect.objectContaining({ attempt: 1, items: 1000, error: { code: 'NOT_FOUND', message: 'injected: gone' } }),
        ]),
      );
      expect(failed).toHaveLength(2);
      // The last attempt's event comes after its retries.
      const lastAttempt = failed.find((e) => e.data.taskId === taskId)!;
      expect(lastAttempt.id).toBeGreaterThan(retries.at(-1)!.id);

      // Pages of two walk the same events.
      const walked = [];
      let cursor: string | undefined;
      for (let page = 0; page < 20; page++) {
        const got = await f.app.timeline.page(f.admin, job.id, { limit: 2, cursor });
        walked.push(...got.events);
        if (got.nextCursor === null) break;
        cursor = got.nextCursor;
      }
      expect(walked.map((e) => e.id)).toEqual(events.map((e) => e.id));

      // The last commit's counts are written with a heartbeat after the job has ended.
      const seen = await until(stats, (s) => s.totals.retries === 3 && itemsOf(s.buckets, 'noop') === 3000);
      expect(seen.totals).toEqual({ retries: 3, rescues: 0 });
    });
  });
}
