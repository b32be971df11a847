/** Schedule fires (schedule_fires): one row per fired tick, unique per (schedule, fire time); a schedule's history newest first. */
import type { Kysely, Selectable } from 'kysely';
import type { Database, ScheduleFiresTable } from '../schema.js';
import type { FireKind, FireOutcome, ScheduleFire } from '../../domain/schedules.js';

function toFire(row: Selectable<ScheduleFiresTable>): ScheduleFire {
  return {
    id: Number(row.id),
    scheduleId: Number(row.schedule_id),
    fireAt: Number(row.fire_at),
    kind: row.kind,
    outcome: row.outcome,
    jobId: row.job_id === null ? null : Number(row.job_id),
    error: row.error,
    recordedAt: Number(row.recorded_at),
  };
}

/** Records a fire; a second one of the same (schedule, fire time) violates the unique key (the racer that lost). */
export async function scheduleFireInsert(
  db: Kysely<Database>,
  p: { scheduleId: number; fireAt: number; kind: FireKind; outcome: FireOutcome; jobId: number | null; error: string | null; now: number },
): Promise<ScheduleFire> {
  const row = await db
    .insertInto('schedule_fires')
    .values({ schedule_id: p.scheduleId, fire_at: p.fireAt, kind: p.kind, outcome: p.outcome, job_id: p.jobId, error: p.error, recorded_at: p.now })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toFire(row);
}

/** Sets the job a fire started (the fire row goes first, so a racer stops before creating one). */
export async function scheduleFireSetJob(db: Kysely<Database>, p: { id: number; jobId: number }): Promise<void> {
  await db.updateTable('schedule_fires').set({ job_id: p.jobId }).where('id', '=', p.id).execute();
}

/** A page of a schedule's fires, newest tick first (before `before`: the last page's fire time and id). */
export async function scheduleFireList(db: Kysely<Database>, p: { scheduleId: number; before?: { fireAt: number; id: number }; limit: number }): Promise<ScheduleFire[]> {
  let q = db.selectFrom('schedule_fires').selectAll().where('schedule_id', '=', p.scheduleId);
  const before = p.before;
  if (before) q = q.where((eb) => eb.or([eb('fire_at', '<', before.fireAt), eb.and([eb('fire_at', '=', before.fireAt), eb('id', '<', before.id)])]));
  const rows = await q.orderBy('fire_at', 'desc').orderBy('id', 'desc').limit(p.limit).execute();
  return rows.map(toFire);
}
