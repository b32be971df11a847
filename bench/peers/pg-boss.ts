/**
 * pg-boss draining no-op jobs on the local PostgreSQL, with batch fetch: one
 * `work()` loop fetching 100 jobs at a time, completing each batch with one
 * statement after the (no-op) handler.
 */
import PgBoss from 'pg-boss';
import { chunks, countdown, drainResult, dropDatabase, freshDatabase, installedVersion, now, secondsSince, waitUntil } from './common.js';
import type { DrainResult } from './types.js';

const DATABASE = 'batchyard_bench_pgboss';
const ENQUEUE_BATCH = 10_000;
const QUEUE = 'noop';

export interface PgBossDrainOptions {
  batchSize?: number;
  pollingIntervalSeconds?: number;
  /**
   * pg-boss 10's work loop sleeps out the polling interval after every fetch,
   * full or not, which caps one loop at batchSize / pollingInterval jobs/s.
   * When set, the handler calls `boss.notifyWorker()` after a full batch so the
   * loop fetches again at once; the interval then only applies once the queue
   * has run dry.
   */
  refetchWhenFull?: boolean;
}

export async function drainNoop(jobs: number, options: PgBossDrainOptions = {}): Promise<DrainResult> {
  const batchSize = options.batchSize ?? 100;
  const pollingIntervalSeconds = options.pollingIntervalSeconds ?? 0.5;
  const refetchWhenFull = options.refetchWhenFull ?? true;
  const connectionString = await freshDatabase(DATABASE);
  const settings = {
    database: 'PostgreSQL 15, fresh database, same machine',
    workLoops: 1,
    batchSize,
    pollingIntervalSeconds,
    refetchWhenFull,
    poolMax: 10,
    queuePolicy: 'standard',
    enqueue: `PgBoss.insert, ${ENQUEUE_BATCH} per call`,
    payload: '{}',
  };
  const boss = new PgBoss({ connectionString, max: settings.poolMax });
  let bossError: Error | undefined;
  boss.on('error', (e) => {
    bossError ??= e;
  });
  let executed: ReturnType<typeof countdown> | undefined;
  try {
    await boss.start();
    await boss.createQueue(QUEUE, { name: QUEUE, policy: 'standard' });

    const enqueueStart = now();
    for (const [start, end] of chunks(jobs, ENQUEUE_BATCH)) {
      await boss.insert(Array.from({ length: end - start }, () => ({ name: QUEUE, data: {} })));
    }
    const enqueueSeconds = secondsSince(enqueueStart);

    const done = countdown(jobs, 'pg-boss jobs executed');
    executed = done;
    const loop = { id: '' }; // known once work() returns, before its first fetch comes back
    const drainStart = now();
    loop.id = await boss.work(QUEUE, { batchSize, pollingIntervalSeconds }, async (batch) => {
      done.tick(batch.length);
      if (refetchWhenFull && batch.length === batchSize && loop.id) boss.notifyWorker(loop.id);
    });
    await done.done;
    // pg-boss completes a batch after its handler returns without awaiting it: wait until no job is left before 'completed'.
    await waitUntil('pg-boss completions to be written', async () => {
      if (bossError) throw bossError;
      return (await boss.getQueueSize(QUEUE, { before: 'completed' })) === 0;
    }, 5);
    const drainSeconds = secondsSince(drainStart);
    if (bossError) throw bossError;
    return drainResult({ system: 'pg-boss', version: installedVersion('pg-boss'), jobs, settings, enqueueSeconds, drainSeconds });
  } finally {
    executed?.dispose();
    await boss.stop({ graceful: true, wait: true, timeout: 10_000 });
    await dropDatabase(DATABASE);
  }
}
