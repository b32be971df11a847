/**
 * An incremental backup's walk: the previous snapshot's trees patched with the
 * folder entries the item change log names (store/queries/item-changes.ts),
 * read inside the same read snapshot as the items, so the result is the tree
 * a whole walk would build at that instant.
 *
 * Why it is sound. The log names every folder entry `(folder, name)` whose
 * live child changed since the base snapshot's read: an insert, a delete, an
 * update of a field a tree keeps, a move or rename (old and new entry), a
 * trash or restore. Starting from the base's root tree (the same folder: its
 * own entry is not logged, else the walk is whole), a folder's previous tree
 * is its previous listing, and so:
 * - an entry not logged is unchanged: the same live child with the same
 *   fields. If it is a folder, its previous tree is the entry's tree (the same
 *   folder, same name, same parent), reused as it is unless the log names an
 *   entry somewhere below it (then it is patched in turn);
 * - a logged entry is read again: the live child of that name now, if any. A
 *   logged folder is walked whole: tree entries carry names, not item ids, so
 *   the previous tree under that name may be another folder's (renamed, moved,
 *   trashed and another created in its place). A path rewritten under a moved
 *   folder is not logged: the moved folder is, and walked whole.
 * Only folders with a logged entry at or below them are read: a nightly
 * backup where little changed reads little (its cost is the changed folders'
 * trees, rebuilt whole since a tree is one manifest).
 *
 * It also counts the snapshot's difference from the base (added, changed,
 * removed, as backup-trees.ts's diffTrees counts it) from the entries it
 * patched, without reading the unchanged trees.
 */
import type { Store } from '../store/store.js';
import type { Item } from '../domain/types.js';
import type { ChangedEntry } from '../store/queries/item-changes.js';
import { compareNames, fromStoredEntry, parseTreeEntries, toStoredEntry, treeFromStored, type SnapshotEntry, type StoredEntry } from '../domain/snapshot-tree.js';
import { BlobCollectedError } from '../domain/errors.js';
import { diffTrees, sameFile, type SnapshotDiff, type TreeLoader } from './backup-trees.js';
import { entryOf, TreeWalk, type TreeTotals, type WalkResult } from './backup-walk.js';

export interface IncrementalResult extends WalkResult {
  /** Against the base snapshot. */
  diff: SnapshotDiff;
  /** Folders read (patched or walked whole). */
  foldersRead: number;
}

/** Two lists of stored entries, each sorted by name, as one (names are distinct across them). */
function mergeByName(a: readonly StoredEntry[], b: StoredEntry[]): StoredEntry[] {
  if (b.length === 0) return a as StoredEntry[];
  b.sort((x, y) => compareNames(x[0], y[0]));
  const out: StoredEntry[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && compareNames(a[i]![0], b[j]![0]) < 0)) out.push(a[i++]!);
    else out.push(b[j++]!);
  }
  return out;
}

function childPath(folder: string, name: string): string {
  return folder === '/' ? `/${name}` : `${folder}/${name}`;
}

export async function walkChanged(
  view: Store,
  p: { folder: Item; storage: string; baseRoot: string; changes: readonly ChangedEntry[]; signal?: AbortSignal },
): Promise<IncrementalResult> {
  const walk = new TreeWalk(view, { libraryId: p.folder.libraryId, storage: p.storage, signal: p.signal, keepBuilt: true });
  const rootPath = p.folder.path;
  const names = new Map<string, Set<string>>();
  /** Folders with a logged entry at or below them. */
  const dirty = new Set<string>();
  for (const c of p.changes) {
    let set = names.get(c.folder);
    if (!set) names.set(c.folder, (set = new Set()));
    set.add(c.name);
    for (let at = c.folder; !dirty.has(at); at = at.slice(0, Math.max(1, at.lastIndexOf('/')))) {
      dirty.add(at);
      if (at === rootPath || at === '/') break;
    }
  }
  const diff: SnapshotDiff = { added: 0, changed: 0, removed: 0 };
  let foldersRead = 0;

  const loadOld: TreeLoader = async (hash) => {
    const tree = await view.snapshotTreeGet({ storage: p.storage, hash });
    // Forgotten since (a concurrent retention): run the task again.
    if (!tree) throw new BlobCollectedError(`snapshot tree ${hash.slice(0, 12)}… is no longer stored in '${p.storage}'; retry`);
    return tree;
  };
  const loadNew: TreeLoader = async (hash) => {
    const t = walk.built.get(hash);
    return t ? { entries: parseTreeEntries(t.json), files: t.files, folders: t.folders } : await loadOld(hash);
  };
  const totalsOf = async (hashes: string[]): Promise<void> => {
    const missing = hashes.filter((h) => !walk.totalsOf(h));
    if (missing.length === 0) return;
    const found = await view.snapshotTreeTotals({ storage: p.storage, hashes: missing });
    for (const h of missing) {
      const t = found.get(h);
      if (!t) throw new BlobCollectedError(`snapshot tree ${h.slice(0, 12)}… is no longer stored in '${p.storage}'; retry`);
      walk.noteTotals(h, t);
    }
  };
  const size = (e: SnapshotEntry): number => {
    if (e.kind !== 'folder') return 1;
    const t = walk.totalsOf(e.tree!)!;
    return 1 + t.files + t.folders;
  };

  /**
   * The folder's tree now, from its tree in the base (`prev`: the same folder
   * there, per the log), patched in its stored form: the unchanged entries are
   * copied as they are (no object per entry), the totals adjusted by what left
   * and what came.
   */
  const patch = async (folder: Pick<Item, 'id' | 'path'>, prev: string): Promise<TreeTotals & { hash: string }> => {
    p.signal?.throwIfAborted();
    if (!dirty.has(folder.path)) {
      await totalsOf([prev]);
      return { hash: prev, ...walk.totalsOf(prev)! };
    }
    foldersRead++;
    const base = await view.snapshotTreeGetJson({ storage: p.storage, hash: prev });
    if (!base) throw new BlobCollectedError(`snapshot tree ${prev.slice(0, 12)}… is no longer stored in '${p.storage}'; retry`);
    const before = JSON.parse(base.json) as StoredEntry[];
    const totals: TreeTotals = { files: base.files, folders: base.folders, bytes: base.bytes };
    const logged = names.get(folder.path) ?? new Set<string>();
    const isFolder = (t: StoredEntry) => t[1] === 'd';
    const below = before.filter((t) => isFolder(t) && !logged.has(t[0]) && dirty.has(childPath(folder.path, t[0])));
    const lookups = [...logged, ...below.map((t) => t[0])];
    const rows = new Map(lookups.length === 0 ? [] : (await view.itemListLiveChildrenNamed({ parentId: folder.id, names: lookups })).map((r) => [r.name, r]));
    // Totals of the folder entries that change (logged ones leave, patched ones are replaced).
    await totalsOf(before.flatMap((t) => (isFolder(t) && (logged.has(t[0]) || below.includes(t)) ? [t[3]!] : [])));
    const add = (e: SnapshotEntry, sign: 1 | -1) => {
      if (e.kind === 'file') {
        totals.files += sign;
        totals.bytes += sign * e.size;
        return;
      }
      const t = walk.totalsOf(e.tree!)!;
      totals.folders += sign * (1 + t.folders);
      totals.files += sign * t.files;
      totals.bytes += sign * t.bytes;
    };
    const kept: StoredEntry[] = [];
    const oldByName = new Map<string, SnapshotEntry>();
    for (const t of before) {
      if (logged.has(t[0])) {
        const old = fromStoredEntry(t);
        oldByName.set(t[0], old);
        add(old, -1);
        continue;
      }
      if (isFolder(t) && below.includes(t)) {
        const row = rows.get(t[0]);
        // An entry the log does not name is the same live folder as in the base.
        if (!row || row.kind !== 'folder') throw new Error(`incremental backup: ${childPath(folder.path, t[0])} is not the folder the change log implies`);
        const old = fromStoredEntry(t);
        add(old, -1);
        const now: SnapshotEntry = { ...old, tree: (await patch(row, t[3]!)).hash };
        add(now, 1);
        kept.push(toStoredEntry(now));
      } else kept.push(t);
    }
    const fresh: StoredEntry[] = [];
    for (const name of logged) {
      const row = rows.get(name);
      const old = oldByName.get(name);
      const now = row ? entryOf(row, row.kind === 'folder' ? (await walk.whole(row)).hash : null) : undefined;
      if (now) {
        add(now, 1);
        fresh.push(toStoredEntry(now));
      }
      if (!old && !now) continue;
      if (!old) diff.added += size(now!);
      else if (!now) diff.removed += size(old);
      else if (old.kind !== now.kind) {
        diff.removed += size(old);
        diff.added += size(now);
      } else if (now.kind === 'file') {
        if (!sameFile(old, now)) diff.changed += 1;
      } else {
        const d = await diffTrees(old.tree, now.tree!, loadOld, loadNew);
        diff.added += d.added;
        diff.changed += d.changed;
        diff.removed += d.removed;
      }
    }
    const tree = await walk.emitBuilt(treeFromStored(mergeByName(kept, fresh), totals));
    return { hash: tree.hash, files: tree.files, folders: tree.folders, bytes: tree.bytes };
  };

  const root = await patch(p.folder, p.baseRoot);
  await walk.flush();
  return { root, newTrees: walk.newTrees, items: root.files + root.folders, diff, foldersRead };
}
