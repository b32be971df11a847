/**
 * BullMQ draining no-op jobs on the local Redis: one Worker, concurrency 50,
 * jobs removed on completion. Keys live under a prefix unique to the run and
 * the queue is obliterated at the end (never FLUSHALL: the Redis is shared).
 */
import crypto from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import { chunks, countdown, drainResult, installedVersion, now, secondsSince } from './common.js';
import type { DrainResult } from './types.js';

const ENQUEUE_BATCH = 10_000;
const QUEUE = 'noop';

export async function drainNoop(jobs: number): Promise<DrainResult> {
  const redisUrl = new URL(process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379');
  const connection = { host: redisUrl.hostname, port: Number(redisUrl.port || 6379) };
  const prefix = `batchyard-bench-${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
  const settings = {
    backend: 'Redis 7, same machine',
    client: `ioredis ${installedVersion('ioredis')}`,
    workers: 1,
    concurrency: 50,
    removeOnComplete: true,
    enqueue: `Queue.addBulk, ${ENQUEUE_BATCH} per call`,
    payload: '{}',
  };
  const queue = new Queue(QUEUE, { connection, prefix, defaultJobOptions: { removeOnComplete: settings.removeOnComplete } });
  let worker: Worker | undefined;
  let completed: ReturnType<typeof countdown> | undefined;
  try {
    await queue.waitUntilReady();
    const enqueueStart = now();
    for (const [start, end] of chunks(jobs, ENQUEUE_BATCH)) {
      await queue.addBulk(Array.from({ length: end - start }, () => ({ name: 'noop', data: {} })));
    }
    const enqueueSeconds = secondsSince(enqueueStart);

    const done = countdown(jobs, 'BullMQ jobs completed');
    completed = done;
    const drainStart = now();
    worker = new Worker(QUEUE, async () => {}, { connection, prefix, concurrency: settings.concurrency });
    // 'completed' fires once the job has been moved to completed (here: removed) in Redis.
    worker.on('completed', () => done.tick());
    worker.on('failed', (_job, err) => done.fail(new Error(`BullMQ job failed: ${err.message}`)));
    worker.on('error', (err) => done.fail(err));
    await done.done;
    const drainSeconds = secondsSince(drainStart);
    return drainResult({ system: 'BullMQ', version: installedVersion('bullmq'), jobs, settings, enqueueSeconds, drainSeconds });
  } finally {
    completed?.dispose();
    await worker?.close();
    await queue.obliterate({ force: true });
    await queue.close();
  }
}
