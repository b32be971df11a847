/** Domain (tenant) rows. */
import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { Domain } from '../../domain/types.js';
import { toDomain } from '../rows.js';

export async function domainCreate(db: Kysely<Database>, p: { name: string; now: number }): Promise<Domain> {
  const row = await db
    .insertInto('domains')
    .values({ name: p.name, created_at: p.now })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toDomain(row);
}

export async function domainGetById(db: Kysely<Database>, id: number): Promise<Domain | undefined> {
  const row = await db.selectFrom('domains').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toDomain(row);
}

export async function domainGetByName(db: Kysely<Database>, name: string): Promise<Domain | undefined> {
  const row = await db.selectFrom('domains').selectAll().where('name', '=', name).executeTakeFirst();
  return row && toDomain(row);
}

export async function domainCount(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('domains')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Every domain by id, after `afterId` (the super admin's listing). */
export async function domainList(db: Kysely<Database>, p: { afterId?: number; limit: number }): Promise<Domain[]> {
  const rows = await db
    .selectFrom('domains')
    .selectAll()
    .where('id', '>', p.afterId ?? 0)
    .orderBy('id')
    .limit(p.limit)
    .execute();
  return rows.map(toDomain);
}
