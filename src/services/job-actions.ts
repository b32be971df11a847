/**
 * One action on many jobs: cancel, or retry the failed items of, every job a
 * filter selects (the listing's filters, the caller's visibility included)
 * or a list of ids. Each job is acted on by JobService.cancel/retry, so the
 * rights are those of the single-job routes. Counting is SQL (`matched`, and
 * `eligible`: what the action applies to); acting walks the eligible jobs in
 * keyset batches, newest first, so a million jobs never sit in memory and
 * jobs created meanwhile (a retry's own new jobs) are not met.
 */
import type { Store } from '../store/store.js';
import type { Principal } from '../domain/types.js';
import type { Job, JobStatus } from '../domain/jobs.js';
import { ACTIVE_STATUSES, JOB_STATUSES } from '../domain/jobs.js';
import { BatchyardError, InvalidArgumentError, NotFoundError } from '../domain/errors.js';
import type { JobFilterParams } from '../store/queries/jobs.js';
import type { OperationRegistry } from '../jobs/operation-registry.js';
import type { JobFilterQuery, JobService } from './job-service.js';
import type { LibraryService } from './library-service.js';

export const JOB_ACTIONS = ['cancel', 'retry'] as const;
export type JobAction = (typeof JOB_ACTIONS)[number];
/** The most ids one request may name. */
export const MAX_ACTION_IDS = 1000;
/** The most skipped jobs a result lists. */
export const MAX_SKIPPED_LISTED = 100;
/** Jobs read per step of a walk. */
const BATCH = 500;
/** The most matched jobs read to find examples of skipped ones. */
const SKIPPED_SCAN_LIMIT = 5000;
/** Batches (or retries) run at once where the database takes concurrent writers. */
const PARALLEL_ACTIONS = 4;
/** Jobs cancelled per transaction: one commit for many (a single writer), shorter lock holds where writers run concurrently. */
const CANCEL_BATCH = { singleWriter: 100, concurrentWriters: 25 } as const;

/** What a cancel changes (a cancelling job is on its way already). */
const CANCELLABLE: readonly JobStatus[] = ACTIVE_STATUSES.filter((s) => s !== 'cancelling');
/** What a retry accepts: jobs that have ended. */
const ENDED: readonly JobStatus[] = JOB_STATUSES.filter((s) => !ACTIVE_STATUSES.includes(s));

export interface JobActionRequest {
  action: JobAction;
  filter?: JobFilterQuery;
  ids?: number[];
  dryRun?: boolean;
}

export interface JobActionResult {
  action: JobAction;
  /** Jobs the caller can see that the filter (or the ids) select. */
  matched: number;
  /** Of those, the ones the action applies to. */
  eligible: number;
  /** The ones it was applied to (0 on a dry run). */
  acted: number;
  /** Up to 100 of the matched jobs not acted on, with why (worded without the id, so equal reasons group). */
  skipped: Array<{ id: number; reason: string }>;
  dryRun: boolean;
}

type GroupKey = string;
/** What a retry's rights depend on. */
type JobGroup = { libraryId: string; targetLibraryId: string | null; type: string };
const groupKey = (job: JobGroup): GroupKey => JSON.stringify([job.libraryId, job.targetLibraryId, job.type]);

export class JobActionService {
  constructor(
    private readonly store: Store,
    private readonly jobs: JobService,
    private readonly libraries: LibraryService,
    private readonly operations: OperationRegistry,
  ) {}

  async run(caller: Principal, request: JobActionRequest): Promise<JobActionResult> {
    const { action } = request;
    if (!JOB_ACTIONS.includes(action)) throw new InvalidArgumentError(`action: must be one of ${JOB_ACTIONS.join(', ')}`, { field: 'action' });
    if ((request.filter === undefined) === (request.ids === undefined)) {
      throw new InvalidArgumentError('filter: give either filter or ids (exactly one of them)', { field: 'filter' });
    }
    const dryRun = request.dryRun ?? false;
    const refusals = new Refusals(caller, action, this.libraries, this.operations);
    if (request.ids !== undefined) {
      if (request.ids.length > MAX_ACTION_IDS) throw new InvalidArgumentError(`ids: at most ${MAX_ACTION_IDS}`, { field: 'ids' });
      return this.byIds(caller, action, [...new Set(request.ids)], dryRun, refusals);
    }
    return this.byFilter(caller, action, request.filter ?? {}, dryRun, refusals);
  }

  private async byIds(caller: Principal, action: JobAction, ids: number[], dryRun: boolean, refusals: Refusals): Promise<JobActionResult> {
    const result: JobActionResult = { action, matched: 0, eligible: 0, acted: 0, skipped: [], dryRun };
    for (const id of ids) {
      let job: Job;
      try {
        job = await this.jobs.visibleJob(caller, id);
      } catch (error) {
        if (!(error instanceof NotFoundError)) throw error;
        skip(result.skipped, id, 'not found');
        continue;
      }
      result.matched++;
      const refusal = await refusals.of(job);
      if (refusal !== null) {
        skip(result.skipped, id, refusal);
        continue;
      }
      result.eligible++;
      if (!dryRun && (await this.actOn(caller, action, id, result.skipped))) result.acted++;
    }
    return result;
  }

  private async byFilter(caller: Principal, action: JobAction, query: JobFilterQuery, dryRun: boolean, refusals: Refusals): Promise<JobActionResult> {
    const result: JobActionResult = { action, matched: 0, eligible: 0, acted: 0, skipped: [], dryRun };
    const base = await this.jobs.listFilter(caller, query).catch((error: unknown) => {
      // The listing's errors name its parameters; here they sit in `filter`.
      const field = error instanceof InvalidArgumentError ? error.details?.field : undefined;
      if (typeof field !== 'string') throw error;
      throw new InvalidArgumentError(`filter.${(error as Error).message}`, { field: `filter.${field}` });
    });
    if (base === null) return result;
    result.matched = await this.store.jobCount(base);
    const target = this.eligibleFilter(action, base);
    // Retry's rights depend on each job's libraries and type: judged once per (library, target, type).
    const denied = new Map<GroupKey, string>();
    if (target !== null && action === 'cancel') result.eligible = await this.store.jobCount(target);
    if (target !== null && action === 'retry') {
      for (const group of await this.store.jobCountGroups(target)) {
        const refusal = await refusals.access(group);
        if (refusal === null) result.eligible += group.count;
        else denied.set(groupKey(group), refusal);
      }
    }
    // Examples of what will be skipped are read before anything changes (after, a cancelled job would read as one).
    const examples = result.matched > result.eligible ? await this.skippedExamples(base, refusals) : [];
    if (!dryRun && target !== null && result.eligible > 0) {
      let after: { key: number; id: number } | undefined;
      for (;;) {
        const rows = await this.store.jobList({ ...target, order: 'created_desc', after, limit: BATCH });
        const parallel = this.store.capabilities.concurrentWriters ? PARALLEL_ACTIONS : 1;
        if (action === 'cancel') {
          // Listed under the caller's visibility, cancel's only rule: cancelled a batch per transaction.
          const size = this.store.capabilities.concurrentWriters ? CANCEL_BATCH.concurrentWriters : CANCEL_BATCH.singleWriter;
          const batches = Array.from({ length: Math.ceil(rows.length / size) }, (_, i) => rows.slice(i * size, (i + 1) * size).map((job) => job.id));
          await inParallel(batches, parallel, async (ids) => {
            // Added once it is known: `acted += await …` would read acted before the wait, losing the other batches' counts.
            const cancelled = await this.cancelBatch(ids, result.skipped);
            result.acted += cancelled;
          });
        } else {
          await inParallel(rows, parallel, async (job) => {
            const refusal = denied.get(groupKey(job));
            if (refusal !== undefined) skip(result.skipped, job.id, refusal);
            else if (await this.actOn(caller, action, job.id, result.skipped)) result.acted++;
          });
        }
        const last = rows.at(-1);
        if (rows.length < BATCH || !last) break;
        after = { key: last.createdAt, id: last.id };
      }
    }
    for (const example of examples) skip(result.skipped, example.id, example.reason);
    return result;
  }

  /** The part of `base` the action applies to, as far as SQL can tell; null when nothing can be. */
  private eligibleFilter(action: JobAction, base: JobFilterParams): JobFilterParams | null {
    const wanted = action === 'cancel' ? CANCELLABLE : ENDED;
    const statuses = (base.statuses ?? JOB_STATUSES).filter((s) => wanted.includes(s));
    if (statuses.length === 0) return null;
    if (action === 'cancel') return { ...base, statuses };
    const retryable = this.operations.types().filter((type) => this.operations.get(type).retryable !== false);
    const types = base.types === undefined ? retryable : base.types.filter((t) => retryable.includes(t));
    if (types.length === 0) return null;
    return { ...base, statuses, types, withFailures: true };
  }

  /** Up to MAX_SKIPPED_LISTED matched jobs (newest first, among the first SKIPPED_SCAN_LIMIT) the action does not apply to. */
  private async skippedExamples(base: JobFilterParams, refusals: Refusals): Promise<Array<{ id: number; reason: string }>> {
    const found: Array<{ id: number; reason: string }> = [];
    let after: { key: number; id: number } | undefined;
    for (let read = 0; read < SKIPPED_SCAN_LIMIT && found.length < MAX_SKIPPED_LISTED; read += BATCH) {
      const rows = await this.store.jobList({ ...base, order: 'created_desc', after, limit: BATCH });
      for (const job of rows) {
        const reason = await refusals.of(job);
        if (reason !== null && found.length < MAX_SKIPPED_LISTED) found.push({ id: job.id, reason });
      }
      const last = rows.at(-1);
      if (rows.length < BATCH || !last) break;
      after = { key: last.createdAt, id: last.id };
    }
    return found;
  }

  /** Cancels listed jobs in one transaction; returns how many, recording the others as skipped. */
  private async cancelBatch(ids: number[], skipped: JobActionResult['skipped']): Promise<number> {
    try {
      let cancelled = 0;
      for (const [id, reason] of await this.jobs.cancelVisibleMany(ids)) {
        if (reason === null) cancelled++;
        else skip(skipped, id, reason);
      }
      return cancelled;
    } catch (error) {
      if (!(error instanceof BatchyardError)) throw error;
      for (const id of ids) skip(skipped, id, withoutJobId(error.message));
      return 0;
    }
  }

  /** Applies the action to one job as its own route would; a refusal (it changed meanwhile, say) is recorded as skipped. */
  private async actOn(caller: Principal, action: JobAction, id: number, skipped: JobActionResult['skipped']): Promise<boolean> {
    try {
      if (action === 'cancel') await this.jobs.cancel(caller, id);
      else await this.jobs.retry(caller, id);
      return true;
    } catch (error) {
      if (!(error instanceof BatchyardError)) throw error;
      skip(skipped, id, withoutJobId(error.message));
      return false;
    }
  }
}

/** Runs `fn` on every item, at most `limit` at once. */
async function inParallel<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** `job 12 has already ended (cancelled)` → `has already ended (cancelled)`: the id is beside the reason. */
function withoutJobId(message: string): string {
  return message.replace(/^job \d+:? /, '');
}

function skip(skipped: JobActionResult['skipped'], id: number, reason: string): void {
  if (skipped.length < MAX_SKIPPED_LISTED && !skipped.some((s) => s.id === id)) skipped.push({ id, reason });
}

/** Why the action does not apply to a job (null when it does), with each (library, target, type)'s rights judged once. */
class Refusals {
  private readonly rights = new Map<GroupKey, Promise<string | null>>();

  constructor(
    private readonly caller: Principal,
    private readonly action: JobAction,
    private readonly libraries: LibraryService,
    private readonly operations: OperationRegistry,
  ) {}

  async of(job: Job): Promise<string | null> {
    if (this.action === 'cancel') {
      if (CANCELLABLE.includes(job.status)) return null;
      return job.status === 'cancelling' ? 'is already cancelling' : `has already ended (${job.status})`;
    }
    if (ACTIVE_STATUSES.includes(job.status)) return `is still ${job.status}; retry it once it has ended`;
    if (job.counts.failed === 0) return 'has no failed items to retry';
    return this.access(job);
  }

  /** For a retry: whether the job's type is retried item by item here, and the caller holds the rights its re-run needs. */
  access(group: JobGroup): Promise<string | null> {
    const key = groupKey(group);
    let pending = this.rights.get(key);
    if (!pending) {
      pending = this.judge(group);
      this.rights.set(key, pending);
    }
    return pending;
  }

  private async judge(group: JobGroup): Promise<string | null> {
    if (!this.operations.has(group.type)) return `this server does not run ${group.type} jobs`;
    const op = this.operations.get(group.type);
    if (op.retryable === false) return `a ${group.type} job makes one result and is not retried item by item; submit it again`;
    try {
      await this.libraries.access(this.caller, group.libraryId, op.sourceRight);
      if (group.targetLibraryId !== null) await this.libraries.access(this.caller, group.targetLibraryId, 'WRITER');
      return null;
    } catch (error) {
      if (error instanceof BatchyardError && !error.transient) return error.message;
      throw error;
    }
  }
}
