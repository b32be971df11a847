/** The caller, domains, users and tokens: `/me`, `/domains`, `/users`, `/users/{id}`, `/tokens`. */
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ApiContext } from '../context.js';
import { principalOf } from '../auth-hook.js';
import { errorResponses, PageQuery } from '../schemas/common.js';
import { CreateDomainBody, CreatedDomainBody, CreatedTokenBody, CreateTokenBody, CreateUserBody, TokenIdParams, UserBody } from '../schemas/users.js';
import { DomainPage, ListTokensQuery, ListUsersQuery, TokenPage, UpdateUserBody, UserIdParams, UserPage } from '../schemas/users.js';
import { iso, isoOrNull, userView } from '../views.js';

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

  app.get(
    '/domains',
    { schema: { tags: ['accounts'], summary: 'Every domain, by id (super admin only)', querystring: PageQuery, response: { 200: DomainPage, ...errorResponses } } },
    async (request) => {
      const { items, nextCursor } = await ctx.users.listDomains(principalOf(request), { limit: request.query.limit ?? 100, cursor: request.query.cursor });
      return { domains: items.map((d) => ({ name: d.name, createdAt: iso(d.createdAt) })), nextCursor };
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

  app.get(
    '/users',
    {
      schema: {
        tags: ['accounts'],
        summary: "The domain's users, by id (admins; a super admin may name another domain)",
        querystring: ListUsersQuery,
        response: { 200: UserPage, ...errorResponses },
      },
    },
    async (request) => {
      const { items, nextCursor, domain } = await ctx.users.listUsers(principalOf(request), { ...request.query, limit: request.query.limit ?? 100 });
      return { users: items.map((u) => userView(u, domain)), nextCursor };
    },
  );

  app.patch(
    '/users/:userId',
    {
      schema: {
        tags: ['accounts'],
        summary: "Change a user's name, role or password",
        description:
          'Your own name and password; an admin also those of the users of the domain, and their role (an admin grants user or admin; a super admin any role). ' +
          'No one changes their own role. 404 for a user you do not manage.',
        params: UserIdParams,
        body: UpdateUserBody,
        response: { 200: Type.Ref(UserBody), ...errorResponses },
      },
    },
    async (request) => {
      const { user, domain } = await ctx.users.updateUser(principalOf(request), request.params.userId, request.body);
      return userView(user, domain);
    },
  );

  app.get(
    '/tokens',
    {
      schema: {
        tags: ['accounts'],
        summary: 'API tokens, oldest first: your own; an admin, those of the users of the domain (never the secrets)',
        querystring: ListTokensQuery,
        response: { 200: TokenPage, ...errorResponses },
      },
    },
    async (request) => {
      const { items, nextCursor } = await ctx.users.listTokens(principalOf(request), { ...request.query, limit: request.query.limit ?? 100 });
      const tokens = items.map((t) => ({
        id: t.id,
        name: t.name,
        userId: t.userId,
        userEmail: t.userEmail,
        createdAt: iso(t.createdAt),
        expiresAt: isoOrNull(t.expiresAt),
        revokedAt: isoOrNull(t.revokedAt),
      }));
      return { tokens, nextCursor };
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
