/** Job rows: creation, reads, the filtered keyset listing, counters and status changes. */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { Job, JobOrder, JobOrigin, JobStatus } from '../../domain/jobs.js';
import { ACTIVE_STATUSES } from '../../domain/jobs.js';
import { toJob } from '../rows.js';
import { prepared, type PreparedQuery } from '../prepared.js';

export interface JobInsertParams {
  domainId: number;
  libraryId: string;
  targetLibraryId: string | null;
  type: string;
  requestorId: number;
  origin: JobOrigin;
  params: Record<string, unknown>;
  priority: number;
  retryOf: number | null;
  now: number;
}

export async function jobInsert(db: Kysely<Database>, p: JobInsertParams): Promise<Job> {
  const row = await db
    .insertInto('jobs')
    .values({
      domain_id: p.domainId,
      library_id: p.libraryId,
      target_library_id: p.targetLibraryId,
      type: p.type,
      status: 'queued',
      requestor_id: p.requestorId,
      origin: p.origin,
      params: JSON.stringify(p.params),
      priority: p.priority,
      retry_of: p.retryOf,
      error: null,
      result: null,
      created_at: p.now,
      last_activity_at: p.now,
      finished_at: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toJob(row);
}

/** Rows per INSERT of jobInsertMany: 15 columns each, well under SQLite's 32,766 bound parameters. */
const INSERT_CHUNK = 500;

/**
 * Inserts many jobs (queued) in the caller's transaction, in the order given; returns them in that
 * order. One INSERT per 500 rows: a sequence (or SQLite's rowid) hands out ids in VALUES order.
 */
export async function jobInsertMany(db: Kysely<Database>, jobs: readonly JobInsertParams[]): Promise<Job[]> {
  const out: Job[] = [];
  for (let start = 0; start < jobs.length; start += INSERT_CHUNK) {
    const chunk = jobs.slice(start, start + INSERT_CHUNK);
    const rows = await db
      .insertInto('jobs')
      .values(
        chunk.map((p) => ({
          domain_id: p.domainId,
          library_id: p.libraryId,
          target_library_id: p.targetLibraryId,
          type: p.type,
          status: 'queued' as const,
          requestor_id: p.requestorId,
          origin: p.origin,
          params: JSON.stringify(p.params),
          priority: p.priority,
          retry_of: p.retryOf,
          error: null,
          result: null,
          created_at: p.now,
          last_activity_at: p.now,
          finished_at: null,
        })),
      )
      .returningAll()
      .execute();
    // RETURNING's row order is not promised: the ids are, so order by them.
    out.push(...rows.map(toJob).sort((a, b) => a.id - b.id));
  }
  return out;
}

const byId = prepared(['id'], (db, p: { id: number }) => db.selectFrom('jobs').selectAll().where('id', '=', p.id));

export async function jobGetById(db: Kysely<Database>, id: number): Promise<Job | undefined> {
  const [row] = await byId.rows(db, { id });
  return row && toJob(row);
}

/** The job row locked for a status change where writers run concurrently. */
export async function jobGetForUpdate(db: Kysely<Database>, p: { id: number; lock: boolean }): Promise<Job | undefined> {
  let query = db.selectFrom('jobs').selectAll().where('id', '=', p.id);
  if (p.lock) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  return row && toJob(row);
}

/** Who may see which jobs: a whole domain (admins), or own jobs plus the jobs of libraries one administers. */
export type JobVisibility = { domainId: number; all: true } | { domainId: number; all: false; requestorId: number; adminLibraryIds: string[] };

export interface JobListParams {
  visibility: JobVisibility;
  /**
   * The caller has checked that the `libraryId` (or `requestorId`) filter names one of
   * the visibility domain's libraries (users): the query then leads with that filter, so
   * the database walks its index rather than the whole domain's.
   */
  filterInDomain?: boolean;
  libraryId?: string;
  statuses?: JobStatus[];
  types?: string[];
  /**
   * Jobs of `variant.type` only when their params hold the string `variant.value` under
   * `variant.key` (a dialect that names one variant of a type, e.g. AODocs' permissions
   * reports); jobs of other types are unaffected. Matched in the params' JSON text, where
   * `"key":"value"` can only be that pair (quotes inside strings are escaped): for types
   * whose params are flat.
   */
  variant?: { type: string; key: string; value: string };
  origins?: JobOrigin[];
  /** Jobs whose library has one of these `appType`s (a library of the visibility domain). */
  libraryAppTypes?: number[];
  requestorId?: number;
  /** Only jobs with failed items (what a retry re-runs). */
  withFailures?: boolean;
  /** Time ranges, epoch ms: `…After` inclusive, `…Before` exclusive. A job not yet started (finished) matches no started (finished) range. */
  createdAfter?: number;
  createdBefore?: number;
  startedAfter?: number;
  startedBefore?: number;
  finishedAfter?: number;
  finishedBefore?: number;
  order: JobOrder;
  after?: { key: number; id: number };
  /** Rows to skip (offset-paged dialects); keyset `after` is the cheap way at depth. */
  offset?: number;
  limit: number;
}

/** The time-range filters: parameter name, column, comparison. */
const RANGES = [
  ['createdAfter', 'created_at', '>='],
  ['createdBefore', 'created_at', '<'],
  ['startedAfter', 'started_at', '>='],
  ['startedBefore', 'started_at', '<'],
  ['finishedAfter', 'finished_at', '>='],
  ['finishedBefore', 'finished_at', '<'],
] as const;

const ORDER_COLUMN = {
  created: 'created_at',
  started: 'started_at',
  last_activity: 'last_activity_at',
} as const;

function orderParts(order: JobOrder) {
  const desc = order.endsWith('_desc');
  const column = ORDER_COLUMN[order.slice(0, order.lastIndexOf('_')) as keyof typeof ORDER_COLUMN];
  return { column, desc };
}

/**
 * The listing compiles once per shape (which filters are present, how many
 * statuses and libraries, the order) and afterwards only binds values: the
 * listing is read far more often than it changes shape.
 */
const listShapes = new Map<string, PreparedQuery<Record<string, unknown>, Record<string, unknown>>>();

function shapeOf(p: JobListParams): string {
  const v = p.visibility;
  return [
    v.all ? 'all' : `own${v.adminLibraryIds.length}`,
    p.filterInDomain ? 'F' : '',
    p.libraryId === undefined ? '' : 'L',
    p.statuses === undefined ? '' : `S${p.statuses.length}`,
    p.types === undefined ? '' : `T${p.types.length}`,
    p.variant === undefined ? '' : 'V',
    p.origins === undefined ? '' : `O${p.origins.length}`,
    p.libraryAppTypes === undefined ? '' : `A${p.libraryAppTypes.length}`,
    p.requestorId === undefined ? '' : 'R',
    p.withFailures ? 'W' : '',
    RANGES.map(([name]) => (p[name] === undefined ? '-' : 'r')).join(''),
    p.after === undefined ? '' : 'C',
    p.offset === undefined ? '' : 'K',
    p.order,
  ].join('|');
}

/** What a listing and a count filter on (a listing adds its order, cursor and page). */
export type JobFilterParams = Omit<JobListParams, 'order' | 'after' | 'offset' | 'limit'>;

const leadsWithFilter = (p: JobFilterParams) => p.filterInDomain === true && (p.libraryId !== undefined || p.requestorId !== undefined);

/** The jobs the filters of `p` select, each value read from `v` by its bound name (filterValues). */
function filteredJobs(db: Kysely<Database>, p: JobFilterParams, v: Record<string, unknown>) {
  let q = leadsWithFilter(p) ? db.selectFrom('jobs') : db.selectFrom('jobs').where('domain_id', '=', v.domainId as number);
  if (!p.visibility.all) {
    const libs = p.visibility.adminLibraryIds.map((_, i) => v[`lib${i}`] as string);
    q = q.where((eb) =>
      libs.length === 0
        ? eb('requestor_id', '=', v.viewerId as number)
        : eb.or([eb('requestor_id', '=', v.viewerId as number), eb('library_id', 'in', libs)]),
    );
  }
  if (p.libraryId !== undefined) q = q.where('library_id', '=', v.libraryId as string);
  if (p.statuses !== undefined) q = q.where('status', 'in', p.statuses.map((_, i) => v[`status${i}`] as string));
  if (p.types !== undefined) q = q.where('type', 'in', p.types.map((_, i) => v[`type${i}`] as string));
  if (p.variant !== undefined) {
    // replace() is in both databases, exact and case-sensitive (LIKE is neither everywhere).
    const needle = v.variantNeedle as string;
    q = q.where((eb) => eb.or([eb('type', '<>', v.variantType as string), sql<boolean>`replace(params, ${needle}, '') <> params`]));
  }
  if (p.origins !== undefined) q = q.where('origin', 'in', p.origins.map((_, i) => v[`origin${i}`] as JobOrigin));
  if (p.libraryAppTypes !== undefined) {
    const appTypes = p.libraryAppTypes.map((_, i) => v[`appType${i}`] as number);
    q = q.where('library_id', 'in', (eb) =>
      eb.selectFrom('libraries').select('libraries.id').where('libraries.domain_id', '=', v.domainId as number).where('libraries.app_type', 'in', appTypes),
    );
  }
  if (p.requestorId !== undefined) q = q.where('requestor_id', '=', v.requestorId as number);
  if (p.withFailures) q = q.where('failed', '>', 0);
  for (const [name, col, op] of RANGES) if (p[name] !== undefined) q = q.where(col, op, v[name] as number);
  return q;
}

/** The bound names filteredJobs reads for `p`. */
function filterKeys(p: JobFilterParams): string[] {
  const keys: string[] = leadsWithFilter(p) && p.libraryAppTypes === undefined ? [] : ['domainId'];
  if (!p.visibility.all) {
    keys.push('viewerId');
    p.visibility.adminLibraryIds.forEach((_, i) => keys.push(`lib${i}`));
  }
  if (p.libraryId !== undefined) keys.push('libraryId');
  p.statuses?.forEach((_, i) => keys.push(`status${i}`));
  p.types?.forEach((_, i) => keys.push(`type${i}`));
  if (p.variant !== undefined) keys.push('variantType', 'variantNeedle');
  p.origins?.forEach((_, i) => keys.push(`origin${i}`));
  p.libraryAppTypes?.forEach((_, i) => keys.push(`appType${i}`));
  if (p.requestorId !== undefined) keys.push('requestorId');
  for (const [name] of RANGES) if (p[name] !== undefined) keys.push(name);
  return keys;
}

/** The values filteredJobs reads, by bound name. */
function filterValues(p: JobFilterParams): Record<string, unknown> {
  const values: Record<string, unknown> = { domainId: p.visibility.domainId };
  if (!p.visibility.all) {
    values.viewerId = p.visibility.requestorId;
    p.visibility.adminLibraryIds.forEach((id, i) => (values[`lib${i}`] = id));
  }
  values.libraryId = p.libraryId;
  p.statuses?.forEach((s, i) => (values[`status${i}`] = s));
  p.types?.forEach((t, i) => (values[`type${i}`] = t));
  values.variantType = p.variant?.type;
  values.variantNeedle = p.variant === undefined ? undefined : `${JSON.stringify(p.variant.key)}:${JSON.stringify(p.variant.value)}`;
  p.origins?.forEach((o, i) => (values[`origin${i}`] = o));
  p.libraryAppTypes?.forEach((a, i) => (values[`appType${i}`] = a));
  values.requestorId = p.requestorId;
  for (const [name] of RANGES) values[name] = p[name];
  return values;
}

function buildList(p: JobListParams) {
  const { column, desc } = orderParts(p.order);
  const build = (db: Kysely<Database>, v: Record<string, unknown>) => {
    let q = filteredJobs(db, p, v);
    if (p.after !== undefined) {
      const op = desc ? '<' : '>';
      // A row-value comparison: both databases turn it into one index range (an OR of
      // the two conditions made SQLite scan from the start of the index to the cursor).
      q = q.where((eb) => eb(eb.refTuple(column, 'id'), op, eb.tuple(v.afterKey as number, v.afterId as number)));
    }
    const dir = desc ? 'desc' : 'asc';
    if (p.offset === undefined) return q.selectAll().orderBy(column, dir).orderBy('id', dir).limit(v.limit as number);
    // An offset page skips its rows in the index alone (the creation-order indexes carry the
    // filter columns, migration 0006) and reads whole rows only for the page it returns: a
    // plain OFFSET read every skipped row from the table (40-200 ms at depth 50k-350k).
    const page = q.select('id').orderBy(column, dir).orderBy('id', dir).limit(v.limit as number).offset(v.offset as number);
    return db.selectFrom('jobs').selectAll().where('id', 'in', page).orderBy(column, dir).orderBy('id', dir);
  };
  const keys = [...filterKeys(p), 'limit'];
  if (p.after !== undefined) keys.push('afterKey', 'afterId');
  if (p.offset !== undefined) keys.push('offset');
  return prepared(keys, build);
}

export async function jobList(db: Kysely<Database>, p: JobListParams): Promise<Job[]> {
  const shape = shapeOf(p);
  let query = listShapes.get(shape);
  if (!query) {
    query = buildList(p) as unknown as PreparedQuery<Record<string, unknown>, Record<string, unknown>>;
    if (listShapes.size > 500) listShapes.clear();
    listShapes.set(shape, query);
  }
  const values = filterValues(p);
  values.limit = p.limit;
  values.afterKey = p.after?.key;
  values.afterId = p.after?.id;
  values.offset = p.offset;
  const rows = await query.rows(db, values);
  return rows.map((row) => toJob(row as never));
}

/** How many jobs the filters select (what a listing with them would walk, all pages). */
export async function jobCount(db: Kysely<Database>, p: JobFilterParams): Promise<number> {
  const row = await filteredJobs(db, p, filterValues(p))
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export interface JobCountGroup {
  libraryId: string;
  targetLibraryId: string | null;
  type: string;
  count: number;
}

/** The jobs the filters select, counted per (library, target library, type): what decides the rights an action on them needs. */
export async function jobCountGroups(db: Kysely<Database>, p: JobFilterParams): Promise<JobCountGroup[]> {
  const rows = await filteredJobs(db, p, filterValues(p))
    .select((eb) => ['library_id', 'target_library_id', 'type', eb.fn.countAll().as('n')])
    .groupBy(['library_id', 'target_library_id', 'type'])
    .orderBy('library_id')
    .orderBy('target_library_id')
    .orderBy('type')
    .execute();
  return rows.map((r) => ({ libraryId: r.library_id, targetLibraryId: r.target_library_id, type: r.type, count: Number(r.n) }));
}

/** The sort key a listing's cursor carries for `job` under `order`. */
export function jobOrderKey(job: Job, order: JobOrder): number {
  const { column } = orderParts(order);
  if (column === 'created_at') return job.createdAt;
  if (column === 'started_at') return job.startedAt ?? 0;
  return job.lastActivityAt;
}

export async function jobSetStatus(
  db: Kysely<Database>,
  p: { id: number; status: JobStatus; from?: readonly JobStatus[]; now: number; started?: boolean; finished?: boolean; error?: Job['error'] },
): Promise<boolean> {
  let q = db
    .updateTable('jobs')
    .set({
      status: p.status,
      last_activity_at: p.now,
      ...(p.started ? { started_at: sql<number>`CASE WHEN started_at = 0 THEN ${p.now} ELSE started_at END` } : {}),
      ...(p.finished ? { finished_at: p.now } : {}),
      ...(p.error !== undefined ? { error: p.error === null ? null : JSON.stringify(p.error) } : {}),
    })
    .where('id', '=', p.id);
  if (p.from) q = q.where('status', 'in', [...p.from]);
  const result = await q.executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export interface JobCountDelta {
  total?: number;
  succeeded?: number;
  failed?: number;
  skipped?: number;
  retries?: number;
  bytesTotal?: number;
  bytesDone?: number;
}

/** Adds to a job's counters and stamps its activity; returns the job as it now stands. */
export async function jobAddCounts(db: Kysely<Database>, p: { id: number; delta: JobCountDelta; now: number; planned?: boolean }): Promise<Job> {
  const d = p.delta;
  const add = (column: 'total' | 'succeeded' | 'failed' | 'skipped' | 'retries' | 'bytes_total' | 'bytes_done', n: number | undefined) =>
    n ? { [column]: sql<number>`${sql.ref(column)} + ${n}` } : {};
  const row = await db
    .updateTable('jobs')
    .set({
      ...add('total', d.total),
      ...add('succeeded', d.succeeded),
      ...add('failed', d.failed),
      ...add('skipped', d.skipped),
      ...add('retries', d.retries),
      ...add('bytes_total', d.bytesTotal),
      ...add('bytes_done', d.bytesDone),
      ...(p.planned ? { planned: 1 } : {}),
      last_activity_at: p.now,
    })
    .where('id', '=', p.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return toJob(row);
}

export async function jobSetResult(db: Kysely<Database>, p: { id: number; result: Record<string, unknown> }): Promise<void> {
  await db.updateTable('jobs').set({ result: JSON.stringify(p.result) }).where('id', '=', p.id).execute();
}

/**
 * `status IN ('queued', …)` written with literals, not parameters: only then do
 * SQLite's and PostgreSQL's planners prove the `jobs_active` partial index
 * applies (with 1M ended jobs a parameterised list scanned them all, 184 ms a call).
 */
const isActive = sql<boolean>`j.status in (${sql.join(ACTIVE_STATUSES.map((s) => sql.lit(s)))})`;

/** A job a claim may serve: its id, domain and status (a queued job's one task is its planner). */
export interface ClaimableJob {
  id: number;
  domainId: number;
  status: JobStatus;
  priority: number;
}

const ACTIVE = sql.join(ACTIVE_STATUSES.map((s) => sql.lit(s)));

/**
 * Active jobs with a task ready by `now`, in the order workers should serve them: priority
 * (highest first), then the domain's last turn, then the job's last turn, then id; up to
 * `limit`. Walked along `jobs_claim` (priority, domain, last turn, id) one priority level and
 * one domain at a time, domains in turn order, so a claim reads the few jobs it may take and the
 * jobs it skips (none of their tasks ready), never every active job: with 100,000 queued jobs a
 * single sort of them all made each claim cost as much as the job.
 */
export async function jobListClaimable(db: Kysely<Database>, p: { now: number; limit: number }): Promise<ClaimableJob[]> {
  const out: ClaimableJob[] = [];
  let below: number | undefined;
  while (out.length < p.limit) {
    // The next priority level with an active job (an index probe).
    let level = db.selectFrom('jobs as j').select('j.priority').where(sql<boolean>`j.status IN (${ACTIVE})`);
    if (below !== undefined) level = level.where('j.priority', '<', below);
    const top = await level.orderBy('j.priority', 'desc').limit(1).executeTakeFirst();
    if (!top) break;
    const priority = Number(top.priority);
    below = priority;
    for (const group of await domainsInTurnOrder(db, priority)) {
      const rows = (await Promise.all(group.map((domainId) => claimableOfDomain(db, { priority, domainId, now: p.now, limit: p.limit - out.length })))).flat();
      // Domains whose turns tie: their jobs by (last turn, id), as one list.
      rows.sort((a, b) => a.lastClaimAt - b.lastClaimAt || a.id - b.id);
      for (const row of rows.slice(0, p.limit - out.length)) out.push({ id: row.id, domainId: row.domainId, status: row.status, priority });
      if (out.length >= p.limit) break;
    }
  }
  return out;
}

/** The domains with an active job of `priority`, grouped by their last turn (never served first, ties together), in turn order. */
async function domainsInTurnOrder(db: Kysely<Database>, priority: number): Promise<number[][]> {
  const domains: number[] = [];
  // A skip scan: the next domain id at this priority, one index probe each (domains are few).
  for (let after = -1; ; ) {
    const next = await db
      .selectFrom('jobs as j')
      .select('j.domain_id')
      .where(sql<boolean>`j.status IN (${ACTIVE})`)
      .where('j.priority', '=', priority)
      .where('j.domain_id', '>', after)
      .orderBy('j.domain_id')
      .limit(1)
      .executeTakeFirst();
    if (!next) break;
    after = Number(next.domain_id);
    domains.push(after);
  }
  if (domains.length <= 1) return domains.map((d) => [d]);
  const turns = await db.selectFrom('engine_domain_turns').select(['domain_id', 'last_claim_at']).where('domain_id', 'in', domains).execute();
  const turnOf = new Map(turns.map((t) => [Number(t.domain_id), Number(t.last_claim_at)]));
  const groups = new Map<number, number[]>();
  for (const d of domains) {
    const turn = turnOf.get(d) ?? 0;
    groups.set(turn, [...(groups.get(turn) ?? []), d]);
  }
  return [...groups.entries()].sort((a, b) => a[0] - b[0]).map(([, ds]) => ds);
}

/** One domain's active jobs of `priority` with a task ready by `now`, by (last turn, id), up to `limit`. */
async function claimableOfDomain(db: Kysely<Database>, p: { priority: number; domainId: number; now: number; limit: number }) {
  const rows = await db
    .selectFrom('jobs as j')
    .select(['j.id', 'j.domain_id', 'j.last_claim_at', 'j.status'])
    .where(sql<boolean>`j.status IN (${ACTIVE})`)
    .where('j.priority', '=', p.priority)
    .where('j.domain_id', '=', p.domainId)
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('job_tasks as t')
          .select('t.id')
          .whereRef('t.job_id', '=', 'j.id')
          .where('t.state', '=', 'ready')
          .where('t.run_after', '<=', p.now),
      ),
    )
    .orderBy('j.last_claim_at')
    .orderBy('j.id')
    .limit(p.limit)
    .execute();
  return rows.map((r) => ({ id: Number(r.id), domainId: Number(r.domain_id), lastClaimAt: Number(r.last_claim_at), status: r.status as JobStatus }));
}

export async function jobTouchClaim(db: Kysely<Database>, p: { id: number; domainId: number; now: number }): Promise<void> {
  await db.updateTable('jobs').set({ last_claim_at: p.now }).where('id', '=', p.id).execute();
  await db
    .insertInto('engine_domain_turns')
    .values({ domain_id: p.domainId, last_claim_at: p.now })
    .onConflict((oc) => oc.column('domain_id').doUpdateSet({ last_claim_at: p.now }))
    .execute();
}

/** Active jobs whose planning is done and that have no task left: ready to be finished. */
export async function jobListFinishable(db: Kysely<Database>, p: { limit: number }): Promise<number[]> {
  const rows = await db
    .selectFrom('jobs as j')
    .select('j.id')
    .where(isActive)
    .where((eb) =>
      eb.or([
        eb('j.planned', '=', 1),
        eb('j.status', '=', 'cancelling'),
      ]),
    )
    .where((eb) => eb.not(eb.exists(eb.selectFrom('job_tasks as t').select('t.id').whereRef('t.job_id', '=', 'j.id'))))
    .limit(p.limit)
    .execute();
  return rows.map((r) => Number(r.id));
}
