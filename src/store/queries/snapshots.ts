/**
 * Snapshots and their trees (migration 15). A snapshot holds one reference to
 * its root tree; a stored tree holds one reference to each child tree and one
 * blob reference per file entry, taken when the tree is first stored
 * (`snapshotTreesPut`) and released when its count falls to 0
 * (`snapshotDelete`). Trees are immutable and content-addressed, so a later
 * snapshot re-using a folder only adds a reference to it.
 */
import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database } from '../schema.js';
import { BlobCollectedError } from '../../domain/errors.js';
import { blobRefsOf, childTreesOf, parseTreeEntries, refsOfTreeJson, type SnapshotEntry } from '../../domain/snapshot-tree.js';
import { blobAddRefMany, blobReleaseMany } from './blobs.js';
import { prefixEnd } from './items-bulk.js';

export interface Snapshot {
  id: number;
  libraryId: string;
  jobId: number | null;
  label: string | null;
  /** The folder it was taken of ('/' for the whole library). */
  path: string;
  storage: string;
  rootTree: string;
  files: number;
  folders: number;
  bytes: number;
  /** Against the previous snapshot of the same library and path (files and folders). */
  added: number;
  changed: number;
  removed: number;
  createdAt: number;
}

export interface StoredTree {
  hash: string;
  entries: SnapshotEntry[];
  files: number;
  folders: number;
  bytes: number;
  refcount: number;
}

type Row = Selectable<Database['snapshots']>;

function toSnapshot(r: Row): Snapshot {
  return {
    id: Number(r.id), libraryId: r.library_id, jobId: r.job_id == null ? null : Number(r.job_id), label: r.label,
    path: r.path, storage: r.storage, rootTree: r.root_tree, files: Number(r.files), folders: Number(r.folders),
    bytes: Number(r.bytes), added: Number(r.added), changed: Number(r.changed), removed: Number(r.removed), createdAt: Number(r.created_at),
  };
}

const CHUNK = 500;

/** Adds `count` references to each tree; throws (transient) when one is no longer stored (deleted by a concurrent forget). */
async function treesAddRefs(db: Kysely<Database>, storage: string, refs: Map<string, number>): Promise<void> {
  const sorted = [...refs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [hash, count] of sorted) {
    const r = await db
      .updateTable('snapshot_trees')
      .set({ refcount: sql<number>`refcount + ${count}` })
      .where('storage', '=', storage)
      .where('hash', '=', hash)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) throw new BlobCollectedError(`snapshot tree ${hash.slice(0, 12)}… is no longer stored; retry`);
  }
}

/**
 * Adds references to blobs whose rows exist (the library's own location):
 * one UPDATE per 500 hashes taking the same number of references (rows
 * locked in index, i.e. hash, order); a row gone or being collected (-1)
 * is not updated, and that is a BlobCollectedError (its bytes may be gone).
 */
async function existingBlobsAddRefs(db: Kysely<Database>, storage: string, refs: ReadonlyArray<{ sha256: string; count: number }>): Promise<void> {
  const merged = new Map<string, number>();
  for (const r of refs) merged.set(r.sha256, (merged.get(r.sha256) ?? 0) + r.count);
  const byCount = new Map<number, string[]>();
  for (const [sha256, count] of merged) {
    let list = byCount.get(count);
    if (!list) byCount.set(count, (list = []));
    list.push(sha256);
  }
  for (const [count, all] of byCount) {
    all.sort();
    for (let j = 0; j < all.length; j += CHUNK) {
      const some = all.slice(j, j + CHUNK);
      const r = await db
        .updateTable('blobs')
        .set({ refcount: sql<number>`refcount + ${count}` })
        .where('storage', '=', storage)
        .where('sha256', 'in', some)
        .where('refcount', '>=', 0)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) < some.length) {
        const rows = await db.selectFrom('blobs').select('sha256').where('storage', '=', storage).where('sha256', 'in', some).where('refcount', '>=', 0).execute();
        const known = new Set(rows.map((row) => row.sha256));
        const gone = some.find((h) => !known.has(h)) ?? some[0]!;
        throw new BlobCollectedError(`blob ${gone.slice(0, 12)}… is no longer stored in '${storage}' (purged since it was read); retry`);
      }
    }
  }
}

/**
 * Stores trees not yet stored in `storage` (children listed before their
 * parents) with no reference yet, and for each newly stored one adds its
 * references: one to each child tree, one blob reference per file entry.
 * `blobs: 'existing'` (the library's own storage) refuses a blob whose row is
 * gone or being collected (BlobCollectedError: the bytes may be gone);
 * `'create'` (bytes just copied to another location) creates missing rows.
 * Returns the hashes it stored.
 */
export async function snapshotTreesPut(
  db: Kysely<Database>,
  p: { storage: string; trees: ReadonlyArray<{ hash: string; json: string; files: number; folders: number; bytes: number }>; blobs: 'existing' | 'create'; now: number },
): Promise<string[]> {
  const stored: string[] = [];
  for (let k = 0; k < p.trees.length; k += CHUNK) {
    const part = p.trees.slice(k, k + CHUNK);
    const inserted = await db
      .insertInto('snapshot_trees')
      .values(part.map((t) => ({ storage: p.storage, hash: t.hash, entries: t.json, files: t.files, folders: t.folders, bytes: t.bytes, refcount: 0, created_at: p.now })))
      .onConflict((oc) => oc.columns(['storage', 'hash']).doNothing())
      .returning('hash')
      .execute();
    const fresh = new Set(inserted.map((r) => r.hash));
    const childRefs = new Map<string, number>();
    const blobRefs: Array<{ sha256: string; size: number; count: number }> = [];
    for (const t of part) {
      if (!fresh.has(t.hash)) continue;
      fresh.delete(t.hash); // a tree listed twice is stored (and references its children) once
      stored.push(t.hash);
      const refs = refsOfTreeJson(t.json);
      for (const child of refs.children) childRefs.set(child, (childRefs.get(child) ?? 0) + 1);
      for (const b of refs.blobs) blobRefs.push(b);
    }
    await treesAddRefs(db, p.storage, childRefs);
    if (blobRefs.length === 0) continue;
    if (p.blobs === 'existing') await existingBlobsAddRefs(db, p.storage, blobRefs);
    else await blobAddRefMany(db, { storage: p.storage, blobs: blobRefs, now: p.now });
  }
  return stored;
}

export async function snapshotTreeGet(db: Kysely<Database>, p: { storage: string; hash: string }): Promise<StoredTree | undefined> {
  const r = await db.selectFrom('snapshot_trees').selectAll().where('storage', '=', p.storage).where('hash', '=', p.hash).executeTakeFirst();
  if (!r) return undefined;
  return { hash: r.hash, entries: parseTreeEntries(r.entries), files: Number(r.files), folders: Number(r.folders), bytes: Number(r.bytes), refcount: Number(r.refcount) };
}

/** A stored tree as its canonical JSON with its totals (entries not parsed). */
export async function snapshotTreeGetJson(db: Kysely<Database>, p: { storage: string; hash: string }): Promise<{ json: string; files: number; folders: number; bytes: number } | undefined> {
  const r = await db.selectFrom('snapshot_trees').select(['entries', 'files', 'folders', 'bytes']).where('storage', '=', p.storage).where('hash', '=', p.hash).executeTakeFirst();
  return r && { json: r.entries, files: Number(r.files), folders: Number(r.folders), bytes: Number(r.bytes) };
}

/**
 * Records a snapshot of a stored root tree, adding the snapshot's reference to
 * it; `changesAsOf` is where its read stood in the item change log (the next
 * backup of the same path and storage reads the changes past it).
 */
export async function snapshotInsert(
  db: Kysely<Database>,
  p: Omit<Snapshot, 'id' | 'createdAt'> & { now: number; changesAsOf?: string | null },
): Promise<Snapshot> {
  await treesAddRefs(db, p.storage, new Map([[p.rootTree, 1]]));
  const row = await db
    .insertInto('snapshots')
    .values({
      library_id: p.libraryId, job_id: p.jobId, label: p.label, path: p.path, storage: p.storage, root_tree: p.rootTree,
      files: p.files, folders: p.folders, bytes: p.bytes, added: p.added, changed: p.changed, removed: p.removed, created_at: p.now,
      changes_as_of: p.changesAsOf ?? null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toSnapshot(row);
}

export async function snapshotGetById(db: Kysely<Database>, p: { id: number }): Promise<Snapshot | undefined> {
  const row = await db.selectFrom('snapshots').selectAll().where('id', '=', p.id).executeTakeFirst();
  return row ? toSnapshot(row) : undefined;
}

/**
 * A library's snapshots in time order (`order`, then id), a keyset page after
 * `after` (the last row's createdAt and id); `path` keeps those of one folder.
 */
export async function snapshotListByLibrary(
  db: Kysely<Database>,
  p: { libraryId: string; order: 'asc' | 'desc'; limit: number; after?: { createdAt: number; id: number }; path?: string },
): Promise<Snapshot[]> {
  let q = db.selectFrom('snapshots').selectAll().where('library_id', '=', p.libraryId);
  if (p.path !== undefined) q = q.where('path', '=', p.path);
  if (p.after) {
    const { createdAt, id } = p.after;
    q = p.order === 'asc'
      ? q.where((eb) => eb.or([eb('created_at', '>', createdAt), eb.and([eb('created_at', '=', createdAt), eb('id', '>', id)])]))
      : q.where((eb) => eb.or([eb('created_at', '<', createdAt), eb.and([eb('created_at', '=', createdAt), eb('id', '<', id)])]));
  }
  const rows = await q.orderBy('created_at', p.order).orderBy('id', p.order).limit(p.limit).execute();
  return rows.map(toSnapshot);
}

/** The newest snapshot of the library taken at or before `at` (of `path` when given). */
export async function snapshotLatestAt(db: Kysely<Database>, p: { libraryId: string; at: number; path?: string }): Promise<Snapshot | undefined> {
  let q = db.selectFrom('snapshots').selectAll().where('library_id', '=', p.libraryId).where('created_at', '<=', p.at);
  if (p.path !== undefined) q = q.where('path', '=', p.path);
  const row = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
  return row ? toSnapshot(row) : undefined;
}

/**
 * Deletes a snapshot and releases what only it held: its root tree's
 * reference, and, for every tree whose count falls to 0, the tree itself, its
 * child trees' references and its blob references (the blob collector then
 * reclaims bytes nothing references). Run inside a transaction. Returns how
 * many trees it deleted and blob references it released; undefined when there
 * is no such snapshot.
 */
export async function snapshotDelete(db: Kysely<Database>, p: { id: number }): Promise<{ snapshot: Snapshot; trees: number; blobRefs: number } | undefined> {
  const row = await db.deleteFrom('snapshots').where('id', '=', p.id).returningAll().executeTakeFirst();
  if (!row) return undefined;
  const snapshot = toSnapshot(row);
  let trees = 0;
  let blobRefs = 0;
  let pending = new Map<string, number>([[snapshot.rootTree, 1]]);
  while (pending.size > 0) {
    const next = new Map<string, number>();
    const blobs: Array<{ sha256: string; refs: number }> = [];
    for (const [hash, count] of [...pending].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const left = await db
        .updateTable('snapshot_trees')
        .set({ refcount: sql<number>`refcount - ${count}` })
        .where('storage', '=', snapshot.storage)
        .where('hash', '=', hash)
        .returning(['refcount', 'entries'])
        .executeTakeFirst();
      if (!left || Number(left.refcount) > 0) continue;
      await db.deleteFrom('snapshot_trees').where('storage', '=', snapshot.storage).where('hash', '=', hash).execute();
      trees += 1;
      const entries = parseTreeEntries(left.entries);
      for (const child of childTreesOf(entries)) next.set(child, (next.get(child) ?? 0) + 1);
      for (const b of blobRefsOf(entries)) blobs.push({ sha256: b.sha256, refs: b.count });
    }
    if (blobs.length > 0) {
      const merged = new Map<string, number>();
      for (const b of blobs) merged.set(b.sha256, (merged.get(b.sha256) ?? 0) + b.refs);
      await blobReleaseMany(db, { storage: snapshot.storage, blobs: [...merged].map(([sha256, refs]) => ({ sha256, refs })) });
      for (const refs of merged.values()) blobRefs += refs;
    }
    pending = next;
  }
  return { snapshot, trees, blobRefs };
}

/** The subtree totals of those of `hashes` stored in `storage` (the entries not read). */
export async function snapshotTreeTotals(
  db: Kysely<Database>,
  p: { storage: string; hashes: readonly string[] },
): Promise<Map<string, { files: number; folders: number; bytes: number }>> {
  const found = new Map<string, { files: number; folders: number; bytes: number }>();
  const unique = [...new Set(p.hashes)];
  for (let k = 0; k < unique.length; k += CHUNK) {
    const rows = await db
      .selectFrom('snapshot_trees')
      .select(['hash', 'files', 'folders', 'bytes'])
      .where('storage', '=', p.storage)
      .where('hash', 'in', unique.slice(k, k + CHUNK))
      .execute();
    for (const r of rows) found.set(r.hash, { files: Number(r.files), folders: Number(r.folders), bytes: Number(r.bytes) });
  }
  return found;
}

/** Which of `hashes` are stored in `storage`. */
export async function snapshotTreesExisting(db: Kysely<Database>, p: { storage: string; hashes: readonly string[] }): Promise<Set<string>> {
  const found = new Set<string>();
  for (let k = 0; k < p.hashes.length; k += CHUNK) {
    const rows = await db.selectFrom('snapshot_trees').select('hash').where('storage', '=', p.storage).where('hash', 'in', p.hashes.slice(k, k + CHUNK)).execute();
    for (const r of rows) found.add(r.hash);
  }
  return found;
}

/** What a backup records of a live item. */
export interface SnapshotSourceRow {
  path: string;
  name: string;
  kind: 'file' | 'folder';
  size: number;
  sha256: string | null;
  contentType: string | null;
  createdAt: number;
  modifiedAt: number;
}

/** Live items strictly under `prefix` (a folder path plus '/'), by path, after `after` (exclusive), a keyset chunk at a time. */
export async function itemListForSnapshot(db: Kysely<Database>, p: { libraryId: string; prefix: string; after?: string; limit: number }): Promise<SnapshotSourceRow[]> {
  const rows = await db
    .selectFrom('items')
    .select(['path', 'name', 'kind', 'size', 'sha256', 'content_type', 'created_at', 'modified_at'])
    .where('library_id', '=', p.libraryId)
    .where('trashed_at', 'is', null)
    .where('path', '>', p.after !== undefined && p.after > p.prefix ? p.after : p.prefix)
    .where('path', '<', prefixEnd(p.prefix))
    .orderBy('path')
    .limit(p.limit)
    .execute();
  return rows.map((r) => ({
    path: r.path, name: r.name, kind: r.kind, size: Number(r.size), sha256: r.sha256, contentType: r.content_type,
    createdAt: Number(r.created_at), modifiedAt: Number(r.modified_at),
  }));
}
