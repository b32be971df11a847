/**
 * A backup's walk: the folder's trees built depth first inside the backup's
 * read snapshot, one folder's children (a page at a time, by the live-child
 * index) in memory at a time. Each tree is built once its subfolders' are
 * (children before parents); the trees the storage location already holds
 * are dropped as soon as a batch of them is looked up, so what stays in
 * memory is the new trees' JSON: little for a nightly backup where little
 * changed, the whole manifest for a first one. `TreeWalk` is shared with the
 * incremental walk (backup-incremental.ts), which walks whole only the
 * folders it cannot take from the previous snapshot.
 */
import type { Store } from '../store/store.js';
import type { Item } from '../domain/types.js';
import { buildTree, type SnapshotEntry, type SnapshotTree } from '../domain/snapshot-tree.js';

const PAGE = 1000;
const CHECK_BATCH = 500;

/** A built tree without its parsed entries (parse `json` when needed). */
export type TreeRecord = Omit<SnapshotTree, 'entries'>;

/** A subtree's totals below its folder. */
export interface TreeTotals {
  files: number;
  folders: number;
  bytes: number;
}

export interface WalkResult {
  root: TreeTotals & { hash: string };
  /** Trees the location did not hold at the read's instant, children before parents. */
  newTrees: TreeRecord[];
  /** Items under the folder. */
  items: number;
}

/** A live item as a tree entry (a folder's with its subtree's hash). */
export function entryOf(item: Item, tree: string | null): SnapshotEntry {
  return item.kind === 'folder'
    ? { name: item.name, kind: 'folder', size: 0, sha256: null, contentType: null, createdAt: item.createdAt, modifiedAt: item.modifiedAt, tree }
    : { name: item.name, kind: 'file', size: item.size, sha256: item.sha256, contentType: item.contentType, createdAt: item.createdAt, modifiedAt: item.modifiedAt, tree: null };
}

/** The trees of one backup as they are built: totals by hash, the new ones, the location looked up a batch at a time. */
export class TreeWalk {
  private readonly totals = new Map<string, TreeTotals>();
  private readonly seen = new Set<string>();
  /** Trees built by this walk, by hash (kept only when `keepBuilt`: the incremental walk's diff reads them). */
  readonly built = new Map<string, TreeRecord>();
  readonly newTrees: TreeRecord[] = [];
  private pending: TreeRecord[] = [];
  /** Items listed by whole walks. */
  items = 0;

  constructor(
    private readonly view: Store,
    private readonly p: { libraryId: string; storage: string; signal?: AbortSignal; keepBuilt?: boolean },
  ) {}

  totalsOf(hash: string): TreeTotals | undefined {
    return this.totals.get(hash);
  }

  noteTotals(hash: string, totals: TreeTotals): void {
    this.totals.set(hash, totals);
  }

  /** The folder's tree from its live children, read a page at a time, subfolders walked whole. */
  async whole(folder: Pick<Item, 'id' | 'path'>): Promise<TreeRecord> {
    const entries: SnapshotEntry[] = [];
    let afterName: string | undefined;
    for (;;) {
      this.p.signal?.throwIfAborted();
      const page = await this.view.itemListChildren({ libraryId: this.p.libraryId, parentId: folder.id, parentPath: folder.path, afterName, limit: PAGE });
      for (const c of page) {
        this.items++;
        entries.push(entryOf(c, c.kind === 'folder' ? (await this.whole(c)).hash : null));
      }
      if (page.length < PAGE) break;
      afterName = page.at(-1)!.name;
    }
    return this.emit(entries);
  }

  /** The tree of these entries (each folder entry's totals known to the walk), queued for the location's look-up. */
  async emit(entries: readonly SnapshotEntry[]): Promise<TreeRecord> {
    const { entries: _parsed, ...tree } = buildTree(entries, (hash) => {
      const t = this.totals.get(hash);
      if (!t) throw new Error(`backup walk: no totals for tree ${hash.slice(0, 12)}…`);
      return t;
    });
    return this.emitBuilt(tree);
  }

  /** A tree built by the caller (from stored entries), queued as `emit` queues its own. */
  async emitBuilt(tree: TreeRecord): Promise<TreeRecord> {
    this.totals.set(tree.hash, { files: tree.files, folders: tree.folders, bytes: tree.bytes });
    if (this.p.keepBuilt) this.built.set(tree.hash, tree);
    if (!this.seen.has(tree.hash)) {
      this.seen.add(tree.hash);
      this.pending.push(tree);
      if (this.pending.length >= CHECK_BATCH) await this.flush();
    }
    return tree;
  }

  /** Looks up the queued trees: those the location lacks are new. */
  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const existing = await this.view.snapshotTreesExisting({ storage: this.p.storage, hashes: this.pending.map((t) => t.hash) });
    for (const t of this.pending) if (!existing.has(t.hash)) this.newTrees.push(t);
    this.pending = [];
  }
}

export async function walkFolder(view: Store, p: { folder: Item; storage: string; signal?: AbortSignal }): Promise<WalkResult> {
  const walk = new TreeWalk(view, { libraryId: p.folder.libraryId, storage: p.storage, signal: p.signal });
  const root = await walk.whole(p.folder);
  await walk.flush();
  return { root: { hash: root.hash, files: root.files, folders: root.folders, bytes: root.bytes }, newTrees: walk.newTrees, items: walk.items };
}
