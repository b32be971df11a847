/**
 * The dashboard's session cookie: `batchyard_session`, sealed by
 * @fastify/secure-session with the deployment's key (server_keys, so every
 * serve process reads the cookies of the others), HttpOnly, SameSite=Lax,
 * Secure when the request came over https (X-Forwarded-Proto counts when
 * the proxy is trusted), limited to /api/v1. It holds the session token's
 * secret, its end, and the CSRF secret of @fastify/csrf-protection: an
 * unsafe request the cookie authenticates must carry a token made from it
 * in `x-csrf-token`. Bearer requests never read the cookie.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import secureSession from '@fastify/secure-session';
import csrfProtection from '@fastify/csrf-protection';
import type { Principal } from '../domain/types.js';
import { SessionExpiredError, UnauthenticatedError } from '../domain/errors.js';
import { ENDED_SESSION_GRACE_MS, type SessionGrant, type SessionService } from '../services/session-service.js';

export const SESSION_COOKIE = 'batchyard_session';
/** The cookie goes only to the API (the dashboard's pages and assets never need it). */
export const SESSION_COOKIE_PATH = '/api/v1';
export const CSRF_HEADER = 'x-csrf-token';

const UNSAFE_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The session a request's cookie holds: none (no cookie), unreadable (ended, tampered, another key), or its token. */
export type CookieSession = { kind: 'none' } | { kind: 'unreadable' } | { kind: 'session'; secret: string; expiresAt: number };

/** The cookie's lifetime past the session's end (so an ended session is told apart from none). */
const cookieSeconds = (sessions: SessionService) => Math.ceil((sessions.ttlMs + ENDED_SESSION_GRACE_MS) / 1000);

/** Cookie parsing, the sealed session and CSRF tokens, for the routes of `scope` (the native API). */
export async function registerWebSessions(scope: FastifyInstance, sessions: SessionService): Promise<void> {
  await scope.register(secureSession, {
    key: await sessions.cookieKey(),
    cookieName: SESSION_COOKIE,
    // secure-session's own limit on a cookie's age; the session's end is the token's.
    expiry: cookieSeconds(sessions),
    cookie: { path: SESSION_COOKIE_PATH, httpOnly: true, sameSite: 'lax' },
  });
  await scope.register(csrfProtection, {
    sessionPlugin: '@fastify/secure-session',
    // A refused request is the client's mistake (its 403 says so), not the server's: no warning.
    logLevel: 'debug',
    getToken: (request) => {
      const value = request.headers[CSRF_HEADER];
      return typeof value === 'string' ? value : undefined;
    },
  });
}

/** The sealed session's fields (secure-session types its data as an empty record). */
interface SessionFields {
  get(key: 'secret' | 'expiresAt'): unknown;
  set(key: 'secret' | 'expiresAt', value: string | number): void;
}
const fieldsOf = (request: FastifyRequest) => request.session as unknown as SessionFields;

export function cookieSessionOf(request: FastifyRequest): CookieSession {
  if (request.cookies?.[SESSION_COOKIE] === undefined) return { kind: 'none' };
  const secret = fieldsOf(request).get('secret');
  const expiresAt = fieldsOf(request).get('expiresAt');
  if (typeof secret !== 'string' || typeof expiresAt !== 'number') return { kind: 'unreadable' };
  return { kind: 'session', secret, expiresAt };
}

/** The caller the request's session cookie stands for: 401 UNAUTHENTICATED without one, SESSION_EXPIRED once it has ended. */
export async function principalOfCookie(request: FastifyRequest, sessions: SessionService): Promise<Principal> {
  const cookie = cookieSessionOf(request);
  if (cookie.kind === 'none') throw new UnauthenticatedError('not signed in: no Authorization header (Bearer <token>) and no session cookie (POST /api/v1/session)');
  if (cookie.kind === 'unreadable') throw new SessionExpiredError();
  return sessions.resume(cookie.secret, cookie.expiresAt);
}

/** Starts a session in the reply's cookie (any earlier one replaced, with a new CSRF secret); returns its CSRF token. */
export function startCookieSession(request: FastifyRequest, reply: FastifyReply, sessions: SessionService, grant: SessionGrant): string {
  request.session.regenerate();
  fieldsOf(request).set('secret', grant.secret);
  fieldsOf(request).set('expiresAt', grant.expiresAt);
  request.session.options({ secure: request.protocol === 'https', maxAge: cookieSeconds(sessions) });
  return reply.generateCsrf();
}

/** A CSRF token of the request's session (made from its CSRF secret; any number of them are valid together). */
export function csrfTokenOf(request: FastifyRequest, reply: FastifyReply, sessions: SessionService): string {
  // Should the session lack a CSRF secret, making one re-seals the cookie: with the same flags.
  request.session.options({ secure: request.protocol === 'https', maxAge: cookieSeconds(sessions) });
  return reply.generateCsrf();
}

/** Clears the session cookie in the reply. */
export function endCookieSession(request: FastifyRequest): void {
  request.session.delete();
  request.session.options({ secure: request.protocol === 'https' });
}

/**
 * An onRequest step after authentication: an unsafe request the session cookie
 * authenticated must carry its CSRF token (403 CSRF_INVALID otherwise).
 */
export function requireCsrfForCookie(scope: FastifyInstance, viaCookie: (request: FastifyRequest) => boolean) {
  return (request: FastifyRequest, reply: FastifyReply, done: () => void): void => {
    if (UNSAFE_METHODS.has(request.method) && viaCookie(request)) scope.csrfProtection(request, reply, done);
    else done();
  };
}
