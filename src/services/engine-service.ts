/**
 * The engine as administrators see it: the engines at work (the worker
 * registry, each with the tasks it holds now), throughput per minute and job
 * type, retries and lease rescues over a window, and the queue per job.
 * Domain admins and super admins only (others: 403). Engines serve every
 * domain, so both see all of them; a domain admin's throughput, totals and
 * queue count only their domain's jobs, a super admin's every domain's.
 */
import type { Store } from '../store/store.js';
import type { Principal } from '../domain/types.js';
import type { EngineKind } from '../store/queries/engine-workers.js';
import { ForbiddenError, InvalidArgumentError } from '../domain/errors.js';
import { isDomainAdmin } from '../domain/user-rules.js';
import { systemClock, type Clock } from './clock.js';

export type WorkerState = 'alive' | 'silent' | 'stopped';

export interface WorkerView {
  id: string;
  host: string;
  pid: number;
  kind: EngineKind;
  version: string;
  startedAt: number;
  lastHeartbeatAt: number;
  /** stopped: it stopped cleanly; silent: no heartbeat for longer than its lease (its leases have run out); else alive. */
  state: WorkerState;
  tasksHeld: number;
}

export interface EngineStatsView {
  window: number;
  buckets: Array<{ minute: number; type: string; items: number; bytes: number }>;
  totals: { rescues: number; retries: number };
  queue: Array<{ jobId: number; type: string; libraryId: string; status: string; ready: number; running: number; readyItems: number }>;
  generatedAt: number;
}

/** The longest window the stats are kept for (engine housekeeping prunes older minutes), in seconds. */
export const MAX_STATS_WINDOW_S = 24 * 60 * 60;
export const MIN_STATS_WINDOW_S = 60;
export const QUEUE_LIMIT = 50;
const MINUTE_MS = 60_000;

export class EngineService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Which domain's jobs the caller's figures cover: undefined for all (super admin); 403 unless an administrator. */
  private domainOf(caller: Principal): number | undefined {
    if (!isDomainAdmin(caller.user)) throw new ForbiddenError('only domain administrators may see the engine');
    return caller.user.role === 'super_admin' ? undefined : caller.user.domainId;
  }

  async workers(caller: Principal): Promise<WorkerView[]> {
    this.domainOf(caller);
    const now = this.clock();
    const rows = await this.store.engineWorkerList();
    return rows.map((w) => ({
      id: w.id,
      host: w.host,
      pid: w.pid,
      kind: w.kind,
      version: w.version,
      startedAt: w.startedAt,
      lastHeartbeatAt: w.lastHeartbeatAt,
      state: w.stoppedAt !== null ? 'stopped' : now - w.lastHeartbeatAt > w.leaseMs ? 'silent' : 'alive',
      tasksHeld: w.tasksHeld,
    }));
  }

  /** Throughput per minute and type over the last `windowS` seconds (from the start of its first minute), retries and rescues, the queue. */
  async stats(caller: Principal, windowS: number): Promise<EngineStatsView> {
    const domainId = this.domainOf(caller);
    if (!Number.isSafeInteger(windowS) || windowS < MIN_STATS_WINDOW_S || windowS > MAX_STATS_WINDOW_S) {
      throw new InvalidArgumentError(`window: must be a whole number of seconds from ${MIN_STATS_WINDOW_S} to ${MAX_STATS_WINDOW_S}`, { field: 'window' });
    }
    const now = this.clock();
    const since = Math.floor((now - windowS * 1000) / MINUTE_MS) * MINUTE_MS;
    const scope = domainId === undefined ? { since } : { since, domainId };
    const [buckets, totals, queue] = await Promise.all([
      this.store.engineStatsListBuckets(scope),
      this.store.engineStatsTotals(scope),
      this.store.taskListQueueDepth({ ...(domainId === undefined ? {} : { domainId }), limit: QUEUE_LIMIT }),
    ]);
    return {
      window: windowS,
      buckets,
      totals,
      queue: queue.map((q) => ({ jobId: q.jobId, type: q.type, libraryId: q.libraryId, status: q.status, ready: q.ready, running: q.running, readyItems: q.readyItems })),
      generatedAt: now,
    };
  }
}
