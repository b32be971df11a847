/** How the dashboard writes numbers, sizes, durations and times (the browser's locale). */

const integer = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });
const twoDecimals = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });

export function formatCount(n: number): string {
  return integer.format(n);
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

export function formatBytes(n: number): string {
  let value = n;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? integer.format(value) : oneDecimal.format(value)} ${BYTE_UNITS[unit]}`;
}

/** A rate per second: `1,234/s`, `0.4/s`. */
export function formatRate(perSecond: number): string {
  return `${(perSecond >= 10 ? integer : perSecond >= 1 ? oneDecimal : twoDecimals).format(perSecond)}/s`;
}

/** A duration as its two largest units: `45s`, `3m 20s`, `2h 5m`, `3d 4h`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

/** An ISO time (or epoch ms) in the browser's zone; empty for null. */
export function formatTime(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : dateTime.format(date);
}

/** `3 minutes ago`-style, for heartbeats. */
export function formatAgo(value: string | number, now = Date.now()): string {
  const ms = now - new Date(value).getTime();
  if (!Number.isFinite(ms)) return String(value);
  return ms < 1500 ? 'just now' : `${formatDuration(ms)} ago`;
}
