/** Schemas for schedules: a job type, params and library fired by a cron expression in a time zone. */
import { Type } from '@sinclair/typebox';
import { LibraryIdParams, NextCursor } from './common.js';
import { FIRE_OUTCOMES, MAX_CRON_LENGTH, SCHEDULE_CATCH_UPS, SCHEDULE_OVERLAPS, type FireOutcome, type ScheduleCatchUp, type ScheduleOverlap } from '../../domain/schedules.js';

function StringEnum<T extends string>(values: readonly T[], description?: string) {
  return Type.Unsafe<T>({ type: 'string', enum: [...values], ...(description ? { description } : {}) });
}

const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()]);

const fields = {
  libraryId: LibraryIdParams.properties.libraryId,
  type: Type.String({ minLength: 1, maxLength: 64, description: 'The job type each fire submits (e.g. report, empty_trash).', examples: ['report'] }),
  params: Type.Record(Type.String(), Type.Unknown(), { description: 'The job’s params, checked by its type’s schema as POST /jobs checks them.' }),
  cron: Type.String({
    minLength: 1,
    maxLength: MAX_CRON_LENGTH,
    description: 'Five fields (minute hour day-of-month month day-of-week), or six with seconds first. Refused (422) if it never fires or fires more often than BATCHYARD_SCHEDULE_MIN_INTERVAL.',
    examples: ['0 2 * * *'],
  }),
  timeZone: Type.String({ minLength: 1, maxLength: 64, description: 'An IANA time zone (Europe/Paris, America/New_York, UTC): the cron is read in it, daylight saving included.' }),
  overlap: StringEnum<ScheduleOverlap>(SCHEDULE_OVERLAPS, 'skip (default): a fire while the schedule’s last job runs is recorded skipped; queue: it starts another job.'),
  catchUp: StringEnum<ScheduleCatchUp>(SCHEDULE_CATCH_UPS, 'once (default): after downtime the latest missed tick fires, once; none: missed ticks are passed over.'),
  enabled: Type.Boolean({ description: 'A disabled schedule never fires (default true).' }),
};

export const ScheduleInput = Type.Object(
  {
    libraryId: fields.libraryId,
    type: fields.type,
    params: Type.Optional(fields.params),
    cron: fields.cron,
    timeZone: fields.timeZone,
    overlap: Type.Optional(fields.overlap),
    catchUp: Type.Optional(fields.catchUp),
    enabled: Type.Optional(fields.enabled),
  },
  { additionalProperties: false },
);

export const SchedulePatchInput = Type.Partial(Type.Object(fields), {
  additionalProperties: false,
  minProperties: 1,
  description: 'The fields to change; the result is checked whole, with your rights, as a new schedule would be.',
});

export const FireBody = Type.Object({
  id: Type.Integer(),
  fireAt: Type.String({ format: 'date-time', description: 'The tick (or the moment of a run now).' }),
  kind: StringEnum<'tick' | 'run_now'>(['tick', 'run_now']),
  outcome: StringEnum<FireOutcome>(FIRE_OUTCOMES),
  jobId: Type.Union([Type.Integer(), Type.Null()]),
  error: Nullable(Type.String()),
  recordedAt: Type.String({ format: 'date-time' }),
});

export const ScheduleBody = Type.Object(
  {
    id: Type.Integer(),
    libraryId: Type.String(),
    type: Type.String(),
    params: Type.Record(Type.String(), Type.Unknown()),
    cron: Type.String(),
    timeZone: Type.String(),
    overlap: fields.overlap,
    catchUp: fields.catchUp,
    enabled: Type.Boolean(),
    createdBy: Type.Integer({ description: 'The user whose rights and name each fire’s job carries.' }),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
    nextFires: Type.Array(Type.String({ format: 'date-time' }), { maxItems: 5, description: 'The next five fires (none while disabled).' }),
    lastFire: Type.Union([
      Type.Object({
        at: Type.String({ format: 'date-time' }),
        outcome: StringEnum<FireOutcome>(FIRE_OUTCOMES),
        jobId: Type.Union([Type.Integer(), Type.Null()]),
        error: Nullable(Type.String()),
      }),
      Type.Null(),
    ]),
  },
  { title: 'Schedule' },
);

export const SchedulePage = Type.Object({ schedules: Type.Array(ScheduleBody), nextCursor: NextCursor });
export const FirePage = Type.Object({ fires: Type.Array(FireBody), nextCursor: NextCursor });

export const ListSchedulesQuery = Type.Object(
  {
    libraryId: Type.Optional(LibraryIdParams.properties.libraryId),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })),
  },
  { additionalProperties: false },
);

export const ScheduleIdParams = Type.Object({
  scheduleId: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'A schedule id.' }),
});
