/**
 * `npm run bench`: runs the benchmarks, writes bench/results/<name>.json and
 * prints the markdown table that goes into BENCHMARKS.md.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeMachine } from './lib/machine.js';
import { runPlatformBench } from './platform-bench.js';
import { drainTable, runPeersBench } from './peers/run-peers.js';

const resultsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bench/results');

/** Issue 3's engine-overhead peers: BENCH_JOBS (default 100,000) no-op jobs drained by each peer. */
async function peers() {
  const jobs = Number(process.env.BENCH_JOBS ?? 100_000);
  const runs = await runPeersBench(jobs);
  const command = `${process.env.BENCH_JOBS ? `BENCH_JOBS=${process.env.BENCH_JOBS} ` : ''}${process.env.BENCH_PEERS ? `BENCH_PEERS=${process.env.BENCH_PEERS} ` : ''}npm run bench -- peers`;
  const result = { benchmark: 'peers', date: new Date().toISOString(), command, machine: describeMachine(), jobs, runs };
  fs.mkdirSync(resultsDir, { recursive: true });
  const file = path.join(resultsDir, 'peers.json');
  fs.writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  process.stdout.write(`${JSON.stringify(result.machine)}\n${drainTable(runs).join('\n')}\n(wrote ${path.relative(process.cwd(), file)})\n`);
}

async function main() {
  const which = process.argv[2] ?? 'platform';
  if (which === 'peers') return peers();
  if (which !== 'platform') throw new Error(`unknown benchmark '${which}' (known: platform, peers)`);
  const runs = [];
  for (const db of ['sqlite', 'postgres'] as const) {
    process.stderr.write(`platform benchmark on ${db}…\n`);
    runs.push(await runPlatformBench(db));
  }
  const result = { benchmark: 'platform', date: new Date().toISOString(), command: 'npm run bench -- platform', machine: describeMachine(), runs };
  fs.mkdirSync(resultsDir, { recursive: true });
  const file = path.join(resultsDir, 'platform.json');
  fs.writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  const lines = [
    '| db | upload 10k × 4 KiB: files/s | bare fs ceiling: writes/s | list page of 50, 8 conn: p50 / p90 / p99 ms | pages/s | bare route: p99 ms, pages/s |',
    '|---|---|---|---|---|---|',
    ...runs.map(
      (r) =>
        `| ${r.db} | ${r.upload.filesPerSecond} (${r.upload.failures} failed) | ${r.upload.bareFsCeiling.writesPerSecond} | ${r.list.latencyMs.p50} / ${r.list.latencyMs.p90} / ${r.list.latencyMs.p99} | ${r.list.pagesPerSecond} | ${r.bareList.latencyMs.p99}, ${r.bareList.pagesPerSecond} |`,
    ),
  ];
  process.stdout.write(`${JSON.stringify(result.machine)}\n${lines.join('\n')}\n(wrote ${path.relative(process.cwd(), file)})\n`);
}

await main();
