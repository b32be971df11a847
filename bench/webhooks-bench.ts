/**
 * Issue 12's webhook target: 1,000 deliveries to a local receiver, all delivered once, p99
 * from job end to delivery under 1 s. `npm run bench -- webhooks [sqlite] [postgres]`
 * (BENCH_WEBHOOK_JOBS, default 1,000): a `batchyard serve` (built, its own process, the
 * engine on its thread on SQLite) with BATCHYARD_WEBHOOK_ALLOW_HOSTS=127.0.0.1, a webhook
 * for `job.completed` pointing at a node:http receiver in this process, and that many
 * one-item noop jobs, submitted twice over: at a steady rate (BENCH_WEBHOOK_RATE jobs/s,
 * default 50), and as a burst (20 at a time, each batch as soon as the last was accepted).
 * A delivery's latency is its arrival at the receiver minus the job's `finishedAt` (in the
 * message: the `now` the transaction that ended the job read once it held the connection),
 * both read from this machine's clock. The steady rate measures the delivery path; the burst
 * keeps the engine saturated, so it also measures whether the sender gets its turns on the
 * engine's thread (SQLite) while tasks are always ready.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLibrary, disposeTarget } from './engine-bench.js';
import { startTarget, type DbKind } from './lib/engine-target.js';
import { expectStatus } from './lib/file-tree.js';

const JOBS = Number(process.env.BENCH_WEBHOOK_JOBS ?? 1_000);
const RATE = Number(process.env.BENCH_WEBHOOK_RATE ?? 50);
const SUBMIT_BATCH = 20;

export interface WebhooksRun {
  db: DbKind;
  /** Jobs per second submitted, or 'burst'. */
  rate: number | 'burst';
  jobs: number;
  delivered: number;
  /** Messages that arrived more than once (same webhook-id). */
  duplicates: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  /** From the first submit to the last delivery. */
  wallSeconds: number;
}

const log = (s: string) => process.stderr.write(`webhooks: ${s}\n`);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function runOne(db: DbKind, jobs: number, rate: number | 'burst'): Promise<WebhooksRun> {
  const arrivals = new Map<string, { at: number; finishedAt: number }>();
  let duplicates = 0;
  let done: () => void = () => {};
  const all = new Promise<void>((resolve) => (done = resolve));
  const receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = Date.now();
      res.writeHead(204).end();
      const id = String(req.headers['webhook-id']);
      if (arrivals.has(id)) duplicates++;
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { data: { finishedAt: string } };
      arrivals.set(id, { at, finishedAt: Date.parse(body.data.finishedAt) });
      if (arrivals.size >= jobs) done();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const port = (receiver.address() as AddressInfo).port;
  const t = await startTarget(db, { env: { BATCHYARD_WEBHOOK_ALLOW_HOSTS: '127.0.0.1' } });
  try {
    const libraryId = await createLibrary(t, 'webhooks');
    expectStatus(await t.api('POST', '/api/v1/webhooks', { url: `http://127.0.0.1:${port}/hook`, events: ['job.completed'] }), 201, 'create webhook');
    log(`${db}: ${jobs} noop jobs, ${rate === 'burst' ? 'a burst' : `${rate} a second`}`);
    const started = Date.now();
    for (let i = 0; i < jobs; i += SUBMIT_BATCH) {
      const n = Math.min(SUBMIT_BATCH, jobs - i);
      if (rate !== 'burst') {
        const due = started + (i * 1000) / rate;
        if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
      }
      await Promise.all(Array.from({ length: n }, async () => expectStatus(await t.jobsApi('POST', '/api/v1/jobs', { type: 'noop', libraryId, params: { count: 1 } }), 202, 'submit')));
    }
    const timer = setTimeout(() => done(), 300_000);
    await all;
    clearTimeout(timer);
    const wallSeconds = (Date.now() - started) / 1000;
    // Anything late or repeated arrives within a moment; the count is taken after it.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const latencies = [...arrivals.values()].map((a) => a.at - a.finishedAt).sort((a, b) => a - b);
    return {
      db,
      rate,
      jobs,
      delivered: arrivals.size,
      duplicates,
      latencyMs: { p50: percentile(latencies, 50), p90: percentile(latencies, 90), p99: percentile(latencies, 99), max: latencies.at(-1)! },
      wallSeconds,
    };
  } finally {
    await disposeTarget(t);
    receiver.closeAllConnections();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  }
}

export async function runWebhooksBench(dbs: DbKind[]): Promise<{ runs: WebhooksRun[] }> {
  const runs: WebhooksRun[] = [];
  for (const db of dbs) {
    runs.push(await runOne(db, JOBS, RATE));
    runs.push(await runOne(db, JOBS, 'burst'));
  }
  return { runs };
}

export function webhooksTable(r: { runs: WebhooksRun[] }): string[] {
  return [
    '| database | submitted | jobs | delivered | duplicates | p50 | p90 | p99 | max | p99 < 1 s, all once |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...r.runs.map(
      (x) =>
        `| ${x.db} | ${x.rate === 'burst' ? 'burst' : `${x.rate}/s`} | ${x.jobs} | ${x.delivered} | ${x.duplicates} | ${x.latencyMs.p50} ms | ${x.latencyMs.p90} ms | ${x.latencyMs.p99} ms | ${x.latencyMs.max} ms | ${x.latencyMs.p99 < 1000 && x.delivered === x.jobs && x.duplicates === 0 ? 'met' : 'not met'} |`,
    ),
  ];
}
