/** Libraries: create, list, read, change, permissions, delete. */
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ApiContext } from '../context.js';
import { principalOf } from '../auth-hook.js';
import { errorResponses, LibraryIdParams, PageQuery } from '../schemas/common.js';
import { LibraryBody, LibraryInput, PermissionsInput } from '../schemas/libraries.js';
import { toLibraryResource } from '../../services/library-resource.js';

export const libraryRoutes: FastifyPluginAsyncTypebox<{ ctx: ApiContext }> = async (app, { ctx }) => {
  const one = { 200: Type.Ref(LibraryBody), ...errorResponses };

  app.post(
    '/libraries',
    { schema: { tags: ['libraries'], summary: 'Create a library (the caller becomes its ADMIN)', body: LibraryInput, response: { 201: Type.Ref(LibraryBody), ...errorResponses } } },
    async (request, reply) => {
      const view = await ctx.libraries.create(principalOf(request), request.body as Record<string, unknown>);
      return reply.status(201).send(toLibraryResource(view));
    },
  );

  app.get(
    '/libraries',
    {
      schema: {
        tags: ['libraries'],
        summary: 'The libraries the caller may find',
        querystring: PageQuery,
        response: { 200: Type.Object({ libraries: Type.Array(Type.Ref(LibraryBody)), nextCursor: Type.Union([Type.String(), Type.Null()]) }), ...errorResponses },
      },
    },
    async (request) => {
      const { libraries, nextCursor } = await ctx.libraries.list(principalOf(request), { limit: request.query.limit ?? 100, cursor: request.query.cursor });
      return { libraries: libraries.map(toLibraryResource), nextCursor };
    },
  );

  app.get(
    '/libraries/:libraryId',
    {
      schema: {
        tags: ['libraries'],
        summary: 'One library',
        params: LibraryIdParams,
        querystring: Type.Object({ updateLastAccessed: Type.Optional(Type.Boolean({ default: false })) }, { additionalProperties: false }),
        response: one,
      },
    },
    async (request) => {
      const view = await ctx.libraries.get(principalOf(request), request.params.libraryId, { updateLastAccessed: request.query.updateLastAccessed });
      return toLibraryResource(view);
    },
  );

  app.patch(
    '/libraries/:libraryId',
    { schema: { tags: ['libraries'], summary: 'Change configuration, state, name or (per user) favorited', params: LibraryIdParams, body: LibraryInput, response: one } },
    async (request) => {
      const view = await ctx.libraries.update(principalOf(request), request.params.libraryId, request.body as Record<string, unknown>);
      return toLibraryResource(view);
    },
  );

  app.put(
    '/libraries/:libraryId/permissions',
    { schema: { tags: ['libraries'], summary: 'Replace the permission list (one ADMIN must remain)', params: LibraryIdParams, body: PermissionsInput, response: one } },
    async (request) => {
      const view = await ctx.libraries.setPermissions(principalOf(request), request.params.libraryId, request.body.permissions);
      return toLibraryResource(view);
    },
  );

  app.delete(
    '/libraries/:libraryId',
    { schema: { tags: ['libraries'], summary: 'Delete a library and its content', params: LibraryIdParams, response: { 204: Type.Null(), ...errorResponses } } },
    async (request, reply) => {
      await ctx.libraries.delete(principalOf(request), request.params.libraryId);
      return reply.status(204).send(null);
    },
  );
};
