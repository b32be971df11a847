/**
 * Job tasks: inserted by planners, claimed in batches under a lease (with
 * SKIP LOCKED where writers run concurrently), kept alive by heartbeats, and
 * finished by a fenced delete: a claim bumps `fence`, and only the holder of
 * the latest fence can commit or reschedule its task.
 */
import { sql, type Kysely } from 'kysely';
import type { Database, JobTasksTable } from '../schema.js';
import type { Selectable } from 'kysely';

export interface NewTask {
  jobId: number;
  phase: number;
  kind: 'plan' | 'items';
  payload: string;
  itemCount: number;
  runAfter: number;
}

export interface ClaimedTask {
  id: number;
  jobId: number;
  phase: number;
  kind: 'plan' | 'items';
  payload: string;
  itemCount: number;
  attempts: number;
  fence: number;
}

export function toClaimed(row: Selectable<JobTasksTable>): ClaimedTask {
  return {
    id: Number(row.id),
    jobId: Number(row.job_id),
    phase: Number(row.phase),
    kind: row.kind,
    payload: row.payload,
    itemCount: Number(row.item_count),
    attempts: Number(row.attempts),
    fence: Number(row.fence),
  };
}

export async function taskInsertMany(db: Kysely<Database>, tasks: readonly NewTask[]): Promise<void> {
  if (tasks.length === 0) return;
  await db
    .insertInto('job_tasks')
    .values(
      tasks.map((t) => ({
        job_id: t.jobId,
        phase: t.phase,
        kind: t.kind,
        state: 'ready' as const,
        payload: t.payload,
        item_count: t.itemCount,
        run_after: t.runAfter,
        lease_owner: null,
        lease_until: null,
      })),
    )
    .execute();
}

/**
 * Claims up to `limit` ready tasks of the job's lowest phase that still has
 * tasks (a later phase waits for the earlier one to drain).
 */
export async function taskClaim(
  db: Kysely<Database>,
  p: { jobId: number; owner: string; leaseUntil: number; now: number; limit: number; skipLocked: boolean },
): Promise<ClaimedTask[]> {
  const phaseRow = await db.selectFrom('job_tasks').select((eb) => eb.fn.min('phase').as('phase')).where('job_id', '=', p.jobId).executeTakeFirst();
  if (phaseRow?.phase === null || phaseRow?.phase === undefined) return [];
  const phase = Number(phaseRow.phase);
  let candidates = db
    .selectFrom('job_tasks')
    .select('id')
    .where('job_id', '=', p.jobId)
    .where('phase', '=', phase)
    .where('state', '=', 'ready')
    .where('run_after', '<=', p.now)
    .orderBy('id')
    .limit(p.limit);
  if (p.skipLocked) candidates = candidates.forUpdate().skipLocked();
  const rows = await db
    .updateTable('job_tasks')
    .set({ state: 'running', fence: sql<number>`fence + 1`, lease_owner: p.owner, lease_until: p.leaseUntil })
    .where('id', 'in', candidates)
    .where('state', '=', 'ready')
    .returningAll()
    .execute();
  return rows.map(toClaimed).sort((a, b) => a.id - b.id);
}

/** Extends the leases this worker holds; returns how many it still holds. */
export async function taskHeartbeat(db: Kysely<Database>, p: { owner: string; leaseUntil: number; skipLocked: boolean }): Promise<number> {
  const held = db.selectFrom('job_tasks').select('id').where('lease_owner', '=', p.owner).where('state', '=', 'running');
  // Where rows are locked (PostgreSQL): in id order, and a row a task's transaction holds (it is
  // completing) is left for the next beat, so the heartbeat never waits inside a lock cycle.
  const ids = p.skipLocked ? held.orderBy('id').forUpdate().skipLocked() : held;
  const result = await db.updateTable('job_tasks').set({ lease_until: p.leaseUntil }).where('id', 'in', ids).executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** The fenced commit point: deletes the task if this claim still holds it. */
export async function taskComplete(db: Kysely<Database>, p: { id: number; fence: number }): Promise<boolean> {
  const result = await db
    .deleteFrom('job_tasks')
    .where('id', '=', p.id)
    .where('fence', '=', p.fence)
    .where('state', '=', 'running')
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** Saves a planner's cursor under its fence. */
export async function taskSavePayload(db: Kysely<Database>, p: { id: number; fence: number; payload: string }): Promise<boolean> {
  const result = await db
    .updateTable('job_tasks')
    .set({ payload: p.payload })
    .where('id', '=', p.id)
    .where('fence', '=', p.fence)
    .where('state', '=', 'running')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Puts a failed attempt back in the queue after a backoff (fenced). */
export async function taskReschedule(db: Kysely<Database>, p: { id: number; fence: number; runAfter: number; attempts: number }): Promise<boolean> {
  const result = await db
    .updateTable('job_tasks')
    .set({ state: 'ready', run_after: p.runAfter, attempts: p.attempts, lease_owner: null, lease_until: null })
    .where('id', '=', p.id)
    .where('fence', '=', p.fence)
    .where('state', '=', 'running')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/**
 * Returns tasks whose lease ran out to the queue (their holder's fence is now
 * stale at the next claim), and says how many of each job's it returned (the
 * engine counts rescues per job type).
 */
export async function taskRescueExpiredJobs(db: Kysely<Database>, p: { now: number }): Promise<Array<{ jobId: number; tasks: number }>> {
  const rows = await db
    .updateTable('job_tasks')
    .set({ state: 'ready', lease_owner: null, lease_until: null })
    .where('state', '=', 'running')
    .where('lease_until', '<', p.now)
    .returning('job_id')
    .execute();
  const byJob = new Map<number, number>();
  for (const row of rows) byJob.set(Number(row.job_id), (byJob.get(Number(row.job_id)) ?? 0) + 1);
  return [...byJob].map(([jobId, tasks]) => ({ jobId, tasks }));
}

/** Returns tasks whose lease ran out to the queue; how many. */
export async function taskRescueExpired(db: Kysely<Database>, p: { now: number }): Promise<number> {
  return (await taskRescueExpiredJobs(db, p)).reduce((n, j) => n + j.tasks, 0);
}

/** A stopping worker hands back what it holds so others need not wait for the lease. */
export async function taskRelease(db: Kysely<Database>, p: { owner: string; ids: number[] }): Promise<void> {
  if (p.ids.length === 0) return;
  await db
    .updateTable('job_tasks')
    .set({ state: 'ready', lease_owner: null, lease_until: null })
    .where('lease_owner', '=', p.owner)
    .where('state', '=', 'running')
    .where('id', 'in', p.ids)
    .execute();
}

/** Drops a cancelled job's queued tasks (running ones finish and count). */
export async function taskDeleteReady(db: Kysely<Database>, p: { jobId: number }): Promise<number> {
  const result = await db.deleteFrom('job_tasks').where('job_id', '=', p.jobId).where('state', '=', 'ready').executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function taskExistsForJob(db: Kysely<Database>, p: { jobId: number }): Promise<boolean> {
  const row = await db.selectFrom('job_tasks').select('id').where('job_id', '=', p.jobId).limit(1).executeTakeFirst();
  return row !== undefined;
}
