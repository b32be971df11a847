/** The difference between two snapshots' trees, read only where their hashes differ. */
import type { SnapshotEntry } from '../domain/snapshot-tree.js';

export interface SnapshotDiff {
  added: number;
  changed: number;
  removed: number;
}

export type TreeLoader = (hash: string) => Promise<{ entries: SnapshotEntry[]; files: number; folders: number }>;

export function sameFile(a: SnapshotEntry, b: SnapshotEntry): boolean {
  return a.sha256 === b.sha256 && a.size === b.size && a.contentType === b.contentType && a.modifiedAt === b.modifiedAt;
}

/**
 * Files and folders added, changed (a file's content, type or modification
 * time) and removed between an older tree and a newer one; equal subtrees
 * (same hash) are not read.
 */
export async function diffTrees(older: string | null, newer: string, loadOld: TreeLoader, loadNew: TreeLoader): Promise<SnapshotDiff> {
  const out: SnapshotDiff = { added: 0, changed: 0, removed: 0 };
  const walk = async (a: string | null, b: string) => {
    if (a === b) return;
    const oldEntries = a === null ? [] : (await loadOld(a)).entries;
    const newEntries = (await loadNew(b)).entries;
    const oldByName = new Map(oldEntries.map((e) => [e.name, e]));
    const count = async (e: SnapshotEntry, load: TreeLoader) => (e.kind === 'folder' ? 1 + (await load(e.tree!)).files + (await load(e.tree!)).folders : 1);
    for (const e of newEntries) {
      const o = oldByName.get(e.name);
      oldByName.delete(e.name);
      if (!o || o.kind !== e.kind) {
        if (o) out.removed += await count(o, loadOld);
        out.added += await count(e, loadNew);
      } else if (e.kind === 'file') {
        if (!sameFile(o, e)) out.changed += 1;
      } else await walk(o.tree, e.tree!);
    }
    for (const o of oldByName.values()) out.removed += await count(o, loadOld);
  };
  await walk(older, newer);
  return out;
}
