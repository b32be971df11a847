/** Folders, folder listings, the trash listing, and moving or renaming one item. */
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ApiContext } from '../context.js';
import { principalOf } from '../auth-hook.js';
import { errorResponses, LibraryIdParams, PageQuery } from '../schemas/common.js';
import { ChildrenQuery, childOrderOf, CreateFolderBody, ItemBody, ListItemsQuery, MoveItemBody } from '../schemas/items.js';
import { JobBody } from '../schemas/jobs.js';
import { itemView, jobView } from '../views.js';
import { FileParams, filePathFromUrl } from './files.js';
import { parentPath, parsePath, joinPath } from '../../domain/item-path.js';
import { INLINE_SUBTREE_LIMIT } from '../../services/item-service.js';
import { InvalidArgumentError } from '../../domain/errors.js';
import { DownloadQuery, downloadResponses, sendFile } from '../send-file.js';

const ItemIdParams = Type.Object({
  libraryId: LibraryIdParams.properties.libraryId,
  itemId: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
});

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
    { schema: { tags: ['items'], summary: "A folder's children, by name (or `order`), a page at a time", params: LibraryIdParams, querystring: ListItemsQuery, response: { 200: ItemPage, ...errorResponses } } },
    async (request) => {
      const { path, limit, cursor, order } = request.query;
      const page = await ctx.items.listChildren(principalOf(request), request.params.libraryId, { folder: { path: path ?? '/' }, limit: limit ?? 100, cursor, order: childOrderOf(order) });
      return { items: page.items.map(itemView), nextCursor: page.nextCursor };
    },
  );

  app.get(
    '/libraries/:libraryId/items/:itemId',
    { schema: { tags: ['items'], summary: 'One item by id (live or in the trash)', params: ItemIdParams, response: { 200: Type.Ref(ItemBody), ...errorResponses } } },
    async (request) => itemView(await ctx.items.get(principalOf(request), request.params.libraryId, { id: request.params.itemId })),
  );

  app.get(
    '/libraries/:libraryId/items/:itemId/children',
    { schema: { tags: ['items'], summary: "A folder's children by the folder's id", params: ItemIdParams, querystring: ChildrenQuery, response: { 200: ItemPage, ...errorResponses } } },
    async (request) => {
      const page = await ctx.items.listChildren(principalOf(request), request.params.libraryId, {
        folder: { id: request.params.itemId },
        limit: request.query.limit ?? 100,
        cursor: request.query.cursor,
        order: childOrderOf(request.query.order),
      });
      return { items: page.items.map(itemView), nextCursor: page.nextCursor };
    },
  );

  app.get(
    '/libraries/:libraryId/items/:itemId/content',
    { schema: { tags: ['items'], summary: "A file's bytes by the file's id (ETag = sha256; Range supported)", params: ItemIdParams, querystring: DownloadQuery, response: downloadResponses } },
    async (request, reply) => {
      const { item, blobStore } = await ctx.items.openDownload(principalOf(request), request.params.libraryId, { id: request.params.itemId });
      return sendFile(request, reply, item, blobStore, request.query.download === true);
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

  // A file path route with a JSON body: registered here, where JSON is parsed (files.ts takes raw bodies).
  app.patch(
    '/libraries/:libraryId/files/*',
    {
      schema: {
        tags: ['items'],
        summary: 'Move or rename a file or folder within its library',
        description:
          '`{"path": "/new/place"}` moves the item (missing parents are created), `{"name": "new name"}` renames it in its folder. ' +
          `A file, or a folder of at most ${INLINE_SUBTREE_LIMIT} items, moves in this request: 200 with the item at its new path. ` +
          'A larger folder that keeps its name is handed to a move job into the new parent: 202 with the job (Location: /api/v1/jobs/{id}); ' +
          'renaming one is a 422. 409 when the new path is taken (or the library is not STANDARD), 422 for a folder into itself.',
        params: FileParams,
        body: MoveItemBody,
        response: { 200: Type.Ref(ItemBody), 202: Type.Ref(JobBody), ...errorResponses },
      },
    },
    async (request, reply) => {
      const caller = principalOf(request);
      const { libraryId } = request.params;
      const { path, name } = request.body;
      if ((path === undefined) === (name === undefined)) {
        const field = path === undefined ? 'path' : 'name';
        throw new InvalidArgumentError(`${field}: give path (to move the item) or name (to rename it)${path === undefined ? '' : ', not both'}`, { field });
      }
      const target = name !== undefined ? { name } : { path: path ?? '' };
      const change = await ctx.items.move(caller, libraryId, filePathFromUrl(request.raw.url ?? ''), target);
      if (!change.deferred) return reply.status(200).send(itemView(change.item));
      const destination = parentPath(joinPath(parsePath(path ?? '')));
      const params = { itemIds: [change.item.id], destination, onConflict: 'fail' };
      const { job, requestor } = await ctx.jobs.submit(caller, { type: 'move', libraryId, params });
      return reply.status(202).header('location', `/api/v1/jobs/${job.id}`).send(jobView(job, requestor));
    },
  );
};
