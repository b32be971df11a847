/**
 * Firing schedules, on every driver, with a clock the test moves: one fire per tick, the
 * latest missed tick once after downtime (catchUp once) or none, overlap skip and queue, a
 * clock set back or forward, a deleted library (the fire recorded failed, the schedule
 * moving on), disabled schedules; the next five fires across daylight-saving changes; and
 * on PostgreSQL two engines with their own connections racing for the same ticks. No sleeps
 * as synchronisation: firing is called with the instant to fire at, and engines are watched
 * until they have made their passes.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { driverFactories, TEST_DATABASE_URL } from '../support/drivers.js';
import { engineFixture, FAST_ENGINE, type EngineFixture } from '../support/engine.js';
import { ScheduleService, type ScheduleInput } from '../../src/services/schedule-service.js';
import { MISFIRE_GRACE_MS, ScheduleFiring } from '../../src/services/schedule-firing.js';
import { openApp, startEngine, type App } from '../../src/app.js';
import { createPostgresDriver } from '../../src/store/drivers/postgres/postgres-driver.js';
import type { Engine } from '../../src/engine/engine.js';

const factories = await driverFactories();
const at = (iso: string) => Date.parse(iso);
const HOUR = 3_600_000;

/** Polls `check` (a database read) until it holds: waiting on a condition, not on time. */
async function until(check: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A firer that counts its passes, so a test can wait for an engine to have looked N times. */
function counted(firing: ScheduleFiring) {
  const counter = { passes: 0, fireDue: async (now: number) => {
    const result = await firing.fireDue(now);
    counter.passes++;
    return result;
  } };
  return counter;
}

for (const factory of factories) {
  describe(`schedule firing on ${factory.name}`, () => {
    let f: EngineFixture;
    let libraryId: string;
    let now: number;
    let schedules: ScheduleService;
    let firing: ScheduleFiring;
    beforeEach(async () => {
      f = await engineFixture(factory);
      libraryId = await f.library('docs');
      now = at('2030-01-01T00:00:00Z');
      schedules = new ScheduleService(f.app.store, f.app.jobs, { minIntervalMs: 60_000 }, () => now);
      firing = new ScheduleFiring(f.app.store, f.app.jobs);
    });
    afterEach(async () => {
      await f.dispose();
    });

    const hourly = (over: Partial<ScheduleInput> = {}) => schedules.create(f.admin, { libraryId, type: 'report', params: { format: 'csv' }, cron: '0 * * * *', timeZone: 'UTC', ...over });
    const firesOf = async (id: number) => (await f.app.store.scheduleFireList({ scheduleId: id, limit: 100 })).reverse();
    const jobCount = async () => Number((await f.app.driver.db.selectFrom('jobs').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

    it('fires a due tick once, as a system job of the schedule’s creator, and moves to the next tick', async () => {
      const { schedule } = await hourly();
      expect(schedule.nextFireAt).toBe(at('2030-01-01T01:00:00Z'));
      expect(await firing.fireDue(at('2030-01-01T00:59:59Z'))).toEqual([]);
      const [result] = await firing.fireDue(at('2030-01-01T01:00:00.400Z'));
      expect(result).toMatchObject({ scheduleId: schedule.id, fired: true, fireAt: at('2030-01-01T01:00:00Z'), outcome: 'started', error: null });
      const jobId = result!.fired ? result!.jobId! : 0;
      const job = (await f.app.store.jobGetById(jobId))!;
      expect(job).toMatchObject({ type: 'report', libraryId, origin: 'system', requestorId: f.admin.user.id, params: { format: 'csv', kind: 'inventory' } });
      expect(await f.app.store.scheduleGetById({ id: schedule.id })).toMatchObject({ nextFireAt: at('2030-01-01T02:00:00Z'), lastFireAt: at('2030-01-01T01:00:00Z'), lastOutcome: 'started', lastJobId: jobId });
      // The same instant again, or a little later: nothing more is due.
      expect(await firing.fireDue(at('2030-01-01T01:00:00.400Z'))).toEqual([]);
      expect(await firing.fireDue(at('2030-01-01T01:30:00Z'))).toEqual([]);
      expect((await firesOf(schedule.id)).map((x) => [x.fireAt, x.kind, x.outcome, x.jobId])).toEqual([[at('2030-01-01T01:00:00Z'), 'tick', 'started', jobId]]);
      expect(await jobCount()).toBe(1);
      // The job runs like any other.
      await f.startEngine({ scheduleTickMs: 0 });
      expect((await f.waitFor(jobId)).status).toBe('completed');
    });

    it('after downtime fires the latest missed tick once (catchUp: once), or passes over them (catchUp: none) and fires the next on time', async () => {
      const once = (await hourly()).schedule;
      const none = (await hourly({ catchUp: 'none' })).schedule;
      const results = await firing.fireDue(at('2030-01-01T05:30:00Z'));
      expect(results).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ scheduleId: once.id, fired: true, fireAt: at('2030-01-01T05:00:00Z'), outcome: 'started' }),
          { scheduleId: none.id, fired: false, reason: 'passed_over' },
        ]),
      );
      expect((await firesOf(once.id)).map((x) => x.fireAt)).toEqual([at('2030-01-01T05:00:00Z')]);
      expect(await firesOf(none.id)).toEqual([]);
      for (const id of [once.id, none.id]) expect((await f.app.store.scheduleGetById({ id }))!.nextFireAt).toBe(at('2030-01-01T06:00:00Z'));
      // A tick seen within the grace fires even with catchUp: none.
      await firing.fireDue(at('2030-01-01T06:00:00Z') + MISFIRE_GRACE_MS / 2);
      expect((await firesOf(none.id)).map((x) => x.fireAt)).toEqual([at('2030-01-01T06:00:00Z')]);
      // (The other's 06:00 tick is skipped: its 05:00 job has not run, no engine runs here.)
      expect((await firesOf(once.id)).map((x) => x.outcome)).toEqual(['started', 'skipped']);
      expect(await jobCount()).toBe(2);
    });

    it('overlap: skip records a fire skipped while the last job has not ended; queue starts another', async () => {
      const skip = (await hourly()).schedule;
      const queue = (await hourly({ overlap: 'queue' })).schedule;
      await firing.fireDue(at('2030-01-01T01:00:00Z'));
      const second = await firing.fireDue(at('2030-01-01T02:00:00Z'));
      const firstJob = (await firesOf(skip.id))[0]!.jobId!;
      expect(second).toEqual(
        expect.arrayContaining([
          { scheduleId: skip.id, fired: true, fireAt: at('2030-01-01T02:00:00Z'), outcome: 'skipped', jobId: null, error: `job ${firstJob} of this schedule is still queued (overlap: skip)` },
          expect.objectContaining({ scheduleId: queue.id, fired: true, outcome: 'started' }),
        ]),
      );
      expect((await firesOf(queue.id)).map((x) => x.outcome)).toEqual(['started', 'started']);
      // The skipped fire keeps the job it waits for; once that job has ended the next tick starts one.
      expect((await f.app.store.scheduleGetById({ id: skip.id }))!.lastJobId).toBe(firstJob);
      await f.startEngine({ scheduleTickMs: 0 });
      await f.waitFor(firstJob);
      const third = await firing.fireDue(at('2030-01-01T03:00:00Z'));
      expect(third.find((r) => r.scheduleId === skip.id)).toMatchObject({ fired: true, outcome: 'started' });
      expect((await firesOf(skip.id)).map((x) => x.outcome)).toEqual(['started', 'skipped', 'started']);
    });

    it('a clock set back never fires a tick twice, even when the schedule is changed meanwhile; a clock set forward fires once, as after downtime', async () => {
      const { schedule } = await hourly();
      await firing.fireDue(at('2030-01-01T01:00:05Z'));
      // Back an hour and a half, then forward past the tick already fired.
      for (const t of ['2029-12-31T23:30:00Z', '2030-01-01T00:59:59Z', '2030-01-01T01:00:00Z', '2030-01-01T01:59:00Z']) expect(await firing.fireDue(at(t))).toEqual([]);
      // Changed while the clock is behind: its next fire never goes back to a fired tick.
      now = at('2030-01-01T00:10:00Z');
      const changed = await schedules.update(f.admin, schedule.id, { cron: '0 */1 * * *' });
      expect(changed.schedule.nextFireAt).toBe(at('2030-01-01T02:00:00Z'));
      expect(await firing.fireDue(at('2030-01-01T01:00:00Z'))).toEqual([]);
      // Forward nine hours: one fire, the latest tick.
      const jumped = await firing.fireDue(at('2030-01-01T10:15:00Z'));
      expect(jumped).toEqual([expect.objectContaining({ fired: true, fireAt: at('2030-01-01T10:00:00Z') })]);
      expect((await firesOf(schedule.id)).map((x) => x.fireAt)).toEqual([at('2030-01-01T01:00:00Z'), at('2030-01-01T10:00:00Z')]);
      expect(changed.nextFires).toEqual([2, 3, 4, 5, 6].map((h) => at(`2030-01-01T0${h}:00:00Z`)));
    });

    it('records a fire failed when the library was deleted, and keeps moving; a disabled schedule never fires', async () => {
      const gone = (await hourly()).schedule;
      const otherLibrary = await f.library('other');
      const off = (await hourly({ libraryId: otherLibrary, enabled: false })).schedule;
      expect(off.nextFireAt).not.toBeNull();
      await f.app.libraries.delete(f.admin, libraryId);
      const [result] = await firing.fireDue(at('2030-01-01T01:00:00Z'));
      expect(result).toMatchObject({ scheduleId: gone.id, fired: true, outcome: 'failed', jobId: null });
      expect(result!.fired && result!.error).toMatch(/library .* not found|DELETING|being deleted/i);
      expect(await f.app.store.scheduleGetById({ id: gone.id })).toMatchObject({ nextFireAt: at('2030-01-01T02:00:00Z'), lastOutcome: 'failed', lastJobId: null });
      expect((await schedules.get(f.admin, gone.id)).nextFires).toHaveLength(5);
      const [again] = await firing.fireDue(at('2030-01-01T02:00:00Z'));
      expect(again).toMatchObject({ scheduleId: gone.id, outcome: 'failed' });
      expect((await firesOf(gone.id)).map((x) => x.outcome)).toEqual(['failed', 'failed']);
      expect(await firesOf(off.id)).toEqual([]);
      expect(await jobCount()).toBe(0);
    });

    it('records a schedule.fired webhook event with each fire, in the fire’s transaction (a run now too)', async () => {
      const domainId = f.admin.user.domainId;
      await f.app.store.webhookCreate({ domainId, url: 'https://hooks.example.com/in', events: ['schedule.fired'], secret: 'whsec_' + 'A'.repeat(32), enabled: true, createdBy: null, now: 1 });
      const { schedule } = await hourly();
      await firing.fireDue(at('2030-01-01T01:00:00Z'));
      await firing.fireDue(at('2030-01-01T02:00:00Z'));
      const rows = await f.app.driver.db.selectFrom('webhook_deliveries').select(['event_type', 'payload']).orderBy('created_at').execute();
      const data = rows.map((r) => (JSON.parse(r.payload) as { type: string; data: Record<string, unknown> }));
      const jobId = (await firesOf(schedule.id))[0]!.jobId;
      expect(rows.map((r) => r.event_type)).toEqual(['schedule.fired', 'schedule.fired']);
      expect(data.map((d) => d.data)).toEqual([
        { scheduleId: schedule.id, libraryId, type: 'report', fireAt: '2030-01-01T01:00:00.000Z', kind: 'tick', outcome: 'started', jobId, error: null },
        { scheduleId: schedule.id, libraryId, type: 'report', fireAt: '2030-01-01T02:00:00.000Z', kind: 'tick', outcome: 'skipped', jobId: null, error: expect.stringContaining('overlap: skip') },
      ]);
      await schedules.update(f.admin, schedule.id, { overlap: 'queue' });
      const run = await schedules.runNow(f.admin, schedule.id);
      const last = await f.app.driver.db.selectFrom('webhook_deliveries').select('payload').execute();
      expect(last).toHaveLength(3);
      expect(last.map((r) => (JSON.parse(r.payload) as { data: { kind: string; jobId: number } }).data).find((d) => d.kind === 'run_now')).toMatchObject({ jobId: run.job.id, outcome: 'started' });
    });

    it('gives the next five fires in a zone with daylight saving as croner reads them: a skipped hour fires at the next valid time, a repeated one once', async () => {
      now = at('2026-03-27T12:00:00Z');
      const spring = await schedules.create(f.admin, { libraryId, type: 'report', params: { format: 'csv' }, cron: '30 2 * * *', timeZone: 'Europe/Berlin' });
      expect(spring.nextFires).toEqual(['2026-03-28T01:30:00Z', '2026-03-29T01:00:00Z', '2026-03-30T00:30:00Z', '2026-03-31T00:30:00Z', '2026-04-01T00:30:00Z'].map(at));
      now = at('2026-10-30T12:00:00Z');
      const autumn = await schedules.create(f.admin, { libraryId, type: 'report', params: { format: 'csv' }, cron: '30 1 * * *', timeZone: 'America/New_York' });
      expect(autumn.nextFires).toEqual(['2026-10-31T05:30:00Z', '2026-11-01T05:30:00Z', '2026-11-02T06:30:00Z', '2026-11-03T06:30:00Z', '2026-11-04T06:30:00Z'].map(at));
      // Firing across the repeated hour: one fire for 1 November.
      await firing.fireDue(at('2026-11-01T05:30:00Z'));
      await firing.fireDue(at('2026-11-01T06:30:00Z'));
      expect((await firesOf(autumn.schedule.id)).map((x) => new Date(x.fireAt).toISOString())).toEqual(['2026-11-01T05:30:00.000Z']);
      expect((await f.app.store.scheduleGetById({ id: autumn.schedule.id }))!.nextFireAt).toBe(at('2026-11-02T06:30:00Z'));
    });

    it('a schedule due while no engine ran fires once when one starts, and not again when another starts', async () => {
      now = Date.now() - 5 * HOUR;
      const { schedule } = await hourly();
      const first = counted(f.app.scheduleFiring);
      const engine = await f.startEngine({ schedules: first, scheduleTickMs: 20 });
      await until(async () => first.passes >= 3, 'three passes of the first engine');
      await engine.stop();
      const fires = await firesOf(schedule.id);
      expect(fires).toHaveLength(1);
      expect(fires[0]!.fireAt).toBeLessThanOrEqual(Date.now());
      expect(fires[0]!.fireAt).toBeGreaterThan(Date.now() - HOUR);
      const second = counted(f.app.scheduleFiring);
      await f.startEngine({ schedules: second, scheduleTickMs: 20 });
      await until(async () => second.passes >= 3, 'three passes of the second engine');
      expect(await firesOf(schedule.id)).toEqual(fires);
      expect(await jobCount()).toBe(1);
    });

    it.runIf(factory.name === 'postgres')('two engines on their own connections racing for the same ticks fire each exactly once', async () => {
      const { rows } = await sql<{ schema: string }>`SELECT current_schema() AS schema`.execute(f.app.driver.db);
      const driver = await createPostgresDriver({ connectionString: TEST_DATABASE_URL, schema: rows[0]!.schema, poolSize: 4 });
      const other: App = await openApp(f.app.config, { driver });
      const engines: Engine[] = [];
      try {
        now = Date.now() - 3 * HOUR;
        const ids: number[] = [];
        for (let i = 0; i < 8; i++) ids.push((await hourly({ overlap: 'queue' })).schedule.id);
        // Both engines see the same instant, so both find every schedule due at once.
        const instant = Date.now();
        const a = counted(f.app.scheduleFiring);
        const b = counted(other.scheduleFiring);
        engines.push(await startEngine(f.app, { ...FAST_ENGINE, concurrency: 1, schedules: a, scheduleTickMs: 5, now: () => instant }));
        engines.push(await startEngine(other, { ...FAST_ENGINE, concurrency: 1, schedules: b, scheduleTickMs: 5, now: () => instant }));
        // Direct races too: the two firings called at the same moment for the same ticks.
        await Promise.all([f.app.scheduleFiring.fireDue(instant), other.scheduleFiring.fireDue(instant)]);
        await until(async () => a.passes >= 5 && b.passes >= 5, 'five passes of each engine');
        for (const id of ids) expect(await firesOf(id), `schedule ${id}`).toHaveLength(1);
        expect(await jobCount()).toBe(ids.length);
      } finally {
        for (const engine of engines) await engine.stop();
        await other.close();
      }
    });
  });
}
