/** The catalog as a test compares it: a library's item rows, and the blob references a storage location holds or should hold. */
import type { EngineFixture } from './engine.js';

export interface SnapshotRow {
  id: number;
  path: string;
  kind: 'file' | 'folder';
  sha256: string | null;
  trashed: boolean;
  root: number | null;
}

/** Every item row of a library (live and trashed), in id order. */
export async function snapshot(f: EngineFixture, libraryId: string): Promise<SnapshotRow[]> {
  const rows = await f.app.driver.db
    .selectFrom('items')
    .select(['id', 'path', 'kind', 'sha256', 'trashed_at', 'trash_root_id'])
    .where('library_id', '=', libraryId)
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ id: Number(r.id), path: r.path, kind: r.kind, sha256: r.sha256, trashed: r.trashed_at !== null, root: r.trash_root_id === null ? null : Number(r.trash_root_id) }));
}

/** Blob reference counts of a storage location (rows at 0 or below left out: nothing references them). */
export async function refcounts(f: EngineFixture, storage: string): Promise<Map<string, number>> {
  const rows = await f.app.driver.db.selectFrom('blobs').select(['sha256', 'refcount']).where('storage', '=', storage).where('refcount', '>', 0).execute();
  return new Map(rows.map((r) => [r.sha256, Number(r.refcount)]));
}

/** The reference counts a set of file rows implies: one per file per content. */
export function expectedRefs(rows: ReadonlyArray<{ kind: string; sha256: string | null; trashed?: boolean }>): Map<string, number> {
  const refs = new Map<string, number>();
  for (const row of rows) if (row.kind === 'file' && row.sha256) refs.set(row.sha256, (refs.get(row.sha256) ?? 0) + 1);
  return refs;
}

/** Rows as (path, kind, content) in path order: what two trees must share to be the same tree. */
export function shape(rows: ReadonlyArray<{ path: string; kind: string; sha256: string | null }>): Array<{ path: string; kind: string; sha256: string | null }> {
  return rows.map(({ path, kind, sha256 }) => ({ path, kind, sha256 })).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
