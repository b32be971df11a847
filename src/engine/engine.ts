/**
 * The worker side of the job engine, one per process: claims tasks fairly
 * (priority, then the least recently served domain and job) in batches under
 * a lease, runs up to `concurrency` at once, heartbeats the leases it holds,
 * returns expired leases of dead workers to the queue, stops the tasks of
 * cancelled jobs between their chunks, finishes jobs whose work is done, and
 * collects unreferenced blobs. Idle, it sleeps until a work
 * hint (in-process, or NOTIFY from another process) or the poll interval.
 * It registers itself in `engine_workers` (host, pid, kind, version), beats
 * there with its leases and writes what it did per minute (engine-stats.ts)
 * with each beat; a clean stop marks it stopped.
 */
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Store } from '../store/store.js';
import type { ClaimedTask } from '../store/queries/job-tasks.js';
import type { BlobStore } from '../blobs/blob-store.js';
import type { Library } from '../domain/types.js';
import { NotFoundError } from '../domain/errors.js';
import { isActive } from '../domain/jobs.js';
import type { OperationContext } from '../jobs/operation.js';
import type { OperationRegistry } from '../jobs/operation-registry.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry-policy.js';
import { isWorking, JobStoppedError, LeaseLostError, runItemsTask, type EngineHooks, type RunnerDeps } from './task-runner.js';
import { runPlanTask } from './plan-runner.js';
import { claimRound, type ClaimRound } from './claim-round.js';
import { runSmallJobs, type SmallJobUnit } from './small-jobs.js';
import { finishIfDone } from '../jobs/job-lifecycle.js';
import { jobWebhookData, recordWebhookEvent } from '../jobs/webhook-events.js';
import { parseWebhookAllowList } from '../domain/webhook-address.js';
import { WebhookSender, type WebhookSenderOptions } from './webhook-sender.js';
import { collectBlobs } from './blob-collector.js';
import { DEFAULT_ORPHAN_CHUNK, DEFAULT_ORPHAN_GRACE_MS, OrphanSweeper, type OrphanSweepResult } from './orphan-sweeper.js';
import { sweepUploads } from './upload-sweeper.js';
import type { UploadFiles } from '../blobs/upload-files.js';
import { foldLibraryUsage } from './usage-folder.js';
import { ItemChangePruner } from './item-change-pruner.js';
import { expireArtifacts } from './artifact-expiry.js';
import { DEFAULT_ARTIFACT_TTL_MS, JobArtifacts } from '../jobs/artifacts.js';
import type { EngineKind } from '../store/queries/engine-workers.js';
import { VERSION } from '../version.js';
import { EngineStats } from './engine-stats.js';
import { TaskEventThrottle } from './task-event-throttle.js';
import { WorkerRegistration, type WorkerIdentity } from './worker-registration.js';
import { DEFAULT_SCHEDULE_TICK_MS, type ScheduleFirer } from './schedule-ticker.js';

export interface EngineOptions {
  store: Store;
  operations: OperationRegistry;
  /** The storage locations; with `names`, orphaned bytes in each are swept (orphan-sweeper.ts). */
  blobs: { get(name: string): BlobStore; names?(): string[] };
  logger: Logger;
  concurrency: number;
  leaseMs: number;
  retry?: Partial<RetryPolicy>;
  /** Idle workers look for work at least this often (hints usually wake them sooner). */
  pollMs?: number;
  progressIntervalMs?: number;
  /** While tasks run, how often the engine checks whether their jobs were cancelled (then it stops them between chunks). */
  cancelCheckMs?: number;
  /** How often unreferenced blobs are collected (expired job artifacts deleted first); 0 disables. */
  blobCollectMs?: number;
  /** How often a chunk of each location is swept for orphaned bytes (default 10 s; 0 disables), spared when younger than `orphanGraceMs` (default 1 h). */
  orphanSweepMs?: number;
  orphanGraceMs?: number;
  /** How long a job's result (an export's zip, a report) is kept once written (BATCHYARD_ARTIFACT_TTL). */
  artifactTtlMs?: number;
  /** tus uploads: consumed and expired ones are removed every `uploadSweepMs` (default 30 s; 0 disables). */
  uploads?: UploadFiles;
  uploadSweepMs?: number;
  hooks?: EngineHooks;
  /**
   * Webhook deliveries (webhook-sender.ts): `allowHosts` the private destinations the operator
   * allows (BATCHYARD_WEBHOOK_ALLOW_HOSTS), the attempt's limits; false runs no sender.
   */
  webhooks?: false | ({ allowHosts?: readonly string[] } & Partial<Pick<WebhookSenderOptions, 'timeoutMs' | 'bodyCapBytes' | 'pollMs' | 'leaseMs' | 'resolve' | 'concurrency'>>);
  /** Fires due schedules every `scheduleTickMs` (default 1 s; 0 disables) at this engine's clock (`now`). */
  schedules?: ScheduleFirer;
  scheduleTickMs?: number;
  workerId?: string;
  /** What runs it, as the worker registry shows it: `batchyard serve` (default) or `batchyard worker`. */
  kind?: EngineKind;
  /** The version the registry shows (default: this package's). */
  version?: string;
  now?: () => number;
}

/** What a process may tune of an engine it starts (everything but its wiring). */
export type EngineOverrides = Partial<Omit<EngineOptions, 'store' | 'operations' | 'logger'>>;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());
/** Resolves in the event loop's next check phase: after its timers, I/O and hints have had their turn. */
const turnOfTheEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));
/** The longest the claim loop runs on promise continuations alone before it lets the event loop turn. */
const MAX_MS_WITHOUT_A_TURN = 10;
/** How often the engine checks whether bulk work left planner statistics stale (a cheap catalog read). */
const STATISTICS_CHECK_MS = 5_000;
/** How often library usage rows (deltas the items triggers append) are folded, one per library. */
const USAGE_FOLD_MS = 5_000;

export class Engine {
  readonly workerId: string;
  private readonly store: Store;
  private readonly options: EngineOptions;
  private readonly deps: RunnerDeps;
  private readonly active = new Map<number, ClaimedTask>();
  /** Per running items task: aborted when its job stops running (a cancel). */
  private readonly signals = new Map<number, AbortController>();
  private running = false;
  /** Worker slots taken: one per running task, one per group of queued jobs (small-jobs.ts). */
  private slotsInUse = 0;
  private stopping = false;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private timers: NodeJS.Timeout[] = [];
  private unsubscribe: (() => Promise<void>) | undefined;
  private pendingWake = false;
  private readonly orphans: OrphanSweeper | undefined;
  private readonly stats: EngineStats;
  private readonly registration: WorkerRegistration;
  /** Delivers the webhook outbox (undefined when `webhooks: false`). */
  readonly webhookSender: WebhookSender | undefined;

  constructor(options: EngineOptions) {
    this.options = options;
    this.store = options.store;
    this.workerId = options.workerId ?? `${os.hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    const now = options.now ?? Date.now;
    const ctx: OperationContext = {
      store: options.store,
      blobs: options.blobs,
      library: async (id: string, via: Store): Promise<Library> => {
        const library = await via.libraryGetById(id);
        if (!library) throw new NotFoundError(`library '${id}' not found`);
        return library;
      },
      now,
      artifacts: new JobArtifacts({ store: options.store, blobs: options.blobs, now, ttlMs: options.artifactTtlMs ?? DEFAULT_ARTIFACT_TTL_MS }),
    };
    const { names } = options.blobs;
    if (names) {
      const locations = { get: (name: string) => options.blobs.get(name), names: () => names.call(options.blobs) };
      const sweep = { graceMs: options.orphanGraceMs ?? DEFAULT_ORPHAN_GRACE_MS, chunk: DEFAULT_ORPHAN_CHUNK };
      this.orphans = new OrphanSweeper(options.store, locations, options.logger, sweep);
    }
    this.stats = new EngineStats(this.workerId, now);
    const identity: WorkerIdentity = { id: this.workerId, kind: options.kind ?? 'serve', version: options.version ?? VERSION, leaseMs: options.leaseMs };
    this.registration = new WorkerRegistration(options.store, identity, this.stats);
    if (options.webhooks !== false) {
      const { allowHosts, ...limits } = options.webhooks ?? {};
      const allow = parseWebhookAllowList((allowHosts ?? []).join(','));
      this.webhookSender = new WebhookSender({ ...limits, store: options.store, logger: options.logger.child({ component: 'webhooks' }), owner: this.workerId, now, allow });
    }
    this.deps = {
      store: options.store,
      ctx,
      policy: { ...DEFAULT_RETRY_POLICY, ...options.retry },
      hooks: options.hooks ?? {},
      progressIntervalMs: options.progressIntervalMs ?? 250,
      lastProgress: new Map(),
      stats: this.stats,
      taskEvents: new TaskEventThrottle(),
      now,
    };
  }

  get activeTasks(): number {
    return this.active.size;
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.stopping = false;
    this.unsubscribe = await this.store.subscribe('work', () => this.wake());
    await this.registration.start(this.deps.now()).catch((error: unknown) => this.options.logger.warn({ err: error }, 'engine registration failed; the next heartbeat tries again'));
    const lease = this.options.leaseMs;
    this.every(Math.max(50, Math.floor(lease / 3)), () => this.heartbeat());
    this.every(Math.max(100, Math.floor(lease / 2)), () => this.rescue());
    this.every(2_000, () => this.finishSweep());
    this.every(this.options.cancelCheckMs ?? 250, () => this.stopCancelled());
    const gcMs = this.options.blobCollectMs ?? 30_000;
    if (gcMs > 0) this.every(gcMs, () => this.collect());
    const orphanSweepMs = this.options.orphanSweepMs ?? 10_000;
    if (orphanSweepMs > 0) this.every(orphanSweepMs, () => this.sweepOrphans());
    const uploadSweepMs = this.options.uploadSweepMs ?? 30_000;
    if (this.options.uploads && uploadSweepMs > 0) this.every(uploadSweepMs, () => this.sweepUploads());
    this.every(USAGE_FOLD_MS, () => foldLibraryUsage(this.store));
    const changePruner = new ItemChangePruner(this.store);
    this.every(USAGE_FOLD_MS, () => changePruner.pass());
    const { schedules } = this.options;
    const scheduleTickMs = this.options.scheduleTickMs ?? DEFAULT_SCHEDULE_TICK_MS;
    if (schedules && scheduleTickMs > 0) this.every(scheduleTickMs, () => schedules.fireDue(this.deps.now()));
    this.every(STATISTICS_CHECK_MS, async () => {
      const analyzed = await this.store.refreshStaleStatistics();
      if (analyzed.length > 0) this.options.logger.info({ analyzed }, 'refreshed planner statistics after bulk changes');
    });
    await this.rescue();
    await this.webhookSender?.start();
    this.loop = this.run();
  }

  /** Stops claiming, lets running tasks finish (up to `graceMs`), and hands back what it still holds. */
  async stop(graceMs = 10_000): Promise<void> {
    if (!this.running) return;
    this.stopping = true;
    this.wake();
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    const deadline = Date.now() + graceMs;
    while (this.active.size > 0 && Date.now() < deadline) await sleep(20);
    await this.loop;
    if (this.active.size > 0) {
      await this.store.taskRelease({ owner: this.workerId, ids: [...this.active.keys()] }).catch(() => {});
    }
    await this.webhookSender?.stop();
    await this.registration.stop(this.deps.now()).catch((error: unknown) => this.options.logger.warn({ err: error }, 'marking the engine stopped failed'));
    await this.unsubscribe?.();
    this.running = false;
  }

  /** Wakes an idle claim loop (new work may exist). */
  wake(): void {
    this.pendingWake = true;
    const resolve = this.wakeUp;
    this.wakeUp = undefined;
    resolve?.();
  }

  private every(ms: number, fn: () => Promise<unknown>): void {
    let busy = false;
    const timer = setInterval(() => {
      if (busy || this.stopping) return;
      busy = true;
      fn()
        .catch((error: unknown) => this.options.logger.warn({ err: error }, 'engine housekeeping failed'))
        .finally(() => (busy = false));
    }, ms);
    timer.unref();
    this.timers.push(timer);
  }

  private waitForWake(ms: number): Promise<void> {
    if (this.pendingWake) {
      this.pendingWake = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wakeUp = undefined;
        resolve();
      }, ms);
      timer.unref();
      this.wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private async run(): Promise<void> {
    const pollMs = this.options.pollMs ?? 1_000;
    let turnedAt = Date.now();
    while (!this.stopping) {
      // With work always ready, this loop runs on promise continuations alone (SQLite's
      // statements are synchronous): the thread's timers (heartbeats, the webhook sender's),
      // hints (setImmediate, the BroadcastChannel) and sockets (webhook attempts) would wait
      // until the queue ran dry (a burst of 1,000 jobs held every webhook delivery back for
      // seconds). So the event loop gets a turn at least every MAX_MS_WITHOUT_A_TURN; not before
      // every claim round: that left the slots mostly empty. (A small-job group turns it too, small-jobs.ts.)
      if (Date.now() - turnedAt >= MAX_MS_WITHOUT_A_TURN) {
        await turnOfTheEventLoop();
        turnedAt = Date.now();
      }
      const free = this.options.concurrency - this.slotsInUse;
      if (free <= 0) {
        await this.waitForWake(pollMs);
        continue;
      }
      this.pendingWake = false;
      let round: ClaimRound;
      try {
        round = await claimRound(this.store, { owner: this.workerId, leaseMs: this.options.leaseMs, now: this.deps.now(), free });
      } catch (error) {
        this.options.logger.warn({ err: error }, 'claiming tasks failed; retrying');
        await sleep(pollMs);
        continue;
      }
      if (round.tasks.length === 0 && round.planners.length === 0) {
        await this.waitForWake(pollMs);
        continue;
      }
      for (const task of round.tasks) this.launch([task], (signals) => this.execute(task, signals[0]!));
      if (round.planners.length > 0) this.launch(round.planners, (signals) => this.executeQueued(round.planners, signals));
    }
  }

  /** Runs claimed tasks in one worker slot (one task, or a group of queued jobs' planners), each with a signal its job's cancel aborts. */
  private launch(tasks: readonly ClaimedTask[], run: (signals: AbortSignal[]) => Promise<void>): void {
    this.slotsInUse++;
    const signals = tasks.map((task) => {
      this.active.set(task.id, task);
      const controller = new AbortController();
      this.signals.set(task.id, controller);
      return controller.signal;
    });
    run(signals)
      .catch((error: unknown) => this.logTaskError(error, tasks.length === 1 ? tasks[0] : undefined))
      .finally(() => {
        for (const task of tasks) {
          this.active.delete(task.id);
          this.signals.delete(task.id);
        }
        this.slotsInUse--;
        this.wake();
      });
  }

  private logTaskError(error: unknown, task: ClaimedTask | undefined): void {
    const where = task ? { task: task.id, job: task.jobId } : {};
    if (error instanceof LeaseLostError) this.options.logger.info(where, error.message);
    else this.options.logger.error({ err: error, ...where }, 'task failed unexpectedly; its lease will expire and it will run again');
  }

  /** A group of queued jobs' planners: the small jobs together (small-jobs.ts), the others planned one step each. */
  private async executeQueued(planners: readonly ClaimedTask[], signals: readonly AbortSignal[]): Promise<void> {
    const jobs = new Map((await this.store.jobGetMany({ ids: planners.map((t) => t.jobId) })).map((j) => [j.id, j]));
    const units: SmallJobUnit[] = [];
    for (const [k, task] of planners.entries()) {
      const job = jobs.get(task.jobId);
      const signal = signals[k]!;
      if (job?.status === 'queued' && this.options.operations.has(job.type)) units.push({ op: this.options.operations.get(job.type), job, task, signal });
      else await this.execute(task, signal).catch((error: unknown) => this.logTaskError(error, task));
    }
    await runSmallJobs(this.deps, units, (u) =>
      runPlanTask(this.deps, u.op, u.job, u.task, () => this.stopping, { sliceMs: 0 }).catch((error: unknown) => this.logTaskError(error, u.task)),
    );
  }

  private async execute(task: ClaimedTask, signal: AbortSignal): Promise<void> {
    const job = await this.store.jobGetById(task.jobId);
    if (!job || !isActive(job.status)) {
      await this.store.transaction(async (tx) => {
        if (await tx.taskComplete({ id: task.id, fence: task.fence })) {
          const current = await tx.jobGetForUpdate(task.jobId);
          if (current) await finishIfDone(tx, current, this.deps.now());
        }
      });
      return;
    }
    if (!this.options.operations.has(job.type)) {
      await this.store.transaction(async (tx) => {
        if (!(await tx.taskComplete({ id: task.id, fence: task.fence }))) return;
        const now = this.deps.now();
        const failed = await tx.jobSetStatus({ id: job.id, status: 'failed', from: ['queued', 'planning', 'running', 'cancelling'], now, finished: true, error: { code: 'UNPROCESSABLE', message: `job type '${job.type}' is not enabled on this server` } });
        const ended = failed ? await tx.jobGetById(job.id) : undefined;
        if (ended) await recordWebhookEvent(tx, { domainId: ended.domainId, type: 'job.failed', data: jobWebhookData(ended), now });
        await tx.taskDeleteReady({ jobId: job.id });
      });
      return;
    }
    const op = this.options.operations.get(job.type);
    if (task.kind === 'plan') await runPlanTask(this.deps, op, job, task, () => this.stopping);
    else await runItemsTask(this.deps, op, job, task, signal);
  }

  private async heartbeat(): Promise<void> {
    const now = this.deps.now();
    if (this.active.size > 0) await this.store.taskHeartbeat({ owner: this.workerId, leaseUntil: now + this.options.leaseMs });
    await this.registration.beat(now);
  }

  /** Aborts the running tasks of jobs no longer running (cancelled), so they stop between chunks. */
  private async stopCancelled(): Promise<void> {
    if (this.active.size === 0) return;
    const jobIds = new Set([...this.active.values()].map((t) => t.jobId));
    for (const jobId of jobIds) {
      const job = await this.store.jobGetById(jobId);
      if (job && isWorking(job.status)) continue;
      for (const [taskId, task] of this.active) {
        if (task.jobId === jobId) this.signals.get(taskId)?.abort(new JobStoppedError(jobId));
      }
    }
  }

  private async rescue(): Promise<void> {
    const byJob = await this.store.taskRescueExpiredJobs({ now: this.deps.now() });
    if (byJob.length === 0) return;
    const rescued = byJob.reduce((n, j) => n + j.tasks, 0);
    this.options.logger.info({ rescued }, 'returned tasks with expired leases to the queue');
    this.wake();
    for (const { jobId, tasks } of byJob) {
      const job = await this.store.jobGetById(jobId);
      if (job) this.stats.add(job, { rescues: tasks });
    }
  }

  private async finishSweep(): Promise<void> {
    const ids = await this.store.jobListFinishable({ limit: 50 });
    for (const id of ids) {
      await this.store.transaction(async (tx) => {
        const job = await tx.jobGetForUpdate(id);
        if (job) await finishIfDone(tx, job, this.deps.now());
      });
    }
  }

  /** Removes consumed and expired tus uploads now (also runs on a timer). Returns how many were removed. */
  sweepUploads(): Promise<number> {
    if (!this.options.uploads) return Promise.resolve(0);
    return sweepUploads(this.store, this.options.uploads, this.deps.now(), this.options.logger);
  }

  /** Deletes expired job artifacts, then collects unreferenced blobs now (also runs on a timer). Returns how many blobs were removed. */
  async collect(): Promise<number> {
    await this.expireArtifacts();
    return collectBlobs(this.store, this.options.blobs, this.options.logger);
  }

  /** Sweeps one chunk of each storage location for orphaned bytes and stale temp files now (also runs on a timer). */
  async sweepOrphans(): Promise<OrphanSweepResult> {
    return (await this.orphans?.sweep(this.deps.now())) ?? { scanned: 0, removed: 0, tempFiles: 0 };
  }

  /** Deletes job results past their expiry and the parts of ended jobs, releasing their blobs. Returns how many. */
  expireArtifacts(): Promise<number> {
    return expireArtifacts(this.store, this.deps.now(), this.options.logger);
  }
}
