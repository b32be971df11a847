/**
 * A backup's trees from a subtree's rows, and the difference between two
 * snapshots. Rows come in path order, which is not depth-first ('/a b' sorts
 * between '/a' and '/a/x'), so entries are grouped by parent path and the
 * folders' trees built deepest first; each folder's tree is built once, after
 * all of its children.
 */
import { buildTree, type SnapshotEntry, type SnapshotTree } from '../domain/snapshot-tree.js';
import type { SnapshotSourceRow } from '../store/queries/snapshots.js';

function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

function depthOf(path: string): number {
  if (path === '/') return 0;
  let n = 0;
  for (let i = 0; i < path.length; i++) if (path.charCodeAt(i) === 47) n++;
  return n;
}

export interface BuiltTrees {
  root: SnapshotTree;
  /** Every tree, children before their parents (the order snapshotTreesPut needs). */
  ordered: SnapshotTree[];
  byHash: Map<string, SnapshotTree>;
}

/** The trees of the folder at `rootPath` given every live row under it. */
export function buildTrees(rootPath: string, rows: readonly SnapshotSourceRow[]): BuiltTrees {
  const children = new Map<string, SnapshotSourceRow[]>();
  const folders: SnapshotSourceRow[] = [];
  for (const row of rows) {
    const parent = parentOf(row.path);
    let list = children.get(parent);
    if (!list) children.set(parent, (list = []));
    list.push(row);
    if (row.kind === 'folder') folders.push(row);
  }
  folders.sort((a, b) => depthOf(b.path) - depthOf(a.path));
  const treeOfPath = new Map<string, SnapshotTree>();
  const byHash = new Map<string, SnapshotTree>();
  const ordered: SnapshotTree[] = [];
  const totals = (hash: string) => byHash.get(hash)!;
  const build = (path: string): SnapshotTree => {
    const entries: SnapshotEntry[] = (children.get(path) ?? []).map((r) =>
      r.kind === 'folder'
        ? { name: r.name, kind: 'folder', size: 0, sha256: null, contentType: null, createdAt: r.createdAt, modifiedAt: r.modifiedAt, tree: treeOfPath.get(r.path)!.hash }
        : { name: r.name, kind: 'file', size: r.size, sha256: r.sha256, contentType: r.contentType, createdAt: r.createdAt, modifiedAt: r.modifiedAt, tree: null },
    );
    const tree = buildTree(entries, totals);
    treeOfPath.set(path, tree);
    if (!byHash.has(tree.hash)) {
      byHash.set(tree.hash, tree);
      ordered.push(tree);
    }
    return tree;
  };
  for (const folder of folders) build(folder.path);
  const root = build(rootPath);
  return { root, ordered, byHash };
}

export interface SnapshotDiff {
  added: number;
  changed: number;
  removed: number;
}

export type TreeLoader = (hash: string) => Promise<{ entries: SnapshotEntry[]; files: number; folders: number }>;

function sameFile(a: SnapshotEntry, b: SnapshotEntry): boolean {
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
