/**
 * Kill -9 trials: a job runs in `batchyard worker` child processes that are
 * killed with SIGKILL at random moments (replayable from a seed), then one
 * more runs it to the end. A trial proves something only if a kill landed
 * while the job was still running; `runThroughCrashes` checks that.
 */
import { expect } from 'vitest';
import type { EngineFixture } from '../support/engine.js';
import { kill9, spawnWorker, type WorkerProcess } from '../support/worker-process.js';
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

export interface CrashTrial {
  f: EngineFixture;
  /** The child processes' environment (childEnv). */
  env: Record<string, string>;
  /** Live workers, stopped by the test's afterEach. */
  workers: WorkerProcess[];
}

/** Runs `jobId` in worker processes killed `kills` times at random points, then to its end; returns the ended job. */
export async function runThroughCrashes(trial: CrashTrial, jobId: number, seed: number, kills = 3): Promise<Job> {
  const { f, env, workers } = trial;
  const random = mulberry32(seed);
  let midJob = 0;
  for (let kill = 0; kill < kills; kill++) {
    const worker = await spawnWorker(env);
    workers.push(worker);
    const wait = 50 + Math.floor(random() * 400);
    await new Promise((resolve) => setTimeout(resolve, wait));
    await kill9(worker);
    workers.splice(workers.indexOf(worker), 1);
    const state = (await f.app.store.jobGetById(jobId))!;
    if (!FINAL_STATUSES.includes(state.status)) midJob++;
  }
  // Otherwise the trial proved nothing: at least one kill must land while the job runs.
  expect(midJob, `seed ${seed}`).toBeGreaterThan(0);
  const last = await spawnWorker(env);
  workers.push(last);
  try {
    return await f.waitFor(jobId, 120_000);
  } catch (error) {
    const tasks = await f.app.driver.db.selectFrom('job_tasks').select(['id', 'phase', 'kind', 'state', 'attempts', 'run_after', 'fence', 'lease_owner', 'lease_until']).execute();
    throw new Error(`${(error as Error).message}\nnow ${Date.now()} tasks: ${JSON.stringify(tasks)}\nworker output:\n${last.output().slice(-3000)}`);
  }
}

/** Completed with every item succeeded exactly once (a re-applied chunk would count skipped, fail, or duplicate). */
export function expectClean(job: Job, total: number, seed: number): void {
  const context = `seed ${seed}: ${JSON.stringify(job.counts)}`;
  expect(job.status, context).toBe('completed');
  expect(job.counts, context).toMatchObject({ total, succeeded: total, failed: 0, skipped: 0, remaining: 0 });
}

export interface SnapshotRow {
  id: number;
  path: string;
  kind: 'file' | 'folder';
  sha256: string | null;
  trashed: boolean;
  root: number | null;
}

/** Every item row of a library (live and trashed), in id order. */
export async function snapshot(f: EngineFixture, libraryId: string): Promise<SnapshotRow[]> {
  const rows = await f.app.driver.db
    .selectFrom('items')
    .select(['id', 'path', 'kind', 'sha256', 'trashed_at', 'trash_root_id'])
    .where('library_id', '=', libraryId)
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ id: Number(r.id), path: r.path, kind: r.kind, sha256: r.sha256, trashed: r.trashed_at !== null, root: r.trash_root_id === null ? null : Number(r.trash_root_id) }));
}

/** Blob reference counts of a storage location (rows at 0 or below left out: nothing references them). */
export async function refcounts(f: EngineFixture, storage: string): Promise<Map<string, number>> {
  const rows = await f.app.driver.db.selectFrom('blobs').select(['sha256', 'refcount']).where('storage', '=', storage).where('refcount', '>', 0).execute();
  return new Map(rows.map((r) => [r.sha256, Number(r.refcount)]));
}

/** The reference counts a set of file rows implies: one per file per content. */
export function expectedRefs(rows: ReadonlyArray<{ kind: string; sha256: string | null; trashed?: boolean }>): Map<string, number> {
  const refs = new Map<string, number>();
  for (const row of rows) if (row.kind === 'file' && row.sha256) refs.set(row.sha256, (refs.get(row.sha256) ?? 0) + 1);
  return refs;
}
