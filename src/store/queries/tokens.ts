/** API token rows; secrets are stored only as hashes. */
import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { Domain, Token, User, UserRole } from '../../domain/types.js';
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

export interface TokenWithOwner extends Token {
  userEmail: string;
}

/**
 * Tokens of one user, or of every user of a domain (but those whose role is
 * `exceptRole`), oldest first (by
 * creation time, then id), after the `after` key; with `activeAt`, only those
 * neither revoked nor expired at that time. Never the secret hash.
 */
export async function tokenList(
  db: Kysely<Database>,
  p: { userId?: number; domainId?: number; exceptRole?: UserRole; activeAt?: number; after?: { createdAt: number; id: string }; limit: number },
): Promise<TokenWithOwner[]> {
  let q = db
    .selectFrom('tokens as t')
    .innerJoin('users as u', 'u.id', 't.user_id')
    .select(['t.id', 't.user_id', 't.name', 't.created_at', 't.expires_at', 't.revoked_at', 'u.email']);
  if (p.userId !== undefined) q = q.where('t.user_id', '=', p.userId);
  if (p.domainId !== undefined) q = q.where('u.domain_id', '=', p.domainId);
  if (p.exceptRole !== undefined) q = q.where('u.role', '!=', p.exceptRole);
  if (p.activeAt !== undefined) {
    const at = p.activeAt;
    q = q.where('t.revoked_at', 'is', null).where((eb) => eb.or([eb('t.expires_at', 'is', null), eb('t.expires_at', '>', at)]));
  }
  if (p.after) {
    const after = p.after;
    q = q.where((eb) => eb.or([eb('t.created_at', '>', after.createdAt), eb.and([eb('t.created_at', '=', after.createdAt), eb('t.id', '>', after.id)])]));
  }
  const rows = await q.orderBy('t.created_at').orderBy('t.id').limit(p.limit).execute();
  return rows.map((r) => ({ ...toToken({ ...r, secret_hash: '' }), userEmail: r.email }));
}
