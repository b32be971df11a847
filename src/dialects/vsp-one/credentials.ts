/**
 * Who calls a VSP One jobs route: first the XSRF double submit (403 when the
 * `X-XSRF-TOKEN` header is missing, differs from the `XSRF-TOKEN` cookie, or
 * is not a token we issued), then a credential (401 without one): the
 * `Authorization: Bearer` access token, or else the `vertx-web.session`
 * cookie that the token endpoint sets (it holds that access token).
 */
import type { FastifyRequest } from 'fastify';
import type { AuthService } from '../../services/auth-service.js';
import { ForbiddenError, UnauthenticatedError } from '../../domain/errors.js';
import type { Authenticate } from '../kit/index.js';
import { parseCookies, SESSION_COOKIE, XSRF_COOKIE, XSRF_HEADER } from './cookies.js';
import type { XsrfTokens } from './xsrf.js';

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export function vspAuthentication(auth: AuthService, xsrf: XsrfTokens): Authenticate {
  return async (request) => {
    const cookies = parseCookies(request.headers.cookie);
    const check = xsrf.check(header(request, XSRF_HEADER), cookies.get(XSRF_COOKIE));
    if (!check.ok) throw new ForbiddenError(check.reason, { field: 'X-XSRF-TOKEN' });
    const authorization = header(request, 'authorization');
    if (authorization) return auth.authenticate(authorization);
    const session = cookies.get(SESSION_COOKIE);
    if (session) {
      try {
        return await auth.authenticateSecret(session);
      } catch (error) {
        if (error instanceof UnauthenticatedError) throw new UnauthenticatedError('the vertx-web.session cookie is not a signed-in session; send Authorization: Bearer <access_token>');
        throw error;
      }
    }
    throw new UnauthenticatedError('missing credentials: send Authorization: Bearer <access_token> (POST /ui/auth/realms/vsp-object/protocol/openid-connect/token issues one)');
  };
}
