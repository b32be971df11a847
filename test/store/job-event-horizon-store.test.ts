/**
 * The event log's settled horizon: where commits are serialized (SQLite) every
 * visible id is settled; where they are not (PostgreSQL) a checkpoint records
 * which writers were in flight, and their events are found once they commit.
 */
import { describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { useSharedStore } from './shared-store.js';
import { seedDomain, seedJob } from './seed.js';

const factories = await driverFactories();

for (const factory of factories) {
  describe(`job event horizon store on ${factory.name}`, () => {
    const db = useSharedStore(factory);

    it('eventHorizon reads the highest visible id; a checkpoint is refused inside a transaction', async () => {
      const { store } = db;
      expect((await store.eventHorizon({ checkpoint: false })).maxId).toBe(0);
      const { domain } = await seedDomain(store);
      const job = await seedJob(store, { domainId: domain.id });
      await store.eventInsert({ jobId: job.id, domainId: domain.id, kind: 'status', data: {}, createdAt: 1 });
      const last = await store.eventInsert({ jobId: job.id, domainId: domain.id, kind: 'status', data: {}, createdAt: 2 });
      const probe = await store.eventHorizon({ checkpoint: false });
      const checkpoint = await store.eventHorizon({ checkpoint: true });
      expect(probe.maxId).toBe(last);
      expect(checkpoint.maxId).toBe(last);
      if (store.capabilities.commitSnapshots) {
        expect(probe.xmin).toEqual(expect.any(Number));
        expect(checkpoint.clock).toBeGreaterThanOrEqual(checkpoint.xmin!);
        expect(checkpoint.snapshot).toEqual(expect.any(String));
      } else {
        expect(probe).toEqual({ maxId: last });
        expect(checkpoint).toEqual({ maxId: last });
      }
      await expect(store.transaction(async (tx) => tx.eventHorizon({ checkpoint: true }))).rejects.toThrow(/checkpoint/);
      expect((await store.transaction((tx) => tx.eventHorizon({ checkpoint: false }))).maxId).toBe(last);
    });

    it.runIf(factory.name === 'sqlite')('eventListInFlightAt finds nothing where commits are serialized', async () => {
      const { store } = db;
      const { domain } = await seedDomain(store);
      const job = await seedJob(store, { domainId: domain.id });
      const id = await store.eventInsert({ jobId: job.id, domainId: domain.id, kind: 'status', data: {}, createdAt: 1 });
      expect(await store.eventListInFlightAt({ scope: { domainId: domain.id }, at: { xmin: 0, clock: 1, snapshot: '' }, afterId: 0, upToId: id, limit: 10 })).toEqual([]);
    });

    it.runIf(factory.name === 'postgres')('eventListInFlightAt finds, once committed, the events a checkpoint saw in flight below its id', async () => {
      const { store } = db;
      const { domain } = await seedDomain(store);
      const other = (await seedDomain(store, 'other.example')).domain;
      const job = await seedJob(store, { domainId: domain.id });
      const sibling = await seedJob(store, { domainId: domain.id });
      const foreign = await seedJob(store, { domainId: other.id });
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let inserted!: (ids: number[]) => void;
      const slowIds = new Promise<number[]>((resolve) => (inserted = resolve));
      // A writer that drew its ids first and commits last.
      const slow = store.transaction(async (tx) => {
        const ids = [
          await tx.eventInsert({ jobId: job.id, domainId: domain.id, kind: 'status', data: { n: 1 }, createdAt: 1 }),
          await tx.eventInsert({ jobId: sibling.id, domainId: domain.id, kind: 'status', data: { n: 2 }, createdAt: 1 }),
          await tx.eventInsert({ jobId: foreign.id, domainId: other.id, kind: 'status', data: { n: 3 }, createdAt: 1 }),
        ];
        inserted(ids);
        await held;
      });
      const [slowJob, slowSibling] = await slowIds;
      const fast = await store.eventInsert({ jobId: job.id, domainId: domain.id, kind: 'status', data: { n: 4 }, createdAt: 2 });
      expect(fast).toBeGreaterThan(slowSibling!);
      const checkpoint = await store.eventHorizon({ checkpoint: true });
      expect(checkpoint.maxId).toBe(fast);
      release();
      await slow;
      const later = await store.eventInsert({ jobId: job.id, domainId: domain.id, kind: 'status', data: { n: 5 }, createdAt: 3 });
      const at = { xmin: checkpoint.xmin!, clock: checkpoint.clock!, snapshot: checkpoint.snapshot! };
      const inFlight = await store.eventListInFlightAt({ scope: { domainId: domain.id }, at, afterId: 0, upToId: checkpoint.maxId, limit: 10 });
      expect(inFlight.map((e) => [e.id, e.data])).toEqual([[slowJob, { n: 1 }], [slowSibling, { n: 2 }]]);
      expect((await store.eventListInFlightAt({ scope: { jobId: job.id }, at, afterId: 0, upToId: checkpoint.maxId, limit: 10 })).map((e) => e.id)).toEqual([slowJob]);
      expect((await store.eventListInFlightAt({ scope: { domainId: domain.id }, at, afterId: slowJob!, upToId: checkpoint.maxId, limit: 10 })).map((e) => e.id)).toEqual([slowSibling]);
      expect((await store.eventListInFlightAt({ scope: { domainId: domain.id }, at, afterId: 0, upToId: checkpoint.maxId, limit: 1 })).map((e) => e.id)).toEqual([slowJob]);
      expect(later).toBeGreaterThan(checkpoint.maxId);
    });

    it('eventListForJob and eventListForDomain stop at upToId when given', async () => {
      const { store } = db;
      const { domain } = await seedDomain(store);
      const job = await seedJob(store, { domainId: domain.id });
      const ids: number[] = [];
      for (let i = 0; i < 3; i++) ids.push(await store.eventInsert({ jobId: job.id, domainId: domain.id, kind: 'progress', data: { i }, createdAt: i }));
      expect((await store.eventListForJob({ jobId: job.id, afterId: 0, upToId: ids[1]!, limit: 10 })).map((e) => e.id)).toEqual(ids.slice(0, 2));
      expect((await store.eventListForDomain({ domainId: domain.id, afterId: ids[0]!, upToId: ids[1]!, limit: 10 })).map((e) => e.id)).toEqual([ids[1]]);
    });
  });
}
