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
import type { FastifyPluginAsync } from 'fastify';
import type { ApiContext } from '../../api/context.js';
import { BatchyardError, UnauthenticatedError, type ErrorCode } from '../../domain/errors.js';
import { installErrorSurface, installNotFound, type ErrorSurface, type Problem } from '../kit/index.js';
import { parseFormBodies } from './body-parsers.js';
import { SESSION_COOKIE, setCookie } from './cookies.js';

export const TOKEN_PREFIX = '/ui/auth/realms/vsp-object/protocol/openid-connect';
export const ACCESS_TOKEN_TTL_SECONDS = 3600;

/** A refusal with its OAuth 2 `error` code (RFC 6749, section 5.2). */
function oauthError(code: ErrorCode, oauth: string, description: string): BatchyardError {
  return new BatchyardError(code, description, { oauth });
}

/** The OAuth 2 `error` of any other problem: by its status. */
function oauthCodeOf(problem: Problem): string {
  const named = problem.details?.oauth;
  if (typeof named === 'string') return named;
  if (problem.status === 404) return 'not_found';
  if (problem.status === 503) return 'temporarily_unavailable';
  return problem.status >= 500 ? 'server_error' : 'invalid_request';
}

/** OAuth 2's error body; every refused request is a 400, but a refused client or grant a 401. */
const OAUTH_ERRORS: ErrorSurface = {
  label: 'vsp-one token endpoint',
  statuses: { CONFLICT: 400, PRECONDITION_FAILED: 400, PAYLOAD_TOO_LARGE: 400, RANGE_NOT_SATISFIABLE: 400, UNPROCESSABLE: 400, UNSUPPORTED_MEDIA_TYPE: 400 },
  describeValidation: (issue) => ({ field: 'body', message: `body: ${issue.message ?? 'is invalid'}` }),
  body: (problem) => ({ error: oauthCodeOf(problem), error_description: problem.message }),
};

export const oidcRoutes: FastifyPluginAsync<{ ctx: ApiContext }> = async (app, { ctx }) => {
  parseFormBodies(app);
  installErrorSurface(app, OAUTH_ERRORS);
  installNotFound(app, OAUTH_ERRORS);

  app.post('/token', { schema: { hide: true } }, async (request, reply) => {
    const form = (request.body ?? {}) as Record<string, string>;
    if (form.notAForm !== undefined) throw oauthError('INVALID_ARGUMENT', 'invalid_request', `the token request must be application/x-www-form-urlencoded (got ${form.notAForm})`);
    const field = (name: string): string | undefined => (typeof form[name] === 'string' && form[name] !== '' ? form[name] : undefined);
    const grantType = field('grant_type');
    if (grantType === undefined) throw oauthError('INVALID_ARGUMENT', 'invalid_request', 'grant_type: required (password)');
    if (grantType !== 'password') throw oauthError('INVALID_ARGUMENT', 'unsupported_grant_type', `grant_type: '${grantType.slice(0, 64)}' is not supported (only password)`);
    if (field('client_id') === undefined) throw oauthError('UNAUTHENTICATED', 'invalid_client', 'client_id: required');
    const username = field('username');
    const password = field('password');
    if (username === undefined) throw oauthError('INVALID_ARGUMENT', 'invalid_request', 'username: required');
    if (password === undefined) throw oauthError('INVALID_ARGUMENT', 'invalid_request', 'password: required');
    let signedIn;
    try {
      signedIn = await ctx.auth.signInWithPassword({ email: username, password, tokenName: 'vsp-one-oidc', ttlSeconds: ACCESS_TOKEN_TTL_SECONDS });
    } catch (error) {
      if (error instanceof UnauthenticatedError) throw oauthError('UNAUTHENTICATED', 'invalid_grant', 'Invalid user credentials');
      throw error;
    }
    reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
    reply.header('set-cookie', setCookie(SESSION_COOKIE, signedIn.secret, { httpOnly: true, maxAgeSeconds: ACCESS_TOKEN_TTL_SECONDS }));
    return { access_token: signedIn.secret, token_type: 'Bearer', expires_in: ACCESS_TOKEN_TTL_SECONDS };
  });
};
