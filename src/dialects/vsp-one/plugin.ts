/**
 * The Hitachi VSP One Object dialect (seeds/004): the management API's jobs
 * under `/v1/jobs/*` and `/mapi/v1/jobs/*`, XSRF-protected, with `GET /csrf`
 * (`/mapi/v1/csrf`) issuing the token, and the OpenID Connect password grant
 * Hitachi's own client signs in with. Every error in VSP's `{code, message,
 * details}` (the token endpoint: OAuth 2's `{error, error_description}`).
 * Routes are hidden from the native OpenAPI document.
 */
import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../../api/context.js';
import { installErrorSurface, installNotFound } from '../kit/index.js';
import { VSP_ERRORS } from './errors.js';
import { vspJobRoutes } from './job-routes.js';
import { oidcRoutes, TOKEN_PREFIX } from './oidc-routes.js';
import { addCsrfRoute } from './csrf-route.js';
import { XsrfTokens } from './xsrf.js';

export async function vspOnePlugin(app: FastifyInstance, { ctx }: { ctx: ApiContext }): Promise<void> {
  // One signing key per deployment, kept in the database: a token one API process issued
  // passes on any other (several `batchyard serve` behind a load balancer).
  const xsrf = new XsrfTokens(await ctx.auth.signingKey('vsp-one-xsrf'));

  await app.register(async (scope) => {
    installErrorSurface(scope, VSP_ERRORS);
    addCsrfRoute(scope, '/csrf', xsrf);
  });
  for (const prefix of ['/v1', '/mapi/v1']) {
    await app.register(
      async (scope) => {
        installErrorSurface(scope, VSP_ERRORS);
        installNotFound(scope, VSP_ERRORS);
        if (prefix === '/mapi/v1') addCsrfRoute(scope, '/csrf', xsrf);
        await scope.register(vspJobRoutes, { ctx, xsrf });
      },
      { prefix },
    );
  }
  await app.register(oidcRoutes, { ctx, prefix: TOKEN_PREFIX });
}
