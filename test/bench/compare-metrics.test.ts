import { describe, expect, it } from 'vitest';
import { compareMetrics, metricsOf } from '../../bench/lib/compare-metrics.js';

const lat = (p99: number) => ({ p50: 1, p90: 2, p99, max: 50 });
const platformRun = (date: string, list: number, bare: number, p99 = 9) => ({
  benchmark: 'platform',
  date,
  runs: [
    {
      db: 'sqlite',
      upload: { filesPerSecond: 600, bareFsCeiling: { writesPerSecond: 2400 } },
      list: { pagesPerSecond: list, latencyMs: lat(p99) },
      bareList: { pagesPerSecond: bare, latencyMs: lat(6) },
    },
  ],
});

describe('bench compare metrics', () => {
  it('reads the listing and upload as ratios to their same-run references', () => {
    const metrics = metricsOf(platformRun('2026-12-01T00:00:00Z', 2133, 3217));
    expect(metrics.map((m) => [m.key, m.value, m.unit, m.better])).toEqual([
      ['platform/sqlite/list', 66.3, '%', 'higher'],
      ['platform/sqlite/upload', 25, '%', 'higher'],
    ]);
    expect(metrics[0]!.detail).toBe('2,133 vs 3,217 pages/s; p99 9 vs 6 ms');
  });

  it('skips results without a same-run reference (older files) and unknown benchmarks', () => {
    const old = { benchmark: 'platform', date: 'x', runs: [{ db: 'sqlite', list: { pagesPerSecond: 891, latencyMs: lat(27) } }] };
    expect(metricsOf(old)).toEqual([]);
    expect(metricsOf({ benchmark: 'something-else' })).toEqual([]);
  });

  it('flags a ratio more than 10 % worse than the previous run, passing over versions of the same run', () => {
    const now = metricsOf(platformRun('2026-12-02T00:00:00Z', 900, 2700, 30));
    const history = [
      { recordedIn: 'aaa', metrics: now.map((m) => ({ ...m })) }, // the same run, committed: not a previous run
      { recordedIn: 'bbb', metrics: metricsOf(platformRun('2026-12-01T00:00:00Z', 2133, 3217)) },
    ];
    const [list, upload] = compareMetrics(now, history);
    expect(list!.last?.recordedIn).toBe('bbb');
    expect(list!.verdict).toBe('worse');
    expect(list!.change).toBe(0.5); // 33.3 % of bare, was 66.3 %
    expect(upload!.verdict).toBe('same');
    expect(compareMetrics(now, history.slice(0, 1))[0]!.verdict).toBe('new');
  });

  it('judges "lower is better" ratios the other way and never judges absolute figures', () => {
    const engine = (date: string, ratioToCp: number, itemsPerSecondRun: number) => ({
      benchmark: 'engine',
      parts: {
        copy: { date, server: 'batchyard abc1234', runs: [{ db: 'postgres', files: 10000, ratioToCp, job: { wallSeconds: 7 }, cp: { seconds: 3 } }] },
        tree: { date, runs: [{ db: 'sqlite', jobs: [{ type: 'trash', items: 1000001, itemsPerSecondRun, memory: { peakSampledRssMiB: 200 } }] }] },
      },
    });
    const now = metricsOf(engine('2026-12-02', 2.2, 100_000));
    const rows = compareMetrics(now, [{ recordedIn: 'ccc', metrics: metricsOf(engine('2026-12-01', 3.1, 250_000)) }]);
    const copy = rows.find((r) => r.now.key === 'engine/copy/postgres')!;
    expect(copy.now.server).toBe('abc1234');
    expect(copy.verdict).toBe('better');
    const tree = rows.find((r) => r.now.key === 'engine/tree/sqlite/trash')!;
    expect(tree.verdict).toBe('no reference');
    expect(tree.change).toBe(0.4);
  });
});
