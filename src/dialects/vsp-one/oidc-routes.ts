/**
 * The OpenID Connect password grant Hitachi's own client signs in with:
 * `POST /ui/auth/realms/vsp-object/protocol/openid-connect/token`, a form of
 * `client_id`, `username` (the user's email), `password`, `grant_type=password`
 * → `{access_token, token_type, expires_in}`: a batchyard token that expires
 * in an hour, also set as the `vertx-web.session` cookie. Errors in OAuth 2's
 * shape `{error, error_description}`: invalid_grant 401 for a wrong password
 * or unknown user, unsupported_grant_type 400, invalid_request 400,
 * invalid_client 401 without a client_id.
 */
import type { FastifyError, FastifyPluginAsync } from 'fastify';
import type { ApiContext } from '../../api/context.js';
import { UnauthenticatedError } from '../../domain/errors.js';
import { parseFormBodies } from './body-parsers.js';
import { SESSION_COOKIE, setCookie } from './cookies.js';

export const TOKEN_PREFIX = '/ui/auth/realms/vsp-object/protocol/openid-connect';
export const ACCESS_TOKEN_TTL_SECONDS = 3600;

class OAuthError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    description: string,
  ) {
    super(description);
  }
}

export const oidcRoutes: FastifyPluginAsync<{ ctx: ApiContext }> = async (app, { ctx }) => {
  parseFormBodies(app);
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof OAuthError) return reply.status(error.status).send({ error: error.error, error_description: error.message });
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) return reply.status(400).send({ error: 'invalid_request', error_description: error.message });
    request.log.error({ err: error }, 'unhandled error (vsp-one token endpoint)');
    return reply.status(500).send({ error: 'server_error', error_description: 'internal error; see the server log' });
  });
  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send({ error: 'not_found', error_description: `no route ${request.method} ${request.url.split('?')[0]}` });
  });

  app.post('/token', { schema: { hide: true } }, async (request, reply) => {
    const form = (request.body ?? {}) as Record<string, string>;
    if (form.notAForm !== undefined) throw new OAuthError(400, 'invalid_request', `the token request must be application/x-www-form-urlencoded (got ${form.notAForm})`);
    const field = (name: string): string | undefined => (typeof form[name] === 'string' && form[name] !== '' ? form[name] : undefined);
    const grantType = field('grant_type');
    if (grantType === undefined) throw new OAuthError(400, 'invalid_request', 'grant_type: required (password)');
    if (grantType !== 'password') throw new OAuthError(400, 'unsupported_grant_type', `grant_type: '${grantType.slice(0, 64)}' is not supported (only password)`);
    if (field('client_id') === undefined) throw new OAuthError(401, 'invalid_client', 'client_id: required');
    const username = field('username');
    const password = field('password');
    if (username === undefined) throw new OAuthError(400, 'invalid_request', 'username: required');
    if (password === undefined) throw new OAuthError(400, 'invalid_request', 'password: required');
    let signedIn;
    try {
      signedIn = await ctx.auth.signInWithPassword({ email: username, password, tokenName: 'vsp-one-oidc', ttlSeconds: ACCESS_TOKEN_TTL_SECONDS });
    } catch (error) {
      if (error instanceof UnauthenticatedError) throw new OAuthError(401, 'invalid_grant', 'Invalid user credentials');
      throw error;
    }
    reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
    reply.header('set-cookie', setCookie(SESSION_COOKIE, signedIn.secret, { httpOnly: true, maxAgeSeconds: ACCESS_TOKEN_TTL_SECONDS }));
    return { access_token: signedIn.secret, token_type: 'Bearer', expires_in: ACCESS_TOKEN_TTL_SECONDS };
  });
};
