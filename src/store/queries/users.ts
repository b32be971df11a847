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

/** A domain's users by id, after `afterId`. */
export async function userListByDomain(db: Kysely<Database>, p: { domainId: number; afterId?: number; limit: number }): Promise<User[]> {
  const rows = await db
    .selectFrom('users')
    .selectAll()
    .where('domain_id', '=', p.domainId)
    .where('id', '>', p.afterId ?? 0)
    .orderBy('id')
    .limit(p.limit)
    .execute();
  return rows.map(toUser);
}

/** The first user (lowest id) with `role`, e.g. the super admin the first start created. */
export async function userGetFirstWithRole(db: Kysely<Database>, role: UserRole): Promise<User | undefined> {
  const row = await db.selectFrom('users').selectAll().where('role', '=', role).orderBy('id').limit(1).executeTakeFirst();
  return row && toUser(row);
}

/** Changes a user's name, role or password hash (the fields given); the user after, or undefined when there is none. */
export async function userUpdate(
  db: Kysely<Database>,
  p: { id: number; name?: string; role?: UserRole; passwordHash?: string },
): Promise<User | undefined> {
  const changes: { name?: string; role?: UserRole; password_hash?: string } = {};
  if (p.name !== undefined) changes.name = p.name;
  if (p.role !== undefined) changes.role = p.role;
  if (p.passwordHash !== undefined) changes.password_hash = p.passwordHash;
  if (Object.keys(changes).length === 0) return userGetById(db, p.id);
  const row = await db.updateTable('users').set(changes).where('id', '=', p.id).returningAll().executeTakeFirst();
  return row && toUser(row);
}
