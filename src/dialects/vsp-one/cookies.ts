/**
 * The two cookies VSP One's clients carry: `XSRF-TOKEN` (double-submitted in
 * the `X-XSRF-TOKEN` header) and `vertx-web.session`. Parsing a `Cookie`
 * header and writing `Set-Cookie` values; no cookie library needed.
 */
export const XSRF_COOKIE = 'XSRF-TOKEN';
export const XSRF_HEADER = 'x-xsrf-token';
export const SESSION_COOKIE = 'vertx-web.session';

/** Characters a cookie value may hold unquoted (RFC 6265 cookie-octet, minus the ones we never issue). */
const SAFE_VALUE = /^[A-Za-z0-9._~-]*$/;

/** `a=1; b=2` → Map; the first occurrence of a name wins, as browsers send the most specific first. */
export function parseCookies(header: string | string[] | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  const text = Array.isArray(header) ? header.join('; ') : (header ?? '');
  for (const part of text.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    let value = part.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    if (!cookies.has(name)) cookies.set(name, value);
  }
  return cookies;
}

export function isSafeCookieValue(value: string): boolean {
  return value.length <= 512 && SAFE_VALUE.test(value);
}

/** A `Set-Cookie` value for the whole site; `httpOnly` hides it from scripts (not the XSRF one: clients read it). */
export function setCookie(name: string, value: string, options: { httpOnly: boolean; maxAgeSeconds?: number }): string {
  const parts = [`${name}=${value}`, 'Path=/', 'SameSite=Strict'];
  if (options.maxAgeSeconds !== undefined) parts.push(`Max-Age=${options.maxAgeSeconds}`);
  if (options.httpOnly) parts.push('HttpOnly');
  return parts.join('; ');
}
