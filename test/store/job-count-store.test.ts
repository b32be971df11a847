/** Counting what a job listing's filters select, in all and per (library, target, type), on every driver. */
import { describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { useSharedStore } from './shared-store.js';
import { seedDomain } from './seed.js';
import type { Store } from '../../src/store/store.js';
import type { JobVisibility } from '../../src/store/queries/jobs.js';

const factories = await driverFactories();

async function job(store: Store, p: { domainId: number; libraryId: string; type?: string; requestorId: number; now: number; targetLibraryId?: string | null }) {
  return store.jobInsert({
    domainId: p.domainId, libraryId: p.libraryId, targetLibraryId: p.targetLibraryId ?? null, type: p.type ?? 'noop', requestorId: p.requestorId,
    origin: 'self_service', params: {}, priority: 0, retryOf: null, now: p.now,
  });
}

for (const factory of factories) {
  describe(`job counts on ${factory.name}`, () => {
    const db = useSharedStore(factory);

    it('jobCount counts what jobList walks, filters and visibility included; withFailures keeps jobs with failed items', async () => {
      const { store } = db;
      const { domain, user } = await seedDomain(store);
      const other = await seedDomain(store, 'other.example');
      const all: JobVisibility = { domainId: domain.id, all: true };
      const own: JobVisibility = { domainId: domain.id, all: false, requestorId: user.id, adminLibraryIds: ['b'] };
      const a1 = await job(store, { domainId: domain.id, libraryId: 'a', requestorId: user.id, now: 10 });
      await job(store, { domainId: domain.id, libraryId: 'a', requestorId: 999, now: 20, type: 'trash' });
      const b1 = await job(store, { domainId: domain.id, libraryId: 'b', requestorId: 999, now: 30, type: 'trash' });
      await job(store, { domainId: other.domain.id, libraryId: 'z', requestorId: user.id, now: 40 });
      await store.jobSetStatus({ id: b1.id, status: 'completed_with_errors', now: 50, finished: true });
      await store.jobAddCounts({ id: b1.id, delta: { total: 2, failed: 1 }, now: 50 });
      await store.jobAddCounts({ id: a1.id, delta: { total: 1, succeeded: 1 }, now: 50 });

      expect(await store.jobCount({ visibility: all })).toBe(3);
      // The caller's own jobs and those of the library they administer.
      expect(await store.jobCount({ visibility: own })).toBe(2);
      expect(await store.jobCount({ visibility: all, libraryId: 'a', filterInDomain: true })).toBe(2);
      expect(await store.jobCount({ visibility: all, types: ['trash'] })).toBe(2);
      expect(await store.jobCount({ visibility: all, statuses: ['queued'] })).toBe(2);
      expect(await store.jobCount({ visibility: all, createdAfter: 15, createdBefore: 30 })).toBe(1);
      expect(await store.jobCount({ visibility: all, withFailures: true })).toBe(1);
      expect(await store.jobCount({ visibility: all, statuses: ['cancelled'] })).toBe(0);
      // The same filters list the same jobs.
      expect((await store.jobList({ visibility: all, withFailures: true, order: 'created_desc', limit: 10 })).map((j) => j.id)).toEqual([b1.id]);
    });

    it('jobCountGroups counts per library, target library and type', async () => {
      const { store } = db;
      const { domain, user } = await seedDomain(store);
      for (const [libraryId, targetLibraryId, type] of [['a', null, 'trash'], ['a', null, 'trash'], ['a', 'b', 'copy'], ['b', null, 'trash']] as const) {
        await job(store, { domainId: domain.id, libraryId, targetLibraryId, type, requestorId: user.id, now: 10 });
      }
      const groups = await store.jobCountGroups({ visibility: { domainId: domain.id, all: true } });
      const sorted = [...groups].sort((x, y) => `${x.libraryId}${x.type}`.localeCompare(`${y.libraryId}${y.type}`));
      expect(sorted).toEqual([
        { libraryId: 'a', targetLibraryId: 'b', type: 'copy', count: 1 },
        { libraryId: 'a', targetLibraryId: null, type: 'trash', count: 2 },
        { libraryId: 'b', targetLibraryId: null, type: 'trash', count: 1 },
      ]);
      expect(await store.jobCountGroups({ visibility: { domainId: domain.id, all: true }, types: ['copy'] })).toEqual([{ libraryId: 'a', targetLibraryId: 'b', type: 'copy', count: 1 }]);
    });
  });
}
