/** Schemas of the engine page (workers, throughput, queue) and of a job's timeline. */
import { Type } from '@sinclair/typebox';
import { JOB_EVENT_KINDS } from '../../domain/jobs.js';
import { MAX_STATS_WINDOW_S, MIN_STATS_WINDOW_S } from '../../services/engine-service.js';
import { NextCursor } from './common.js';

const IsoTime = Type.String({ format: 'date-time' });

export const EngineWorkersBody = Type.Object({
  workers: Type.Array(
    Type.Object({
      id: Type.String({ description: 'The id its task leases carry (job tasks’ lease owner).' }),
      host: Type.String(),
      pid: Type.Integer(),
      kind: Type.Unsafe<'serve' | 'worker'>({ type: 'string', enum: ['serve', 'worker'], description: '`batchyard serve` (or its engine thread) or `batchyard worker`.' }),
      version: Type.String(),
      startedAt: IsoTime,
      lastHeartbeatAt: IsoTime,
      state: Type.Unsafe<'alive' | 'silent' | 'stopped'>({
        type: 'string',
        enum: ['alive', 'silent', 'stopped'],
        description: 'stopped: it stopped cleanly; silent: no heartbeat for longer than its lease (its tasks are rescued by others); alive otherwise.',
      }),
      tasksHeld: Type.Integer({ description: 'Running tasks it leases now.' }),
    }),
  ),
});

export const EngineStatsQuery = Type.Object(
  {
    window: Type.Optional(
      Type.Integer({ minimum: MIN_STATS_WINDOW_S, maximum: MAX_STATS_WINDOW_S, default: 3600, description: 'Seconds back from now (from the start of that minute); stats are kept for a day.' }),
    ),
  },
  { additionalProperties: false },
);

export const EngineStatsBody = Type.Object({
  window: Type.Integer(),
  buckets: Type.Array(
    Type.Object({
      minute: IsoTime,
      type: Type.String({ description: 'A job type.' }),
      items: Type.Integer({ description: 'Items the tasks that committed in this minute reported done (succeeded, failed or skipped).' }),
      bytes: Type.Integer(),
    }),
    { description: 'Per minute and job type, summed over every engine; minutes with nothing done are left out.' },
  ),
  totals: Type.Object({
    rescues: Type.Integer({ description: 'Tasks returned to the queue after their engine’s lease ran out.' }),
    retries: Type.Integer({ description: 'Task attempts put back after a transient error.' }),
  }),
  queue: Type.Array(
    Type.Object({
      jobId: Type.Integer(),
      type: Type.String(),
      libraryId: Type.String(),
      status: Type.String(),
      ready: Type.Integer({ description: 'Tasks waiting (those backing off before a retry included).' }),
      running: Type.Integer({ description: 'Tasks an engine runs now.' }),
      readyItems: Type.Integer({ description: 'Items in the waiting tasks.' }),
    }),
    { description: 'The jobs with tasks, deepest queue (ready + running tasks) first, at most 50.' },
  ),
  generatedAt: IsoTime,
});

export const TimelineQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })),
    progress: Type.Optional(Type.Boolean({ default: false, description: 'Include progress events (kept only while the job runs).' })),
  },
  { additionalProperties: false },
);

export const TimelinePage = Type.Object({
  events: Type.Array(
    Type.Object({
      id: Type.Integer({ description: 'The event id (the same as on the event stream).' }),
      kind: Type.Unsafe<(typeof JOB_EVENT_KINDS)[number]>({ type: 'string', enum: [...JOB_EVENT_KINDS] }),
      at: IsoTime,
      data: Type.Record(Type.String(), Type.Unknown(), {
        description:
          'status/progress: {jobId, status, counts, bytes, progress, lastActivityAt}; task-retry/task-failed: {jobId, taskId, phase, attempt, maxAttempts, items, error: {code, message}, retryAt? (task-retry), suppressed? (task events this engine left out before this one)}.',
      }),
    }),
  ),
  nextCursor: NextCursor,
});
