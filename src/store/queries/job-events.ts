/**
 * The job event log: status changes and throttled progress, read back in id
 * order (SSE feeds, resumption by Last-Event-ID).
 *
 * Where writers commit concurrently (`commitSnapshots`, PostgreSQL) a lower
 * id can become visible after a higher one, so readers read up to a settled
 * horizon (`services/commit-horizon.ts`) built from `eventHorizon`. Its
 * soundness rests on two things done here: each row records its writer's
 * transaction id, taken *before* the row's id is drawn from the sequence (so
 * any transaction holding an id is one a later snapshot reports as running),
 * and every event is written by `eventInsert`.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { JobEventKind } from '../../domain/jobs.js';

export type { JobEventKind };

export interface JobEvent {
  id: number;
  jobId: number;
  domainId: number;
  kind: JobEventKind;
  data: Record<string, unknown>;
  createdAt: number;
}

/** Whose events a reader follows: one job's, or every job's of one domain. */
export type EventScope = { jobId: number } | { domainId: number };

export async function eventInsert(db: Kysely<Database>, e: Omit<JobEvent, 'id'> & { recordXid: boolean }): Promise<number> {
  const data = JSON.stringify(e.data);
  if (e.recordXid) {
    // The materialized CTE assigns the transaction id before the insert's
    // projection draws the id (a plain VALUES list would draw the id first).
    const { rows } = await sql<{ id: number }>`
      WITH w AS MATERIALIZED (SELECT pg_current_xact_id() AS xid)
      INSERT INTO job_events (xid, job_id, domain_id, kind, data, created_at)
      SELECT w.xid, ${e.jobId}::bigint, ${e.domainId}::bigint, ${e.kind}::text, ${data}::text, ${e.createdAt}::bigint FROM w
      RETURNING id`.execute(db);
    return Number(rows[0]!.id);
  }
  const row = await db
    .insertInto('job_events')
    .values({ job_id: e.jobId, domain_id: e.domainId, kind: e.kind, data, created_at: e.createdAt })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

/**
 * Appends many events at once (a batch of new jobs' `queued` events); returns their ids in
 * the order given. As eventInsert: where commits can be out of id order every row records the
 * transaction id, taken before any id is drawn; ids are drawn in the order given.
 */
export async function eventInsertMany(db: Kysely<Database>, p: { events: ReadonlyArray<Omit<JobEvent, 'id'>>; recordXid: boolean }): Promise<number[]> {
  const ids: number[] = [];
  for (let start = 0; start < p.events.length; start += INSERT_CHUNK) {
    const chunk = p.events.slice(start, start + INSERT_CHUNK);
    if (p.recordXid) {
      const values = sql.join(
        chunk.map((e, k) => sql`(${k}::int, ${e.jobId}::bigint, ${e.domainId}::bigint, ${e.kind}::text, ${JSON.stringify(e.data)}::text, ${e.createdAt}::bigint)`),
      );
      const { rows } = await sql<{ id: number }>`
        WITH w AS MATERIALIZED (SELECT pg_current_xact_id() AS xid)
        INSERT INTO job_events (xid, job_id, domain_id, kind, data, created_at)
        SELECT w.xid, v.job_id, v.domain_id, v.kind, v.data, v.created_at FROM w CROSS JOIN (VALUES ${values}) AS v(ord, job_id, domain_id, kind, data, created_at)
        ORDER BY v.ord
        RETURNING id`.execute(db);
      ids.push(...rows.map((r) => Number(r.id)).sort((a, b) => a - b));
    } else {
      const rows = await db
        .insertInto('job_events')
        .values(chunk.map((e) => ({ job_id: e.jobId, domain_id: e.domainId, kind: e.kind, data: JSON.stringify(e.data), created_at: e.createdAt })))
        .returning('id')
        .execute();
      ids.push(...rows.map((r) => Number(r.id)).sort((a, b) => a - b));
    }
  }
  return ids;
}

/** Rows per INSERT of eventInsertMany (6 values each). */
const INSERT_CHUNK = 1_000;

function toEvent(r: { id: number; job_id: number; domain_id: number; kind: string; data: string; created_at: number }): JobEvent {
  return {
    id: Number(r.id),
    jobId: Number(r.job_id),
    domainId: Number(r.domain_id),
    kind: r.kind as JobEvent['kind'],
    data: JSON.parse(r.data) as Record<string, unknown>,
    createdAt: Number(r.created_at),
  };
}

const COLUMNS = ['id', 'job_id', 'domain_id', 'kind', 'data', 'created_at'] as const;

/** Events of one job after `afterId` (up to `upToId` when given; of `kinds` only when given), in id order. */
export async function eventListForJob(
  db: Kysely<Database>,
  p: { jobId: number; afterId: number; upToId?: number; kinds?: readonly JobEventKind[]; limit: number },
): Promise<JobEvent[]> {
  let q = db.selectFrom('job_events').select(COLUMNS).where('job_id', '=', p.jobId).where('id', '>', p.afterId);
  if (p.upToId !== undefined) q = q.where('id', '<=', p.upToId);
  if (p.kinds !== undefined) q = q.where('kind', 'in', p.kinds.length > 0 ? [...p.kinds] : ['']);
  const rows = await q.orderBy('id').limit(p.limit).execute();
  return rows.map(toEvent);
}

/** Events of one domain's jobs after `afterId` (up to `upToId` when given), in id order. */
export async function eventListForDomain(db: Kysely<Database>, p: { domainId: number; afterId: number; upToId?: number; limit: number }): Promise<JobEvent[]> {
  let q = db.selectFrom('job_events').select(COLUMNS).where('domain_id', '=', p.domainId).where('id', '>', p.afterId);
  if (p.upToId !== undefined) q = q.where('id', '<=', p.upToId);
  const rows = await q.orderBy('id').limit(p.limit).execute();
  return rows.map(toEvent);
}

export async function eventLatestId(db: Kysely<Database>): Promise<number> {
  const row = await db.selectFrom('job_events').select((eb) => eb.fn.max('id').as('id')).executeTakeFirst();
  return row?.id === null || row?.id === undefined ? 0 : Number(row.id);
}

/**
 * The log's state as one snapshot saw it. `maxId`: the highest visible id.
 * With `snapshots` (PostgreSQL) also `xmin`: every transaction id below it had
 * finished. With `checkpoint` also `clock`, a transaction id this statement
 * took after its snapshot (so above that of every transaction that had drawn
 * an id up to `maxId`: once `xmin` reaches `clock`, all of them have ended),
 * and `snapshot`, the snapshot as text (which transactions were in flight).
 * A checkpoint consumes a transaction id: call it outside a transaction, and
 * only when the log has grown.
 */
export interface EventHorizon {
  maxId: number;
  xmin?: number;
  clock?: number;
  snapshot?: string;
}

export async function eventHorizon(db: Kysely<Database>, p: { snapshots: boolean; checkpoint: boolean }): Promise<EventHorizon> {
  if (!p.snapshots) return { maxId: await eventLatestId(db) };
  if (!p.checkpoint) {
    const { rows } = await sql<{ max_id: number | null; xmin: number }>`
      SELECT (SELECT max(id) FROM job_events) AS max_id, pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS xmin`.execute(db);
    return { maxId: Number(rows[0]!.max_id ?? 0), xmin: Number(rows[0]!.xmin) };
  }
  const { rows } = await sql<{ max_id: number | null; xmin: number; snapshot: string; clock: number }>`
    SELECT (SELECT max(id) FROM job_events) AS max_id,
      pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS xmin,
      pg_current_snapshot()::text AS snapshot,
      pg_current_xact_id()::text::bigint AS clock`.execute(db);
  const row = rows[0]!;
  return { maxId: Number(row.max_id ?? 0), xmin: Number(row.xmin), clock: Number(row.clock), snapshot: row.snapshot };
}

/**
 * Events up to `upToId` that a checkpoint's snapshot did not see: those whose
 * transactions were still in flight then (PostgreSQL only). A feed that starts
 * "from now" at that checkpoint's `maxId` reads them once they have settled.
 */
export async function eventListInFlightAt(
  db: Kysely<Database>,
  p: { scope: EventScope; at: { xmin: number; clock: number; snapshot: string }; afterId: number; upToId: number; limit: number },
): Promise<JobEvent[]> {
  const scope = 'jobId' in p.scope ? sql`job_id = ${p.scope.jobId}` : sql`domain_id = ${p.scope.domainId}`;
  const { rows } = await sql<Parameters<typeof toEvent>[0]>`
    SELECT id, job_id, domain_id, kind, data, created_at FROM job_events
    WHERE xid >= ${String(p.at.xmin)}::xid8 AND xid < ${String(p.at.clock)}::xid8
      AND NOT pg_visible_in_snapshot(xid, ${p.at.snapshot}::pg_snapshot)
      AND ${scope} AND id > ${p.afterId} AND id <= ${p.upToId}
    ORDER BY id LIMIT ${p.limit}`.execute(db);
  return rows.map(toEvent);
}

/** Once a job has ended its progress trail is history: only status events are kept. */
export async function eventPruneProgress(db: Kysely<Database>, p: { jobId: number }): Promise<void> {
  await db.deleteFrom('job_events').where('job_id', '=', p.jobId).where('kind', '=', 'progress').execute();
}
