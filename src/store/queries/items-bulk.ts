/**
 * Set-based item operations for jobs: subtree scans in keyset chunks, and
 * trash, restore, move, copy and delete of a chunk of ids in one statement.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { Item, ItemKind } from '../../domain/types.js';
import { toItem } from '../rows.js';

export interface ItemRef {
  id: number;
  path: string;
  kind: ItemKind;
  size: number;
}

const refColumns = ['id', 'path', 'kind', 'size'] as const;
const toRef = (r: { id: number; path: string; kind: ItemKind; size: number }): ItemRef => ({
  id: Number(r.id),
  path: r.path,
  kind: r.kind,
  size: Number(r.size),
});

/**
 * `newPrefix` followed by the rest of `path` after `oldPrefix`. Both databases'
 * `substr` count characters (code points), not JavaScript's UTF-16 units: a
 * prefix with a character outside the BMP (an emoji) cut one character too many.
 */
function replacePrefix(oldPrefix: string, newPrefix: string) {
  return sql<string>`${newPrefix} || substr(path, ${[...oldPrefix].length + 1})`;
}

/** The smallest string above every path under `prefix` (which ends in '/'). */
export function prefixEnd(prefix: string): string {
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}

/** Live items strictly under `prefix` (a folder path plus '/'), by path, after `afterPath`. */
export async function itemListSubtreeLive(
  db: Kysely<Database>,
  p: { libraryId: string; prefix: string; afterPath?: string; limit: number },
): Promise<ItemRef[]> {
  const lower = p.afterPath !== undefined && p.afterPath > p.prefix ? p.afterPath : p.prefix;
  const rows = await db
    .selectFrom('items')
    .select(refColumns)
    .where('library_id', '=', p.libraryId)
    .where('trashed_at', 'is', null)
    .where('path', '>', lower)
    .where('path', '<', prefixEnd(p.prefix))
    .orderBy('path')
    .limit(p.limit)
    .execute();
  return rows.map(toRef);
}

/** Items trashed with `rootId` (its subtree, not the root itself), by id, after `afterId`. */
export async function itemListTrashMembers(db: Kysely<Database>, p: { rootId: number; afterId?: number; limit: number }): Promise<ItemRef[]> {
  const rows = await db
    .selectFrom('items')
    .select(refColumns)
    .where('trash_root_id', '=', p.rootId)
    .where('id', '>', p.afterId ?? 0)
    .where('id', '!=', p.rootId)
    .orderBy('id')
    .limit(p.limit)
    .execute();
  return rows.map(toRef);
}

/** Trash roots trashed before `cutoff`, oldest first, after the (trashedAt, id) cursor. */
export async function itemListTrashRootsBefore(
  db: Kysely<Database>,
  p: { libraryId: string; cutoff: number; after?: { trashedAt: number; id: number }; limit: number },
): Promise<Array<ItemRef & { trashedAt: number }>> {
  let q = db
    .selectFrom('items')
    .select([...refColumns, 'trashed_at'])
    .where('library_id', '=', p.libraryId)
    .where('trashed_at', 'is not', null)
    .where('trashed_at', '<', p.cutoff)
    .whereRef('trash_root_id', '=', 'id');
  if (p.after) {
    const after = p.after;
    q = q.where((eb) => eb.or([eb('trashed_at', '>', after.trashedAt), eb.and([eb('trashed_at', '=', after.trashedAt), eb('id', '>', after.id)])]));
  }
  const rows = await q.orderBy('trashed_at').orderBy('id').limit(p.limit).execute();
  return rows.map((r) => ({ ...toRef(r), trashedAt: Number(r.trashed_at) }));
}

/** Trashes the live items among `ids` under `rootId`; returns how many were live. */
export async function itemTrashMany(db: Kysely<Database>, p: { ids: number[]; rootId: number; now: number }): Promise<number> {
  if (p.ids.length === 0) return 0;
  const result = await db
    .updateTable('items')
    .set({ trashed_at: p.now, trash_root_id: p.rootId })
    .where('id', 'in', p.ids)
    .where('trashed_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Trashes whatever is still live under `prefix` (items added after planning); returns how many. */
export async function itemTrashSubtreeRest(db: Kysely<Database>, p: { libraryId: string; prefix: string; rootId: number; now: number }): Promise<number> {
  const result = await db
    .updateTable('items')
    .set({ trashed_at: p.now, trash_root_id: p.rootId })
    .where('library_id', '=', p.libraryId)
    .where('trashed_at', 'is', null)
    .where('path', '>', p.prefix)
    .where('path', '<', prefixEnd(p.prefix))
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/**
 * Brings back the members of `rootId` among `ids` (all its remaining members
 * when `ids` is omitted: a retried root's subtree), moving their paths from
 * `oldPrefix` to `newPrefix`. Run inside a transaction, the root live: its
 * entry is logged once for the members (item change log).
 */
export async function itemRestoreMany(
  db: Kysely<Database>,
  p: { ids?: number[]; rootId: number; oldPrefix: string; newPrefix: string },
): Promise<number> {
  if (p.ids?.length === 0) return 0;
  if (!db.isTransaction) return db.transaction().execute((trx) => itemRestoreMany(trx, p));
  // The root's entry stands for its members' (a backup walks it whole), which the triggers skip while
  // item_change_quiet holds the root: that row lives only for this statement, uncommitted (migration 20).
  await sql`INSERT INTO item_changes (library_id, parent_id, name) SELECT library_id, parent_id, name FROM items WHERE id = ${p.rootId} AND parent_id IS NOT NULL`.execute(db);
  await sql`INSERT INTO item_change_quiet (root_id) VALUES (${p.rootId})`.execute(db);
  try {
    return await restoreMembers(db, p);
  } finally {
    await sql`DELETE FROM item_change_quiet WHERE root_id = ${p.rootId}`.execute(db);
  }
}

async function restoreMembers(db: Kysely<Database>, p: { ids?: number[]; rootId: number; oldPrefix: string; newPrefix: string }): Promise<number> {
  let q = db
    .updateTable('items')
    .set({
      trashed_at: null,
      trash_root_id: null,
      ...(p.oldPrefix === p.newPrefix ? {} : { path: replacePrefix(p.oldPrefix, p.newPrefix) }),
    })
    .where('trash_root_id', '=', p.rootId);
  if (p.ids) q = q.where('id', 'in', p.ids);
  const result = await q.executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Moves live items among `ids` whose path starts with `oldPrefix` to `newPrefix` (within their library). */
export async function itemRewritePaths(
  db: Kysely<Database>,
  p: { ids: number[]; oldPrefix: string; newPrefix: string },
): Promise<number> {
  if (p.ids.length === 0) return 0;
  const result = await db
    .updateTable('items')
    .set({ path: replacePrefix(p.oldPrefix, p.newPrefix) })
    .where('id', 'in', p.ids)
    .where('trashed_at', 'is', null)
    .where('path', '>', p.oldPrefix)
    .where('path', '<', prefixEnd(p.oldPrefix))
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Places one item: its folder, name and path, live. */
export async function itemSetPlace(
  db: Kysely<Database>,
  p: { id: number; parentId: number; name: string; path: string; now: number },
): Promise<void> {
  await db
    .updateTable('items')
    .set({ parent_id: p.parentId, name: p.name, path: p.path, trashed_at: null, trash_root_id: null, modified_at: p.now })
    .where('id', '=', p.id)
    .execute();
}

/** Deletes `ids`; returns how many rows went and the blob references they held. */
export async function itemDeleteMany(
  db: Kysely<Database>,
  p: { ids: number[] },
): Promise<{ deleted: number; bytes: number; blobs: Array<{ sha256: string; refs: number }> }> {
  if (p.ids.length === 0) return { deleted: 0, bytes: 0, blobs: [] };
  const refs = await db
    .selectFrom('items')
    .select(['sha256', sql<number>`count(*)`.as('refs'), sql<number>`sum(size)`.as('bytes')])
    .where('id', 'in', p.ids)
    .where('sha256', 'is not', null)
    .groupBy('sha256')
    .execute();
  const result = await db.deleteFrom('items').where('id', 'in', p.ids).executeTakeFirst();
  return {
    deleted: Number(result.numDeletedRows),
    bytes: refs.reduce((n, r) => n + Number(r.bytes), 0),
    blobs: refs.map((r) => ({ sha256: r.sha256 as string, refs: Number(r.refs) })),
  };
}

export async function itemGetMany(db: Kysely<Database>, p: { ids: number[] }): Promise<Item[]> {
  if (p.ids.length === 0) return [];
  const rows = await db.selectFrom('items').selectAll().where('id', 'in', p.ids).execute();
  return rows.map(toItem);
}

export async function itemGetLiveByPaths(db: Kysely<Database>, p: { libraryId: string; paths: string[] }): Promise<Item[]> {
  if (p.paths.length === 0) return [];
  const rows = await db
    .selectFrom('items')
    .selectAll()
    .where('library_id', '=', p.libraryId)
    .where('trashed_at', 'is', null)
    .where('path', 'in', p.paths)
    .execute();
  return rows.map(toItem);
}

export interface NewItemRow {
  libraryId: string;
  parentId: number;
  name: string;
  path: string;
  kind: ItemKind;
  size: number;
  sha256: string | null;
  contentType: string | null;
  createdAt: number;
  modifiedAt: number;
}

/** Inserts live items; returns their ids and paths. A name clash raises the unique violation. */
export async function itemInsertMany(db: Kysely<Database>, rows: NewItemRow[]): Promise<Array<{ id: number; path: string }>> {
  if (rows.length === 0) return [];
  const out = await db
    .insertInto('items')
    .values(
      rows.map((r) => ({
        library_id: r.libraryId,
        parent_id: r.parentId,
        name: r.name,
        path: r.path,
        kind: r.kind,
        size: r.size,
        sha256: r.sha256,
        content_type: r.contentType,
        created_at: r.createdAt,
        modified_at: r.modifiedAt,
        trashed_at: null,
        trash_root_id: null,
      })),
    )
    .returning(['id', 'path'])
    .execute();
  return out.map((r) => ({ id: Number(r.id), path: r.path }));
}

/** The most recently trashed trash root that was at `path`. */
export async function itemFindTrashRoot(db: Kysely<Database>, p: { libraryId: string; path: string }): Promise<Item | undefined> {
  const row = await db
    .selectFrom('items')
    .selectAll()
    .where('library_id', '=', p.libraryId)
    .where('path', '=', p.path)
    .where('trashed_at', 'is not', null)
    .whereRef('trash_root_id', '=', 'id')
    .orderBy('trashed_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row && toItem(row);
}

/** Deletes what is left of a subtree (items added after planning): live under `prefix`, or trashed with `rootId`. */
export async function itemDeleteRest(
  db: Kysely<Database>,
  p: { libraryId: string; livePrefix?: string; trashRootId?: number },
): Promise<{ deleted: number; blobs: Array<{ sha256: string; refs: number }> }> {
  let ids: number[] = [];
  if (p.livePrefix !== undefined) {
    const rows = await db
      .selectFrom('items')
      .select('id')
      .where('library_id', '=', p.libraryId)
      .where('trashed_at', 'is', null)
      .where('path', '>', p.livePrefix)
      .where('path', '<', prefixEnd(p.livePrefix))
      .execute();
    ids = rows.map((r) => Number(r.id));
  } else if (p.trashRootId !== undefined) {
    const rows = await db.selectFrom('items').select('id').where('trash_root_id', '=', p.trashRootId).where('id', '!=', p.trashRootId).execute();
    ids = rows.map((r) => Number(r.id));
  }
  let deleted = 0;
  const blobs = new Map<string, number>();
  for (let i = 0; i < ids.length; i += 500) {
    const part = await itemDeleteMany(db, { ids: ids.slice(i, i + 500) });
    deleted += part.deleted;
    for (const b of part.blobs) blobs.set(b.sha256, (blobs.get(b.sha256) ?? 0) + b.refs);
  }
  return { deleted, blobs: [...blobs].map(([sha256, refs]) => ({ sha256, refs })) };
}
