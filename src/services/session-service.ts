/**
 * Dashboard sessions. A sign-in (email and password, or an API token pasted
 * once) mints a token of its own for the user, named `web session`, that
 * expires when the session does; the session cookie carries its secret
 * (encrypted: api/web-session.ts). So a session authenticates exactly as a
 * bearer token would (the same principal, the same rights), shows in the
 * user's token list, and ends on the server: sign-out revokes its token, as
 * does `DELETE /tokens/{id}`, and every process sharing the database sees
 * that within the identity cache's few seconds.
 */
import type { Store } from '../store/store.js';
import type { Principal } from '../domain/types.js';
import { InvalidArgumentError, SessionExpiredError, UnauthenticatedError } from '../domain/errors.js';
import type { AuthService } from './auth-service.js';
import { systemClock, type Clock } from './clock.js';

/** The name of a session's token (in GET /tokens). */
export const SESSION_TOKEN_NAME = 'web session';
/** The deployment-wide key (server_keys) the session cookie is encrypted with. */
export const SESSION_KEY_NAME = 'web-session-cookie';
/**
 * How long past its end an ended session's cookie is kept: a user coming back
 * to the dashboard then hears that their session ended, not merely that they
 * are not signed in. The token it carries stopped working at the end anyway.
 */
export const ENDED_SESSION_GRACE_MS = 24 * 3_600_000;

const DAY_MS = 86_400_000;

export type SignInCredentials = { email?: string; password?: string; token?: string };

/** A new session: who, the secret its cookie carries, and when it ends (epoch ms). */
export interface SessionGrant {
  principal: Principal;
  secret: string;
  expiresAt: number;
}

export class SessionService {
  constructor(
    private readonly store: Store,
    private readonly auth: AuthService,
    /** BATCHYARD_SESSION_TTL: a session's whole life, from sign-in. */
    readonly ttlMs: number,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Email and password, or an API token (either one, not both): a new session for that user; 401 for bad credentials. */
  async signIn(credentials: SignInCredentials): Promise<SessionGrant> {
    const { email, password, token } = credentials;
    if (token !== undefined) {
      if (email !== undefined || password !== undefined) throw new InvalidArgumentError('token: give either a token or an email and password, not both', { field: 'token' });
      // The pasted token proves who the user is; the session gets a token of its own, so
      // signing out never revokes the one pasted (a CLI or a script may hold it too).
      const holder = await this.auth.authenticateSecret(token);
      const minted = await this.auth.mintFor(this.store, holder.user, { name: SESSION_TOKEN_NAME, expiresInDays: this.ttlMs / DAY_MS });
      return { principal: { ...holder, tokenId: minted.token.id }, secret: minted.secret, expiresAt: minted.token.expiresAt ?? this.clock() + this.ttlMs };
    }
    if (email === undefined) throw new InvalidArgumentError("email: required (or give 'token': an API token)", { field: 'email' });
    if (password === undefined) throw new InvalidArgumentError('password: required with email', { field: 'password' });
    const minted = await this.auth.signInWithPassword({ email, password, tokenName: SESSION_TOKEN_NAME, ttlSeconds: this.ttlMs / 1000 });
    const principal = await this.auth.authenticateSecret(minted.secret);
    return { principal, secret: minted.secret, expiresAt: minted.token.expiresAt ?? this.clock() + this.ttlMs };
  }

  /** The caller a session cookie stands for; SESSION_EXPIRED once its token has expired or been revoked. */
  async resume(secret: string, expiresAt: number): Promise<Principal> {
    try {
      return await this.auth.authenticateSecret(secret);
    } catch (error) {
      if (!(error instanceof UnauthenticatedError)) throw error;
      if (expiresAt <= this.clock()) throw new SessionExpiredError(`your session expired at ${new Date(expiresAt).toISOString()}; sign in again`);
      throw new SessionExpiredError('your session has ended (signed out or revoked); sign in again');
    }
  }

  /** Ends a session on the server (its token revoked); one that had already ended is left as it is. */
  async signOut(secret: string): Promise<void> {
    let principal: Principal;
    try {
      principal = await this.auth.authenticateSecret(secret);
    } catch (error) {
      if (error instanceof UnauthenticatedError) return;
      throw error;
    }
    await this.auth.revoke(principal, principal.tokenId);
  }

  /** The 32-byte key the session cookie is encrypted with: one per deployment (every serve process shares it). */
  cookieKey(): Promise<Buffer> {
    return this.auth.signingKey(SESSION_KEY_NAME);
  }
}
