/** The markdown tables of BENCHMARKS.md's "Engine" section, from bench/results/engine.json's parts. */
import { drainTable } from './peers/run-peers.js';
import type { DrainResult } from './peers/types.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- the parts are read back from JSON */

const n = (x: number | null | undefined) => (x === null || x === undefined ? '—' : x.toLocaleString('en-US'));

export function engineReport(parts: Record<string, any>): string[] {
  const out: string[] = [];
  const noop = parts.noop;
  if (noop) {
    out.push(`### Engine overhead (${noop.date}: \`${noop.command}\`)`, '');
    out.push('| db | trials: wall s (items/s) | median items/s | × best peer |', '|---|---|---|---|');
    for (const o of noop.ours) {
      out.push(
        `| ${o.db} | ${o.trials.map((t: any) => `${t.wallSeconds} (${n(t.itemsPerSecondWall)})`).join(', ')} | **${n(o.medianItemsPerSecond)}** | ${noop.ratioToBestPeer?.[o.db] ?? '—'} |`,
      );
    }
    out.push('', ...drainTable([...noop.ours.map((o: any) => o.drain as DrainResult), ...(noop.peers as DrainResult[])]), '');
  }
  const tree = parts.tree;
  if (tree) {
    out.push(`### trash → restore → purge of a ${n(tree.items)}-item tree (${tree.date}: \`${tree.command}\`)`, '');
    out.push('| db | job | status | items (failed) | run s (items/s) | wall s (items/s) | peak RSS MiB (sampled / VmHWM) |', '|---|---|---|---|---|---|---|');
    for (const r of tree.runs) {
      for (const j of r.jobs) {
        out.push(
          `| ${r.db} | ${j.type} | ${j.status} | ${n(j.items)} (${n(j.counts.failed)}) | ${j.runSeconds} (**${n(j.itemsPerSecondRun)}**) | ${j.wallSeconds} (${n(j.itemsPerSecondWall)}) | ${j.memory.peakSampledRssMiB} / ${j.memory.vmHwmMiB} |`,
        );
      }
    }
    out.push('');
  }
  const list = parts.list;
  if (list) {
    out.push(`### GET /api/v1/jobs over ${n(list.jobs)} jobs (${list.date}: \`${list.command}\`)`, '');
    out.push('| db | load | p50 / p90 / p99 ms | pages/s | % of bare | % of native, same filter | non-2xx / errors (timeouts) |', '|---|---|---|---|---|---|---|');
    for (const r of list.runs) {
      for (const l of r.loads) {
        out.push(
          `| ${r.db} | ${l.label} | ${l.latencyMs.p50} / ${l.latencyMs.p90} / **${l.latencyMs.p99}** | ${n(l.pagesPerSecond)} | ${l.percentOfBare ?? '—'} | ${l.percentOfNative === undefined ? '—' : `**${l.percentOfNative}**`} | ${l.non2xx} / ${l.errors}${l.timeouts ? ` (${l.timeouts})` : ''} |`,
        );
      }
    }
    out.push('');
    for (const r of list.runs) {
      for (const l of r.loads.filter((x: any) => x.pool)) {
        out.push(`- ${r.db}, ${l.label}: ${l.pool.how}; pool ${n(l.pool.size)} pages, ${l.pool.full} of ${l.pool.checked} sampled full (min ${l.pool.minJobs} jobs)`);
      }
      for (const w of r.walks.perFilter ?? []) {
        out.push(`- ${r.db}, walk ${w.what}: ${n(w.pages)} pages of ${w.pageSize} (${n(w.jobs)} jobs, ${w.shortPages} short) in ${w.seconds} s, slowest page ${w.slowestPageMs} ms`);
      }
    }
    out.push('');
    for (const r of list.runs) {
      const b = r.bigJob;
      if (!b) continue;
      out.push(
        `- ${r.db}: the noop job (${n(b.count)} items) ran ${n(b.itemsPerSecondDuringLoad)} items/s under the load; first items after ${b.secondsToFirstItems} s; cancelled in ${b.cancelSeconds} s (${b.endedAs}); cursor walks: status ${r.walks.status.pages} pages of 1000 in ${r.walks.status.seconds} s (slowest ${r.walks.status.slowestPageMs} ms)`,
      );
    }
    out.push('');
  }
  const copy = parts.copy;
  if (copy) {
    out.push(`### Cross-library copy (${copy.date}: \`${copy.command}\`)`, '');
    if (copy.skipped) out.push(`Not measured: ${copy.skipped}`, '');
    for (const r of copy.runs ?? []) {
      out.push(
        `- ${r.db}: ${n(r.files)} files of ${r.bytesEach} B: copy job ${r.job.wallSeconds} s wall (${r.job.status}); \`cp -r\` ${r.cp.seconds} s, \`cp -r\` + sync ${r.cpSync.seconds} s → **${r.ratioToCpSync}×** cp -r + sync (${r.ratioToCp}× cp -r alone)`,
      );
    }
    out.push('');
  }
  return out;
}
