/**
 * A short-lived cache of token → identity, so a request costs no database
 * round trip for authentication. Expiry is still checked on every request;
 * a revocation is seen at once by the process that made it and within
 * `ttlMs` by other processes sharing the database.
 */
import type { TokenIdentity } from '../store/queries/tokens.js';

export class IdentityCache {
  private readonly entries = new Map<string, { identity: TokenIdentity; until: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly capacity = 10_000,
  ) {}

  get(secretHash: string, now: number): TokenIdentity | undefined {
    const entry = this.entries.get(secretHash);
    if (!entry) return undefined;
    if (entry.until <= now) {
      this.entries.delete(secretHash);
      return undefined;
    }
    return entry.identity;
  }

  set(secretHash: string, identity: TokenIdentity, now: number): void {
    if (this.ttlMs <= 0) return;
    if (this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(secretHash, { identity, until: now + this.ttlMs });
  }

  forgetToken(tokenId: string): void {
    for (const [hash, entry] of this.entries) if (entry.identity.token.id === tokenId) this.entries.delete(hash);
  }

  /** Drops every cached identity of a user (whose role changed). */
  forgetUser(userId: number): void {
    for (const [hash, entry] of this.entries) if (entry.identity.user.id === userId) this.entries.delete(hash);
  }
}
