/**
 * What `npm run bench:compare` compares: from each bench/results/*.json, every
 * benchmark's figure as a ratio to its reference measured in the same run (the
 * bare route, the disk's ceiling, `cp -r`, the best peer), which machine load
 * moves far less than the absolute figures; and, for one metric, the previous
 * recorded run of the same metric.
 */

/* eslint-disable @typescript-eslint/no-explicit-any -- the results are read back from JSON */

export interface Metric {
  /** Stable across runs: which figure of which benchmark, e.g. `platform/sqlite/list`. */
  key: string;
  benchmark: string;
  label: string;
  /** The ratio to the same-run reference (null where a run has no reference; `detail` still says what was measured). */
  value: number | null;
  unit: '%' | '×';
  better: 'higher' | 'lower';
  /** The figures the ratio is made of. */
  detail: string;
  /** The main absolute figure (pages/s, items/s…), compared too where a metric has no same-run reference. */
  absolute: number;
  /** Identifies the run the figure comes from (its start date), so a file that was not re-run is not compared with itself. */
  run: string;
  /** The commit of the server measured, where the results record it. */
  server?: string;
}

export interface Comparison {
  now: Metric;
  last?: Metric & { recordedIn: string };
  /** now ÷ last: of the ratios, or of the absolute figures for a metric with no same-run reference. */
  change?: number;
  /** A change of more than `threshold` (default 10 %) in the worse direction. */
  verdict: 'worse' | 'better' | 'same' | 'new' | 'no reference';
}

const n = (x: number) => Math.round(x).toLocaleString('en-US');
const pct = (a: number, b: number) => (b > 0 ? Math.round((1000 * a) / b) / 10 : null);
const times = (a: number, b: number) => (b > 0 ? Math.round((100 * a) / b) / 100 : null);
const dbName = (db: string) => (db === 'sqlite' ? 'SQLite' : db === 'postgres' ? 'PostgreSQL' : db);

function platform(json: any): Metric[] {
  const out: Metric[] = [];
  const base = { benchmark: 'platform', run: String(json.date) };
  for (const r of json.runs ?? []) {
    if (r.list && r.bareList) {
      out.push({
        ...base,
        key: `platform/${r.db}/list`,
        label: `${dbName(r.db)} folder listing, pages/s as % of the bare route`,
        value: pct(r.list.pagesPerSecond, r.bareList.pagesPerSecond),
        unit: '%',
        better: 'higher',
        absolute: r.list.pagesPerSecond,
        detail: `${n(r.list.pagesPerSecond)} vs ${n(r.bareList.pagesPerSecond)} pages/s; p99 ${r.list.latencyMs.p99} vs ${r.bareList.latencyMs.p99} ms`,
      });
    }
    if (r.upload?.bareFsCeiling) {
      out.push({
        ...base,
        key: `platform/${r.db}/upload`,
        label: `${dbName(r.db)} upload, files/s as % of the bare fs ceiling`,
        value: pct(r.upload.filesPerSecond, r.upload.bareFsCeiling.writesPerSecond),
        unit: '%',
        better: 'higher',
        absolute: r.upload.filesPerSecond,
        detail: `${n(r.upload.filesPerSecond)} vs ${n(r.upload.bareFsCeiling.writesPerSecond)} writes/s`,
      });
    }
  }
  return out;
}

function engine(json: any): Metric[] {
  const out: Metric[] = [];
  const parts = json.parts ?? {};
  const base = (part: any, name: string) => ({ benchmark: `engine ${name}`, run: String(part.date), ...(part.server ? { server: String(part.server).replace(/^batchyard /, '') } : {}) });
  const noop = parts.noop;
  if (noop) {
    const peers: any[] = noop.peers ?? [];
    const best = peers.reduce<any>((a, p) => (!a || p.jobsPerSecond > a.jobsPerSecond ? p : a), undefined);
    for (const o of noop.ours ?? []) {
      out.push({
        ...base(noop, 'noop'),
        key: `engine/noop/${o.db}`,
        label: `${dbName(o.db)} noop items/s, × the best peer's jobs/s`,
        value: best ? times(o.medianItemsPerSecond, best.jobsPerSecond) : null,
        unit: '×',
        better: 'higher',
        absolute: o.medianItemsPerSecond,
        detail: `${n(o.medianItemsPerSecond)} vs ${best ? `${best.system} ${n(best.jobsPerSecond)}` : 'no peer'}`,
      });
    }
  }
  const tree = parts.tree;
  if (tree) {
    for (const r of tree.runs ?? []) {
      for (const j of r.jobs ?? []) {
        out.push({
          ...base(tree, 'tree'),
          key: `engine/tree/${r.db}/${j.type}`,
          label: `${dbName(r.db)} ${j.type} of ${n(j.items)} items (no same-run reference)`,
          value: null,
          unit: '×',
          better: 'higher',
          absolute: j.itemsPerSecondRun,
          detail: `${n(j.itemsPerSecondRun)} items/s, peak RSS ${j.memory?.peakSampledRssMiB} MiB`,
        });
      }
    }
  }
  const list = parts.list;
  if (list) {
    for (const r of list.runs ?? []) {
      const bare = (r.loads ?? []).find((l: any) => l.percentOfBare === 100);
      for (const l of r.loads ?? []) {
        if (l === bare) continue;
        out.push({
          ...base(list, 'list'),
          key: `engine/list/${r.db}/${l.label}`,
          label: `${dbName(r.db)} ${l.label}, pages/s as % of ${l.comparedWith ? 'the native row' : 'the bare route'}`,
          value: l.percentOfNative ?? l.percentOfBare ?? null,
          unit: '%',
          better: 'higher',
          absolute: l.pagesPerSecond,
          detail: `${n(l.pagesPerSecond)} pages/s, p99 ${l.latencyMs.p99} ms${bare ? `; bare ${n(bare.pagesPerSecond)}, p99 ${bare.latencyMs.p99} ms` : ''}${l.comparedWith ? `; ${l.percentOfBare}% of bare` : ''}`,
        });
      }
    }
  }
  const copy = parts.copy;
  if (copy) {
    for (const r of copy.runs ?? []) {
      out.push({
        ...base(copy, 'copy'),
        key: `engine/copy/${r.db}`,
        label: `${dbName(r.db)} copy of ${n(r.files)} files, × cp -r`,
        value: r.ratioToCp ?? null,
        unit: '×',
        better: 'lower',
        absolute: r.job.wallSeconds,
        detail: `${r.job.wallSeconds} s vs cp -r ${r.cp.seconds} s; per-file-durable ceiling ${r.durableCopyCeiling?.seconds ?? '—'} s`,
      });
    }
  }
  return out;
}

function peers(json: any): Metric[] {
  return (json.runs ?? []).map(
    (p: any): Metric => ({
      benchmark: 'peers',
      run: String(json.date),
      key: `peers/${p.system}`,
      label: `${p.system} ${p.version} draining ${n(p.jobs)} jobs (no same-run reference)`,
      value: null,
      unit: '×',
      better: 'higher',
      absolute: p.jobsPerSecond,
      detail: `${n(p.jobsPerSecond)} jobs/s`,
    }),
  );
}

/** The metrics of one results file (by its `benchmark` field); unknown benchmarks have none. */
export function metricsOf(json: any): Metric[] {
  if (json?.benchmark === 'platform') return platform(json);
  if (json?.benchmark === 'engine') return engine(json);
  if (json?.benchmark === 'peers') return peers(json);
  return [];
}

/**
 * Each current metric beside the newest earlier run of the same metric:
 * `history` is the same file's earlier versions, newest first; a version whose
 * run is the current one (the file was not re-run since) is passed over.
 */
export function compareMetrics(now: Metric[], history: Array<{ recordedIn: string; metrics: Metric[] }>, threshold = 0.1): Comparison[] {
  return now.map((m) => {
    let last: (Metric & { recordedIn: string }) | undefined;
    for (const version of history) {
      const found = version.metrics.find((x) => x.key === m.key && x.run !== m.run);
      if (found) {
        last = { ...found, recordedIn: version.recordedIn };
        break;
      }
    }
    const round = (x: number) => Math.round(x * 100) / 100;
    if (m.value === null) {
      // Machine load moves an absolute figure as much as the code does: shown, never judged.
      return { now: m, ...(last ? { last } : {}), ...(last && last.absolute > 0 ? { change: round(m.absolute / last.absolute) } : {}), verdict: 'no reference' };
    }
    if (!last || last.value === null || last.value === 0) return { now: m, ...(last ? { last } : {}), verdict: 'new' };
    const change = m.value / last.value;
    const gain = m.better === 'higher' ? change - 1 : 1 - change;
    return { now: m, last, change: round(change), verdict: gain < -threshold ? 'worse' : gain > threshold ? 'better' : 'same' };
  });
}
