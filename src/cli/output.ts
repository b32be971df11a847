/** Output helpers: JSON for scripts (`--json`), fixed-width tables and human sizes for people. */

export type Write = (text: string) => void;

/** Pretty JSON and a newline. */
export function printJson(write: Write, value: unknown): void {
  write(JSON.stringify(value, null, 2) + '\n');
}

export interface Column {
  header: string;
  align?: 'left' | 'right';
}

/** Renders rows under their headers in columns two spaces apart; the last column is not padded. */
export function formatTable(columns: readonly (Column | string)[], rows: readonly (readonly string[])[]): string {
  const cols = columns.map((c) => (typeof c === 'string' ? { header: c } : c));
  const clean = rows.map((row) => cols.map((_, i) => (row[i] ?? '').replace(/[\r\n\t]/g, ' ')));
  const widths = cols.map((c, i) => Math.max(c.header.length, ...clean.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => {
        const last = i === cells.length - 1;
        if (cols[i]!.align === 'right') return cell.padStart(widths[i]!);
        return last ? cell : cell.padEnd(widths[i]!);
      })
      .join('  ')
      .trimEnd();
  return [line(cols.map((c) => c.header)), ...clean.map(line)].map((l) => l + '\n').join('');
}

export function printTable(write: Write, columns: readonly (Column | string)[], rows: readonly (readonly string[])[]): void {
  write(formatTable(columns, rows));
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** 0 B, 999 B, 1.0 KiB, 12 MiB, 1.5 GiB. */
export function humanSize(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return String(bytes);
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  if (unit === 0) return `${bytes} B`;
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${UNITS[unit]}`;
}

/** An ISO timestamp as `YYYY-MM-DD HH:MM` (UTC); anything else as given. */
export function shortTime(iso: unknown): string {
  if (typeof iso !== 'string') return iso === null || iso === undefined ? '-' : String(iso);
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(iso);
  return match ? `${match[1]} ${match[2]}` : iso;
}

/** A scalar for a table cell; objects as compact JSON, missing as '-'. */
export function cell(value: unknown): string {
  if (value === null || value === undefined) return '-';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
