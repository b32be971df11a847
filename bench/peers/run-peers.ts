/**
 * Issue 3's engine-overhead benchmark, peer half: the same number of no-op
 * jobs drained by graphile-worker and pg-boss (local PostgreSQL) and BullMQ
 * (local Redis), one after the other in this process. batchyard's own engine
 * adds its row (same DrainResult shape) when it exists.
 */
import { drainNoop as graphileWorker } from './graphile-worker.js';
import { drainNoop as bullmq } from './bullmq.js';
import { drainNoop as pgBoss } from './pg-boss.js';
import type { DrainResult } from './types.js';

export const peers: Record<string, (jobs: number) => Promise<DrainResult>> = {
  'graphile-worker': graphileWorker,
  bullmq,
  'pg-boss': pgBoss,
};

/** Runs every peer (or those named in BENCH_PEERS, comma-separated) sequentially. */
export async function runPeersBench(jobs: number): Promise<DrainResult[]> {
  const names = process.env.BENCH_PEERS ? process.env.BENCH_PEERS.split(',').map((s) => s.trim()) : Object.keys(peers);
  const results: DrainResult[] = [];
  for (const name of names) {
    const drain = peers[name];
    if (!drain) throw new Error(`unknown peer '${name}' (known: ${Object.keys(peers).join(', ')})`);
    process.stderr.write(`peers: ${name}, ${jobs} no-op jobs…\n`);
    const result = await drain(jobs);
    process.stderr.write(`peers: ${name}: enqueue ${result.enqueueSeconds} s, drain ${result.drainSeconds} s, ${result.jobsPerSecond} jobs/s\n`);
    results.push(result);
  }
  return results;
}

/** The markdown table of BENCHMARKS.md for a list of drain results. */
export function drainTable(results: DrainResult[]): string[] {
  const settings = (s: Record<string, unknown>) =>
    Object.entries(s)
      .filter(([k]) => !['database', 'backend', 'payload', 'enqueue'].includes(k))
      .map(([k, v]) => `${k} ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
      .join(', ');
  return [
    '| system | version | settings | enqueue s | drain s | jobs/s |',
    '|---|---|---|---|---|---|',
    ...results.map((r) => `| ${r.system} | ${r.version} | ${settings(r.settings)} | ${r.enqueueSeconds} | ${r.drainSeconds} | **${r.jobsPerSecond.toLocaleString('en-US')}** |`),
  ];
}
