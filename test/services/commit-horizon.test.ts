/**
 * The event log's settled horizon: where commits are serialized every visible
 * id is settled at once; where they are not, an id is settled only once every
 * transaction that had drawn an id below it has ended.
 */
import { describe, expect, it } from 'vitest';
import { driverFactories, useMigratedStore } from '../support/drivers.js';
import { CommitHorizon, type HorizonStall } from '../../src/services/commit-horizon.js';
import type { Store } from '../../src/store/store.js';

const factories = await driverFactories();

async function seedJob(store: Store) {
  const domain = await store.domainCreate({ name: 'h.example', now: 1 });
  return store.jobInsert({ domainId: domain.id, libraryId: 'lib', targetLibraryId: null, type: 'noop', requestorId: 1, origin: 'admin', params: {}, priority: 0, retryOf: null, now: 1 });
}

/** Advances until `test` holds (other tests' transactions on the same server may delay a PostgreSQL horizon). */
async function advanceUntil(horizon: CommitHorizon, test: () => boolean): Promise<void> {
  for (let i = 0; i < 2000 && !test(); i++) {
    await horizon.advance();
    if (!test()) await new Promise((resolve) => setTimeout(resolve, 10));
  }
  expect(test()).toBe(true);
}

for (const factory of factories) {
  describe(`commit horizon on ${factory.name}`, () => {
    const db = useMigratedStore(factory);

    it('settles what has committed, and tells its watchers', async () => {
      const { store } = db;
      const job = await seedJob(store);
      const horizon = new CommitHorizon(store);
      let told = 0;
      const stop = horizon.watch(() => told++);
      try {
        expect(await horizon.advance()).toBe(0);
        const id = await store.eventInsert({ jobId: job.id, domainId: job.domainId, kind: 'status', data: {}, createdAt: 1 });
        await advanceUntil(horizon, () => horizon.settled === id);
        expect(horizon.seen).toBe(id);
        expect(told).toBeGreaterThan(0);
        if (!store.capabilities.commitSnapshots) expect(await new CommitHorizon(store).advance()).toBe(id);
      } finally {
        stop();
      }
    });

    it.runIf(factory.name === 'postgres')('does not pass an id drawn by a transaction still open, however often it looks', async () => {
      const { store } = db;
      const job = await seedJob(store);
      const stalls: HorizonStall[] = [];
      const horizon = new CommitHorizon(store, { onStall: (stall) => stalls.push(stall), stallReportMs: 100 });
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let drawn!: (id: number) => void;
      const lowId = new Promise<number>((resolve) => (drawn = resolve));
      const slow = store.transaction(async (tx) => {
        drawn(await tx.eventInsert({ jobId: job.id, domainId: job.domainId, kind: 'progress', data: {}, createdAt: 1 }));
        await held;
      });
      let high = 0;
      try {
        const low = await lowId;
        high = await store.eventInsert({ jobId: job.id, domainId: job.domainId, kind: 'progress', data: {}, createdAt: 2 });
        expect(high).toBeGreaterThan(low);
        for (let i = 0; i < 15; i++) {
          await horizon.advance();
          expect(horizon.settled).toBeLessThan(low);
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        expect(horizon.seen).toBe(high);
        // Held back that long: reported, once, with the oldest transaction still running.
        expect(stalls).toHaveLength(1);
        expect(stalls[0]!.forMs).toBeGreaterThanOrEqual(100);
        expect(stalls[0]!.xmin).toEqual(expect.any(Number));
        // Where a feed "from now" would start: past the high id, remembering what was in flight.
        const start = await horizon.start();
        expect(start.after).toBe(high);
        expect(start.inFlight).toMatchObject({ snapshot: expect.any(String) });
      } finally {
        release();
        await slow;
      }
      await advanceUntil(horizon, () => horizon.settled === high);
      expect(stalls).toHaveLength(1);
    });
  });
}
