/** The job event log: status changes and throttled progress, read back by id for SSE resumption. */
import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';

export interface JobEvent {
  id: number;
  jobId: number;
  domainId: number;
  kind: 'status' | 'progress';
  data: Record<string, unknown>;
  createdAt: number;
}

export async function eventInsert(db: Kysely<Database>, e: Omit<JobEvent, 'id'>): Promise<number> {
  const row = await db
    .insertInto('job_events')
    .values({ job_id: e.jobId, domain_id: e.domainId, kind: e.kind, data: JSON.stringify(e.data), created_at: e.createdAt })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

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

export async function eventListForJob(db: Kysely<Database>, p: { jobId: number; afterId: number; limit: number }): Promise<JobEvent[]> {
  const rows = await db.selectFrom('job_events').selectAll().where('job_id', '=', p.jobId).where('id', '>', p.afterId).orderBy('id').limit(p.limit).execute();
  return rows.map(toEvent);
}

export async function eventListForDomain(db: Kysely<Database>, p: { domainId: number; afterId: number; limit: number }): Promise<JobEvent[]> {
  const rows = await db
    .selectFrom('job_events')
    .selectAll()
    .where('domain_id', '=', p.domainId)
    .where('id', '>', p.afterId)
    .orderBy('id')
    .limit(p.limit)
    .execute();
  return rows.map(toEvent);
}

export async function eventLatestId(db: Kysely<Database>): Promise<number> {
  const row = await db.selectFrom('job_events').select((eb) => eb.fn.max('id').as('id')).executeTakeFirst();
  return row?.id === null || row?.id === undefined ? 0 : Number(row.id);
}

/** Once a job has ended its progress trail is history: only status events are kept. */
export async function eventPruneProgress(db: Kysely<Database>, p: { jobId: number }): Promise<void> {
  await db.deleteFrom('job_events').where('job_id', '=', p.jobId).where('kind', '=', 'progress').execute();
}
