/**
 * The one way a dialect carries its caller: the vendor's authentication (a
 * bearer header or query token, KooDrive's X-User-Id and X-Date, VSP One's
 * XSRF double submit and session cookie…) runs once per request, before
 * anything else is read, and leaves its Principal on `request.principal`,
 * where the native routes keep theirs. Routes read it with `callerOf`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from '../../domain/types.js';
import { principalOf } from '../../api/auth-hook.js';

/** A vendor's authentication: the caller, or a typed error (401, 403) in the vendor's words. */
export type Authenticate = (request: FastifyRequest, reply: FastifyReply) => Promise<Principal>;

export function installPrincipal(scope: FastifyInstance, authenticate: Authenticate): void {
  if (!scope.hasRequestDecorator('principal')) scope.decorateRequest('principal', undefined);
  scope.addHook('onRequest', async (request, reply) => {
    request.principal = await authenticate(request, reply);
  });
}

/** The authenticated caller of a route under installPrincipal. */
export function callerOf(request: FastifyRequest): Principal {
  return principalOf(request);
}
