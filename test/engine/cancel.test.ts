/**
 * Cancel stops a job's work that has not started, on both drivers: queued
 * tasks are dropped, a task already claimed stops between its chunks (blob
 * copies in `prepare`) and commits none of its items, and every item not done
 * counts as skipped (succeeded + failed + skipped = total). The races are
 * driven by gates the test opens, not by sleeps.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { engineFixture, type EngineFixture } from '../support/engine.js';
import type { BlobStore } from '../../src/blobs/blob-store.js';
import { distinctTree, Gate } from './trees.js';

const factories = await driverFactories();

const aborted = (signal: AbortSignal) => new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));

for (const factory of factories) {
  describe(`cancel on ${factory.name}`, () => {
    let f: EngineFixture;
    let lib: string;
    let other: string;
    let secondDir: string;

    beforeEach(async () => {
      secondDir = fs.mkdtempSync(path.join('/tmp', 'by-cancel-second-'));
      f = await engineFixture(factory, { BATCHYARD_STORAGES: `second=${secondDir}` });
      lib = await f.library('Main');
      other = await f.library('Other', { objectStorageLocation: 'second' });
    });
    afterEach(async () => {
      await f.dispose();
      fs.rmSync(secondDir, { recursive: true, force: true });
    });

    it('stops a copy across storage locations mid-job: the claimed task stops between blob copies, the rest is skipped', async () => {
      // The first folder's files share one content (its chunks copy one blob); the second's have 100.
      const total = await distinctTree(f, lib, '/big', 2, 1000, (_p, folder, file) => (folder === 0 ? 'shared' : `content ${file % 100}`));
      // Once the first chunk of members has copied its bytes and commits, blob writes into the
      // target storage wait at the gate: the next task is then held inside its prepare.
      const gate = new Gate();
      let writesAtGate = 0;
      let membersApplied = 0;
      let signal: AbortSignal | undefined;
      const gated = (store: BlobStore): BlobStore =>
        store.name !== 'second'
          ? store
          : new Proxy(store, {
              get(target, prop, receiver) {
                if (prop === 'write') {
                  return async (...args: Parameters<BlobStore['write']>) => {
                    if (!gate.isOpen) writesAtGate++;
                    await gate.pass();
                    return target.write(...args);
                  };
                }
                const value = Reflect.get(target, prop, receiver) as unknown;
                return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
              },
            });
      await f.startEngine({
        concurrency: 1,
        blobs: { get: (name: string) => gated(f.app.blobStores.get(name)) },
        hooks: {
          beforePrepare(task, _job, s) {
            if (task.phase === 2) signal = s;
          },
          beforeApply(task) {
            if (task.phase === 2 && ++membersApplied === 1) gate.close();
          },
        },
      });
      const job = await f.submit('copy', lib, { paths: ['/big'], destination: '/', targetLibraryId: other });
      await gate.reached;
      const held = signal!;
      const cancelling = await f.app.jobs.cancel(f.admin, job.id);
      expect(cancelling.job.status).toBe('cancelling');
      await aborted(held); // the engine noticed the cancel and told the held task
      gate.openNow();
      const done = await f.waitFor(job.id);

      const counts = JSON.stringify(done.counts);
      expect(done.status, counts).toBe('cancelled');
      expect(done.counts.total, counts).toBe(total);
      expect(done.counts.failed, counts).toBe(0);
      expect(done.counts.skipped, counts).toBeGreaterThan(0);
      expect(done.counts.succeeded, counts).toBeGreaterThan(1); // the root and the first chunk
      expect(done.counts.succeeded, counts).toBeLessThan(total);
      expect(done.counts.succeeded + done.counts.failed + done.counts.skipped, counts).toBe(total);
      expect(done.counts.remaining, counts).toBe(0);
      // The held task copied only the blobs it had started (one per parallel copier), not its 100.
      expect(writesAtGate).toBeGreaterThan(0);
      expect(writesAtGate).toBeLessThan(50);
      // The catalog says what the counters say: one copy per succeeded item, a reference per copied file.
      const copied = (await f.livePaths(other)).filter((p) => p !== '/');
      expect(copied.length).toBe(done.counts.succeeded);
      expect(copied).toContain('/big/d0000');
      const files = copied.filter((p) => p.endsWith('.txt')).length;
      const refs = await f.app.driver.db.selectFrom('blobs').select('refcount').where('storage', '=', 'second').execute();
      expect(refs.length).toBeGreaterThan(0);
      expect(refs.reduce((n, r) => n + Number(r.refcount), 0)).toBe(files);
    });

    it('cancelled while planning: total is what was planned, and every planned item ends succeeded or skipped', async () => {
      const gate = new Gate();
      let applied = 0;
      await f.startEngine({
        concurrency: 1,
        hooks: {
          // Outside any transaction: the one slot is held here, so planning cannot go on either.
          beforePrepare: () => gate.pass(),
          beforeApply() {
            if (++applied === 1) gate.close();
          },
        },
      });
      const job = await f.submit('noop', lib, { count: 100_000_000 });
      await gate.reached;
      const before = (await f.app.store.jobGetById(job.id))!;
      expect(before.status).toBe('planning');
      await f.app.jobs.cancel(f.admin, job.id);
      gate.openNow();
      const done = await f.waitFor(job.id);
      const counts = JSON.stringify(done.counts);
      expect(done.status, counts).toBe('cancelled');
      expect(done.planned, counts).toBe(false);
      expect(done.counts.total, counts).toBe(before.counts.total);
      expect(done.counts.total, counts).toBeLessThan(100_000_000);
      expect(done.counts.succeeded, counts).toBe(1000); // the one task that ran before the cancel
      expect(done.counts.skipped, counts).toBe(done.counts.total - 1000);
      expect(done.counts.remaining, counts).toBe(0);
    });
  });
}
