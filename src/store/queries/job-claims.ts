/**
 * Claims of many queued jobs at once (the engine's small-job path): their rows
 * read together, their turns taken in one update, and their planners claimed
 * in one statement. A queued job has one task, its planner; a claim of it
 * bumps the fence like any claim (job-tasks.ts), so a stale holder cannot
 * commit.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { Job } from '../../domain/jobs.js';
import { toJob } from '../rows.js';
import { toClaimed, type ClaimedTask } from './job-tasks.js';

/** The jobs of `ids` that exist, in id order. */
export async function jobGetMany(db: Kysely<Database>, p: { ids: readonly number[] }): Promise<Job[]> {
  if (p.ids.length === 0) return [];
  const rows = await db.selectFrom('jobs').selectAll().where('id', 'in', [...p.ids]).orderBy('id').execute();
  return rows.map(toJob);
}

/**
 * Takes the turn of the queued jobs of `ids` and of their domains: locks their rows in id order
 * (skipping rows another transaction holds, where writers run concurrently: those wait for a
 * later round), moves their last turn to `now`, and returns the ids it took, still queued.
 */
export async function jobTouchClaimMany(
  db: Kysely<Database>,
  p: { ids: readonly number[]; now: number; skipLocked: boolean },
): Promise<Array<{ id: number; domainId: number }>> {
  if (p.ids.length === 0) return [];
  let query = db.selectFrom('jobs').select(['id', 'domain_id']).where('id', 'in', [...p.ids]).where('status', '=', 'queued').orderBy('id');
  if (p.skipLocked) query = query.forUpdate().skipLocked();
  const rows = (await query.execute()).map((r) => ({ id: Number(r.id), domainId: Number(r.domain_id) }));
  if (rows.length === 0) return [];
  await db.updateTable('jobs').set({ last_claim_at: p.now }).where('id', 'in', rows.map((r) => r.id)).execute();
  for (const domainId of [...new Set(rows.map((r) => r.domainId))].sort((a, b) => a - b)) {
    await db
      .insertInto('engine_domain_turns')
      .values({ domain_id: domainId, last_claim_at: p.now })
      .onConflict((oc) => oc.column('domain_id').doUpdateSet({ last_claim_at: p.now }))
      .execute();
  }
  return rows;
}

/**
 * Claims the ready planners of the jobs of `jobIds` (call with their rows locked by
 * jobTouchClaimMany), in one statement: a planner is claimed only when no task of its job has
 * a lower phase. Returns them in id order.
 */
export async function taskClaimPlans(
  db: Kysely<Database>,
  p: { jobIds: readonly number[]; owner: string; leaseUntil: number; now: number; skipLocked: boolean },
): Promise<ClaimedTask[]> {
  if (p.jobIds.length === 0) return [];
  let candidates = db
    .selectFrom('job_tasks as t')
    .select('t.id')
    .where('t.job_id', 'in', [...p.jobIds])
    .where('t.kind', '=', 'plan')
    .where('t.state', '=', 'ready')
    .where('t.run_after', '<=', p.now)
    .where((eb) =>
      eb.not(
        eb.exists(
          eb.selectFrom('job_tasks as e').select('e.id').whereRef('e.job_id', '=', 't.job_id').whereRef('e.phase', '<', 't.phase'),
        ),
      ),
    )
    .orderBy('t.id');
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

/** The jobs of `ids`, their rows locked (in id order) where writers run concurrently. */
export async function jobLockMany(db: Kysely<Database>, p: { ids: readonly number[]; lock: boolean }): Promise<Job[]> {
  if (p.ids.length === 0) return [];
  let query = db.selectFrom('jobs').selectAll().where('id', 'in', [...p.ids]).orderBy('id');
  if (p.lock) query = query.forUpdate();
  return (await query.execute()).map(toJob);
}

/** The fenced commit point of many tasks at once: deletes those this claim still holds; returns their ids. */
export async function taskCompleteMany(db: Kysely<Database>, p: { tasks: ReadonlyArray<{ id: number; fence: number }> }): Promise<number[]> {
  if (p.tasks.length === 0) return [];
  const rows = await db
    .deleteFrom('job_tasks')
    .where('state', '=', 'running')
    .where((eb) => eb.or(p.tasks.map((t) => eb.and([eb('id', '=', t.id), eb('fence', '=', t.fence)]))))
    .returning('id')
    .execute();
  return rows.map((r) => Number(r.id));
}

/**
 * Ends many jobs planned and done in one transaction, all with the same counter deltas and the
 * same final status: counters added, planned, started (if not yet) and finished at `now`.
 * Returns them as they now stand.
 */
export async function jobEndMany(
  db: Kysely<Database>,
  p: { ids: readonly number[]; delta: { total: number; succeeded: number; failed: number; skipped: number; bytesTotal: number; bytesDone: number }; status: string; now: number },
): Promise<Job[]> {
  if (p.ids.length === 0) return [];
  const d = p.delta;
  const rows = await db
    .updateTable('jobs')
    .set({
      total: sql<number>`total + ${d.total}`,
      succeeded: sql<number>`succeeded + ${d.succeeded}`,
      failed: sql<number>`failed + ${d.failed}`,
      skipped: sql<number>`skipped + ${d.skipped}`,
      bytes_total: sql<number>`bytes_total + ${d.bytesTotal}`,
      bytes_done: sql<number>`bytes_done + ${d.bytesDone}`,
      planned: 1,
      status: p.status,
      started_at: sql<number>`CASE WHEN started_at = 0 THEN ${p.now} ELSE started_at END`,
      finished_at: p.now,
      last_activity_at: p.now,
    })
    .where('id', 'in', [...p.ids])
    .returningAll()
    .execute();
  return rows.map(toJob);
}

export async function targetDeleteForJobs(db: Kysely<Database>, p: { jobIds: readonly number[] }): Promise<void> {
  if (p.jobIds.length === 0) return;
  await db.deleteFrom('job_targets').where('job_id', 'in', [...p.jobIds]).execute();
}
