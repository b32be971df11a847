/** Snapshots of a library (`/libraries/{id}/snapshots`): list, read, browse like a folder (readers), forget (admins). */
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ApiContext } from '../context.js';
import { principalOf } from '../auth-hook.js';
import { errorResponses, LibraryIdParams, PageQuery } from '../schemas/common.js';
import { SnapshotBody, SnapshotItemPage, SnapshotItemsQuery, SnapshotPage, SnapshotParams } from '../schemas/snapshots.js';
import { SnapshotService, type Snapshot, type SnapshotItem } from '../../services/snapshot-service.js';
import { iso } from '../views.js';

export function snapshotView(s: Snapshot) {
  return {
    id: s.id, libraryId: s.libraryId, label: s.label, path: s.path, storage: s.storage, createdAt: iso(s.createdAt), jobId: s.jobId,
    counts: { files: s.files, folders: s.folders }, bytes: s.bytes, added: s.added, changed: s.changed, removed: s.removed, rootTree: s.rootTree,
  };
}

const itemView = (libraryId: string, e: SnapshotItem) => ({
  libraryId, path: e.path, name: e.name, kind: e.kind, size: e.size, sha256: e.sha256, contentType: e.contentType, createdAt: iso(e.createdAt), modifiedAt: iso(e.modifiedAt),
});

export const snapshotRoutes: FastifyPluginAsyncTypebox<{ ctx: ApiContext }> = async (app, { ctx }) => {
  const snapshots = new SnapshotService(ctx.store, ctx.libraries);

  app.get(
    '/libraries/:libraryId/snapshots',
    {
      schema: {
        tags: ['snapshots'], summary: "The library's snapshots (backup jobs take them), newest first, a page at a time (library readers)",
        params: LibraryIdParams, querystring: PageQuery, response: { 200: SnapshotPage, ...errorResponses },
      },
    },
    async (request) => {
      const page = await snapshots.list(principalOf(request), request.params.libraryId, { limit: request.query.limit ?? 100, cursor: request.query.cursor });
      return { snapshots: page.snapshots.map(snapshotView), nextCursor: page.nextCursor };
    },
  );

  app.get(
    '/libraries/:libraryId/snapshots/:snapshotId',
    { schema: { tags: ['snapshots'], summary: 'One snapshot: its counts, bytes, and what it added, changed and removed', params: SnapshotParams, response: { 200: SnapshotBody, ...errorResponses } } },
    async (request) => snapshotView(await snapshots.get(principalOf(request), request.params.libraryId, request.params.snapshotId)),
  );

  app.get(
    '/libraries/:libraryId/snapshots/:snapshotId/items',
    {
      schema: {
        tags: ['snapshots'], summary: "A folder of the snapshot as it was, like a folder listing: its entries by name, a page at a time",
        params: SnapshotParams, querystring: SnapshotItemsQuery, response: { 200: SnapshotItemPage, ...errorResponses },
      },
    },
    async (request) => {
      const { libraryId, snapshotId } = request.params;
      const { path, limit, cursor } = request.query;
      const page = await snapshots.browse(principalOf(request), libraryId, snapshotId, { path, limit: limit ?? 100, cursor });
      return { path: page.path, items: page.items.map((e) => itemView(libraryId, e)), nextCursor: page.nextCursor };
    },
  );

  app.delete(
    '/libraries/:libraryId/snapshots/:snapshotId',
    {
      schema: {
        tags: ['snapshots'], summary: 'Forget a snapshot (library admins): what only it held is released, its bytes reclaimed by the blob collector',
        params: SnapshotParams, response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      await snapshots.delete(principalOf(request), request.params.libraryId, request.params.snapshotId);
      return reply.status(204).send(null);
    },
  );
};
