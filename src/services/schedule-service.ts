/**
 * Schedules as callers see them: create, read, list, change, delete, run now, and the fire
 * history. A definition is checked as a job submission of its type on its library would be
 * (JobService.checkSubmission: the params by the type's schema, the caller's rights), and its
 * cron by the rules of domain/schedules.ts (a known zone, fires at all, never more often than
 * the configured minimum). Visibility follows the jobs': a domain admin sees the domain's
 * schedules, a library ADMIN that library's, others those they created. Firing on the clock is
 * ScheduleFiring's (schedule-firing.ts), run by every engine. A run now is a fire too: recorded,
 * and a `schedule.fired` webhook event.
 */
import type { Store } from '../store/store.js';
import type { Principal } from '../domain/types.js';
import type { ScheduleVisibility } from '../store/queries/schedules.js';
import { ConflictError, InvalidArgumentError, NotFoundError } from '../domain/errors.js';
import { isDomainAdmin } from '../domain/user-rules.js';
import { isActive } from '../domain/jobs.js';
import { decodeCursor, encodeCursor } from '../domain/cursor.js';
import {
  checkCronDensity,
  nextTick,
  nextTicks,
  parseCron,
  type Schedule,
  type ScheduleCatchUp,
  type ScheduleFire,
  type ScheduleOverlap,
} from '../domain/schedules.js';
import type { JobService, JobWithRequestor } from './job-service.js';
import { systemClock, type Clock } from './clock.js';
import { scheduleFiredEvent } from './schedule-firing.js';

export interface ScheduleInput {
  libraryId: string;
  type: string;
  params?: Record<string, unknown>;
  cron: string;
  timeZone: string;
  overlap?: ScheduleOverlap;
  catchUp?: ScheduleCatchUp;
  enabled?: boolean;
}

export type SchedulePatch = Partial<ScheduleInput>;

/** A schedule with its next five fires (none while disabled). */
export interface ScheduleView {
  schedule: Schedule;
  nextFires: number[];
}

export const NEXT_FIRES_SHOWN = 5;

export class ScheduleService {
  constructor(
    private readonly store: Store,
    private readonly jobs: JobService,
    private readonly options: { minIntervalMs: number },
    private readonly clock: Clock = systemClock,
  ) {}

  async create(caller: Principal, input: ScheduleInput): Promise<ScheduleView> {
    const now = this.clock();
    const def = { overlap: 'skip' as const, catchUp: 'once' as const, enabled: true, params: {}, ...input };
    const cron = this.checkCron(def.cron, def.timeZone, now);
    const checked = await this.jobs.checkSubmission(caller, { type: def.type, libraryId: def.libraryId, params: def.params });
    const schedule = await this.store.scheduleInsert({
      domainId: checked.domainId,
      libraryId: checked.libraryId,
      type: def.type,
      params: checked.params,
      cron: def.cron.trim(),
      timeZone: def.timeZone,
      overlap: def.overlap,
      catchUp: def.catchUp,
      enabled: def.enabled,
      nextFireAt: nextTick(cron, now),
      createdBy: caller.user.id,
      now,
    });
    return this.view(schedule);
  }

  async get(caller: Principal, id: number): Promise<ScheduleView> {
    return this.view(await this.visible(caller, id));
  }

  async list(caller: Principal, q: { libraryId?: string; limit: number; cursor?: string }): Promise<{ schedules: ScheduleView[]; nextCursor: string | null }> {
    const afterId = q.cursor === undefined ? undefined : decodeCursor('schedules', q.cursor, { id: 'number' }).id;
    const rows = await this.store.scheduleList({ visibility: await this.visibilityOf(caller), libraryId: q.libraryId, afterId, limit: q.limit + 1 });
    const page = rows.slice(0, q.limit);
    const last = page.at(-1);
    return { schedules: page.map((s) => this.view(s)), nextCursor: rows.length > q.limit && last ? encodeCursor('schedules', { id: last.id }) : null };
  }

  /** Changes what PATCH names; the result is checked whole, with the caller's rights, as a new schedule would be. */
  async update(caller: Principal, id: number, patch: SchedulePatch): Promise<ScheduleView> {
    const current = await this.visible(caller, id);
    const now = this.clock();
    const def = {
      libraryId: patch.libraryId ?? current.libraryId,
      type: patch.type ?? current.type,
      // A new type brings its own params: the old ones belong to the old type.
      params: patch.params ?? (patch.type !== undefined && patch.type !== current.type ? {} : current.params),
      cron: (patch.cron ?? current.cron).trim(),
      timeZone: patch.timeZone ?? current.timeZone,
      overlap: patch.overlap ?? current.overlap,
      catchUp: patch.catchUp ?? current.catchUp,
      enabled: patch.enabled ?? current.enabled,
    };
    const cron = this.checkCron(def.cron, def.timeZone, now);
    const checked = await this.jobs.checkSubmission(caller, { type: def.type, libraryId: def.libraryId, params: def.params });
    // The next fire moves only when the times it fires change (or it is switched on): from now, and never to a tick it fired already.
    const retimed = def.cron !== current.cron || def.timeZone !== current.timeZone || (def.enabled && !current.enabled);
    const nextFireAt = retimed ? nextTick(cron, Math.max(now, current.lastFireAt ?? now)) : undefined;
    const updated = await this.store.scheduleUpdate({ ...def, libraryId: checked.libraryId, params: checked.params, nextFireAt, id, now });
    if (!updated) throw new NotFoundError(`schedule ${id} not found`, { id });
    return this.view(updated);
  }

  async delete(caller: Principal, id: number): Promise<void> {
    await this.visible(caller, id);
    await this.store.transaction((tx) => tx.scheduleDelete({ id }));
  }

  /**
   * Starts the schedule's job now, as the caller (their rights, their name as requestor),
   * recorded as a `run_now` fire; the next tick stays. With `overlap: skip` a job of the
   * schedule still running is a 409.
   */
  async runNow(caller: Principal, id: number): Promise<JobWithRequestor> {
    const schedule = await this.visible(caller, id);
    if (schedule.overlap === 'skip' && schedule.lastJobId !== null) {
      const last = await this.store.jobGetById(schedule.lastJobId);
      if (last && isActive(last.status)) throw new ConflictError(`schedule ${id}: its job ${last.id} is still ${last.status} (overlap: skip)`, { jobId: last.id });
    }
    const checked = await this.jobs.checkSubmission(caller, { type: schedule.type, libraryId: schedule.libraryId, params: schedule.params });
    const job = await this.store.transaction(async (tx) => {
      const created = await this.jobs.createChecked(tx, checked, isDomainAdmin(caller.user) ? 'admin' : 'self_service');
      const at = this.clock();
      await tx.scheduleFireInsert({ scheduleId: id, fireAt: at, kind: 'run_now', outcome: 'started', jobId: created.id, error: null, now: at });
      await tx.scheduleRecordRun({ id, fireAt: at, outcome: 'started', error: null, jobId: created.id });
      await scheduleFiredEvent(tx, schedule, { fireAt: at, kind: 'run_now', outcome: 'started', jobId: created.id, error: null }, at);
      return created;
    });
    return { job, requestor: caller.user };
  }

  /** A page of the schedule's fires, newest first. */
  async fires(caller: Principal, id: number, q: { limit: number; cursor?: string }): Promise<{ fires: ScheduleFire[]; nextCursor: string | null }> {
    await this.visible(caller, id);
    const tag = `fires:${id}`;
    const before = q.cursor === undefined ? undefined : decodeCursor(tag, q.cursor, { fireAt: 'number', id: 'number' });
    const rows = await this.store.scheduleFireList({ scheduleId: id, before, limit: q.limit + 1 });
    const page = rows.slice(0, q.limit);
    const last = page.at(-1);
    return { fires: page, nextCursor: rows.length > q.limit && last ? encodeCursor(tag, { fireAt: last.fireAt, id: last.id }) : null };
  }

  view(schedule: Schedule): ScheduleView {
    const { nextFireAt } = schedule;
    if (!schedule.enabled || nextFireAt === null) return { schedule, nextFires: [] };
    const cron = parseCron(schedule.cron, schedule.timeZone);
    return { schedule, nextFires: [nextFireAt, ...nextTicks(cron, nextFireAt, NEXT_FIRES_SHOWN - 1)] };
  }

  private checkCron(expression: string, timeZone: string, now: number) {
    if (expression.trim().length === 0) throw new InvalidArgumentError('cron: must not be empty', { field: 'cron' });
    const cron = parseCron(expression, timeZone);
    checkCronDensity(cron, now, this.options.minIntervalMs);
    return cron;
  }

  private async visible(caller: Principal, id: number): Promise<Schedule> {
    const schedule = await this.store.scheduleGetById({ id });
    if (!schedule || !(await this.canSee(caller, schedule))) throw new NotFoundError(`schedule ${id} not found`, { id });
    return schedule;
  }

  private async canSee(caller: Principal, s: Schedule): Promise<boolean> {
    if (s.domainId !== caller.user.domainId) return false;
    if (isDomainAdmin(caller.user) || s.createdBy === caller.user.id) return true;
    return (await this.store.libraryRoleOf({ libraryId: s.libraryId, email: caller.user.email, domainName: caller.domain.name })) === 'ADMIN';
  }

  private async visibilityOf(caller: Principal): Promise<ScheduleVisibility> {
    if (isDomainAdmin(caller.user)) return { domainId: caller.user.domainId, all: true };
    const adminLibraryIds = await this.store.libraryIdsAdministeredBy({ email: caller.user.email, domainName: caller.domain.name, domainId: caller.user.domainId });
    return { domainId: caller.user.domainId, all: false, userId: caller.user.id, adminLibraryIds };
  }
}
