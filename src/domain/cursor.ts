/**
 * Opaque keyset cursors: base64url JSON of the last row's sort key, tagged
 * with the listing it belongs to so one listing's cursor is refused by another.
 */
import { InvalidArgumentError } from './errors.js';

export function encodeCursor(kind: string, key: Record<string, string | number>): string {
  return Buffer.from(JSON.stringify({ k: kind, ...key }), 'utf8').toString('base64url');
}

export function decodeCursor<T extends Record<string, 'string' | 'number'>>(
  kind: string,
  cursor: string,
  shape: T,
  field = 'cursor',
): { [K in keyof T]: T[K] extends 'string' ? string : number } {
  let parsed: unknown;
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw new Error('not base64url');
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidArgumentError(`${field}: not a valid cursor`, { field });
  }
  const record = parsed as Record<string, unknown> | null;
  if (!record || typeof record !== 'object' || record.k !== kind) {
    throw new InvalidArgumentError(`${field}: not a valid cursor for this listing`, { field });
  }
  for (const [key, type] of Object.entries(shape)) {
    const value = record[key];
    if (typeof value !== type || (type === 'number' && !Number.isFinite(value))) {
      throw new InvalidArgumentError(`${field}: not a valid cursor`, { field });
    }
  }
  return record as { [K in keyof T]: T[K] extends 'string' ? string : number };
}
