/**
 * What a one-way sync (replicate) reads of a subtree: its live items in path
 * order with what decides whether two of them are the same (kind, size,
 * SHA-256), a keyset chunk at a time. Both databases order `path` by its
 * bytes (PostgreSQL: COLLATE "C"; SQLite: BINARY), i.e. by code points.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { ItemKind } from '../../domain/types.js';
import { prefixEnd } from './items-bulk.js';

export interface SyncRow {
  id: number;
  path: string;
  kind: ItemKind;
  size: number;
  sha256: string | null;
}

/**
 * Live items strictly under `prefix` (a folder path plus '/'), by path: those
 * after `after` (exclusive) and from `from` (inclusive) when given.
 */
export async function itemListSubtreeForSync(
  db: Kysely<Database>,
  p: { libraryId: string; prefix: string; after?: string; from?: string; limit: number },
): Promise<SyncRow[]> {
  let q = db
    .selectFrom('items')
    .select(['id', 'path', 'kind', 'size', 'sha256'])
    .where('library_id', '=', p.libraryId)
    .where('trashed_at', 'is', null)
    .where('path', '<', prefixEnd(p.prefix));
  q = p.after !== undefined && p.after > p.prefix ? q.where('path', '>', p.after) : q.where('path', '>', p.prefix);
  if (p.from !== undefined) q = q.where('path', '>=', p.from);
  const rows = await q.orderBy('path').limit(p.limit).execute();
  return rows.map((r) => ({ id: Number(r.id), path: r.path, kind: r.kind, size: Number(r.size), sha256: r.sha256 }));
}
