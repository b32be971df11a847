/**
 * What a params schema cannot say, applied once params match their schema:
 * paths normalized (400 naming the entry), the library's root refused (422),
 * paths inside another selected path pruned, duplicate ids dropped.
 */
import { UnprocessableError } from '../domain/errors.js';
import { normalizePath } from '../domain/item-path.js';

export type Selection = { paths: string[] } | { itemIds: number[] };

export function normalizePaths(paths: readonly string[], field = 'params.paths'): string[] {
  return pruneNested(
    paths.map((raw, i) => {
      const path = normalizePath(raw, `${field}[${i}]`);
      if (path === '/') throw new UnprocessableError(`${field}[${i}]: the library's root folder cannot be selected`, { field: `${field}[${i}]` });
      return path;
    }),
  );
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

/** The selection as stored: normalized, pruned paths, or ids without duplicates (other params kept as they are). */
export function normalizeSelection<T extends Selection>(params: T): T {
  if ('paths' in params) return { ...params, paths: normalizePaths(params.paths) };
  return { ...params, itemIds: [...new Set(params.itemIds)] };
}
