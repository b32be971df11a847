/**
 * Authentication for the native API: every route in the scope gets
 * `request.principal`. A bearer token (`Authorization: Bearer …`) or, for the
 * dashboard, the session cookie (web-session.ts): the same principal and the
 * same rights either way. A request with an Authorization header is judged by
 * it alone (its cookie is ignored); an unsafe request the cookie
 * authenticated must also carry the session's CSRF token.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Principal } from '../domain/types.js';
import type { AuthService } from '../services/auth-service.js';
import type { SessionService } from '../services/session-service.js';
import { UnauthenticatedError } from '../domain/errors.js';
import { principalOfCookie, requireCsrfForCookie } from './web-session.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | undefined;
    /** How the principal was authenticated: the dashboard's session cookie, or a bearer token. */
    authenticatedBy: 'bearer' | 'session' | undefined;
  }
}

export interface Authenticators {
  auth: AuthService;
  /** The dashboard's sessions (undefined: bearer tokens only). */
  sessions?: SessionService;
}

/** The request's caller by its Authorization header, or else by its session cookie. */
export async function authenticateRequest(request: FastifyRequest, { auth, sessions }: Authenticators): Promise<Principal> {
  const authorization = request.headers.authorization;
  if (authorization !== undefined || sessions === undefined) {
    request.authenticatedBy = 'bearer';
    return auth.authenticate(authorization);
  }
  const principal = await principalOfCookie(request, sessions);
  request.authenticatedBy = 'session';
  return principal;
}

/**
 * Authenticates every request of the scope (but those `skip` names: a CORS
 * preflight, say), then checks the CSRF token of a cookie-authenticated
 * unsafe request (the scope's parent registered web-session.ts's plugins).
 */
export function installAuth(app: FastifyInstance, authenticators: Authenticators, options: { skip?: (request: FastifyRequest) => boolean } = {}): void {
  if (!app.hasRequestDecorator('principal')) app.decorateRequest('principal', undefined);
  if (!app.hasRequestDecorator('authenticatedBy')) app.decorateRequest('authenticatedBy', undefined);
  app.addHook('onRequest', async (request) => {
    if (options.skip?.(request)) return;
    request.principal = await authenticateRequest(request, authenticators);
  });
  if (authenticators.sessions) app.addHook('onRequest', requireCsrfForCookie(app, (request) => request.authenticatedBy === 'session'));
}

/** The authenticated caller; routes run only after the hook, so absence is a bug guard. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new UnauthenticatedError();
  return request.principal;
}
