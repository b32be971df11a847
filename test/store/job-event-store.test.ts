/** The job event log: inserts, per-job and per-domain reads after an id, the latest id, pruning progress, on every driver. */
import { describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { useSharedStore } from './shared-store.js';
import { seedDomain, seedJob } from './seed.js';
import type { Store } from '../../src/store/store.js';

const factories = await driverFactories();

async function twoDomains(store: Store) {
  const d1 = (await seedDomain(store, 'one.example')).domain;
  const d2 = (await seedDomain(store, 'two.example')).domain;
  const j1 = await seedJob(store, { domainId: d1.id });
  const j2 = await seedJob(store, { domainId: d1.id });
  const j3 = await seedJob(store, { domainId: d2.id });
  return { d1, d2, j1, j2, j3 };
}

for (const factory of factories) {
  describe(`job event store on ${factory.name}`, () => {
    const db = useSharedStore(factory);

    it('eventInsert returns increasing ids; eventListForJob reads a job\'s events after an id, in id order', async () => {
      const { store } = db;
      const { d1, j1, j2 } = await twoDomains(store);
      const e1 = await store.eventInsert({ jobId: j1.id, domainId: d1.id, kind: 'status', data: { status: 'planning' }, createdAt: 10 });
      const e2 = await store.eventInsert({ jobId: j2.id, domainId: d1.id, kind: 'status', data: { status: 'planning' }, createdAt: 11 });
      const e3 = await store.eventInsert({ jobId: j1.id, domainId: d1.id, kind: 'progress', data: { counts: { succeeded: 2 }, note: 'é' }, createdAt: 12 });
      const e4 = await store.eventInsert({ jobId: j1.id, domainId: d1.id, kind: 'status', data: { status: 'completed' }, createdAt: 13 });
      expect(e1).toBeLessThan(e2);
      expect(e2).toBeLessThan(e3);
      expect(e3).toBeLessThan(e4);
      expect(await store.eventListForJob({ jobId: j1.id, afterId: 0, limit: 10 })).toEqual([
        { id: e1, jobId: j1.id, domainId: d1.id, kind: 'status', data: { status: 'planning' }, createdAt: 10 },
        { id: e3, jobId: j1.id, domainId: d1.id, kind: 'progress', data: { counts: { succeeded: 2 }, note: 'é' }, createdAt: 12 },
        { id: e4, jobId: j1.id, domainId: d1.id, kind: 'status', data: { status: 'completed' }, createdAt: 13 },
      ]);
      expect((await store.eventListForJob({ jobId: j1.id, afterId: e1, limit: 1 })).map((e) => e.id)).toEqual([e3]);
      expect(await store.eventListForJob({ jobId: j1.id, afterId: e4, limit: 10 })).toEqual([]);
    });

    it('eventInsertMany appends events in the order given, ids increasing, read back as eventInsert\'s', async () => {
      const { store } = db;
      const { d1, d2, j1, j2, j3 } = await twoDomains(store);
      const before = await store.eventInsert({ jobId: j1.id, domainId: d1.id, kind: 'status', data: { status: 'queued' }, createdAt: 1 });
      // 2,003 rows: more than one INSERT's worth (1,000 a statement).
      const given = Array.from({ length: 2003 }, (_, k) => {
        const job = [j1, j2, j3][k % 3]!;
        return { jobId: job.id, domainId: job === j3 ? d2.id : d1.id, kind: k % 2 ? ('progress' as const) : ('status' as const), data: { k, note: 'é' }, createdAt: 10 + k };
      });
      const ids = await store.transaction((tx) => tx.eventInsertMany(given));
      expect(ids).toHaveLength(2003);
      expect(ids[0]).toBeGreaterThan(before);
      for (let k = 1; k < ids.length; k++) expect(ids[k]).toBeGreaterThan(ids[k - 1]!);
      const j3s = await store.eventListForJob({ jobId: j3.id, afterId: 0, limit: 5000 });
      expect(j3s).toHaveLength(667);
      expect(j3s[0]).toEqual({ id: ids[2], jobId: j3.id, domainId: d2.id, kind: 'status', data: { k: 2, note: 'é' }, createdAt: 12 });
      expect(await store.eventLatestId()).toBe(ids.at(-1));
      expect(await store.eventInsertMany([])).toEqual([]);
    });

    it("eventListForDomain reads the domain's events of every job after an id, never another domain's", async () => {
      const { store } = db;
      const { d1, d2, j1, j2, j3 } = await twoDomains(store);
      const a = await store.eventInsert({ jobId: j1.id, domainId: d1.id, kind: 'status', data: {}, createdAt: 1 });
      const foreign = await store.eventInsert({ jobId: j3.id, domainId: d2.id, kind: 'status', data: {}, createdAt: 2 });
      const b = await store.eventInsert({ jobId: j2.id, domainId: d1.id, kind: 'progress', data: {}, createdAt: 3 });
      const c = await store.eventInsert({ jobId: j1.id, domainId: d1.id, kind: 'status', data: {}, createdAt: 4 });
      expect((await store.eventListForDomain({ domainId: d1.id, afterId: 0, limit: 10 })).map((e) => e.id)).toEqual([a, b, c]);
      expect((await store.eventListForDomain({ domainId: d1.id, afterId: a, limit: 1 })).map((e) => e.id)).toEqual([b]);
      expect((await store.eventListForDomain({ domainId: d2.id, afterId: 0, limit: 10 })).map((e) => e.id)).toEqual([foreign]);
    });

    it('eventLatestId is 0 on an empty log and then the highest id', async () => {
      const { store } = db;
      expect(await store.eventLatestId()).toBe(0);
      const { d1, d2, j1, j3 } = await twoDomains(store);
      await store.eventInsert({ jobId: j1.id, domainId: d1.id, kind: 'status', data: {}, createdAt: 1 });
      const last = await store.eventInsert({ jobId: j3.id, domainId: d2.id, kind: 'status', data: {}, createdAt: 2 });
      expect(await store.eventLatestId()).toBe(last);
    });

    it("eventPruneProgress drops one job's progress events and keeps its status events and other jobs' progress", async () => {
      const { store } = db;
      const { d1, j1, j2 } = await twoDomains(store);
      const s1 = await store.eventInsert({ jobId: j1.id, domainId: d1.id, kind: 'status', data: { status: 'running' }, createdAt: 1 });
      await store.eventInsert({ jobId: j1.id, domainId: d1.id, kind: 'progress', data: {}, createdAt: 2 });
      const p2 = await store.eventInsert({ jobId: j2.id, domainId: d1.id, kind: 'progress', data: {}, createdAt: 3 });
      await store.eventInsert({ jobId: j1.id, domainId: d1.id, kind: 'progress', data: {}, createdAt: 4 });
      const s2 = await store.eventInsert({ jobId: j1.id, domainId: d1.id, kind: 'status', data: { status: 'completed' }, createdAt: 5 });
      await store.eventPruneProgress({ jobId: j1.id });
      expect((await store.eventListForJob({ jobId: j1.id, afterId: 0, limit: 10 })).map((e) => e.id)).toEqual([s1, s2]);
      expect((await store.eventListForJob({ jobId: j2.id, afterId: 0, limit: 10 })).map((e) => e.id)).toEqual([p2]);
    });
  });
}
