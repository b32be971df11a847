/**
 * Who calls the AODocs routes: `Authorization: Bearer <token>` (AODocs clients send a
 * Google OAuth bearer; a batchyard token stands in for it), or Google's `access_token`
 * query parameter; and the `domain` parameter, which must name the caller's own domain.
 */
import type { FastifyRequest } from 'fastify';
import type { Principal } from '../../domain/types.js';
import type { AuthService } from '../../services/auth-service.js';
import { ForbiddenError } from '../../domain/errors.js';
import { callerOf, type Authenticate } from '../kit/index.js';

export function aodocsAuthentication(auth: AuthService): Authenticate {
  return async (request) => {
    let authorization = request.headers.authorization;
    if (authorization === undefined) {
      const token = (request.query as Record<string, unknown> | undefined)?.access_token;
      if (typeof token === 'string' && token !== '') authorization = `Bearer ${token}`;
    }
    return auth.authenticate(authorization);
  };
}

/** The caller, checked against the G Suite `domain` parameter when one is given. */
export function callerIn(request: FastifyRequest, domain?: string): Principal {
  const principal = callerOf(request);
  if (domain !== undefined && domain !== '' && domain.toLowerCase() !== principal.domain.name.toLowerCase()) {
    throw new ForbiddenError(`domain: you cannot act in domain '${domain.slice(0, 255)}'`, { field: 'domain' });
  }
  return principal;
}
