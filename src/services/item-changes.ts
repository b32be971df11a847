/**
 * One item trashed or moved inside a request (`DELETE` and `PATCH` of
 * `…/files/{path}`), with the statements the trash and move jobs use. A
 * folder is done in the request only while its subtree is small: past
 * `INLINE_SUBTREE_LIMIT` live descendants the change would be one long
 * transaction (on SQLite, every other writer waits for it), so the caller
 * hands it to a job instead, which works through the subtree in chunks.
 */
import type { Store } from '../store/store.js';
import type { Item, Library } from '../domain/types.js';
import { ConflictError, NotFoundError, UnprocessableError } from '../domain/errors.js';
import { joinPath } from '../domain/item-path.js';
import { ensureFolder } from './folders.js';

/** Live descendants a folder may have for its trash or move to run in the request (else: a job). */
export const INLINE_SUBTREE_LIMIT = 1_000;

/** Done in the request (`item` as it is now), or too large: `item` is unchanged and a job should do it. */
export type ItemChange = { deferred: false; item: Item } | { deferred: true; item: Item };

/** The live item at `path`, or 404. */
export async function liveItemAt(tx: Store, libraryId: string, path: string): Promise<Item> {
  const item = await tx.itemGetByPath({ libraryId, path });
  if (!item) throw new NotFoundError(`'${path}' not found`, { path });
  return item;
}

/** The live descendants of a folder when there are at most `INLINE_SUBTREE_LIMIT`; undefined when there are more. */
async function smallSubtree(tx: Store, folder: Item): Promise<number[] | undefined> {
  if (folder.kind !== 'folder') return [];
  const refs = await tx.itemListSubtreeLive({ libraryId: folder.libraryId, prefix: `${folder.path}/`, limit: INLINE_SUBTREE_LIMIT + 1 });
  return refs.length > INLINE_SUBTREE_LIMIT ? undefined : refs.map((r) => r.id);
}

/** Moves `item` (and its subtree) to the trash under itself as the trash root, as the trash job's root step does. */
export async function trashOne(tx: Store, item: Item, now: number): Promise<ItemChange> {
  if ((await smallSubtree(tx, item)) === undefined) return { deferred: true, item };
  await tx.itemTrashMany({ ids: [item.id], rootId: item.id, now });
  if (item.kind === 'folder') await tx.itemTrashSubtreeRest({ libraryId: item.libraryId, prefix: `${item.path}/`, rootId: item.id, now });
  return { deferred: false, item: (await tx.itemGetById({ libraryId: item.libraryId, id: item.id }))! };
}

/**
 * Moves or renames `item` to `to` (segments) in its library: parents are
 * created, an existing item at `to` is a 409, a folder into itself a 422. A
 * large folder that keeps its name is deferred (a move job into the new
 * parent); renaming one is refused (a move job cannot rename).
 */
export async function moveOne(tx: Store, library: Pick<Library, 'id' | 'rootFolderId'>, item: Item, to: string[], now: number): Promise<ItemChange> {
  const path = joinPath(to);
  if (path === item.path) return { deferred: false, item };
  if (path.startsWith(`${item.path}/`)) throw new UnprocessableError(`'${path}' is inside '${item.path}'`, { field: 'path' });
  if (await tx.itemGetByPath({ libraryId: library.id, path })) throw new ConflictError(`'${path}' already exists`, { path });
  const name = to.at(-1)!;
  const descendants = await smallSubtree(tx, item);
  if (descendants === undefined) {
    if (name === item.name) return { deferred: true, item };
    throw new UnprocessableError(
      `'${item.path}' has more than ${INLINE_SUBTREE_LIMIT} items: a request renames at most that many (move it into another folder with its name, which runs as a job)`,
      { field: 'path', limit: INLINE_SUBTREE_LIMIT },
    );
  }
  const parent = await ensureFolder(tx, library, to.slice(0, -1), now);
  await tx.itemSetPlace({ id: item.id, parentId: parent.id, name, path, now });
  await tx.itemRewritePaths({ ids: descendants, oldPrefix: `${item.path}/`, newPrefix: `${path}/` });
  return { deferred: false, item: (await tx.itemGetById({ libraryId: library.id, id: item.id }))! };
}
