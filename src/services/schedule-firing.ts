/**
 * Firing schedules on the clock, in every process that runs an engine (the engine calls
 * `fireDue` on its schedule tick with its own clock). Per due schedule, one transaction
 * records the fire (unique per schedule and tick: of processes racing for a tick, one
 * inserts it, the others find it taken and roll back), creates the job through the same
 * path POST /jobs takes (JobService.createChecked, origin `system`, requested by the
 * schedule's creator and checked with their rights now), and moves the schedule to its next
 * fire only from the next fire it was read with. So a tick fires once whatever the number
 * of processes, and a clock set back never fires a tick again (the next fire only moves
 * forward, and its fire row exists).
 *
 * Which tick: the latest one due. After downtime (or a clock jump forward), `catchUp: once`
 * fires that one only; `none` fires it only within MISFIRE_GRACE_MS of its time, and passes
 * over it otherwise. `overlap: skip` records the fire skipped while the schedule's last job
 * has not ended. A fire whose job cannot be created (the library deleted, the creator's
 * rights gone, params a type no longer accepts) is recorded failed with the reason; the
 * schedule still moves on. Each recorded fire is a `schedule.fired` webhook event, written in
 * the fire's transaction (scheduleFiredEvent).
 */
import type { Logger } from 'pino';
import type { Store } from '../store/store.js';
import type { Principal } from '../domain/types.js';
import { BatchyardError, ConflictError, NotFoundError } from '../domain/errors.js';
import { isActive } from '../domain/jobs.js';
import { latestTickAtOrBefore, nextTick, parseCron, type FireOutcome, type Schedule } from '../domain/schedules.js';
import type { CheckedSubmission, JobService } from './job-service.js';
import { recordWebhookEvent } from '../jobs/webhook-events.js';

/** How late a tick may be seen and still fire with `catchUp: none` (the engine looks every second or so). */
export const MISFIRE_GRACE_MS = 60_000;
/** How many due schedules one pass takes (the next pass takes the rest). */
const DUE_BATCH = 100;

export type FireResult =
  | { scheduleId: number; fired: true; fireAt: number; outcome: FireOutcome; jobId: number | null; error: string | null }
  | { scheduleId: number; fired: false; reason: 'passed_over' | 'lost_race' };

/** Thrown inside the fire's transaction to roll it back when another process moved the schedule first. */
class LostRace extends Error {}

export class ScheduleFiring {
  constructor(
    private readonly store: Store,
    private readonly jobs: JobService,
    private readonly logger?: Logger,
  ) {}

  /** Fires every schedule due at `now`; returns what each did. A schedule that fails on a transient error is left for the next pass. */
  async fireDue(now: number): Promise<FireResult[]> {
    const results: FireResult[] = [];
    for (const schedule of await this.store.scheduleListDue({ now, limit: DUE_BATCH })) {
      try {
        results.push(await this.fireOne(schedule, now));
      } catch (error) {
        this.logger?.warn({ err: error, scheduleId: schedule.id }, 'firing a schedule failed; the next pass tries again');
      }
    }
    const fired = results.filter((r) => r.fired);
    if (fired.length > 0) this.logger?.info({ fired: fired.length }, 'fired schedules');
    return results;
  }

  async fireOne(schedule: Schedule, now: number): Promise<FireResult> {
    const expected = schedule.nextFireAt;
    if (expected === null) return { scheduleId: schedule.id, fired: false, reason: 'lost_race' };
    let latest = expected;
    let next: number | null;
    try {
      const cron = parseCron(schedule.cron, schedule.timeZone);
      latest = latestTickAtOrBefore(cron, now, expected) ?? expected;
      next = nextTick(cron, Math.max(latest, now));
    } catch (error) {
      // An expression this runtime cannot read any more (a time zone gone from its data): recorded, and no next fire.
      return this.record(schedule, expected, latest, null, { outcome: 'failed', error: messageOf(error) }, now);
    }
    if (schedule.catchUp === 'none' && now - latest > MISFIRE_GRACE_MS) {
      const moved = await this.store.scheduleAdvance({ id: schedule.id, expectedNextFireAt: expected, nextFireAt: next });
      return { scheduleId: schedule.id, fired: false, reason: moved ? 'passed_over' : 'lost_race' };
    }
    return this.record(schedule, expected, latest, next, await this.decide(schedule), now);
  }

  /** Outside the transaction: skip (overlap), fail (with the reason), or a checked submission to start. */
  private async decide(schedule: Schedule): Promise<{ outcome: 'skipped' | 'failed'; error: string } | { outcome: 'started'; checked: CheckedSubmission }> {
    if (schedule.overlap === 'skip' && schedule.lastJobId !== null) {
      const last = await this.store.jobGetById(schedule.lastJobId);
      if (last && isActive(last.status)) return { outcome: 'skipped', error: `job ${last.id} of this schedule is still ${last.status} (overlap: skip)` };
    }
    try {
      const caller = await this.creatorOf(schedule);
      const checked = await this.jobs.checkSubmission(caller, { type: schedule.type, libraryId: schedule.libraryId, params: schedule.params });
      return { outcome: 'started', checked };
    } catch (error) {
      // A busy database is retried by the next pass; anything else is the fire's outcome (a
      // refusal, or a fault the next pass would meet again: recorded once, not logged each second).
      if (this.store.isTransient(error) || (error instanceof BatchyardError && error.transient)) throw error;
      return { outcome: 'failed', error: messageOf(error) };
    }
  }

  private async record(
    schedule: Schedule,
    expected: number,
    fireAt: number,
    next: number | null,
    decision: { outcome: 'skipped' | 'failed'; error: string } | { outcome: 'started'; checked: CheckedSubmission },
    now: number,
  ): Promise<FireResult> {
    try {
      return await this.store.transaction(async (tx) => {
        const error = decision.outcome === 'started' ? null : decision.error;
        const fire = await tx.scheduleFireInsert({ scheduleId: schedule.id, fireAt, kind: 'tick', outcome: decision.outcome, jobId: null, error, now });
        let jobId: number | undefined;
        if (decision.outcome === 'started') {
          jobId = (await this.jobs.createChecked(tx, decision.checked, 'system')).id;
          await tx.scheduleFireSetJob({ id: fire.id, jobId });
        }
        const moved = await tx.scheduleAdvance({ id: schedule.id, expectedNextFireAt: expected, nextFireAt: next, fire: { at: fireAt, outcome: decision.outcome, error, jobId } });
        if (!moved) throw new LostRace();
        await scheduleFiredEvent(tx, schedule, { fireAt, kind: 'tick', outcome: decision.outcome, jobId: jobId ?? null, error }, now);
        return { scheduleId: schedule.id, fired: true as const, fireAt, outcome: decision.outcome, jobId: jobId ?? null, error };
      });
    } catch (error) {
      if (error instanceof LostRace) return { scheduleId: schedule.id, fired: false, reason: 'lost_race' };
      if (!(error instanceof ConflictError)) throw error;
      // This tick has a fire already (another process's, or one before a clock went back): only move on.
      await this.store.scheduleAdvance({ id: schedule.id, expectedNextFireAt: expected, nextFireAt: next });
      return { scheduleId: schedule.id, fired: false, reason: 'lost_race' };
    }
  }

  private async creatorOf(schedule: Schedule): Promise<Principal> {
    const user = await this.store.userGetById(schedule.createdBy);
    const domain = user ? await this.store.domainGetById(user.domainId) : undefined;
    if (!user || !domain || user.domainId !== schedule.domainId) throw new NotFoundError(`the schedule's creator (user ${schedule.createdBy}) no longer exists`);
    return { user, domain, tokenId: `schedule:${schedule.id}` };
  }
}

/** Records the `schedule.fired` webhook event of a fire in its transaction (for the domain's webhooks that listen to it). */
export async function scheduleFiredEvent(
  tx: Store,
  schedule: Schedule,
  fire: { fireAt: number; kind: 'tick' | 'run_now'; outcome: FireOutcome; jobId: number | null; error: string | null },
  now: number,
): Promise<void> {
  await recordWebhookEvent(tx, {
    domainId: schedule.domainId,
    type: 'schedule.fired',
    data: {
      scheduleId: schedule.id,
      libraryId: schedule.libraryId,
      type: schedule.type,
      fireAt: new Date(fire.fireAt).toISOString(),
      kind: fire.kind,
      outcome: fire.outcome,
      jobId: fire.jobId,
      error: fire.error,
    },
    now,
  });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
