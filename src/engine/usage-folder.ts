/**
 * Folds library usage rows (the deltas the items triggers append) into one
 * per library, so reading a library's usage stays a sum over a few rows.
 * Each fold is its own short transaction; a concurrent writer's new rows are
 * left for the next pass.
 */
import type { Store } from '../store/store.js';

export const USAGE_FOLD_LIBRARIES = 50;
export const USAGE_FOLD_ROWS = 10_000;

/** One pass: the libraries with the most rows first; returns how many rows were folded. */
export async function foldLibraryUsage(store: Store, libraries = USAGE_FOLD_LIBRARIES, rows = USAGE_FOLD_ROWS): Promise<number> {
  let folded = 0;
  for (const libraryId of await store.libraryUsageListUnfolded({ limit: libraries })) {
    folded += await store.libraryUsageFold({ libraryId, limit: rows });
  }
  return folded;
}
