/** Schedules (schedules, schedule_fires) on every driver: definitions, the visible page, due ones, the guarded advance, and fires unique per tick. */
import { describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { useSharedStore } from './shared-store.js';
import { seedDomain } from './seed.js';
import { ConflictError } from '../../src/domain/errors.js';
import type { Store } from '../../src/store/store.js';
import type { ScheduleFields } from '../../src/store/queries/schedules.js';

const factories = await driverFactories();

const fields = (over: Partial<ScheduleFields> = {}): ScheduleFields => ({
  libraryId: 'docs@example.com',
  type: 'report',
  params: { format: 'csv' },
  cron: '0 2 * * *',
  timeZone: 'Europe/Paris',
  overlap: 'skip',
  catchUp: 'once',
  enabled: true,
  nextFireAt: 1_000,
  ...over,
});

async function seed(store: Store) {
  const { domain, user } = await seedDomain(store);
  const other = await store.userCreate({ domainId: domain.id, email: 'other@example.com', name: 'Other', role: 'user', passwordHash: null, now: 1 });
  return { domain, user, other };
}

for (const factory of factories) {
  describe(`schedule store on ${factory.name}`, () => {
    const db = useSharedStore(factory);

    it('scheduleInsert records a definition with no fire yet; scheduleGetById reads it back; scheduleUpdate replaces it; scheduleDelete removes it and its fires', async () => {
      const { store } = db;
      const { domain, user } = await seed(store);
      const s = await store.scheduleInsert({ ...fields(), domainId: domain.id, createdBy: user.id, now: 10 });
      expect(s).toEqual({
        id: expect.any(Number), domainId: domain.id, libraryId: 'docs@example.com', type: 'report', params: { format: 'csv' }, cron: '0 2 * * *',
        timeZone: 'Europe/Paris', overlap: 'skip', catchUp: 'once', enabled: true, createdBy: user.id, nextFireAt: 1_000,
        lastFireAt: null, lastOutcome: null, lastError: null, lastJobId: null, createdAt: 10, updatedAt: 10,
      });
      expect(await store.scheduleGetById({ id: s.id })).toEqual(s);
      const changed = await store.scheduleUpdate({ ...fields({ cron: '*/5 * * * *', timeZone: 'UTC', overlap: 'queue', catchUp: 'none', enabled: false, nextFireAt: null, params: {} }), id: s.id, now: 20 });
      expect(changed).toMatchObject({ cron: '*/5 * * * *', timeZone: 'UTC', overlap: 'queue', catchUp: 'none', enabled: false, nextFireAt: null, params: {}, createdAt: 10, updatedAt: 20 });
      expect(await store.scheduleUpdate({ ...fields(), id: s.id + 1000, now: 20 })).toBeUndefined();
      // Without nextFireAt the stored next fire stays (a fire may have moved it since the caller read it).
      await store.scheduleUpdate({ ...fields(), id: s.id, nextFireAt: 7_000, now: 21 });
      expect(await store.scheduleUpdate({ ...fields({ cron: '0 3 * * *' }), nextFireAt: undefined, id: s.id, now: 22 })).toMatchObject({ cron: '0 3 * * *', nextFireAt: 7_000, updatedAt: 22 });
      await store.scheduleFireInsert({ scheduleId: s.id, fireAt: 1_000, kind: 'tick', outcome: 'skipped', jobId: null, error: null, now: 1_001 });
      expect(await store.scheduleDelete({ id: s.id })).toBe(true);
      expect(await store.scheduleGetById({ id: s.id })).toBeUndefined();
      expect(await store.scheduleFireList({ scheduleId: s.id, limit: 10 })).toEqual([]);
      expect(await store.scheduleDelete({ id: s.id })).toBe(false);
    });

    it('scheduleList pages by id what a caller sees: everything for a domain admin, else their own and their administered libraries’', async () => {
      const { store } = db;
      const { domain, user, other } = await seed(store);
      const a = await store.scheduleInsert({ ...fields(), domainId: domain.id, createdBy: user.id, now: 1 });
      const b = await store.scheduleInsert({ ...fields({ libraryId: 'ops@example.com' }), domainId: domain.id, createdBy: other.id, now: 1 });
      const c = await store.scheduleInsert({ ...fields({ libraryId: 'hr@example.com' }), domainId: domain.id, createdBy: other.id, now: 1 });
      const foreign = await seedDomain(store, 'other.org');
      await store.scheduleInsert({ ...fields(), domainId: foreign.domain.id, createdBy: foreign.user.id, now: 1 });
      const ids = (rows: Array<{ id: number }>) => rows.map((r) => r.id);
      expect(ids(await store.scheduleList({ visibility: { domainId: domain.id, all: true }, limit: 10 }))).toEqual([a.id, b.id, c.id]);
      expect(ids(await store.scheduleList({ visibility: { domainId: domain.id, all: true }, limit: 2 }))).toEqual([a.id, b.id]);
      expect(ids(await store.scheduleList({ visibility: { domainId: domain.id, all: true }, afterId: b.id, limit: 2 }))).toEqual([c.id]);
      expect(ids(await store.scheduleList({ visibility: { domainId: domain.id, all: false, userId: user.id, adminLibraryIds: [] }, limit: 10 }))).toEqual([a.id]);
      expect(ids(await store.scheduleList({ visibility: { domainId: domain.id, all: false, userId: user.id, adminLibraryIds: ['hr@example.com'] }, limit: 10 }))).toEqual([a.id, c.id]);
      expect(ids(await store.scheduleList({ visibility: { domainId: domain.id, all: true }, libraryId: 'ops@example.com', limit: 10 }))).toEqual([b.id]);
    });

    it('scheduleListDue lists enabled schedules due at `now`, most overdue first; scheduleAdvance moves one only from the next fire it was read with', async () => {
      const { store } = db;
      const { domain, user } = await seed(store);
      const late = await store.scheduleInsert({ ...fields({ nextFireAt: 500 }), domainId: domain.id, createdBy: user.id, now: 1 });
      const due = await store.scheduleInsert({ ...fields({ nextFireAt: 1_000 }), domainId: domain.id, createdBy: user.id, now: 1 });
      await store.scheduleInsert({ ...fields({ nextFireAt: 2_000 }), domainId: domain.id, createdBy: user.id, now: 1 });
      await store.scheduleInsert({ ...fields({ nextFireAt: 100, enabled: false }), domainId: domain.id, createdBy: user.id, now: 1 });
      await store.scheduleInsert({ ...fields({ nextFireAt: null }), domainId: domain.id, createdBy: user.id, now: 1 });
      expect((await store.scheduleListDue({ now: 1_000, limit: 10 })).map((s) => s.id)).toEqual([late.id, due.id]);
      expect((await store.scheduleListDue({ now: 1_000, limit: 1 })).map((s) => s.id)).toEqual([late.id]);

      const advance = { id: due.id, nextFireAt: 3_000, fire: { at: 1_000, outcome: 'started' as const, error: null, jobId: 77 } };
      expect(await store.scheduleAdvance({ ...advance, expectedNextFireAt: 999 })).toBe(false);
      expect(await store.scheduleAdvance({ ...advance, expectedNextFireAt: 1_000 })).toBe(true);
      expect(await store.scheduleAdvance({ ...advance, expectedNextFireAt: 1_000 })).toBe(false);
      expect(await store.scheduleGetById({ id: due.id })).toMatchObject({ nextFireAt: 3_000, lastFireAt: 1_000, lastOutcome: 'started', lastJobId: 77, lastError: null });
      // A skipped or failed fire keeps the job overlap waits for.
      expect(await store.scheduleAdvance({ id: due.id, expectedNextFireAt: 3_000, nextFireAt: 4_000, fire: { at: 3_000, outcome: 'failed', error: 'library gone' } })).toBe(true);
      expect(await store.scheduleGetById({ id: due.id })).toMatchObject({ nextFireAt: 4_000, lastFireAt: 3_000, lastOutcome: 'failed', lastJobId: 77, lastError: 'library gone' });
      // Ticks passed over (catchUp: none) move the next fire only.
      expect(await store.scheduleAdvance({ id: due.id, expectedNextFireAt: 4_000, nextFireAt: 9_000 })).toBe(true);
      expect(await store.scheduleGetById({ id: due.id })).toMatchObject({ nextFireAt: 9_000, lastFireAt: 3_000, lastOutcome: 'failed', lastJobId: 77 });
      expect((await store.scheduleListDue({ now: 1_000, limit: 10 })).map((s) => s.id)).toEqual([late.id]);
      // Run now: records what it did, leaves the next fire alone.
      expect(await store.scheduleRecordRun({ id: due.id, fireAt: 3_500, outcome: 'started', error: null, jobId: 78 })).toBe(true);
      expect(await store.scheduleGetById({ id: due.id })).toMatchObject({ nextFireAt: 9_000, lastFireAt: 3_500, lastOutcome: 'started', lastJobId: 78 });
      expect(await store.scheduleRecordRun({ id: due.id + 1000, fireAt: 3_500, outcome: 'started', error: null })).toBe(false);
    });

    it('scheduleFireInsert records one fire per (schedule, tick): a second is a conflict; scheduleFireSetJob links its job; scheduleFireList pages newest first', async () => {
      const { store } = db;
      const { domain, user } = await seed(store);
      const s = await store.scheduleInsert({ ...fields(), domainId: domain.id, createdBy: user.id, now: 1 });
      const t = await store.scheduleInsert({ ...fields(), domainId: domain.id, createdBy: user.id, now: 1 });
      const first = await store.scheduleFireInsert({ scheduleId: s.id, fireAt: 1_000, kind: 'tick', outcome: 'started', jobId: null, error: null, now: 1_002 });
      expect(first).toEqual({ id: expect.any(Number), scheduleId: s.id, fireAt: 1_000, kind: 'tick', outcome: 'started', jobId: null, error: null, recordedAt: 1_002 });
      await expect(store.scheduleFireInsert({ scheduleId: s.id, fireAt: 1_000, kind: 'tick', outcome: 'skipped', jobId: null, error: null, now: 1_003 })).rejects.toBeInstanceOf(ConflictError);
      await store.scheduleFireInsert({ scheduleId: t.id, fireAt: 1_000, kind: 'tick', outcome: 'skipped', jobId: null, error: null, now: 1_003 });
      await store.scheduleFireSetJob({ id: first.id, jobId: 42 });
      const second = await store.scheduleFireInsert({ scheduleId: s.id, fireAt: 2_000, kind: 'run_now', outcome: 'failed', jobId: null, error: 'no rights', now: 2_001 });
      const third = await store.scheduleFireInsert({ scheduleId: s.id, fireAt: 3_000, kind: 'tick', outcome: 'skipped', jobId: null, error: null, now: 3_001 });
      const page1 = await store.scheduleFireList({ scheduleId: s.id, limit: 2 });
      expect(page1.map((f) => f.id)).toEqual([third.id, second.id]);
      const page2 = await store.scheduleFireList({ scheduleId: s.id, before: { fireAt: second.fireAt, id: second.id }, limit: 2 });
      expect(page2).toEqual([{ ...first, jobId: 42 }]);
      expect(page1[1]).toMatchObject({ kind: 'run_now', outcome: 'failed', error: 'no rights' });
    });
  });
}
