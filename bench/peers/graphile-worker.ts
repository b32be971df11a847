/**
 * graphile-worker draining no-op jobs, with the configuration of graphile-worker's
 * own performance page (concurrentJobs 24, maxPoolSize 25, localQueue 500,
 * completeJobBatchDelay 0, failJobBatchDelay 0), in one runner in this process.
 */
import pg from 'pg';
import { Logger, makeWorkerUtils, run, type Runner, type WorkerUtils } from 'graphile-worker';
import { chunks, countdown, drainResult, dropDatabase, freshDatabase, installedVersion, now, secondsSince, waitUntil } from './common.js';
import type { DrainResult } from './types.js';

const DATABASE = 'batchyard_bench_gw';
const ENQUEUE_BATCH = 10_000;

/** Only warnings and errors: the default logger prints a line per job. */
const quietLogger = new Logger(() => (level, message) => {
  const l = String(level);
  if (l === 'error' || l === 'warning') process.stderr.write(`graphile-worker ${l}: ${message}\n`);
});

export async function drainNoop(jobs: number): Promise<DrainResult> {
  const connectionString = await freshDatabase(DATABASE);
  const settings = {
    database: 'PostgreSQL 15, fresh database, same machine',
    runners: 1,
    concurrentJobs: 24,
    maxPoolSize: 25,
    localQueue: { size: 500 },
    completeJobBatchDelay: 0,
    failJobBatchDelay: 0,
    pollInterval: 2000,
    enqueue: `WorkerUtils.addJobs, ${ENQUEUE_BATCH} per call`,
    payload: '{}',
  };
  let utils: WorkerUtils | undefined;
  let runner: Runner | undefined;
  let executed: ReturnType<typeof countdown> | undefined;
  try {
    utils = await makeWorkerUtils({ connectionString, logger: quietLogger });
    await utils.migrate();

    const enqueueStart = now();
    for (const [start, end] of chunks(jobs, ENQUEUE_BATCH)) {
      await utils.addJobs(Array.from({ length: end - start }, () => ({ identifier: 'noop', payload: {} })));
    }
    const enqueueSeconds = secondsSince(enqueueStart);
    await utils.release();
    utils = undefined;

    const done = countdown(jobs, 'graphile-worker jobs executed');
    executed = done;
    const check = new pg.Client({ connectionString });
    await check.connect();
    try {
      const drainStart = now();
      runner = await run({
        connectionString,
        logger: quietLogger,
        noHandleSignals: true,
        taskList: {
          noop: async () => {
            done.tick();
          },
        },
        preset: {
          worker: {
            concurrentJobs: settings.concurrentJobs,
            maxPoolSize: settings.maxPoolSize,
            localQueue: settings.localQueue,
            completeJobBatchDelay: settings.completeJobBatchDelay,
            failJobBatchDelay: settings.failJobBatchDelay,
            pollInterval: settings.pollInterval,
          },
        },
      });
      runner.promise.catch((e: unknown) => done.fail(e instanceof Error ? e : new Error(String(e))));
      await done.done;
      // Every task has run; completions are written in batches, so wait for the table to empty.
      await waitUntil('graphile-worker completions to be written', async () => (await check.query<{ n: number }>('SELECT count(*)::int AS n FROM graphile_worker._private_jobs')).rows[0]!.n === 0, 5);
      const drainSeconds = secondsSince(drainStart);
      return drainResult({ system: 'graphile-worker', version: installedVersion('graphile-worker'), jobs, settings, enqueueSeconds, drainSeconds });
    } finally {
      await check.end();
    }
  } finally {
    executed?.dispose();
    await runner?.stop();
    await utils?.release();
    await dropDatabase(DATABASE);
  }
}
