/**
 * The engines at work: each registers under its lease-owner id (the one in
 * `job_tasks.lease_owner`) and beats with its leases; a clean stop marks it
 * stopped. Rows of engines silent for long are pruned by housekeeping.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema.js';

export type EngineKind = 'serve' | 'worker';

export interface EngineWorker {
  id: string;
  host: string;
  pid: number;
  kind: EngineKind;
  version: string;
  leaseMs: number;
  startedAt: number;
  lastHeartbeatAt: number;
  stoppedAt: number | null;
}

/** Registers the engine, or records its heartbeat (a row pruned meanwhile comes back). */
export async function engineWorkerHeartbeat(db: Kysely<Database>, w: Omit<EngineWorker, 'stoppedAt'>): Promise<void> {
  await db
    .insertInto('engine_workers')
    .values({
      id: w.id,
      host: w.host,
      pid: w.pid,
      kind: w.kind,
      version: w.version,
      lease_ms: w.leaseMs,
      started_at: w.startedAt,
      last_heartbeat_at: w.lastHeartbeatAt,
      stopped_at: null,
    })
    .onConflict((oc) => oc.column('id').doUpdateSet({ last_heartbeat_at: w.lastHeartbeatAt, stopped_at: null }))
    .execute();
}

/** A clean stop: the engine holds nothing any more. */
export async function engineWorkerStop(db: Kysely<Database>, p: { id: string; now: number }): Promise<void> {
  await db.updateTable('engine_workers').set({ stopped_at: p.now, last_heartbeat_at: p.now }).where('id', '=', p.id).execute();
}

/** Every registered engine, newest first, with the running tasks it leases now. */
export async function engineWorkerList(db: Kysely<Database>): Promise<Array<EngineWorker & { tasksHeld: number }>> {
  const rows = await db.selectFrom('engine_workers').selectAll().orderBy('started_at', 'desc').orderBy('id').execute();
  if (rows.length === 0) return [];
  // Running tasks are few (each engine's slots); the partial lease index finds them.
  const held = await db
    .selectFrom('job_tasks')
    .select(['lease_owner', sql<number>`count(*)`.as('n')])
    .where('state', '=', 'running')
    .where('lease_until', 'is not', null)
    .groupBy('lease_owner')
    .execute();
  const heldBy = new Map(held.map((h) => [h.lease_owner, Number(h.n)]));
  return rows.map((r) => ({
    id: r.id,
    host: r.host,
    pid: Number(r.pid),
    kind: r.kind as EngineKind,
    version: r.version,
    leaseMs: Number(r.lease_ms),
    startedAt: Number(r.started_at),
    lastHeartbeatAt: Number(r.last_heartbeat_at),
    stoppedAt: r.stopped_at === null ? null : Number(r.stopped_at),
    tasksHeld: heldBy.get(r.id) ?? 0,
  }));
}

/** Forgets engines last heard of before `before` (stopped, or silent since); returns how many. */
export async function engineWorkerPrune(db: Kysely<Database>, p: { before: number }): Promise<number> {
  const result = await db.deleteFrom('engine_workers').where('last_heartbeat_at', '<', p.before).executeTakeFirst();
  return Number(result.numDeletedRows);
}
