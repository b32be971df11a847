import { useEffect, useMemo, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { formatCount, formatRate } from '../../components/format';
import type { StatsBucket } from './engine-types';

/** A palette readable on both themes' backgrounds. */
const COLORS = ['#2f7de1', '#e0672f', '#1f9d55', '#b44fd6', '#c99700', '#d43f6e', '#0d9aa8', '#7a7f87'];
const MINUTE_S = 60;
const HEIGHT = 260;

export interface Throughput {
  types: string[];
  /** minute starts (epoch seconds), every minute of the window */
  minutes: number[];
  /** per type, items per second in each minute */
  rates: number[][];
  totals: number[];
}

/** The buckets as a series per job type over every minute of the window (minutes with nothing done are 0). */
export function throughputOf(buckets: readonly StatsBucket[], windowS: number, generatedAt: string): Throughput {
  const end = Math.floor(new Date(generatedAt).getTime() / 1000 / MINUTE_S) * MINUTE_S;
  const start = end - Math.ceil(windowS / MINUTE_S) * MINUTE_S;
  const minutes: number[] = [];
  for (let m = start + MINUTE_S; m <= end; m += MINUTE_S) minutes.push(m);
  const types = [...new Set(buckets.map((b) => b.type))].sort();
  const rates = types.map(() => minutes.map(() => 0));
  const totals = types.map(() => 0);
  for (const b of buckets) {
    const t = types.indexOf(b.type);
    const i = minutes.indexOf(Math.floor(new Date(b.minute).getTime() / 1000 / MINUTE_S) * MINUTE_S);
    totals[t]! += b.items;
    if (i >= 0) rates[t]![i]! += b.items / MINUTE_S;
  }
  return { types, minutes, rates, totals };
}

function themeColor(name: string, fallback: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}

function useDarkScheme(): boolean {
  const query = useMemo(() => window.matchMedia('(prefers-color-scheme: dark)'), []);
  const [dark, setDark] = useState(query.matches);
  useEffect(() => {
    const listener = () => setDark(query.matches);
    query.addEventListener('change', listener);
    return () => query.removeEventListener('change', listener);
  }, [query]);
  return dark;
}

/**
 * Items per second per job type over the window, one point a minute (uPlot on a
 * canvas; this module is loaded with the engine page only). The figures are
 * also in the legend and a table, for whoever cannot see the chart.
 */
export default function ThroughputChart({ buckets, windowS, generatedAt }: { buckets: readonly StatsBucket[]; windowS: number; generatedAt: string }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const dark = useDarkScheme();
  const data = useMemo(() => throughputOf(buckets, windowS, generatedAt), [buckets, windowS, generatedAt]);
  const shape = data.types.join(',');

  // The chart is rebuilt when its series or the theme change, and fed new data otherwise.
  useEffect(() => {
    const target = box.current;
    if (!target) return;
    const fg = themeColor('--fg-muted', '#4f5966');
    const grid = themeColor('--border', '#c9ced6');
    const axis = { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    const opts: uPlot.Options = {
      width: Math.max(280, target.clientWidth),
      height: HEIGHT,
      legend: { show: false },
      scales: { x: { time: true }, y: { range: (_u: uPlot, _min: number, max: number): uPlot.Range.MinMax => [0, Math.max(1, max * 1.1)] } },
      axes: [axis, { ...axis, label: 'items/s', size: 60 }],
      series: [{}, ...data.types.map((type, i) => ({ label: type, stroke: COLORS[i % COLORS.length], width: 2, points: { show: false } }))],
    };
    plot.current = new uPlot(opts, [data.minutes, ...data.rates], target);
    const resize = new ResizeObserver(() => plot.current?.setSize({ width: Math.max(280, target.clientWidth), height: HEIGHT }));
    resize.observe(target);
    return () => {
      resize.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
    // Only the series and the theme rebuild it; the data is fed by the next effect.
  }, [shape, dark]);

  useEffect(() => {
    plot.current?.setData([data.minutes, ...data.rates]);
  }, [data]);

  const windowText = `the last ${Math.round(windowS / 60)} minutes`;
  const summary =
    data.types.length === 0
      ? `No items were processed in ${windowText}.`
      : `Items per second by job type over ${windowText}: ${data.types.map((t, i) => `${t} ${formatCount(data.totals[i]!)} items`).join(', ')}.`;
  return (
    <figure className="throughput">
      <div ref={box} className="chart" role="img" aria-label={summary} />
      <figcaption>
        {data.types.length === 0 ? (
          <span className="muted">{summary}</span>
        ) : (
          <ul className="legend">
            {data.types.map((type, i) => {
              const peak = Math.max(0, ...data.rates[i]!);
              return (
                <li key={type}>
                  <span className="swatch" style={{ background: COLORS[i % COLORS.length] }} aria-hidden="true" /> {type}: {formatCount(data.totals[i]!)} items, peak {formatRate(peak)}
                </li>
              );
            })}
          </ul>
        )}
      </figcaption>
    </figure>
  );
}
