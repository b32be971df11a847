/** Bearer authentication for the native API: every route in the scope gets `request.principal`. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Principal } from '../domain/types.js';
import type { AuthService } from '../services/auth-service.js';
import { UnauthenticatedError } from '../domain/errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | undefined;
  }
}

export function installBearerAuth(app: FastifyInstance, auth: AuthService): void {
  app.decorateRequest('principal', undefined);
  app.addHook('onRequest', async (request) => {
    request.principal = await auth.authenticate(request.headers.authorization);
  });
}

/** The authenticated caller; routes run only after the hook, so absence is a bug guard. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new UnauthenticatedError();
  return request.principal;
}
