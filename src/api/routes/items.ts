/** Folders, folder listings and the trash listing. */
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ApiContext } from '../context.js';
import { principalOf } from '../auth-hook.js';
import { errorResponses, LibraryIdParams, PageQuery } from '../schemas/common.js';
import { CreateFolderBody, ItemBody, ListItemsQuery } from '../schemas/items.js';
import { itemView } from '../views.js';

const ItemPage = Type.Object({ items: Type.Array(Type.Ref(ItemBody)), nextCursor: Type.Union([Type.String(), Type.Null()]) });

export const itemRoutes: FastifyPluginAsyncTypebox<{ ctx: ApiContext }> = async (app, { ctx }) => {
  app.post(
    '/libraries/:libraryId/folders',
    { schema: { tags: ['items'], summary: 'Create a folder (missing parents too)', params: LibraryIdParams, body: CreateFolderBody, response: { 201: Type.Ref(ItemBody), ...errorResponses } } },
    async (request, reply) => {
      const item = await ctx.items.createFolder(principalOf(request), request.params.libraryId, request.body.path);
      return reply.status(201).send(itemView(item));
    },
  );

  app.get(
    '/libraries/:libraryId/items',
    { schema: { tags: ['items'], summary: "A folder's children, by name, a page at a time", params: LibraryIdParams, querystring: ListItemsQuery, response: { 200: ItemPage, ...errorResponses } } },
    async (request) => {
      const { path, limit, cursor } = request.query;
      const page = await ctx.items.listChildren(principalOf(request), request.params.libraryId, { path, limit: limit ?? 100, cursor });
      return { items: page.items.map(itemView), nextCursor: page.nextCursor };
    },
  );

  app.get(
    '/libraries/:libraryId/trash',
    { schema: { tags: ['items'], summary: 'Trashed items (roots of trashed subtrees), newest first', params: LibraryIdParams, querystring: PageQuery, response: { 200: ItemPage, ...errorResponses } } },
    async (request) => {
      const page = await ctx.items.listTrash(principalOf(request), request.params.libraryId, { limit: request.query.limit ?? 100, cursor: request.query.cursor });
      return { items: page.items.map(itemView), nextCursor: page.nextCursor };
    },
  );
};
