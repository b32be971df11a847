/**
 * Jobs as callers see them: submit (validated by the job type, permission
 * checked on every library it touches), read, list with filters and keyset
 * cursors, cancel, retry the failed items, per-item failures and the event
 * log. Visibility: a user sees the jobs they requested, a library ADMIN that
 * library's jobs, a domain admin every job of the domain; other domains' jobs
 * do not exist (404).
 */
import type { Store } from '../store/store.js';
import type { Principal, User } from '../domain/types.js';
import type { Job, JobOrder, JobOrigin, JobStatus } from '../domain/jobs.js';
import { ACTIVE_STATUSES, JOB_ORDERS, JOB_STATUSES, JOB_TYPES } from '../domain/jobs.js';
import { DatabaseBusyError, InvalidArgumentError, NotFoundError, PayloadTooLargeError, UnprocessableError } from '../domain/errors.js';
import { entryError, MAX_BATCH_JOBS, memoizedAccess } from './job-batch.js';
import { isDomainAdmin } from '../domain/user-rules.js';
import { decodeCursor, encodeCursor } from '../domain/cursor.js';
import type { OperationRegistry } from '../jobs/operation-registry.js';
import type { JobFilterParams, JobVisibility } from '../store/queries/jobs.js';
import { jobOrderKey } from '../store/queries/jobs.js';
import type { JobEvent } from '../store/queries/job-events.js';
import { hintWork, recordJobEvent, recordJobsCreated } from '../jobs/events.js';
import { cancelJob } from '../jobs/job-lifecycle.js';
import type { LibraryService } from './library-service.js';
import type { LibraryAccess } from '../domain/library-rules.js';
import { systemClock, type Clock } from './clock.js';

/** How often an idempotent job cancel is tried when the database is busy before the caller sees a 503. */
const CANCEL_ATTEMPTS = 3;

export interface SubmitJob {
  type: string;
  libraryId: string;
  params?: Record<string, unknown>;
  priority?: number;
}

/** The caller's right on a library (LibraryService.access for one caller; a batch memoizes it). */
export type LibraryAccessCheck = (libraryId: string, needed: 'READER' | 'WRITER') => Promise<LibraryAccess>;

/**
 * One listing for every surface: the native route and each dialect translate
 * their parameters into this query and their rows out of its result.
 */
/** A submission its checks passed (JobService.checkSubmission), ready to be created in a transaction. */
export interface CheckedSubmission {
  type: string;
  priority: number;
  domainId: number;
  libraryId: string;
  targetLibraryId: string | null;
  params: Job['params'];
  requestorId: number;
}

export interface JobListQuery {
  libraryId?: string;
  status?: string[];
  /** One native type (the native `type` parameter). */
  type?: string;
  /** Any of these native types (a dialect's type that maps to several, or the types it can name). */
  types?: string[];
  /** Jobs of `variant.type` only when their params' `key` is the string `value` (a dialect naming one variant of a type with flat params); other types unaffected. */
  variant?: { type: string; key: string; value: string };
  origins?: JobOrigin[];
  /** Jobs on a library with any of these `appType`s. */
  libraryAppTypes?: number[];
  /** An email or a user id, as callers type it; unknown matches nothing. */
  requestor?: string;
  /** A user id the dialect already knows (its authenticated caller, say). */
  requestorId?: number;
  /** Epoch ms ranges: `…After` inclusive, `…Before` exclusive. */
  createdAfter?: number;
  createdBefore?: number;
  startedAfter?: number;
  startedBefore?: number;
  finishedAfter?: number;
  finishedBefore?: number;
  order?: string;
  limit: number;
  cursor?: string;
  /** Skip this many rows (dialects paged by offset); not with `cursor`. */
  offset?: number;
}

/** The filters of a listing (JobListQuery without its order and page). */
export type JobFilterQuery = Omit<JobListQuery, 'order' | 'limit' | 'cursor' | 'offset'>;

export interface JobWithRequestor {
  job: Job;
  requestor: Pick<User, 'id' | 'email' | 'name'>;
}

export const MIN_PRIORITY = -100;
export const MAX_PRIORITY = 100;
const REQUESTOR_TTL_MS = 5_000;
/** A new job's planner task payload: planning from the start. */
const PLAN_START = JSON.stringify({ cursor: null });

export class JobService {
  private readonly requestors = new Map<number, { user: Pick<User, 'id' | 'email' | 'name'>; at: number }>();

  constructor(
    private readonly store: Store,
    private readonly libraries: LibraryService,
    private readonly operations: OperationRegistry,
    private readonly options: { enableBenchJobs: boolean },
    private readonly clock: Clock = systemClock,
  ) {}

  async submit(caller: Principal, body: SubmitJob): Promise<JobWithRequestor> {
    const checked = await this.checkSubmission(caller, body);
    const job = await this.store.transaction((tx) => this.createChecked(tx, checked, isDomainAdmin(caller.user) ? 'admin' : 'self_service'));
    return { job, requestor: caller.user };
  }

  /**
   * Submits up to MAX_BATCH_JOBS jobs in one transaction: all or none. Each entry is checked as
   * `submit` checks one (the first wrong entry is the error, naming it: `jobs[17].params.paths: …`);
   * then every job is created at once (createCheckedMany). Returns the jobs in the order given.
   */
  async submitMany(caller: Principal, bodies: readonly SubmitJob[]): Promise<JobWithRequestor[]> {
    if (bodies.length === 0) throw new InvalidArgumentError('jobs: at least one job', { field: 'jobs' });
    if (bodies.length > MAX_BATCH_JOBS) throw new PayloadTooLargeError(`jobs: at most ${MAX_BATCH_JOBS} jobs per batch (got ${bodies.length})`, { field: 'jobs', limit: MAX_BATCH_JOBS });
    const access = memoizedAccess((id, needed) => this.libraries.access(caller, id, needed));
    const checked: CheckedSubmission[] = [];
    for (const [index, body] of bodies.entries()) {
      try {
        checked.push(await this.checkSubmission(caller, body, access));
      } catch (error) {
        throw entryError(error, index);
      }
    }
    const origin = isDomainAdmin(caller.user) ? 'admin' : 'self_service';
    const domains = [...new Set(checked.map((c) => c.domainId))];
    const created = await this.store.transaction(async (tx) => {
      const byDomain = new Map<number, Job[]>();
      for (const domainId of domains) byDomain.set(domainId, await this.createCheckedMany(tx, checked.filter((c) => c.domainId === domainId), origin));
      // Back into the order given: each domain's jobs were created in it.
      return checked.map((c) => byDomain.get(c.domainId)!.shift()!);
    });
    return created.map((job) => ({ job, requestor: caller.user }));
  }

  /**
   * What submit checks before it writes: the type, the priority, the params by the type's
   * schema (400 naming the field) and its rules, the caller's rights. Schedules check with
   * it too (a definition, then each fire with its creator's rights, outside the fire's
   * transaction) and create with `createChecked`.
   */
  async checkSubmission(caller: Principal, body: SubmitJob, access: LibraryAccessCheck = (id, needed) => this.libraries.access(caller, id, needed)): Promise<CheckedSubmission> {
    if (!this.operations.has(body.type)) {
      throw new InvalidArgumentError(`type: must be one of ${this.operations.types().join(', ')} (got '${body.type.slice(0, 64)}')`, { field: 'type' });
    }
    const priority = body.priority ?? 0;
    if (!Number.isSafeInteger(priority) || priority < MIN_PRIORITY || priority > MAX_PRIORITY) {
      throw new InvalidArgumentError(`priority: must be an integer from ${MIN_PRIORITY} to ${MAX_PRIORITY}`, { field: 'priority' });
    }
    const op = this.operations.get(body.type);
    // The type's params schema first (400 naming the field), then the rules that need the library.
    const params = this.operations.checkParams(body.type, body.params ?? {});
    const library = await access(body.libraryId, op.sourceRight);
    const validated = await op.validate(params, {
      caller,
      library,
      access,
      enableBenchJobs: this.options.enableBenchJobs,
      storages: this.libraries.storageLocations,
      now: this.clock,
    });
    return { type: body.type, priority, domainId: library.library.domainId, libraryId: library.library.id, targetLibraryId: validated.targetLibraryId, params: validated.params, requestorId: caller.user.id };
  }

  /** Creates a checked job (queued, with its planner task, status event and work hint) in the caller's transaction. */
  async createChecked(tx: Store, checked: CheckedSubmission, origin: JobOrigin): Promise<Job> {
    const now = await this.creationTime(tx, checked.domainId);
    const created = await tx.jobInsert({
      domainId: checked.domainId,
      libraryId: checked.libraryId,
      targetLibraryId: checked.targetLibraryId,
      type: checked.type,
      requestorId: checked.requestorId,
      origin,
      params: checked.params,
      priority: checked.priority,
      retryOf: null,
      now,
    });
    await this.queuePlan(tx, created, now);
    return created;
  }

  /**
   * Creates checked jobs of one domain in the caller's transaction, in the order given: one
   * creation time from the domain's clock for all of them, the job rows, their planner tasks and
   * their creation events in a few set-based statements (a batch submission).
   */
  async createCheckedMany(tx: Store, checked: readonly CheckedSubmission[], origin: JobOrigin): Promise<Job[]> {
    const first = checked[0];
    if (!first) return [];
    if (checked.some((c) => c.domainId !== first.domainId)) throw new Error('createCheckedMany: jobs of one domain only');
    const now = await this.creationTime(tx, first.domainId);
    const jobs = await tx.jobInsertMany(
      checked.map((c) => ({ domainId: c.domainId, libraryId: c.libraryId, targetLibraryId: c.targetLibraryId, type: c.type, requestorId: c.requestorId, origin, params: c.params, priority: c.priority, retryOf: null, now })),
    );
    await tx.taskInsertMany(jobs.map((job) => ({ jobId: job.id, phase: 1, kind: 'plan' as const, payload: PLAN_START, itemCount: 0, runAfter: now })));
    await recordJobsCreated(tx, jobs, now);
    await hintWork(tx, jobs.at(-1)!.id);
    return jobs;
  }

  /**
   * A new job's creation time, read inside its transaction from the domain's
   * job clock (never before an earlier job's; the clock's row stays locked
   * until commit): a domain's jobs commit in (createdAt, id) order, so a walk
   * in creation order (keyset or offset pages) never passes a job that has
   * yet to commit.
   */
  private creationTime(tx: Store, domainId: number): Promise<number> {
    return tx.jobClockAdvance({ domainId, now: this.clock() });
  }

  private async queuePlan(tx: Store, job: Job, now: number): Promise<void> {
    await tx.taskInsertMany([{ jobId: job.id, phase: 1, kind: 'plan', payload: PLAN_START, itemCount: 0, runAfter: now }]);
    await recordJobEvent(tx, job, 'status', now);
    await hintWork(tx, job.id);
  }

  /** Whether this server runs jobs of `type` (a dialect names vendor types whose job type may be absent here). */
  isAvailable(type: string): boolean {
    return this.operations.has(type);
  }

  /** The job if the caller may see it; 404 otherwise (another domain's job does not exist for them). */
  async get(caller: Principal, id: number): Promise<JobWithRequestor> {
    const job = await this.visibleJob(caller, id);
    return { job, requestor: await this.requestorOf(job.requestorId) };
  }

  async visibleJob(caller: Principal, id: number): Promise<Job> {
    const job = await this.store.jobGetById(id);
    if (!job || !(await this.canSee(caller, job))) throw new NotFoundError(`job ${id} not found`, { id });
    return job;
  }

  async canSee(caller: Principal, job: Pick<Job, 'domainId' | 'requestorId' | 'libraryId'>): Promise<boolean> {
    if (job.domainId !== caller.user.domainId) return false;
    if (isDomainAdmin(caller.user) || job.requestorId === caller.user.id) return true;
    const role = await this.store.libraryRoleOf({ libraryId: job.libraryId, email: caller.user.email, domainName: caller.domain.name });
    return role === 'ADMIN';
  }

  async visibilityOf(caller: Principal): Promise<JobVisibility> {
    if (isDomainAdmin(caller.user)) return { domainId: caller.user.domainId, all: true };
    const adminLibraryIds = await this.store.libraryIdsAdministeredBy({ email: caller.user.email, domainName: caller.domain.name, domainId: caller.user.domainId });
    return { domainId: caller.user.domainId, all: false, requestorId: caller.user.id, adminLibraryIds };
  }

  /**
   * A listing's filters as the store reads them, for this caller (who sees which jobs included):
   * each parameter checked (400 naming it); null when no job can match (no type left, another
   * domain's library). The listing and the bulk actions (job-actions.ts) both start here.
   */
  async listFilter(caller: Principal, q: JobFilterQuery): Promise<JobFilterParams | null> {
    for (const status of q.status ?? []) {
      if (!JOB_STATUSES.includes(status as JobStatus)) throw new InvalidArgumentError(`status: '${status}' is not a job status (${JOB_STATUSES.join(', ')})`, { field: 'status' });
    }
    if (q.type !== undefined && !this.operations.has(q.type) && !(JOB_TYPES as readonly string[]).includes(q.type)) {
      throw new InvalidArgumentError(`type: unknown job type '${q.type}'`, { field: 'type' });
    }
    let types = q.types === undefined ? undefined : [...new Set(q.types)];
    if (q.type !== undefined) types = types === undefined ? [q.type] : types.filter((t) => t === q.type);
    // No type can match: nothing to ask the database.
    if (types !== undefined && types.length === 0) return null;
    let requestorId = q.requestorId;
    if (q.requestor !== undefined) {
      const byId = /^\d+$/.test(q.requestor) && Number.isSafeInteger(Number(q.requestor)) ? Number(q.requestor) : undefined;
      const user = byId !== undefined ? await this.store.userGetById(byId) : await this.store.userGetByEmail(q.requestor);
      // An unknown requestor matches no job (an empty page, not an error: users come and go).
      const id = user && user.domainId === caller.user.domainId ? user.id : -1;
      requestorId = requestorId === undefined || requestorId === id ? id : -1;
    }
    let libraryInDomain = false;
    if (q.libraryId !== undefined) {
      const library = await this.store.libraryGetById(q.libraryId);
      // Another domain's (or an unknown) library has no jobs for this caller.
      if (!library || library.domainId !== caller.user.domainId) return null;
      libraryInDomain = true;
    }
    return {
      visibility: await this.visibilityOf(caller),
      // requestorId is only ever a user of the caller's domain (or -1, matching nothing).
      filterInDomain: libraryInDomain || requestorId !== undefined,
      libraryId: q.libraryId,
      statuses: q.status && q.status.length > 0 ? ([...new Set(q.status)] as JobStatus[]) : undefined,
      types,
      variant: q.variant,
      origins: q.origins && q.origins.length > 0 ? [...new Set(q.origins)] : undefined,
      libraryAppTypes: q.libraryAppTypes && q.libraryAppTypes.length > 0 ? [...new Set(q.libraryAppTypes)] : undefined,
      requestorId,
      createdAfter: q.createdAfter,
      createdBefore: q.createdBefore,
      startedAfter: q.startedAfter,
      startedBefore: q.startedBefore,
      finishedAfter: q.finishedAfter,
      finishedBefore: q.finishedBefore,
    };
  }

  async list(caller: Principal, q: JobListQuery): Promise<{ jobs: JobWithRequestor[]; nextCursor: string | null }> {
    const order = (q.order ?? 'created_desc') as JobOrder;
    if (!JOB_ORDERS.includes(order)) throw new InvalidArgumentError(`order: must be one of ${JOB_ORDERS.join(', ')}`, { field: 'order' });
    if (q.offset !== undefined && (!Number.isSafeInteger(q.offset) || q.offset < 0)) throw new InvalidArgumentError('offset: must be a whole number ≥ 0', { field: 'offset' });
    if (q.cursor !== undefined && q.offset !== undefined) throw new InvalidArgumentError('cursor: not with offset', { field: 'cursor' });
    const filter = await this.listFilter(caller, q);
    if (filter === null) return { jobs: [], nextCursor: null };
    const tag = `jobs:${order}`;
    const after = q.cursor === undefined ? undefined : decodeCursor(tag, q.cursor, { key: 'number', id: 'number' });
    const rows = await this.store.jobList({ ...filter, order, after, offset: q.offset, limit: q.limit + 1 });
    const page = rows.slice(0, q.limit);
    const last = page.at(-1);
    const nextCursor = rows.length > q.limit && last ? encodeCursor(tag, { key: jobOrderKey(last, order), id: last.id }) : null;
    const jobs = await Promise.all(page.map(async (job) => ({ job, requestor: await this.requestorOf(job.requestorId) })));
    return { jobs, nextCursor };
  }

  /** Stops a job: queued work is dropped, running tasks finish; 422 if it has already ended. */
  async cancel(caller: Principal, id: number): Promise<JobWithRequestor> {
    await this.visibleJob(caller, id);
    return this.cancelVisible(id);
  }

  /**
   * Cancels a job already shown to be visible to the caller (cancel's only rule): `cancel`
   * after its check, and the bulk actions' walk, whose listing applied the caller's visibility.
   */
  async cancelVisible(id: number): Promise<JobWithRequestor> {
    // Cancelling is idempotent (a cancelling job stays cancelling) and a busy database rolled the
    // attempt back, so it is tried again before the caller sees a 503: on PostgreSQL a cancel can
    // meet a worker's claim and be chosen as the deadlock victim. Every surface gets this here.
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.cancelOnce(id);
      } catch (error) {
        if (!(error instanceof DatabaseBusyError) || attempt >= CANCEL_ATTEMPTS) throw error;
      }
    }
  }

  /**
   * Cancels jobs already shown to be visible to the caller, in one transaction (the bulk
   * actions' walk: one commit for a batch, not one per job; ids locked in ascending order).
   * Each id maps to null when cancelled, or to why not (ended meanwhile, gone); a busy
   * database retries the batch (cancelling is idempotent).
   */
  async cancelVisibleMany(ids: readonly number[]): Promise<Map<number, string | null>> {
    const sorted = [...new Set(ids)].sort((a, b) => a - b);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.store.transaction(async (tx) => {
          const outcome = new Map<number, string | null>();
          const now = this.clock();
          for (const id of sorted) {
            const current = await tx.jobGetForUpdate(id);
            if (!current) outcome.set(id, 'not found');
            else if (!ACTIVE_STATUSES.includes(current.status)) outcome.set(id, `has already ended (${current.status})`);
            else {
              await cancelJob(tx, current, now);
              outcome.set(id, null);
            }
          }
          return outcome;
        });
      } catch (error) {
        if (!(error instanceof DatabaseBusyError) || attempt >= CANCEL_ATTEMPTS) throw error;
      }
    }
  }

  private async cancelOnce(id: number): Promise<JobWithRequestor> {
    const job = await this.store.transaction(async (tx) => {
      const current = await tx.jobGetForUpdate(id);
      if (!current) throw new NotFoundError(`job ${id} not found`, { id });
      if (!ACTIVE_STATUSES.includes(current.status)) throw new UnprocessableError(`job ${id} has already ended (${current.status})`, { status: current.status });
      return cancelJob(tx, current, this.clock());
    });
    return { job, requestor: await this.requestorOf(job.requestorId) };
  }

  /** A new job of the same type that re-runs only the items that failed; 422 if none failed or the job still runs. */
  async retry(caller: Principal, id: number): Promise<JobWithRequestor> {
    const original = await this.visibleJob(caller, id);
    if (ACTIVE_STATUSES.includes(original.status)) throw new UnprocessableError(`job ${id} is still ${original.status}; retry it once it has ended`, { status: original.status });
    if (original.counts.failed === 0) throw new UnprocessableError(`job ${id} has no failed items to retry`);
    const op = this.operations.get(original.type);
    if (op.retryable === false) throw new UnprocessableError(`job ${id}: a ${original.type} job makes one result and is not retried item by item; submit it again`, { type: original.type });
    await this.libraries.access(caller, original.libraryId, op.sourceRight);
    if (original.targetLibraryId !== null) await this.libraries.access(caller, original.targetLibraryId, 'WRITER');
    const job = await this.store.transaction(async (tx) => {
      const now = await this.creationTime(tx, original.domainId);
      const created = await tx.jobInsert({
        domainId: original.domainId,
        libraryId: original.libraryId,
        targetLibraryId: original.targetLibraryId,
        type: original.type,
        requestorId: caller.user.id,
        origin: isDomainAdmin(caller.user) ? 'admin' : 'self_service',
        params: original.params,
        priority: original.priority,
        retryOf: original.id,
        now,
      });
      await this.queuePlan(tx, created, now);
      return created;
    });
    return { job, requestor: caller.user };
  }

  async failures(caller: Principal, id: number, p: { limit: number; cursor?: string }) {
    await this.visibleJob(caller, id);
    const tag = `failures:${id}`;
    const after = p.cursor === undefined ? undefined : decodeCursor(tag, p.cursor, { id: 'number' });
    const rows = await this.store.failureList({ jobId: id, afterId: after?.id, limit: p.limit + 1 });
    const page = rows.slice(0, p.limit);
    const last = page.at(-1);
    return {
      failures: page.map((f) => ({ itemId: f.itemId, path: f.path, code: f.code, message: f.message, attempts: f.attempts, failedAt: f.failedAt })),
      nextCursor: rows.length > p.limit && last ? encodeCursor(tag, { id: last.id }) : null,
    };
  }

  /**
   * Events of one visible job after `afterId`, a page of its log as committed
   * (one job's events commit in id order). Live, resumable feeds: EventFeedService.
   */
  async jobEvents(caller: Principal, id: number, afterId: number, limit = 500): Promise<JobEvent[]> {
    await this.visibleJob(caller, id);
    return this.store.eventListForJob({ jobId: id, afterId, limit });
  }

  /** Each job type this server runs with its params schema (the OpenAPI document shows one branch per type). */
  paramSchemas() {
    return this.operations.paramSchemas();
  }

  private async requestorOf(userId: number): Promise<Pick<User, 'id' | 'email' | 'name'>> {
    const now = Date.now();
    const cached = this.requestors.get(userId);
    if (cached && now - cached.at < REQUESTOR_TTL_MS) return cached.user;
    const user = await this.store.userGetById(userId);
    const view = user ? { id: user.id, email: user.email, name: user.name } : { id: userId, email: '', name: '' };
    if (this.requestors.size > 10_000) this.requestors.clear();
    this.requestors.set(userId, { user: view, at: now });
    return view;
  }
}
