/** API token rows; secrets are stored only as hashes. */
import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { Domain, Token, User } from '../../domain/types.js';
import { toDomain, toToken, toUser } from '../rows.js';

export interface TokenCreateParams {
  id: string;
  userId: number;
  name: string;
  secretHash: string;
  expiresAt: number | null;
  now: number;
}

export async function tokenCreate(db: Kysely<Database>, p: TokenCreateParams): Promise<Token> {
  const row = await db
    .insertInto('tokens')
    .values({
      id: p.id,
      user_id: p.userId,
      name: p.name,
      secret_hash: p.secretHash,
      created_at: p.now,
      expires_at: p.expiresAt,
      revoked_at: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toToken(row);
}

export async function tokenGetById(db: Kysely<Database>, id: string): Promise<Token | undefined> {
  const row = await db.selectFrom('tokens').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toToken(row);
}

export interface TokenIdentity {
  token: Token;
  user: User;
  domain: Domain;
}

/** The token with this secret hash, its user and domain, in one query. */
export async function tokenGetIdentity(db: Kysely<Database>, secretHash: string): Promise<TokenIdentity | undefined> {
  const row = await db
    .selectFrom('tokens as t')
    .innerJoin('users as u', 'u.id', 't.user_id')
    .innerJoin('domains as d', 'd.id', 'u.domain_id')
    .select([
      't.id as token_id',
      't.name as token_name',
      't.created_at as token_created_at',
      't.expires_at',
      't.revoked_at',
      'u.id as user_id',
      'u.email',
      'u.name as user_name',
      'u.role',
      'u.created_at as user_created_at',
      'd.id as domain_id',
      'd.name as domain_name',
      'd.created_at as domain_created_at',
    ])
    .where('t.secret_hash', '=', secretHash)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    token: toToken({ ...row, id: row.token_id, name: row.token_name, created_at: row.token_created_at, secret_hash: secretHash }),
    user: toUser({ ...row, id: row.user_id, name: row.user_name, created_at: row.user_created_at, password_hash: null }),
    domain: toDomain({ id: row.domain_id, name: row.domain_name, created_at: row.domain_created_at }),
  };
}

/** Marks a token revoked; returns false if it was absent or already revoked. */
export async function tokenRevoke(db: Kysely<Database>, p: { id: string; now: number }): Promise<boolean> {
  const result = await db
    .updateTable('tokens')
    .set({ revoked_at: p.now })
    .where('id', '=', p.id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}
