/** Schedules (schedules): create, read, list a caller's in id order, change, delete; the due ones; advancing one after a fire, only from the next fire it was read with. */
import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database, SchedulesTable } from '../schema.js';
import type { FireOutcome, Schedule, ScheduleCatchUp, ScheduleOverlap } from '../../domain/schedules.js';

const num = (v: number | string | null): number | null => (v === null ? null : Number(v));

export function toSchedule(row: Selectable<SchedulesTable>): Schedule {
  return {
    id: Number(row.id),
    domainId: Number(row.domain_id),
    libraryId: row.library_id,
    type: row.type,
    params: JSON.parse(row.params) as Record<string, unknown>,
    cron: row.cron,
    timeZone: row.time_zone,
    overlap: row.overlap,
    catchUp: row.catch_up,
    enabled: Number(row.enabled) === 1,
    createdBy: Number(row.created_by),
    nextFireAt: num(row.next_fire_at),
    lastFireAt: num(row.last_fire_at),
    lastOutcome: row.last_outcome,
    lastError: row.last_error,
    lastJobId: num(row.last_job_id),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

export interface ScheduleFields {
  libraryId: string;
  type: string;
  params: Record<string, unknown>;
  cron: string;
  timeZone: string;
  overlap: ScheduleOverlap;
  catchUp: ScheduleCatchUp;
  enabled: boolean;
  nextFireAt: number | null;
}

export async function scheduleInsert(db: Kysely<Database>, p: ScheduleFields & { domainId: number; createdBy: number; now: number }): Promise<Schedule> {
  const row = await db
    .insertInto('schedules')
    .values({
      domain_id: p.domainId,
      library_id: p.libraryId,
      type: p.type,
      params: JSON.stringify(p.params),
      cron: p.cron,
      time_zone: p.timeZone,
      overlap: p.overlap,
      catch_up: p.catchUp,
      enabled: p.enabled ? 1 : 0,
      created_by: p.createdBy,
      next_fire_at: p.nextFireAt,
      last_fire_at: null,
      last_outcome: null,
      last_error: null,
      last_job_id: null,
      created_at: p.now,
      updated_at: p.now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toSchedule(row);
}

export async function scheduleGetById(db: Kysely<Database>, p: { id: number }): Promise<Schedule | undefined> {
  const row = await db.selectFrom('schedules').selectAll().where('id', '=', p.id).executeTakeFirst();
  return row ? toSchedule(row) : undefined;
}

/** Who sees which schedules: a domain admin all of the domain's; others those they created and those of libraries they administer. */
export type ScheduleVisibility = { domainId: number; all: true } | { domainId: number; all: false; userId: number; adminLibraryIds: string[] };

/** A page of the schedules a caller sees, by id after `afterId`; optionally one library's. */
export async function scheduleList(
  db: Kysely<Database>,
  p: { visibility: ScheduleVisibility; libraryId?: string; afterId?: number; limit: number },
): Promise<Schedule[]> {
  const v = p.visibility;
  let q = db.selectFrom('schedules').selectAll().where('domain_id', '=', v.domainId);
  if (!v.all) {
    const { userId, adminLibraryIds } = v;
    q = q.where((eb) => (adminLibraryIds.length > 0 ? eb.or([eb('created_by', '=', userId), eb('library_id', 'in', adminLibraryIds)]) : eb('created_by', '=', userId)));
  }
  if (p.libraryId !== undefined) q = q.where('library_id', '=', p.libraryId);
  if (p.afterId !== undefined) q = q.where('id', '>', p.afterId);
  const rows = await q.orderBy('id').limit(p.limit).execute();
  return rows.map(toSchedule);
}

/**
 * Replaces a schedule's definition, and its next fire when `nextFireAt` is given (computed by
 * the caller; left out, the stored one stays, whatever a fire moved it to meanwhile);
 * undefined when there is no such schedule.
 */
export async function scheduleUpdate(
  db: Kysely<Database>,
  p: Omit<ScheduleFields, 'nextFireAt'> & { nextFireAt?: number | null; id: number; now: number },
): Promise<Schedule | undefined> {
  const row = await db
    .updateTable('schedules')
    .set({
      library_id: p.libraryId,
      type: p.type,
      params: JSON.stringify(p.params),
      cron: p.cron,
      time_zone: p.timeZone,
      overlap: p.overlap,
      catch_up: p.catchUp,
      enabled: p.enabled ? 1 : 0,
      ...(p.nextFireAt !== undefined ? { next_fire_at: p.nextFireAt } : {}),
      updated_at: p.now,
    })
    .where('id', '=', p.id)
    .returningAll()
    .executeTakeFirst();
  return row ? toSchedule(row) : undefined;
}

/** Deletes a schedule and its fire history; false when there was none. */
export async function scheduleDelete(db: Kysely<Database>, p: { id: number }): Promise<boolean> {
  await db.deleteFrom('schedule_fires').where('schedule_id', '=', p.id).execute();
  const result = await db.deleteFrom('schedules').where('id', '=', p.id).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** Enabled schedules whose next fire is at or before `now`, the most overdue first. */
export async function scheduleListDue(db: Kysely<Database>, p: { now: number; limit: number }): Promise<Schedule[]> {
  const rows = await db
    .selectFrom('schedules')
    .selectAll()
    // Literal, not bound: the partial index schedules_due (enabled = 1) then serves every plan, generic ones too.
    .where(sql<boolean>`enabled = 1`)
    .where('next_fire_at', 'is not', null)
    .where('next_fire_at', '<=', p.now)
    .orderBy('next_fire_at')
    .orderBy('id')
    .limit(p.limit)
    .execute();
  return rows.map(toSchedule);
}

/**
 * Moves a schedule to its next fire, with what the fire did (`fire`; none when missed ticks
 * are only passed over), only if the schedule still has the next fire it was read with
 * (`expectedNextFireAt`): false when another process (or a PATCH) moved it first. On
 * PostgreSQL the row lock makes a racer wait, then find it moved. A fire's `jobId` replaces
 * `last_job_id` only when given (a skipped or failed fire keeps the job overlap waits for).
 */
export async function scheduleAdvance(
  db: Kysely<Database>,
  p: { id: number; expectedNextFireAt: number; nextFireAt: number | null; fire?: { at: number; outcome: FireOutcome; error: string | null; jobId?: number } },
): Promise<boolean> {
  const fire = p.fire;
  const result = await db
    .updateTable('schedules')
    .set({
      next_fire_at: p.nextFireAt,
      ...(fire ? { last_fire_at: fire.at, last_outcome: fire.outcome, last_error: fire.error } : {}),
      ...(fire?.jobId !== undefined ? { last_job_id: fire.jobId } : {}),
    })
    .where('id', '=', p.id)
    .where('next_fire_at', '=', p.expectedNextFireAt)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** A fire out of the tick order (run now): what it did, its next fire untouched. */
export async function scheduleRecordRun(db: Kysely<Database>, p: { id: number; fireAt: number; outcome: FireOutcome; error: string | null; jobId?: number }): Promise<boolean> {
  const result = await db
    .updateTable('schedules')
    .set({ last_fire_at: p.fireAt, last_outcome: p.outcome, last_error: p.error, ...(p.jobId !== undefined ? { last_job_id: p.jobId } : {}) })
    .where('id', '=', p.id)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}
