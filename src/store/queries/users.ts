/** User rows. */
import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { User, UserRole, UserWithSecret } from '../../domain/types.js';
import { toUser, toUserWithSecret } from '../rows.js';

export interface UserCreateParams {
  domainId: number;
  email: string;
  name: string;
  role: UserRole;
  passwordHash: string | null;
  now: number;
}

export async function userCreate(db: Kysely<Database>, p: UserCreateParams): Promise<User> {
  const row = await db
    .insertInto('users')
    .values({
      domain_id: p.domainId,
      email: p.email,
      name: p.name,
      role: p.role,
      password_hash: p.passwordHash,
      created_at: p.now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toUser(row);
}

export async function userGetById(db: Kysely<Database>, id: number): Promise<User | undefined> {
  const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toUser(row);
}

export async function userGetByEmail(db: Kysely<Database>, email: string): Promise<UserWithSecret | undefined> {
  const row = await db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
  return row && toUserWithSecret(row);
}
