/**
 * Authentication and tokens: resolves a bearer secret to a principal, mints
 * and revokes tokens, and bootstraps the first domain and super admin.
 */
import crypto from 'node:crypto';
import type { Store } from '../store/store.js';
import type { Principal, Token, User } from '../domain/types.js';
import { ConflictError, NotFoundError, UnauthenticatedError, InvalidArgumentError } from '../domain/errors.js';
import { canManageUser } from '../domain/user-rules.js';
import { hashPassword, hashTokenSecret, newTokenId, newTokenSecret, verifyPassword } from './secrets.js';
import { systemClock, type Clock } from './clock.js';
import { IdentityCache } from './identity-cache.js';

/** How long another process may go on accepting a token revoked elsewhere. */
export const IDENTITY_CACHE_TTL_MS = 5_000;

const DAY_MS = 86_400_000;
/** The longest a token minted through the API may live (the API schema's maximum too). */
export const MAX_TOKEN_DAYS = 3650;

export interface MintedToken {
  token: Token;
  secret: string;
}

export interface BootstrapResult {
  created: boolean;
  email: string;
  /** Set when a secret was generated (no BATCHYARD_BOOTSTRAP_TOKEN): print it once. */
  generatedSecret?: string;
}

export class AuthService {
  private readonly identities: IdentityCache;
  /** A hash to verify against when the user is unknown (same cost, no timing oracle). */
  private dummyHash: Promise<string> | undefined;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock = systemClock,
    cacheTtlMs = IDENTITY_CACHE_TTL_MS,
  ) {
    this.identities = new IdentityCache(cacheTtlMs);
  }

  /** Resolves `Bearer <secret>`; 401 for anything missing, unknown, expired or revoked. */
  async authenticate(authorization: string | undefined): Promise<Principal> {
    if (!authorization) throw new UnauthenticatedError('missing Authorization header (expected: Bearer <token>)');
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!match) throw new UnauthenticatedError('Authorization header must be: Bearer <token>');
    return this.authenticateSecret(match[1]!);
  }

  async authenticateSecret(secret: string): Promise<Principal> {
    const hash = hashTokenSecret(secret);
    const now = this.clock();
    let identity = this.identities.get(hash, now);
    if (!identity) {
      identity = await this.store.tokenGetIdentity(hash);
      if (identity && identity.token.revokedAt === null) this.identities.set(hash, identity, now);
    }
    if (!identity) throw new UnauthenticatedError('invalid token');
    if (identity.token.revokedAt !== null) throw new UnauthenticatedError('token has been revoked');
    if (identity.token.expiresAt !== null && identity.token.expiresAt <= now) {
      throw new UnauthenticatedError('token has expired');
    }
    return { user: identity.user, domain: identity.domain, tokenId: identity.token.id };
  }

  /**
   * Password sign-in (the vendor dialects' OpenID Connect password grant): a
   * new token for the user with this email and password, expiring after
   * `ttlSeconds`. 401 alike for an unknown user, one without a password, or
   * a wrong password (an unknown user costs the same scrypt as a known one).
   */
  async signInWithPassword(p: { email: string; password: string; tokenName: string; ttlSeconds: number }): Promise<MintedToken & { user: User }> {
    const found = await this.store.userGetByEmail(p.email.trim().toLowerCase());
    this.dummyHash ??= hashPassword(newTokenSecret());
    const matches = await verifyPassword(p.password, found?.passwordHash ?? (await this.dummyHash));
    if (!found || found.passwordHash === null || !matches) throw new UnauthenticatedError('invalid user credentials');
    const user: User = { id: found.id, domainId: found.domainId, email: found.email, name: found.name, role: found.role, createdAt: found.createdAt };
    const minted = await this.mintFor(this.store, user, { name: p.tokenName, expiresInDays: p.ttlSeconds / 86_400 });
    return { ...minted, user };
  }

  /** Creates a token for `user`; `secret` is chosen by the caller only for bootstrap. */
  async mintFor(store: Store, user: User, p: { name?: string; expiresInDays?: number; secret?: string }): Promise<MintedToken> {
    const now = this.clock();
    const secret = p.secret ?? newTokenSecret();
    const token = await store.tokenCreate({
      id: newTokenId(),
      userId: user.id,
      name: p.name ?? 'api',
      secretHash: hashTokenSecret(secret),
      // Whole milliseconds: the column is an integer (a fractional day count, as a TTL in seconds gives, would not be).
      expiresAt: p.expiresInDays === undefined ? null : now + Math.round(p.expiresInDays * DAY_MS),
      now,
    });
    return { token, secret };
  }

  /** `POST /tokens`: for oneself, or (admins) for a user they manage. */
  async mint(caller: Principal, p: { userId?: number; name?: string; expiresInDays?: number }): Promise<MintedToken> {
    const days = p.expiresInDays;
    if (days !== undefined && !(Number.isInteger(days) && days >= 1 && days <= MAX_TOKEN_DAYS)) {
      throw new InvalidArgumentError(`expiresInDays: must be a whole number of days from 1 to ${MAX_TOKEN_DAYS}, got ${days}`, { field: 'expiresInDays' });
    }
    let user = caller.user;
    if (p.userId !== undefined && p.userId !== caller.user.id) {
      const target = await this.store.userGetById(p.userId);
      if (!target || !canManageUser(caller.user, target)) throw new NotFoundError(`user ${p.userId} not found`);
      user = target;
    }
    return this.mintFor(this.store, user, p);
  }

  /** `DELETE /tokens/{id}`: one's own tokens, or those of users one manages. */
  async revoke(caller: Principal, tokenId: string): Promise<void> {
    const token = await this.store.tokenGetById(tokenId);
    const owner = token && (token.userId === caller.user.id ? caller.user : await this.store.userGetById(token.userId));
    if (!token || !owner || (owner.id !== caller.user.id && !canManageUser(caller.user, owner))) {
      throw new NotFoundError(`token '${tokenId}' not found`);
    }
    await this.store.tokenRevoke({ id: tokenId, now: this.clock() });
    this.identities.forgetToken(tokenId);
  }

  /** Forgets the cached identities of a user whose role changed, so the next request reads it. */
  forgetUser(userId: number): void {
    this.identities.forgetUser(userId);
  }

  /**
   * On an empty database: the domain, its super admin `admin@<domain>`, and
   * a token whose secret is `bootstrapSecret` (or a generated one).
   */
  async bootstrap(p: { domain: string; bootstrapSecret: string | undefined }): Promise<BootstrapResult> {
    const email = `admin@${p.domain}`;
    if (p.bootstrapSecret !== undefined && p.bootstrapSecret.length < 16) {
      throw new InvalidArgumentError('BATCHYARD_BOOTSTRAP_TOKEN must be at least 16 characters');
    }
    try {
      return await this.store.transaction(async (tx) => {
        if ((await tx.domainCount()) > 0) return { created: false, email };
        const now = this.clock();
        const domain = await tx.domainCreate({ name: p.domain, now });
        const user = await tx.userCreate({ domainId: domain.id, email, name: 'Administrator', role: 'super_admin', passwordHash: null, now });
        const minted = await this.mintFor(tx, user, { name: 'bootstrap', secret: p.bootstrapSecret });
        return p.bootstrapSecret === undefined ? { created: true, email, generatedSecret: minted.secret } : { created: true, email };
      });
    } catch (error) {
      // Several processes started at once on an empty database (hosts of one deployment): the
      // first to commit bootstraps it, the others find its domain when their insert collides.
      if (error instanceof ConflictError && (await this.store.domainCount()) > 0) return { created: false, email };
      throw error;
    }
  }

  /**
   * A deployment-wide signing key of this name (32 random bytes, made by the first process
   * that asks and kept in the database), so that what one API process signs (VSP One's
   * XSRF tokens, say) another accepts.
   */
  async signingKey(name: string): Promise<Buffer> {
    const key = await this.store.serverKeyGetOrCreate({ name, fresh: crypto.randomBytes(32).toString('base64url'), now: this.clock() });
    return Buffer.from(key, 'base64url');
  }
}
