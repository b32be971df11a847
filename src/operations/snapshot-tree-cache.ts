/**
 * Parsed snapshot trees, kept while a restore reads them again and again: its
 * planner walks a folder's tree a step at a time and each of its tasks names
 * a slice of one tree (restore-backup.ts), so without this every step and
 * every task would read and parse the same manifest. A tree is immutable (its
 * key is its content's hash in its storage location), so a cached copy is
 * never stale; one forgotten meanwhile only stays readable here a little
 * longer. Bounded by entries held (the newest tree always fits), least
 * recently used first out.
 */
import type { Store } from '../store/store.js';
import type { SnapshotEntry } from '../domain/snapshot-tree.js';

/** Entries held across all cached trees (~250 bytes each parsed). */
const MAX_ENTRIES = 200_000;

const cache = new Map<string, SnapshotEntry[]>();
let held = 0;

/** The entries of tree `hash` stored in `storage`, sorted by name; throws when it is not stored there. */
export async function snapshotTreeEntries(store: Store, storage: string, hash: string): Promise<SnapshotEntry[]> {
  const key = `${storage}\u0000${hash}`;
  const hit = cache.get(key);
  if (hit) {
    cache.delete(key); // re-inserted: most recently used last
    cache.set(key, hit);
    return hit;
  }
  const tree = await store.snapshotTreeGet({ storage, hash });
  if (!tree) throw new Error(`snapshot tree ${hash} is not stored in '${storage}'`);
  cache.set(key, tree.entries);
  held += tree.entries.length;
  for (const [k, entries] of cache) {
    if (held <= MAX_ENTRIES || k === key) break;
    cache.delete(k);
    held -= entries.length;
  }
  return tree.entries;
}

/** The entry called `name` in a tree's entries (sorted by name in code-unit order), by binary search. */
export function entryNamed(entries: readonly SnapshotEntry[], name: string): SnapshotEntry | undefined {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const e = entries[mid]!;
    if (e.name === name) return e;
    if (e.name < name) lo = mid + 1;
    else hi = mid;
  }
  return undefined;
}
