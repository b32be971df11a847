/**
 * The items a report lists: live or trashed, at a selected path or under it,
 * in a path range, by (path, id) after a keyset — each kind over its own
 * partial index (`items_live_path`, `items_trashed_path`), so a report
 * merges the two in path order a page at a time.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { Item } from '../../domain/types.js';
import { toItem } from '../rows.js';
import { prefixEnd } from './items-bulk.js';

export interface InventoryRange {
  libraryId: string;
  /** The selected path (`/`: the whole library, its root folder left out). */
  path: string;
  /** Paths above this one (exclusive); null: from the selection's start. */
  above: string | null;
  /** Paths up to this one (inclusive); null: to the selection's end. */
  through: string | null;
}

export async function itemListInventory(
  db: Kysely<Database>,
  p: InventoryRange & { trashed: boolean; after?: { path: string; id: number }; limit: number },
): Promise<Item[]> {
  const prefix = p.path === '/' ? '/' : `${p.path}/`;
  let query = db
    .selectFrom('items')
    .selectAll()
    .where('library_id', '=', p.libraryId)
    .where('trashed_at', p.trashed ? 'is not' : 'is', null)
    .where((eb) =>
      p.path === '/'
        ? eb.and([eb('path', '>', prefix), eb('path', '<', prefixEnd(prefix))])
        : eb.or([eb('path', '=', p.path), eb.and([eb('path', '>', prefix), eb('path', '<', prefixEnd(prefix))])]),
    );
  if (p.above !== null) query = query.where('path', '>', p.above);
  if (p.through !== null) query = query.where('path', '<=', p.through);
  if (p.after) {
    const after = p.after;
    query = query.where((eb) => eb.or([eb('path', '>', after.path), eb.and([eb('path', '=', after.path), eb('id', '>', after.id)])]));
  }
  const rows = await query.orderBy('path').orderBy('id').limit(p.limit).execute();
  return rows.map(toItem);
}
