/**
 * Snapshot trees: a folder's manifest as stored by a backup, content-addressed
 * (its hash is the SHA-256 of its canonical JSON), so an unchanged folder has
 * the same hash in every snapshot and is stored once per storage location.
 * Entries are sorted by name (code-unit order); a folder entry names its
 * child tree's hash, a file entry its content's SHA-256.
 */
import { createHash } from 'node:crypto';

export interface SnapshotEntry {
  name: string;
  kind: 'file' | 'folder';
  /** Bytes of a file; 0 for a folder. */
  size: number;
  /** A file's content hash (null for a folder). */
  sha256: string | null;
  contentType: string | null;
  createdAt: number;
  modifiedAt: number;
  /** A folder's child tree hash (null for a file). */
  tree: string | null;
}

export interface SnapshotTree {
  hash: string;
  /** The canonical JSON stored in the catalog. */
  json: string;
  entries: SnapshotEntry[];
  /** The subtree's totals below this folder. */
  files: number;
  folders: number;
  bytes: number;
}

/** An entry as the canonical JSON holds it (a folder's 'd' with its tree hash, a file's 'f' with its content hash). */
export type StoredEntry = [name: string, kind: 'f' | 'd', size: number, sha256OrTree: string | null, contentType: string | null, createdAt: number, modifiedAt: number];
type Stored = StoredEntry;

/** The code-unit order entries are sorted in. */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function byName(a: SnapshotEntry, b: SnapshotEntry): number {
  return compareNames(a.name, b.name);
}

export function toStoredEntry(e: SnapshotEntry): StoredEntry {
  if (e.kind === 'folder') {
    if (!e.tree) throw new Error(`folder entry '${e.name}' has no tree`);
    return [e.name, 'd', 0, e.tree, null, e.createdAt, e.modifiedAt];
  }
  return [e.name, 'f', e.size, e.sha256, e.contentType, e.createdAt, e.modifiedAt];
}

export function fromStoredEntry([name, kind, size, ref, contentType, createdAt, modifiedAt]: StoredEntry): SnapshotEntry {
  return kind === 'd'
    ? { name, kind: 'folder', size: 0, sha256: null, contentType: null, createdAt, modifiedAt, tree: ref }
    : { name, kind: 'file', size, sha256: ref, contentType, createdAt, modifiedAt, tree: null };
}

/**
 * The tree of entries already in stored form and sorted by name, with totals
 * the caller computed (an incremental backup patching a stored tree: no
 * object per entry, no sort).
 */
export function treeFromStored(sorted: readonly StoredEntry[], totals: { files: number; folders: number; bytes: number }): Omit<SnapshotTree, 'entries'> {
  const json = JSON.stringify(sorted);
  return { hash: createHash('sha256').update(json).digest('hex'), json, ...totals };
}

/**
 * The tree of these entries; `childTotals` gives each folder entry's subtree
 * totals (by its tree hash) so the tree's own totals include them.
 */
export function buildTree(entries: readonly SnapshotEntry[], childTotals: (hash: string) => { files: number; folders: number; bytes: number }): SnapshotTree {
  const sorted = [...entries].sort(byName);
  let files = 0;
  let folders = 0;
  let bytes = 0;
  const stored: Stored[] = sorted.map((e) => {
    if (e.kind === 'folder' && e.tree) {
      const t = childTotals(e.tree);
      folders += 1 + t.folders;
      files += t.files;
      bytes += t.bytes;
    } else if (e.kind === 'file') {
      files += 1;
      bytes += e.size;
    }
    return toStoredEntry(e);
  });
  const json = JSON.stringify(stored);
  const hash = createHash('sha256').update(json).digest('hex');
  return { hash, json, entries: sorted, files, folders, bytes };
}

/** A stored tree's entries. */
export function parseTreeEntries(json: string): SnapshotEntry[] {
  return (JSON.parse(json) as Stored[]).map(fromStoredEntry);
}

/** The child trees a stored tree references (one per folder entry). */
export function childTreesOf(entries: readonly SnapshotEntry[]): string[] {
  return entries.flatMap((e) => (e.kind === 'folder' && e.tree ? [e.tree] : []));
}

/** The blob references a tree holds: one per file entry with content, counted per hash. */
export function blobRefsOf(entries: readonly SnapshotEntry[]): Array<{ sha256: string; size: number; count: number }> {
  const refs = new Map<string, { sha256: string; size: number; count: number }>();
  for (const e of entries) {
    if (e.kind !== 'file' || !e.sha256) continue;
    const seen = refs.get(e.sha256);
    if (seen) seen.count += 1;
    else refs.set(e.sha256, { sha256: e.sha256, size: e.size, count: 1 });
  }
  return [...refs.values()];
}

/**
 * What a stored tree's JSON references, read from its stored entries without
 * building an object per entry (storing many large trees parses each once):
 * its child trees, and its blob references counted per hash.
 */
export function refsOfTreeJson(json: string): { children: string[]; blobs: Array<{ sha256: string; size: number; count: number }> } {
  const children: string[] = [];
  const blobs = new Map<string, { sha256: string; size: number; count: number }>();
  for (const [, kind, size, ref] of JSON.parse(json) as StoredEntry[]) {
    if (!ref) continue;
    if (kind === 'd') children.push(ref);
    else {
      const seen = blobs.get(ref);
      if (seen) seen.count += 1;
      else blobs.set(ref, { sha256: ref, size, count: 1 });
    }
  }
  return { children, blobs: [...blobs.values()] };
}
