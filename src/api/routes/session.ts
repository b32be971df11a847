/**
 * The dashboard's sign-in: `/session` starts (POST), reads (GET) and ends
 * (DELETE) the session the `batchyard_session` cookie carries. These routes
 * authenticate by the credentials they are given or the cookie alone, never a
 * bearer token.
 */
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ApiContext } from '../context.js';
import type { Principal } from '../../domain/types.js';
import { errorResponses } from '../schemas/common.js';
import { SessionBody, SignInBody } from '../schemas/session.js';
import { userView, iso } from '../views.js';
import { cookieSessionOf, csrfTokenOf, endCookieSession, principalOfCookie, startCookieSession } from '../web-session.js';

function sessionView(principal: Principal, csrfToken: string, expiresAt: number) {
  return { user: userView(principal.user, principal.domain), csrfToken, expiresAt: iso(expiresAt) };
}

/** DELETE /session of a live cookie session needs its CSRF token, as every unsafe request the cookie authenticates. */
function csrfIfSession(scope: FastifyInstance) {
  return (request: FastifyRequest, reply: FastifyReply, done: () => void): void => {
    if (cookieSessionOf(request).kind === 'session') scope.csrfProtection(request, reply, done);
    else done();
  };
}

export const sessionRoutes: FastifyPluginAsyncTypebox<{ ctx: ApiContext }> = async (app, { ctx }) => {
  const { sessions } = ctx;
  const noBearer = { security: [] };

  app.post(
    '/session',
    {
      schema: {
        tags: ['session'],
        summary: 'Sign in to the dashboard: email and password, or an API token; sets the session cookie',
        description:
          'The session lasts BATCHYARD_SESSION_TTL from now (`expiresAt`). The `batchyard_session` cookie (HttpOnly, SameSite=Lax, Secure over https) ' +
          'then authenticates /api/v1 as a bearer token would; unsafe requests also send `x-csrf-token: <csrfToken>`. Bad credentials: 401.',
        ...noBearer,
        body: SignInBody,
        response: { 200: SessionBody, ...errorResponses },
      },
    },
    async (request, reply) => {
      const grant = await sessions.signIn(request.body);
      // A sign-in over an existing session ends that one (its token revoked), not only its cookie.
      const previous = cookieSessionOf(request);
      if (previous.kind === 'session') await sessions.signOut(previous.secret);
      const csrfToken = startCookieSession(request, reply, sessions, grant);
      return sessionView(grant.principal, csrfToken, grant.expiresAt);
    },
  );

  app.get(
    '/session',
    {
      schema: {
        tags: ['session'],
        summary: 'The signed-in session (with a fresh CSRF token): 401 UNAUTHENTICATED without one, SESSION_EXPIRED once it has ended',
        ...noBearer,
        response: { 200: SessionBody, ...errorResponses },
      },
    },
    async (request, reply) => {
      const principal = await principalOfCookie(request, sessions);
      const cookie = cookieSessionOf(request);
      const expiresAt = cookie.kind === 'session' ? cookie.expiresAt : 0;
      return sessionView(principal, csrfTokenOf(request, reply, sessions), expiresAt);
    },
  );

  app.delete(
    '/session',
    {
      schema: {
        tags: ['session'],
        summary: 'Sign out: the session ends on the server (its token revoked) and its cookie is cleared',
        description: 'Needs `x-csrf-token` while the session cookie is readable. Without a session: 204 too.',
        ...noBearer,
        response: { 204: Type.Null(), ...errorResponses },
      },
      onRequest: csrfIfSession(app),
    },
    async (request, reply) => {
      const cookie = cookieSessionOf(request);
      if (cookie.kind === 'session') await sessions.signOut(cookie.secret);
      if (cookie.kind !== 'none') endCookieSession(request);
      return reply.status(204).send(null);
    },
  );
};
