/** Retries, failures, cancel, priority and fairness, on both drivers. */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { engineFixture, type EngineFixture } from '../support/engine.js';
import { NotFoundError, TransientError } from '../../src/domain/errors.js';
import type { BlobStore } from '../../src/blobs/blob-store.js';

const factories = await driverFactories();

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

for (const factory of factories) {
  describe(`engine behaviour on ${factory.name}`, () => {
    let f: EngineFixture;
    let lib: string;
    beforeEach(async () => {
      f = await engineFixture(factory);
      lib = await f.library();
    });
    afterEach(async () => {
      await f.dispose();
    });

    it('retries transient store faults with backoff and counts the retries', async () => {
      let faults = 0;
      await f.startEngine({
        hooks: {
          beforeApply() {
            if (faults < 3) {
              faults++;
              throw new TransientError('injected: database briefly unavailable');
            }
          },
        },
      });
      await f.tree(lib, '/t', 2, 10);
      const job = await f.waitFor((await f.submit('trash', lib, { paths: ['/t'] })).id);
      expect(job.status).toBe('completed');
      expect(job.counts).toMatchObject({ total: 23, succeeded: 23, failed: 0, retries: 3 });
    });

    it('records items as failed after the last attempt of a transient fault, and at once for a permanent one', async () => {
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
      expect(job.counts).toMatchObject({ total: 3000, succeeded: 1000, failed: 2000, retries: 3 });
      const first = await f.app.jobs.failures(f.admin, job.id, { limit: 1000 });
      const second = await f.app.jobs.failures(f.admin, job.id, { limit: 1000, cursor: first.nextCursor! });
      const all = [...first.failures, ...second.failures];
      expect(all).toHaveLength(2000);
      expect(all.filter((x) => x.code === 'TRANSIENT' && x.attempts === 4)).toHaveLength(1000);
      expect(all.filter((x) => x.code === 'NOT_FOUND' && x.attempts === 1)).toHaveLength(1000);
      expect(second.nextCursor).toBeNull();
    });

    it('retries transient blob store faults (bytes first) and completes the copy', async () => {
      const dir = fs.mkdtempSync(path.join('/tmp', 'by-faulty-'));
      try {
        await f.dispose();
        f = await engineFixture(factory, { BATCHYARD_STORAGES: `other=${dir}` });
        lib = await f.library();
        const other = await f.library('Other', { objectStorageLocation: 'other' });
        let failing = 2;
        const faulty = (store: BlobStore): BlobStore =>
          new Proxy(store, {
            get(target, prop, receiver) {
              if (prop === 'write' && target.name === 'other' && failing > 0) {
                return async () => {
                  failing--;
                  throw Object.assign(new Error('injected EIO'), { code: 'EIO' });
                };
              }
              const value = Reflect.get(target, prop, receiver) as unknown;
              return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
            },
          });
        await f.startEngine({ blobs: { get: (name: string) => faulty(f.app.blobStores.get(name)) } });
        await f.tree(lib, '/c', 1, 5);
        const job = await f.waitFor((await f.submit('copy', lib, { paths: ['/c'], destination: '/', targetLibraryId: other })).id);
        expect(job.status).toBe('completed');
        expect(job.counts.retries).toBeGreaterThanOrEqual(1);
        expect(await f.livePaths(other)).toEqual(await f.livePaths(lib));
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it('cancels: queued work is dropped and counted skipped, done work stays done and counted', async () => {
      await f.startEngine({ concurrency: 1 });
      const job = await f.submit('noop', lib, { count: 100_000_000 });
      for (;;) {
        const current = (await f.app.store.jobGetById(job.id))!;
        if (current.counts.succeeded > 0) break;
        await sleep(5);
      }
      const cancelling = await f.app.jobs.cancel(f.admin, job.id);
      expect(['cancelling', 'cancelled']).toContain(cancelling.job.status);
      const done = await f.waitFor(job.id);
      expect(done.status).toBe('cancelled');
      expect(done.counts.succeeded).toBeGreaterThan(0);
      expect(done.counts.succeeded).toBeLessThan(100_000_000);
      const { total, succeeded, failed, skipped, remaining } = done.counts;
      expect(succeeded + failed + skipped).toBe(total);
      expect(remaining).toBe(0);
      await expect(f.app.jobs.cancel(f.admin, job.id)).rejects.toMatchObject({ code: 'UNPROCESSABLE' });
    });

    it('runs higher priority first', async () => {
      const low = await f.submit('noop', lib, { count: 20_000 }, 0);
      const high = await f.submit('noop', lib, { count: 20_000 }, 10);
      await f.startEngine({ concurrency: 1 });
      const [l, h] = [await f.waitFor(low.id), await f.waitFor(high.id)];
      expect(h.finishedAt!).toBeLessThanOrEqual(l.startedAt ?? Number.MAX_SAFE_INTEGER);
    });

    it('is fair: a small job submitted behind a 200k-item job finishes first', async () => {
      // Each of the big job's items is made slow, so it runs long enough to be overtaken.
      await f.startEngine({
        concurrency: 2,
        hooks: {
          async beforeApply(_task, job) {
            if (job.type === 'noop') await sleep(2);
          },
        },
      });
      const big = await f.submit('noop', lib, { count: 200_000 });
      for (;;) {
        if ((await f.app.store.jobGetById(big.id))!.counts.succeeded > 0) break;
        await sleep(5);
      }
      await f.tree(lib, '/small', 1, 3);
      const small = await f.waitFor((await f.submit('trash', lib, { paths: ['/small'] })).id);
      expect(small.status).toBe('completed');
      const bigNow = (await f.app.store.jobGetById(big.id))!;
      // Still going (its planner may not have finished either: planning and running overlap).
      expect(['planning', 'running']).toContain(bigNow.status);
      expect(bigNow.counts.succeeded).toBeLessThan(200_000);
      expect((await f.waitFor(big.id)).status).toBe('completed');
    });
  });
}
