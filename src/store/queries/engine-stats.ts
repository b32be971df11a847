/**
 * Engine throughput per minute: each engine adds what it did (items, bytes,
 * retries, lease rescues) per minute, domain and job type to rows keyed by its
 * own id, so engines never contend on a row; readers sum over engines. The
 * queue as it stands: each job's ready and running tasks.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema.js';

export interface EngineStatsDelta {
  /** Epoch ms of the minute's start. */
  minute: number;
  domainId: number;
  type: string;
  workerId: string;
  items: number;
  bytes: number;
  retries: number;
  rescues: number;
}

export interface EngineStatsBucket {
  minute: number;
  type: string;
  items: number;
  bytes: number;
}

/** Adds each delta to its (minute, domain, type, engine) row. */
export async function engineStatsAdd(db: Kysely<Database>, p: { deltas: readonly EngineStatsDelta[] }): Promise<void> {
  for (let k = 0; k < p.deltas.length; k += 200) {
    const part = p.deltas.slice(k, k + 200);
    await db
      .insertInto('engine_stats')
      .values(
        part.map((d) => ({
          minute: d.minute,
          domain_id: d.domainId,
          type: d.type,
          worker_id: d.workerId,
          items: d.items,
          bytes: d.bytes,
          retries: d.retries,
          rescues: d.rescues,
        })),
      )
      .onConflict((oc) =>
        oc.columns(['minute', 'domain_id', 'type', 'worker_id']).doUpdateSet({
          items: sql<number>`engine_stats.items + excluded.items`,
          bytes: sql<number>`engine_stats.bytes + excluded.bytes`,
          retries: sql<number>`engine_stats.retries + excluded.retries`,
          rescues: sql<number>`engine_stats.rescues + excluded.rescues`,
        }),
      )
      .execute();
  }
}

/** Items and bytes per minute and job type from `since` (every domain's, or one's), summed over engines, in minute order. */
export async function engineStatsListBuckets(db: Kysely<Database>, p: { since: number; domainId?: number }): Promise<EngineStatsBucket[]> {
  let q = db
    .selectFrom('engine_stats')
    .select(['minute', 'type', sql<number>`sum(items)`.as('items'), sql<number>`sum(bytes)`.as('bytes')])
    .where('minute', '>=', p.since);
  if (p.domainId !== undefined) q = q.where('domain_id', '=', p.domainId);
  const rows = await q.groupBy(['minute', 'type']).orderBy('minute').orderBy('type').execute();
  return rows.map((r) => ({ minute: Number(r.minute), type: r.type, items: Number(r.items), bytes: Number(r.bytes) }));
}

/** Task retries and lease rescues from `since` (every domain's, or one's). */
export async function engineStatsTotals(db: Kysely<Database>, p: { since: number; domainId?: number }): Promise<{ retries: number; rescues: number }> {
  let q = db
    .selectFrom('engine_stats')
    .select([sql<number | null>`sum(retries)`.as('retries'), sql<number | null>`sum(rescues)`.as('rescues')])
    .where('minute', '>=', p.since);
  if (p.domainId !== undefined) q = q.where('domain_id', '=', p.domainId);
  const row = await q.executeTakeFirst();
  return { retries: Number(row?.retries ?? 0), rescues: Number(row?.rescues ?? 0) };
}

/** Drops minutes before `before`; returns how many rows. */
export async function engineStatsPrune(db: Kysely<Database>, p: { before: number }): Promise<number> {
  const result = await db.deleteFrom('engine_stats').where('minute', '<', p.before).executeTakeFirst();
  return Number(result.numDeletedRows);
}

export interface QueueDepth {
  jobId: number;
  domainId: number;
  type: string;
  libraryId: string;
  status: string;
  /** Tasks waiting (including those backing off before a retry). */
  ready: number;
  running: number;
  /** Items in the ready tasks. */
  readyItems: number;
}

/** The jobs with tasks (every domain's, or one's), deepest queue (ready + running tasks) first. */
export async function taskListQueueDepth(db: Kysely<Database>, p: { domainId?: number; limit: number }): Promise<QueueDepth[]> {
  const perJob = db
    .selectFrom('job_tasks')
    .select([
      'job_id',
      sql<number>`sum(CASE WHEN state = 'ready' THEN 1 ELSE 0 END)`.as('ready'),
      sql<number>`sum(CASE WHEN state = 'running' THEN 1 ELSE 0 END)`.as('running'),
      sql<number>`sum(CASE WHEN state = 'ready' THEN item_count ELSE 0 END)`.as('ready_items'),
      sql<number>`count(*)`.as('depth'),
    ])
    .groupBy('job_id')
    .as('q');
  let q = db
    .selectFrom(perJob)
    .innerJoin('jobs as j', 'j.id', 'q.job_id')
    .select(['q.job_id', 'j.domain_id', 'j.type', 'j.library_id', 'j.status', 'q.ready', 'q.running', 'q.ready_items']);
  if (p.domainId !== undefined) q = q.where('j.domain_id', '=', p.domainId);
  const rows = await q.orderBy('q.depth', 'desc').orderBy('q.job_id').limit(p.limit).execute();
  return rows.map((r) => ({
    jobId: Number(r.job_id),
    domainId: Number(r.domain_id),
    type: r.type,
    libraryId: r.library_id,
    status: r.status,
    ready: Number(r.ready),
    running: Number(r.running),
    readyItems: Number(r.ready_items),
  }));
}
