/**
 * A report's rows as CSV (RFC 4180: CRLF line ends, a field holding a comma,
 * a double quote, CR or LF quoted with its quotes doubled; no CSV library is
 * a dependency, and this is the one rule set it needs) or as the members of
 * a JSON array (the array's brackets and the commas between parts are the
 * assembly's). Times are ISO 8601 UTC; absent values are empty (CSV) or null.
 */
import type { Item, LibraryPermission } from '../domain/types.js';

export type ReportFormat = 'csv' | 'json';

export const INVENTORY_COLUMNS = ['path', 'kind', 'size', 'sha256', 'mediaType', 'created', 'modified', 'trashed'] as const;
export const PERMISSION_COLUMNS = ['library', 'libraryId', 'type', 'user', 'role'] as const;

export type ReportRow = Record<string, string | number | null>;

export function csvField(value: string | number | null): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(values: ReadonlyArray<string | number | null>): string {
  return `${values.map(csvField).join(',')}\r\n`;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function inventoryRow(item: Item): ReportRow {
  return {
    path: item.path,
    kind: item.kind,
    size: item.size,
    sha256: item.sha256,
    mediaType: item.contentType,
    created: iso(item.createdAt),
    modified: iso(item.modifiedAt),
    trashed: iso(item.trashedAt),
  };
}

export function permissionRow(library: { id: string; name: string }, permission: LibraryPermission): ReportRow {
  return { library: library.name, libraryId: library.id, type: permission.type, user: permission.value, role: permission.role };
}

/** One row: a CSV line, or a JSON object (the caller puts the commas between objects). */
export function encodeRow(format: ReportFormat, columns: readonly string[], row: ReportRow): string {
  return format === 'csv' ? csvLine(columns.map((c) => row[c] ?? null)) : JSON.stringify(row);
}

export function header(format: ReportFormat, columns: readonly string[]): string {
  return format === 'csv' ? csvLine(columns) : '[\n';
}

export function footer(format: ReportFormat): string {
  return format === 'csv' ? '' : '\n]\n';
}

/** Between two rows (JSON: a comma and a line end; CSV rows end their own lines). */
export function separator(format: ReportFormat): string {
  return format === 'csv' ? '' : ',\n';
}

export function mediaTypeOf(format: ReportFormat): string {
  return format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json';
}
