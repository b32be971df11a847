/**
 * XSRF tokens we issue and only those: `<nonce>.<issued ms>.<HMAC-SHA256>`
 * under a server key (the shape of Vert.x's CSRFHandler tokens, which VSP One
 * runs on). A request passes when its `X-XSRF-TOKEN` header equals its
 * `XSRF-TOKEN` cookie (double submit) AND the token carries our signature and
 * is not stale, so a pair a client made up fails.
 */
import crypto from 'node:crypto';
import { randomBase62 } from '../../services/secrets.js';

/** How long an issued token is accepted. */
export const XSRF_TTL_MS = 8 * 3_600_000;

export type XsrfCheck = { ok: true } | { ok: false; reason: string };

export class XsrfTokens {
  constructor(
    private readonly key: Buffer = crypto.randomBytes(32),
    private readonly now: () => number = Date.now,
  ) {}

  issue(): string {
    const body = `${randomBase62(22)}.${this.now()}`;
    return `${body}.${this.sign(body)}`;
  }

  /** Checks the header against the cookie, then the cookie's signature and age. */
  check(header: string | undefined, cookie: string | undefined): XsrfCheck {
    if (!cookie) return { ok: false, reason: 'missing XSRF-TOKEN cookie (GET /csrf issues it)' };
    if (!header) return { ok: false, reason: 'missing X-XSRF-TOKEN header (the value of the XSRF-TOKEN cookie)' };
    if (!equal(header, cookie)) return { ok: false, reason: 'X-XSRF-TOKEN header does not match the XSRF-TOKEN cookie' };
    const parts = cookie.split('.');
    if (parts.length !== 3 || !/^\d{1,15}$/.test(parts[1]!)) return { ok: false, reason: 'XSRF token was not issued by this server' };
    const body = `${parts[0]}.${parts[1]}`;
    if (!equal(parts[2]!, this.sign(body))) return { ok: false, reason: 'XSRF token was not issued by this server' };
    const age = this.now() - Number(parts[1]);
    if (age < 0 || age > XSRF_TTL_MS) return { ok: false, reason: 'XSRF token has expired; GET /csrf for a new one' };
    return { ok: true };
  }

  private sign(body: string): string {
    return crypto.createHmac('sha256', this.key).update(body, 'utf8').digest('base64url');
  }
}

function equal(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}
