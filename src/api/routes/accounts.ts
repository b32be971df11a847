/** The caller, domains, users and tokens: `/me`, `/domains`, `/users`, `/tokens`. */
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ApiContext } from '../context.js';
import { principalOf } from '../auth-hook.js';
import { errorResponses } from '../schemas/common.js';
import { CreateDomainBody, CreatedDomainBody, CreatedTokenBody, CreateTokenBody, CreateUserBody, TokenIdParams, UserBody } from '../schemas/users.js';
import { isoOrNull, userView } from '../views.js';

export const accountRoutes: FastifyPluginAsyncTypebox<{ ctx: ApiContext }> = async (app, { ctx }) => {
  app.get('/me', { schema: { tags: ['accounts'], summary: 'The caller', response: { 200: Type.Ref(UserBody), ...errorResponses } } }, async (request) => {
    const { user, domain } = principalOf(request);
    return userView(user, domain);
  });

  app.post(
    '/domains',
    {
      schema: {
        tags: ['accounts'],
        summary: 'Create a domain and its first admin (super admin only)',
        body: CreateDomainBody,
        response: { 201: CreatedDomainBody, ...errorResponses },
      },
    },
    async (request, reply) => {
      const created = await ctx.users.createDomain(principalOf(request), request.body);
      return reply.status(201).send({ name: created.domain.name, admin: userView(created.admin, created.domain), token: created.token });
    },
  );

  app.post(
    '/users',
    { schema: { tags: ['accounts'], summary: 'Create a user (admins)', body: CreateUserBody, response: { 201: Type.Ref(UserBody), ...errorResponses } } },
    async (request, reply) => {
      const { user, domain } = await ctx.users.createUser(principalOf(request), request.body);
      return reply.status(201).send(userView(user, domain));
    },
  );

  app.post(
    '/tokens',
    {
      schema: {
        tags: ['accounts'],
        summary: 'Mint an API token (the secret is shown once)',
        body: Type.Optional(CreateTokenBody),
        response: { 201: CreatedTokenBody, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { token, secret } = await ctx.auth.mint(principalOf(request), request.body ?? {});
      return reply.status(201).send({ id: token.id, token: secret, userId: token.userId, name: token.name, expiresAt: isoOrNull(token.expiresAt) });
    },
  );

  app.delete(
    '/tokens/:tokenId',
    { schema: { tags: ['accounts'], summary: 'Revoke a token', params: TokenIdParams, response: { 204: Type.Null(), ...errorResponses } } },
    async (request, reply) => {
      await ctx.auth.revoke(principalOf(request), request.params.tokenId);
      return reply.status(204).send(null);
    },
  );
};
