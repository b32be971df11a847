/**
 * Who calls the AODocs routes: `Authorization: Bearer <token>` (AODocs clients send a
 * Google OAuth bearer; a batchyard token stands in for it), or Google's `access_token`
 * query parameter; and the `domain` parameter, which must name the caller's own domain.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Principal } from '../../domain/types.js';
import type { AuthService } from '../../services/auth-service.js';
import { ForbiddenError, UnauthenticatedError } from '../../domain/errors.js';

const principals = new WeakMap<FastifyRequest, Principal>();

export function installAodocsAuth(app: FastifyInstance, auth: AuthService): void {
  app.addHook('onRequest', async (request) => {
    let authorization = request.headers.authorization;
    if (authorization === undefined) {
      const token = (request.query as Record<string, unknown> | undefined)?.access_token;
      if (typeof token === 'string' && token !== '') authorization = `Bearer ${token}`;
    }
    principals.set(request, await auth.authenticate(authorization));
  });
}

/** The authenticated caller, checked against the G Suite `domain` parameter when one is given. */
export function callerOf(request: FastifyRequest, domain?: string): Principal {
  const principal = principals.get(request);
  if (!principal) throw new UnauthenticatedError();
  if (domain !== undefined && domain !== '' && domain.toLowerCase() !== principal.domain.name.toLowerCase()) {
    throw new ForbiddenError(`domain: you cannot act in domain '${domain.slice(0, 255)}'`);
  }
  return principal;
}
