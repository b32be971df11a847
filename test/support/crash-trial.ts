/**
 * Kill -9 trials, shared by the crash tests. A job runs in `batchyard worker`
 * child processes (worker-child.mjs) on the test's fresh SQLite file or
 * PostgreSQL schema. Each child is killed with SIGKILL at a progress point
 * drawn from the test's seed: once the database shows at least that many of
 * the job's items done while the child holds one of the job's tasks (or what
 * it holds is all the job has left), and a short random delay later, so the
 * kill lands inside work in hand (a plan step, a task's bytes being written,
 * or its transaction open) at a random place in the job. The children a run
 * needs load ahead, one after another from the test's start (a takeover
 * never waits for Node to load the modules), each taking the tasks over once
 * their lease (1 s) expires; after the last kill one more runs the job to
 * its end. Every kill must land while the job runs, and at least one inside
 * a task the child held. A failing trial replays from its seed: CRASH_SEED=<seed>.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect } from 'vitest';
import type { DriverFactory } from './drivers.js';
import { engineFixture, type EngineFixture } from './engine.js';
import { bootStandby, childEnv, kill9, stop, type StandbyWorker, type WorkerProcess } from './worker-process.js';
import { FINAL_STATUSES, type Job } from '../../src/domain/jobs.js';

/** A small deterministic PRNG, so a failing trial can be replayed from its seed. */
export function mulberry32(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Kill points fall among the first 60% of the job's items: the rest is room for the takeovers to do work. */
const KILL_SPAN = 0.6;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const doneOf = (job: Job) => job.counts.succeeded + job.counts.failed + job.counts.skipped;

/** What a kill hit: where it was aimed, and the job and the child's tasks just after. */
export interface KillRecord {
  /** Items done the kill waited for. */
  atItems: number;
  /** The random delay after that point. */
  delayMs: number;
  done: number;
  status: Job['status'];
  /** The job's tasks the killed child held (claimed, never committed). */
  heldTasks: number;
}

export class CrashTrials {
  /** Children booted ahead (modules loaded), oldest first: each takeover starts one at once. */
  private readonly standby: StandbyWorker[] = [];
  private live: WorkerProcess | undefined;

  constructor(
    private readonly f: EngineFixture,
    private readonly env: Record<string, string>,
    private readonly taskDelayMs: number,
    private readonly kills: number,
  ) {
    // A run's children load while the test builds its tree.
    this.boot(kills + 1);
  }

  /** Loads children, one after another (the first ready soonest, no more load than one start), until `count` wait. */
  private boot(count: number): void {
    while (this.standby.length < count) this.standby.push(bootStandby(this.env, this.standby.at(-1)?.booted));
  }

  private async takeOver(): Promise<WorkerProcess> {
    this.boot(1);
    this.live = await this.standby.shift()!.start();
    return this.live;
  }

  private async heldBy(jobId: number, worker: WorkerProcess): Promise<number> {
    const rows = await this.f.app.driver.db.selectFrom('job_tasks').select('id').where('job_id', '=', jobId).where('lease_owner', '=', worker.id).where('state', '=', 'running').execute();
    return rows.length;
  }

  /**
   * Whether `worker` is at the kill point: it holds a task of the job, and
   * the job has `atItems` items done, or what it holds is all the job has
   * left (planned, no other task): a point past it would come only after the end.
   */
  private async atPoint(job: Job, worker: WorkerProcess, atItems: number): Promise<boolean> {
    const tasks = await this.f.app.driver.db.selectFrom('job_tasks').select(['lease_owner', 'state']).where('job_id', '=', job.id).execute();
    const held = tasks.filter((t) => t.state === 'running' && t.lease_owner === worker.id).length;
    if (held === 0) return false;
    return doneOf(job) >= atItems || (job.planned && held === tasks.length);
  }

  private async untilPoint(jobId: number, worker: WorkerProcess, atItems: number, context: () => string): Promise<void> {
    const deadline = Date.now() + 120_000;
    for (;;) {
      const job = (await this.f.app.store.jobGetById(jobId))!;
      if (FINAL_STATUSES.includes(job.status)) throw new Error(`${context()}: the job ended (${job.status}, ${doneOf(job)} items) before the kill at ${atItems} items`);
      if (await this.atPoint(job, worker, atItems)) return;
      if (worker.child.exitCode !== null || worker.child.signalCode !== null) throw new Error(`${context()}: the worker died on its own:\n${worker.output().slice(-3000)}`);
      if (Date.now() > deadline) throw new Error(`${context()}: no kill point at ${atItems} items after 120 s: ${JSON.stringify(job.counts)}\n${worker.output().slice(-3000)}`);
      await sleep(5);
    }
  }

  /**
   * Runs `jobId` (which counts `total` items) through the trials' kills at
   * progress points drawn from `seed`, then to its end; returns the ended job.
   * A child left running by a previous run (on this test's database) works on
   * until the first kill. The last child keeps running afterwards.
   */
  async run(jobId: number, o: { total: number; seed: number }): Promise<Job> {
    const kills = this.kills;
    // Every child this run needs, loading from now on (a child left running by a previous run is the first).
    this.boot(kills + (this.live ? 0 : 1));
    const random = mulberry32(o.seed);
    // A fifth of the points at 0: the child's first task (a fresh job's planning, or the takeover itself).
    const points = Array.from({ length: kills }, () => Math.floor(Math.max(0, random() * 1.25 - 0.25) * KILL_SPAN * o.total)).sort((a, b) => a - b);
    const records: KillRecord[] = [];
    const context = () => `seed ${o.seed}, job ${jobId} of ${o.total} items, kills ${JSON.stringify(records)}`;
    for (const atItems of points) {
      const worker = this.live ?? (await this.takeOver());
      await this.untilPoint(jobId, worker, atItems, context);
      const delayMs = Math.floor((random() * this.taskDelayMs) / 4);
      await sleep(delayMs);
      await kill9(worker);
      this.live = undefined;
      const job = (await this.f.app.store.jobGetById(jobId))!;
      records.push({ atItems, delayMs, done: doneOf(job), status: job.status, heldTasks: await this.heldBy(jobId, worker) });
    }
    // Each kill interrupted the job, and at least one a task in hand: otherwise the trial proved nothing.
    expect(records.filter((r) => FINAL_STATUSES.includes(r.status)), context()).toEqual([]);
    expect(records.some((r) => r.heldTasks > 0), context()).toBe(true);
    const last = await this.takeOver();
    try {
      return await this.f.waitFor(jobId, 120_000);
    } catch (error) {
      const tasks = await this.f.app.driver.db.selectFrom('job_tasks').select(['id', 'phase', 'kind', 'state', 'attempts', 'run_after', 'fence', 'lease_owner', 'lease_until']).execute();
      throw new Error(`${(error as Error).message}\n${context()}\nnow ${Date.now()} tasks: ${JSON.stringify(tasks)}\nworker output:\n${last.output().slice(-3000)}`);
    }
  }

  /** Stops the running child (SIGTERM, it drains) and kills the ones waiting. */
  async stop(): Promise<void> {
    const { live } = this;
    this.live = undefined;
    const waiting = this.standby.splice(0);
    if (live) await stop(live);
    await Promise.all(waiting.map((w) => w.dispose()));
  }
}

/** Completed with every item succeeded exactly once (a re-applied chunk would count skipped, fail, or duplicate). */
export function expectClean(job: Job, total: number, seed: number): void {
  const context = `seed ${seed}: ${JSON.stringify(job.counts)}`;
  expect(job.status, context).toBe('completed');
  expect(job.counts, context).toMatchObject({ total, succeeded: total, failed: 0, skipped: 0, remaining: 0 });
}

export interface CrashSetup {
  /** Kills per run: each run takes `kills + 1` children. */
  kills: number;
  /** A second storage location, `second`, in a directory of its own, and the library `Other` on it. */
  secondStorage?: boolean;
  /** A directory made for the test (its real path) and given as BATCHYARD_IMPORT_ROOTS. */
  importRoot?: boolean;
  /** How long each items task waits inside its transaction (default 200 ms): the room a kill lands in. */
  taskDelayMs?: number;
  /** Tasks a child runs at once (default 1). */
  concurrency?: number;
}

export interface CrashContext {
  readonly f: EngineFixture;
  /** The library `Main`, on the default storage. */
  readonly lib: string;
  /** `Other`, on storage `second` (secondStorage). */
  readonly other: string;
  /** The import root (importRoot). */
  readonly root: string;
  readonly trials: CrashTrials;
  /** This test's seed: CRASH_SEED if set, else drawn from the clock. */
  readonly seed: number;
}

/** Gives each test of the enclosing describe a fresh engine fixture, its libraries and directories, and a crash trial runner. */
export function useCrashTrials(factory: DriverFactory, setup: CrashSetup): CrashContext {
  let current: (CrashContext & { dirs: string[] }) | undefined;
  beforeEach(async () => {
    const dirs: string[] = [];
    const env: Record<string, string> = {};
    if (setup.secondStorage) {
      const second = fs.mkdtempSync(path.join(os.tmpdir(), 'by-crash-second-'));
      dirs.push(second);
      env.BATCHYARD_STORAGES = `second=${second}`;
    }
    let root = '';
    if (setup.importRoot) {
      root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'by-crash-import-')));
      dirs.push(root);
      env.BATCHYARD_IMPORT_ROOTS = root;
    }
    const f = await engineFixture(factory, env);
    const lib = await f.library('Main');
    const other = setup.secondStorage ? await f.library('Other', { objectStorageLocation: 'second' }) : '';
    const taskDelayMs = setup.taskDelayMs ?? 200;
    const children = await childEnv(f.t, { ...env, BATCHYARD_TEST_TASK_DELAY_MS: String(taskDelayMs), BATCHYARD_WORKER_CONCURRENCY: String(setup.concurrency ?? 1) });
    const seed = process.env.CRASH_SEED ? Number(process.env.CRASH_SEED) : Date.now() % 100_000;
    current = { f, lib, other, root, trials: new CrashTrials(f, children, taskDelayMs, setup.kills), seed, dirs };
  });
  afterEach(async () => {
    if (!current) return;
    const { trials, f, dirs } = current;
    current = undefined;
    await trials.stop();
    await f.dispose();
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });
  const get = (): CrashContext => {
    if (!current) throw new Error('useCrashTrials: only inside a test');
    return current;
  };
  return {
    get f() {
      return get().f;
    },
    get lib() {
      return get().lib;
    },
    get other() {
      return get().other;
    },
    get root() {
      return get().root;
    },
    get trials() {
      return get().trials;
    },
    get seed() {
      return get().seed;
    },
  };
}
