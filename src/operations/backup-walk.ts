/**
 * A backup's walk: the folder's trees built depth first inside the backup's
 * read snapshot, one folder's children (a page at a time, by the live-child
 * index) in memory at a time. Each tree is built once its subfolders' are
 * (children before parents); the trees the storage location already holds
 * are dropped as soon as a batch of them is looked up, so what stays in
 * memory is the new trees' JSON: little for a nightly backup where little
 * changed, the whole manifest for a first one.
 */
import type { Store } from '../store/store.js';
import type { Item } from '../domain/types.js';
import { buildTree, type SnapshotEntry, type SnapshotTree } from '../domain/snapshot-tree.js';

const PAGE = 1000;
const CHECK_BATCH = 500;

/** A built tree without its parsed entries (parse `json` when needed). */
export type TreeRecord = Omit<SnapshotTree, 'entries'>;

export interface WalkResult {
  root: TreeRecord;
  /** Trees the location did not hold at the read's instant, children before parents. */
  newTrees: TreeRecord[];
  /** Items under the folder. */
  items: number;
}

export async function walkFolder(view: Store, p: { folder: Item; storage: string; signal?: AbortSignal }): Promise<WalkResult> {
  const totals = new Map<string, { files: number; folders: number; bytes: number }>();
  const seen = new Set<string>();
  const newTrees: TreeRecord[] = [];
  let pending: TreeRecord[] = [];
  let items = 0;

  const check = async () => {
    if (pending.length === 0) return;
    const existing = await view.snapshotTreesExisting({ storage: p.storage, hashes: pending.map((t) => t.hash) });
    for (const t of pending) if (!existing.has(t.hash)) newTrees.push(t);
    pending = [];
  };

  const build = async (folder: Pick<Item, 'id' | 'path'>): Promise<TreeRecord> => {
    const entries: SnapshotEntry[] = [];
    let afterName: string | undefined;
    for (;;) {
      p.signal?.throwIfAborted();
      const page = await view.itemListChildren({ libraryId: p.folder.libraryId, parentId: folder.id, parentPath: folder.path, afterName, limit: PAGE });
      for (const c of page) {
        items++;
        if (c.kind === 'folder') {
          const sub = await build(c);
          entries.push({ name: c.name, kind: 'folder', size: 0, sha256: null, contentType: null, createdAt: c.createdAt, modifiedAt: c.modifiedAt, tree: sub.hash });
        } else {
          entries.push({ name: c.name, kind: 'file', size: c.size, sha256: c.sha256, contentType: c.contentType, createdAt: c.createdAt, modifiedAt: c.modifiedAt, tree: null });
        }
      }
      if (page.length < PAGE) break;
      afterName = page.at(-1)!.name;
    }
    const { entries: _parsed, ...tree } = buildTree(entries, (hash) => totals.get(hash)!);
    totals.set(tree.hash, { files: tree.files, folders: tree.folders, bytes: tree.bytes });
    if (!seen.has(tree.hash)) {
      seen.add(tree.hash);
      pending.push(tree);
      if (pending.length >= CHECK_BATCH) await check();
    }
    return tree;
  };

  const root = await build(p.folder);
  await check();
  return { root, newTrees, items };
}
