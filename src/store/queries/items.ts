/** Item rows (folders and files): lookups, children pages, trash roots, inserts and updates. */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { Item, ItemKind } from '../../domain/types.js';
import { toChildItem, toItem } from '../rows.js';
import { prepared } from '../prepared.js';

const byPath = prepared(['libraryId', 'path'], (db, p: { libraryId: string; path: string }) =>
  db.selectFrom('items').selectAll().where('library_id', '=', p.libraryId).where('path', '=', p.path).where('trashed_at', 'is', null),
);

export async function itemGetByPath(db: Kysely<Database>, p: { libraryId: string; path: string }): Promise<Item | undefined> {
  const [row] = await byPath.rows(db, p);
  return row && toItem(row);
}

export async function itemGetById(db: Kysely<Database>, p: { libraryId: string; id: number }): Promise<Item | undefined> {
  const row = await db
    .selectFrom('items')
    .selectAll()
    .where('id', '=', p.id)
    .where('library_id', '=', p.libraryId)
    .executeTakeFirst();
  return row && toItem(row);
}

/**
 * A page of a folder's live children ordered by name (names are unique per
 * folder). The hottest read: it selects only the columns a live child can
 * differ in (each column costs on every row) and derives the rest (a
 * child's path is its folder's path and its name).
 */
const childrenQuery = (db: Kysely<Database>, p: { parentId: number; limit: number }) =>
  db
    .selectFrom('items')
    .select(['id', 'name', 'kind', 'size', 'sha256', 'content_type', 'created_at', 'modified_at'])
    .where('parent_id', '=', p.parentId)
    .where('trashed_at', 'is', null);
const firstChildren = prepared(['parentId', 'limit'], (db, p: { parentId: number; limit: number }) =>
  childrenQuery(db, p).orderBy('name').limit(p.limit),
);
const nextChildren = prepared(['parentId', 'afterName', 'limit'], (db, p: { parentId: number; afterName: string; limit: number }) =>
  childrenQuery(db, p).where('name', '>', p.afterName).orderBy('name').limit(p.limit),
);

/** A folder page's order: by name, size or modification time, either way; ties go by name the same way. */
export interface ChildOrder {
  by: 'name' | 'size' | 'modified';
  desc: boolean;
}

/**
 * A page of a folder in another order than by name ascending, after the
 * previous page's last (value, name). Size and time have no index of their
 * own: the folder's children are read by the parent index and the database
 * keeps the page's top rows.
 */
function orderedChildren(
  db: Kysely<Database>,
  p: { parentId: number; order: ChildOrder; afterName: string | undefined; afterValue: number | undefined; limit: number },
) {
  const column = p.order.by === 'size' ? 'size' : p.order.by === 'modified' ? 'modified_at' : null;
  const direction = p.order.desc ? 'desc' : 'asc';
  const beyond = p.order.desc ? '<' : '>';
  let query = childrenQuery(db, p);
  const afterName = p.afterName;
  if (afterName !== undefined) {
    if (column === null) query = query.where('name', beyond, afterName);
    else {
      const value = p.afterValue ?? 0;
      query = query.where((eb) => eb.or([eb(column, beyond, value), eb.and([eb(column, '=', value), eb('name', beyond, afterName)])]));
    }
  }
  if (column !== null) query = query.orderBy(column, direction);
  return query.orderBy('name', direction).limit(p.limit).execute();
}

/**
 * A page of a folder's live children: by name (the default, `order` absent)
 * after `afterName`, or in `order` after the last row's (`afterValue`, `afterName`).
 */
export async function itemListChildren(
  db: Kysely<Database>,
  p: { libraryId: string; parentId: number; parentPath: string; afterName: string | undefined; limit: number; order?: ChildOrder; afterValue?: number },
): Promise<Item[]> {
  const prefix = p.parentPath === '/' ? '/' : `${p.parentPath}/`;
  const order = p.order;
  const rows =
    order !== undefined && (order.by !== 'name' || order.desc)
      ? await orderedChildren(db, { parentId: p.parentId, order, afterName: p.afterName, afterValue: p.afterValue, limit: p.limit })
      : p.afterName === undefined
        ? await firstChildren.rows(db, { parentId: p.parentId, limit: p.limit })
        : await nextChildren.rows(db, { parentId: p.parentId, afterName: p.afterName, limit: p.limit });
  const folder = { libraryId: p.libraryId, parentId: p.parentId, pathPrefix: prefix };
  return rows.map((row) => toChildItem(row, folder));
}

/** A page of the library's trashed roots, newest first, after the (trashedAt, id) cursor. */
export async function itemListTrashRoots(
  db: Kysely<Database>,
  p: { libraryId: string; after: { trashedAt: number; id: number } | undefined; limit: number },
): Promise<Item[]> {
  let query = db
    .selectFrom('items')
    .selectAll()
    .where('library_id', '=', p.libraryId)
    .where('trashed_at', 'is not', null)
    .whereRef('trash_root_id', '=', 'id');
  if (p.after) {
    const after = p.after;
    query = query.where((eb) =>
      eb.or([
        eb('trashed_at', '<', after.trashedAt),
        eb.and([eb('trashed_at', '=', after.trashedAt), eb('id', '<', after.id)]),
      ]),
    );
  }
  const rows = await query.orderBy('trashed_at', 'desc').orderBy('id', 'desc').limit(p.limit).execute();
  return rows.map(toItem);
}

export interface ItemInsertParams {
  libraryId: string;
  parentId: number | null;
  name: string;
  path: string;
  kind: ItemKind;
  size: number;
  sha256: string | null;
  /** Files only; folders pass null. */
  contentType: string | null;
  now: number;
}

/**
 * Inserts a live item unless a live sibling of the same name exists; returns
 * undefined in that case (the caller reads the sibling and decides).
 */
export async function itemInsertIfAbsent(db: Kysely<Database>, p: ItemInsertParams): Promise<Item | undefined> {
  const row = await db
    .insertInto('items')
    .values({
      library_id: p.libraryId,
      parent_id: p.parentId,
      name: p.name,
      path: p.path,
      kind: p.kind,
      size: p.size,
      sha256: p.sha256,
      content_type: p.contentType,
      created_at: p.now,
      modified_at: p.now,
      trashed_at: null,
      trash_root_id: null,
    })
    .onConflict((oc) => oc.columns(['library_id', 'path']).where('trashed_at', 'is', null).doNothing())
    .returningAll()
    .executeTakeFirst();
  return row && toItem(row);
}

/** Replaces a live file's content; returns the updated item. */
export async function itemUpdateContent(
  db: Kysely<Database>,
  p: { id: number; sha256: string; size: number; contentType: string; now: number },
): Promise<Item> {
  const row = await db
    .updateTable('items')
    .set({ sha256: p.sha256, size: p.size, content_type: p.contentType, modified_at: p.now })
    .where('id', '=', p.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return toItem(row);
}

/** How many live or trashed file items of the library reference each blob. */
export async function itemCountBlobRefs(
  db: Kysely<Database>,
  p: { libraryId: string },
): Promise<Array<{ sha256: string; refs: number }>> {
  const rows = await db
    .selectFrom('items')
    .select(['sha256', sql<number>`count(*)`.as('refs')])
    .where('library_id', '=', p.libraryId)
    .where('kind', '=', 'file')
    .where('sha256', 'is not', null)
    .groupBy('sha256')
    .execute();
  return rows.map((r) => ({ sha256: r.sha256 as string, refs: Number(r.refs) }));
}
