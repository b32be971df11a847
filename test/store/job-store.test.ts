/** The job tables through the Store, on every driver: claims, fences, leases, fair order, listing. */
import { describe, expect, it } from 'vitest';
import { driverFactories, useMigratedStore } from '../support/drivers.js';
import type { Store } from '../../src/store/store.js';

const factories = await driverFactories();

async function seedJob(store: Store, p: { priority?: number; now?: number; domainId?: number } = {}) {
  const domain = (await store.domainGetByName('d.example')) ?? (await store.domainCreate({ name: 'd.example', now: 1 }));
  const job = await store.jobInsert({
    domainId: p.domainId ?? domain.id,
    libraryId: 'lib',
    targetLibraryId: null,
    type: 'noop',
    requestorId: 1,
    origin: 'admin',
    params: {},
    priority: p.priority ?? 0,
    retryOf: null,
    now: p.now ?? 1000,
  });
  return job;
}

for (const factory of factories) {
  describe(`job store on ${factory.name}`, () => {
    const db = useMigratedStore(factory);

    it('claims under a fence; an expired lease is rescued, re-claimed, and the stale holder cannot commit', async () => {
      const job = await seedJob(db.store);
      await db.store.taskInsertMany([{ jobId: job.id, phase: 1, kind: 'items', payload: '{}', itemCount: 1, runAfter: 0 }]);
      const [a] = await db.store.taskClaim({ jobId: job.id, owner: 'A', leaseUntil: 2000, now: 1000, limit: 10 });
      expect(a).toMatchObject({ fence: 1 });
      expect(await db.store.taskClaim({ jobId: job.id, owner: 'B', leaseUntil: 2000, now: 1000, limit: 10 })).toEqual([]);
      expect(await db.store.taskRescueExpired({ now: 1500 })).toBe(0);
      expect(await db.store.taskRescueExpired({ now: 2500 })).toBe(1);
      const [b] = await db.store.taskClaim({ jobId: job.id, owner: 'B', leaseUntil: 4000, now: 2500, limit: 10 });
      expect(b).toMatchObject({ id: a!.id, fence: 2 });
      expect(await db.store.taskComplete({ id: a!.id, fence: a!.fence })).toBe(false);
      expect(await db.store.taskReschedule({ id: a!.id, fence: a!.fence, runAfter: 0, attempts: 1 })).toBe(false);
      expect(await db.store.taskHeartbeat({ owner: 'A', leaseUntil: 9999 })).toBe(0);
      expect(await db.store.taskHeartbeat({ owner: 'B', leaseUntil: 9999 })).toBe(1);
      expect(await db.store.taskComplete({ id: b!.id, fence: b!.fence })).toBe(true);
      expect(await db.store.taskExistsForJob({ jobId: job.id })).toBe(false);
    });

    it('refreshes planner statistics once bulk work changed a tenth of a table (where the database plans by them)', async () => {
      const job = await seedJob(db.store);
      const rows = Array.from({ length: 12_000 }, () => ({ jobId: job.id, phase: 2, kind: 'items' as const, payload: '{}', itemCount: 1, runAfter: 0 }));
      for (let i = 0; i < rows.length; i += 1000) await db.store.taskInsertMany(rows.slice(i, i + 1000));
      if (!db.store.capabilities.concurrentWriters) {
        expect(await db.store.refreshStaleStatistics()).toEqual([]);
        return;
      }
      // PostgreSQL publishes a backend's table counters within seconds of its commits; wait for them to show.
      let analyzed: string[] = [];
      for (let attempt = 0; attempt < 150 && !analyzed.includes('job_tasks'); attempt++) {
        analyzed = await db.store.refreshStaleStatistics();
        if (!analyzed.includes('job_tasks')) await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(analyzed).toContain('job_tasks');
      expect(await db.store.refreshStaleStatistics()).not.toContain('job_tasks');
    }, 60_000);

    it('claims the lowest phase first and respects run_after', async () => {
      const job = await seedJob(db.store);
      await db.store.taskInsertMany([
        { jobId: job.id, phase: 2, kind: 'items', payload: 'late', itemCount: 1, runAfter: 0 },
        { jobId: job.id, phase: 1, kind: 'items', payload: 'later', itemCount: 1, runAfter: 5000 },
      ]);
      expect(await db.store.taskClaim({ jobId: job.id, owner: 'A', leaseUntil: 9000, now: 1000, limit: 10 })).toEqual([]);
      const [first] = await db.store.taskClaim({ jobId: job.id, owner: 'A', leaseUntil: 9000, now: 5000, limit: 10 });
      expect(first!.payload).toBe('later');
      await db.store.taskComplete({ id: first!.id, fence: first!.fence });
      const [second] = await db.store.taskClaim({ jobId: job.id, owner: 'A', leaseUntil: 9000, now: 5000, limit: 10 });
      expect(second!.payload).toBe('late');
    });

    it('orders claimable jobs by priority, then the least recently served', async () => {
      const low = await seedJob(db.store, { priority: 0 });
      const a = await seedJob(db.store, { priority: 5 });
      const b = await seedJob(db.store, { priority: 5 });
      for (const job of [low, a, b]) await db.store.taskInsertMany([{ jobId: job.id, phase: 1, kind: 'items', payload: '{}', itemCount: 1, runAfter: 0 }]);
      expect((await db.store.jobListClaimable({ now: 10, limit: 10 })).map((j) => j.id)).toEqual([a.id, b.id, low.id]);
      await db.store.jobTouchClaim({ id: a.id, domainId: a.domainId, now: 20 });
      expect((await db.store.jobListClaimable({ now: 30, limit: 10 })).map((j) => j.id)).toEqual([b.id, a.id, low.id]);
    });

    it('claims across priority levels and domains: domains in turn order (ties as one list), jobs without a ready task passed over', async () => {
      const store = db.store;
      const [d1, d2, d3] = (await Promise.all(['one', 'two', 'three'].map(async (n) => (await store.domainCreate({ name: `${n}.example`, now: 1 })).id))) as [number, number, number];
      const ready = async (job: { id: number }, runAfter = 0) => store.taskInsertMany([{ jobId: job.id, phase: 1, kind: 'items', payload: '{}', itemCount: 1, runAfter }]);
      // Priority 9: only a job whose task is not due yet, and an ended one: the walk goes on to priority 3.
      const later = await seedJob(store, { domainId: d1, priority: 9 });
      await ready(later, 500);
      const ended = await seedJob(store, { domainId: d1, priority: 9 });
      await ready(ended);
      await store.jobSetStatus({ id: ended.id, status: 'completed', now: 5, finished: true });
      const a1 = await seedJob(store, { domainId: d1, priority: 3 });
      const idle = await seedJob(store, { domainId: d1, priority: 3 }); // no task at all
      const a2 = await seedJob(store, { domainId: d1, priority: 3 });
      const b1 = await seedJob(store, { domainId: d2, priority: 3 });
      const c1 = await seedJob(store, { domainId: d3, priority: 3 });
      const low = await seedJob(store, { domainId: d2, priority: -1 });
      for (const job of [a1, a2, b1, c1, low]) await ready(job);
      expect(idle.id).toBeGreaterThan(a1.id);
      // No domain served yet: one list by (job turn, id).
      expect((await store.jobListClaimable({ now: 10, limit: 10 })).map((j) => j.id)).toEqual([a1.id, a2.id, b1.id, c1.id, low.id]);
      // d1 served at 20, d3 at 15: d2 (never) first, then d3, then d1; a1's own turn puts it behind a2.
      await store.jobTouchClaim({ id: a1.id, domainId: d1, now: 20 });
      await store.jobTouchClaim({ id: c1.id, domainId: d3, now: 15 });
      expect((await store.jobListClaimable({ now: 30, limit: 10 })).map(({ id, domainId }) => ({ id, domainId }))).toEqual([
        { id: b1.id, domainId: d2 }, { id: c1.id, domainId: d3 }, { id: a2.id, domainId: d1 }, { id: a1.id, domainId: d1 }, { id: low.id, domainId: d2 },
      ]);
      expect((await store.jobListClaimable({ now: 30, limit: 2 })).map((j) => j.id)).toEqual([b1.id, c1.id]);
      // Once due, the priority-9 job leads.
      expect((await store.jobListClaimable({ now: 600, limit: 1 })).map((j) => j.id)).toEqual([later.id]);
    });

    it("lists by the appType of a job's library, only among the visibility domain's libraries", async () => {
      const store = db.store;
      const d = await store.domainCreate({ name: 'apps.example', now: 1 });
      const other = await store.domainCreate({ name: 'other.example', now: 1 });
      const user = await store.userCreate({ domainId: d.id, email: 'u@apps.example', name: 'U', role: 'admin', passwordHash: null, now: 1 });
      const library = (id: string, domainId: number, appType: number) =>
        store.libraryInsert({
          id, domainId, name: id, state: 'STANDARD', appType, storage: 'default', daysBeforeDelete: 30, restrictedDownload: false,
          findableBy: 'READERS', creatorId: user.id, settings: {}, config: {}, createdAt: 1, lastModified: 1, lastConfigModified: 1,
        });
      await library('gmail', d.id, 1);
      await library('drive', d.id, 2);
      await library('chat', d.id, 4096);
      await library('foreign', other.id, 1);
      const job = (libraryId: string, domainId = d.id) =>
        store.jobInsert({ domainId, libraryId, targetLibraryId: null, type: 'trash', requestorId: user.id, origin: 'admin', params: {}, priority: 0, retryOf: null, now: 5 });
      const gmail = await job('gmail');
      const drive = await job('drive');
      const chat = await job('chat');
      await job('foreign', other.id);
      const list = async (p: { libraryAppTypes?: number[]; requestorId?: number; filterInDomain?: boolean }) =>
        (await store.jobList({ visibility: { domainId: d.id, all: true }, order: 'created_asc', limit: 10, ...p })).map((j) => j.id);
      expect(await list({ libraryAppTypes: [1] })).toEqual([gmail.id]);
      expect(await list({ libraryAppTypes: [1, 4096] })).toEqual([gmail.id, chat.id]);
      expect(await list({ libraryAppTypes: [8] })).toEqual([]);
      expect(await list({})).toEqual([gmail.id, drive.id, chat.id]);
      // The shape that leads with a requestor filter still binds the domain for the library subquery.
      expect(await list({ libraryAppTypes: [2], requestorId: user.id, filterInDomain: true })).toEqual([drive.id]);
      // Another domain's appType-1 library never matches.
      const foreign = await store.jobList({ visibility: { domainId: other.id, all: true }, order: 'created_asc', limit: 10, libraryAppTypes: [2] });
      expect(foreign).toEqual([]);
    });

    it('jobList variant keeps the jobs of one type whose params hold key: value, exactly, and leaves other types alone', async () => {
      const store = db.store;
      const d = await store.domainCreate({ name: 'variants.example', now: 1 });
      const job = (type: string, params: Record<string, unknown>) =>
        store.jobInsert({ domainId: d.id, libraryId: 'lib', targetLibraryId: null, type, requestorId: 1, origin: 'admin', params, priority: 0, retryOf: null, now: 5 });
      const permissions = await job('report', { format: 'csv', kind: 'permissions' });
      await job('report', { format: 'csv', kind: 'inventory' });
      await job('report', { format: 'json' });
      // Near misses: the value inside another string, a longer value, another key, another case.
      await job('report', { path: '/"kind":"permissions"', format: 'csv' });
      await job('report', { kind: 'permissionsX', format: 'csv' });
      await job('report', { xkind: 'permissions', format: 'csv' });
      await job('report', { kind: 'PERMISSIONS', format: 'csv' });
      const trash = await job('trash', { paths: ['/kind'] });
      const list = async (p: { types?: string[]; offset?: number; limit?: number }) =>
        (
          await store.jobList({ visibility: { domainId: d.id, all: true }, order: 'created_asc', limit: 10, variant: { type: 'report', key: 'kind', value: 'permissions' }, ...p })
        ).map((j) => j.id);
      expect(await list({})).toEqual([permissions.id, trash.id]);
      expect(await list({ types: ['report'] })).toEqual([permissions.id]);
      expect(await list({ types: ['report', 'trash'], offset: 1, limit: 5 })).toEqual([trash.id]);
      // Without the variant every report is there.
      expect(await store.jobList({ visibility: { domainId: d.id, all: true }, order: 'created_asc', limit: 20, types: ['report'] })).toHaveLength(7);
    });

    it.runIf(factory.name === 'postgres')('concurrent claimers take disjoint tasks (SKIP LOCKED)', async () => {
      const job = await seedJob(db.store);
      await db.store.taskInsertMany(Array.from({ length: 40 }, () => ({ jobId: job.id, phase: 1, kind: 'items' as const, payload: '{}', itemCount: 1, runAfter: 0 })));
      const claims = await Promise.all(
        ['A', 'B', 'C', 'D'].map((owner) => db.store.transaction((tx) => tx.taskClaim({ jobId: job.id, owner, leaseUntil: 9000, now: 1000, limit: 10 }))),
      );
      const ids = claims.flat().map((t) => t.id);
      expect(new Set(ids).size).toBe(ids.length);
      const rest = await db.store.taskClaim({ jobId: job.id, owner: 'E', leaseUntil: 9000, now: 1000, limit: 100 });
      expect(ids.length + rest.length).toBe(40);
    });
  });
}
