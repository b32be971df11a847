/** Saved views: a user's named job-list queries (what the dashboard's query bar holds), one name per user. */
import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';

export interface SavedView {
  id: number;
  userId: number;
  name: string;
  query: string;
  createdAt: number;
}

type Row = { id: number | string; user_id: number | string; name: string; query: string; created_at: number | string };

function toSavedView(row: Row): SavedView {
  return { id: Number(row.id), userId: Number(row.user_id), name: row.name, query: row.query, createdAt: Number(row.created_at) };
}

/** A new view; a name the user already gave another view violates the (user_id, name) unique key. */
export async function savedViewCreate(db: Kysely<Database>, p: { userId: number; name: string; query: string; now: number }): Promise<SavedView> {
  const row = await db
    .insertInto('saved_views')
    .values({ user_id: p.userId, name: p.name, query: p.query, created_at: p.now })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toSavedView(row);
}

/** The user's views, oldest first (a user keeps a handful: no paging). */
export async function savedViewListByUser(db: Kysely<Database>, p: { userId: number }): Promise<SavedView[]> {
  const rows = await db.selectFrom('saved_views').selectAll().where('user_id', '=', p.userId).orderBy('id').execute();
  return rows.map(toSavedView);
}

/** Deletes the view if it is the user's; false when there is no such view of theirs. */
export async function savedViewDelete(db: Kysely<Database>, p: { id: number; userId: number }): Promise<boolean> {
  const result = await db.deleteFrom('saved_views').where('id', '=', p.id).where('user_id', '=', p.userId).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
