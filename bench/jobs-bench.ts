/**
 * Issue 13's many-small-jobs comparison: BENCH_SMALL_JOBS (default 100,000) independent noop
 * jobs of one item each, submitted through `POST /api/v1/jobs/batch` in batches of 1,000 and
 * drained by `batchyard serve` (its own process, its engine), on SQLite and PostgreSQL; the
 * peers (bench/peers) drain the same number of no-op jobs in the same run.
 *
 * batchyard's clock runs from the first batch's POST until no job is left active (its engine
 * works while batches still arrive), so its time includes the enqueue a peer's drain does not.
 */
import { createLibrary, disposeTarget, expectStatus, openSeedSql } from './engine-bench.js';
import { startTarget, type DbKind } from './lib/engine-target.js';
import { now, round, secondsSince, sleep } from './peers/common.js';
import { runPeersBench } from './peers/run-peers.js';
import type { DrainResult } from './peers/types.js';
import { serverBuild } from './lib/engine-target.js';

const SMALL_JOBS = Number(process.env.BENCH_SMALL_JOBS ?? 100_000);
const BATCH = 1_000;
const TIMEOUT_MS = Number(process.env.BENCH_JOB_TIMEOUT_S ?? 900) * 1000;

function log(line: string) {
  process.stderr.write(`jobs: ${line}\n`);
}

export interface SmallJobsRun {
  db: DbKind;
  jobs: number;
  /** POSTs of every batch, one after the other. */
  enqueueSeconds: number;
  /** First POST → no job active. */
  wallSeconds: number;
  jobsPerSecond: number;
  completed: number;
  drain: DrainResult;
}

async function drainOurs(db: DbKind): Promise<SmallJobsRun> {
  const t = await startTarget(db, { pgName: 'batchyard_bench_small_jobs' });
  try {
    const libraryId = await createLibrary(t, 'small-jobs');
    const sql = await openSeedSql(t);
    try {
      const entry = { type: 'noop', libraryId, params: { count: 1 } };
      const start = now();
      for (let sent = 0; sent < SMALL_JOBS; sent += BATCH) {
        const n = Math.min(BATCH, SMALL_JOBS - sent);
        expectStatus(await t.jobsApi('POST', '/api/v1/jobs/batch', { jobs: Array.from({ length: n }, () => entry) }), 202, `batch at ${sent}`);
      }
      const enqueueSeconds = secondsSince(start);
      log(`${db}: ${SMALL_JOBS} jobs submitted in ${round(enqueueSeconds, 2)} s`);
      const deadline = Date.now() + TIMEOUT_MS;
      for (;;) {
        const [row] = await sql.all<{ n: number }>(`SELECT count(*) AS n FROM jobs WHERE status IN ('queued', 'planning', 'running', 'cancelling')`);
        if (Number(row!.n) === 0) break;
        if (Date.now() > deadline) throw new Error(`${db}: ${row!.n} jobs still active after ${TIMEOUT_MS / 1000} s`);
        await sleep(50);
      }
      const wallSeconds = secondsSince(start);
      const [done] = await sql.all<{ n: number }>(`SELECT count(*) AS n FROM jobs WHERE status = 'completed'`);
      const completed = Number(done!.n);
      if (completed !== SMALL_JOBS) log(`${db}: only ${completed} of ${SMALL_JOBS} jobs completed`);
      const jobsPerSecond = Math.round(SMALL_JOBS / wallSeconds);
      log(`${db}: drained in ${round(wallSeconds, 2)} s, ${jobsPerSecond} jobs/s`);
      const build = serverBuild();
      return {
        db,
        jobs: SMALL_JOBS,
        enqueueSeconds: round(enqueueSeconds, 3),
        wallSeconds: round(wallSeconds, 3),
        jobsPerSecond,
        completed,
        drain: {
          system: `batchyard (${db === 'sqlite' ? 'SQLite' : 'PostgreSQL'})`,
          version: `${build.commit}${build.dirtySrc ? '+' : ''}`,
          jobs: SMALL_JOBS,
          settings: {
            server: 'batchyard serve, own process',
            workerConcurrency: Number(t.env.BATCHYARD_WORKER_CONCURRENCY ?? 8),
            submit: `POST /api/v1/jobs/batch, ${BATCH} per call, engine running meanwhile (drain includes enqueue)`,
            job: 'noop {count: 1}',
          },
          enqueueSeconds: round(enqueueSeconds, 3),
          drainSeconds: round(wallSeconds, 3),
          jobsPerSecond,
        },
      };
    } finally {
      await sql.close();
    }
  } finally {
    await disposeTarget(t);
  }
}

export async function runJobsBench(dbs: DbKind[]) {
  const ours: SmallJobsRun[] = [];
  for (const db of dbs) ours.push(await drainOurs(db));
  const peers = process.env.BENCH_PEERS === 'none' ? [] : await runPeersBench(SMALL_JOBS);
  const best = peers.reduce<DrainResult | undefined>((b, p) => (!b || p.jobsPerSecond > b.jobsPerSecond ? p : b), undefined);
  return {
    jobs: SMALL_JOBS,
    ours,
    peers,
    bestPeer: best?.system ?? null,
    ratioToBestPeer: Object.fromEntries(ours.map((o) => [o.db, best ? round(o.jobsPerSecond / best.jobsPerSecond, 3) : null])),
    target: '≥ 2× the best peer’s jobs/s on both drivers',
  };
}

export function jobsTable(r: Awaited<ReturnType<typeof runJobsBench>>): string[] {
  return [
    '| system | version | enqueue s | drain s | jobs/s | × best peer |',
    '|---|---|---|---|---|---|',
    ...r.ours.map((o) => `| ${o.drain.system} | ${o.drain.version} | ${o.enqueueSeconds} | ${o.wallSeconds} | **${o.jobsPerSecond.toLocaleString('en-US')}** | ${r.ratioToBestPeer[o.db] ?? '–'} |`),
    ...r.peers.map((p) => `| ${p.system} | ${p.version} | ${p.enqueueSeconds} | ${p.drainSeconds} | ${p.jobsPerSecond.toLocaleString('en-US')} | ${p.system === r.bestPeer ? 'best' : ''} |`),
  ];
}
