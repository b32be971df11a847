/** Secrets shared by every process of a deployment, each created once on first use. */
import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';

/** The named key; `fresh` is stored if none exists yet (a concurrent creator's key wins, and both read it). */
export async function serverKeyGetOrCreate(db: Kysely<Database>, p: { name: string; fresh: string; now: number }): Promise<string> {
  await db
    .insertInto('server_keys')
    .values({ name: p.name, secret: p.fresh, created_at: p.now })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const row = await db.selectFrom('server_keys').select('secret').where('name', '=', p.name).executeTakeFirstOrThrow();
  return row.secret;
}
