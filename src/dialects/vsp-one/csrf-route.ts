/**
 * `GET /csrf` (and `/mapi/v1/csrf`): no credentials needed. Sets the
 * `XSRF-TOKEN` cookie (a token we signed, for the `X-XSRF-TOKEN` header)
 * and the `vertx-web.session` cookie Hitachi's client also reads: the
 * session the caller already holds (the token endpoint's), else empty, as
 * batchyard keeps no server-side sessions.
 */
import type { FastifyInstance } from 'fastify';
import { isSafeCookieValue, parseCookies, SESSION_COOKIE, setCookie, XSRF_COOKIE } from './cookies.js';
import { XSRF_TTL_MS, type XsrfTokens } from './xsrf.js';

export function addCsrfRoute(app: FastifyInstance, path: string, xsrf: XsrfTokens): void {
  app.get(path, { schema: { hide: true } }, async (request, reply) => {
    const session = parseCookies(request.headers.cookie).get(SESSION_COOKIE);
    const keep = session !== undefined && isSafeCookieValue(session) ? session : '';
    reply.header('cache-control', 'no-store');
    reply.header('set-cookie', [
      setCookie(XSRF_COOKIE, xsrf.issue(), { httpOnly: false, maxAgeSeconds: XSRF_TTL_MS / 1000 }),
      setCookie(SESSION_COOKIE, keep, { httpOnly: true }),
    ]);
    return reply.status(200).send();
  });
}
