/** Reading job params: each check names the field it refuses (400) or the rule it breaks (422). */
import { InvalidArgumentError, UnprocessableError } from '../domain/errors.js';
import { normalizePath } from '../domain/item-path.js';
import { ON_CONFLICT, type OnConflict } from '../domain/jobs.js';

export const MAX_SELECTION = 10_000;

export function readPaths(params: Record<string, unknown>, field = 'paths'): string[] {
  const value = params[field];
  if (!Array.isArray(value) || value.length === 0) throw new InvalidArgumentError(`params.${field}: required, a non-empty array of paths`, { field: `params.${field}` });
  if (value.length > MAX_SELECTION) throw new InvalidArgumentError(`params.${field}: at most ${MAX_SELECTION} paths per job`, { field: `params.${field}` });
  const paths = value.map((raw, i) => {
    if (typeof raw !== 'string') throw new InvalidArgumentError(`params.${field}[${i}]: must be a string`, { field: `params.${field}[${i}]` });
    const path = normalizePath(raw, `params.${field}[${i}]`);
    if (path === '/') throw new UnprocessableError(`params.${field}[${i}]: the library's root folder cannot be selected`, { field: `params.${field}[${i}]` });
    return path;
  });
  return pruneNested(paths);
}

/** Drops duplicates and paths inside another selected path (the outer one covers them). */
export function pruneNested(paths: string[]): string[] {
  const sorted = [...new Set(paths)].sort();
  const kept: string[] = [];
  for (const path of sorted) {
    const last = kept.at(-1);
    if (last !== undefined && path.startsWith(`${last}/`)) continue;
    kept.push(path);
  }
  return kept;
}

export function readItemIds(params: Record<string, unknown>, field = 'itemIds'): number[] {
  const value = params[field];
  if (!Array.isArray(value) || value.length === 0) throw new InvalidArgumentError(`params.${field}: required, a non-empty array of item ids`, { field: `params.${field}` });
  if (value.length > MAX_SELECTION) throw new InvalidArgumentError(`params.${field}: at most ${MAX_SELECTION} ids per job`, { field: `params.${field}` });
  return [
    ...new Set(
      value.map((id, i) => {
        if (!Number.isSafeInteger(id) || (id as number) <= 0) throw new InvalidArgumentError(`params.${field}[${i}]: must be a positive integer`, { field: `params.${field}[${i}]` });
        return id as number;
      }),
    ),
  ];
}

/** `{paths}` or `{itemIds}`, exactly one. */
export function readPathsOrIds(params: Record<string, unknown>): { paths: string[] } | { itemIds: number[] } {
  const hasPaths = params.paths !== undefined;
  const hasIds = params.itemIds !== undefined;
  if (hasPaths === hasIds) throw new InvalidArgumentError('params: give either paths or itemIds', { field: 'params.paths' });
  return hasPaths ? { paths: readPaths(params) } : { itemIds: readItemIds(params) };
}

export function readOnConflict(params: Record<string, unknown>, fallback: OnConflict): OnConflict {
  const value = params.onConflict;
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !ON_CONFLICT.includes(value as OnConflict)) {
    throw new InvalidArgumentError(`params.onConflict: must be one of ${ON_CONFLICT.join(', ')}`, { field: 'params.onConflict' });
  }
  return value as OnConflict;
}

export function readOptionalInteger(params: Record<string, unknown>, field: string, min: number, max: number): number | undefined {
  const value = params[field];
  if (value === undefined) return undefined;
  if (!Number.isSafeInteger(value) || (value as number) < min || (value as number) > max) {
    throw new InvalidArgumentError(`params.${field}: must be an integer from ${min} to ${max}`, { field: `params.${field}` });
  }
  return value as number;
}

/** Refuses params the type does not know (a typo must not silently do something else). */
export function refuseUnknown(params: Record<string, unknown>, known: readonly string[]): void {
  for (const key of Object.keys(params)) {
    if (!known.includes(key)) throw new InvalidArgumentError(`params.${key}: unknown parameter (known: ${known.join(', ') || 'none'})`, { field: `params.${key}` });
  }
}
