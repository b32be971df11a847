/**
 * File bytes: `PUT …/files/{path}` streams the raw body into the blob store;
 * `GET …/files/{path}` streams it back with ETag and Range; `DELETE
 * …/files/{path}` moves the item to the trash. The path is read from the raw
 * URL so encoded slashes and NULs are refused, not decoded away.
 * (`PATCH …/files/{path}`, a move with a JSON body, is in items.ts, where JSON is parsed.)
 */
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ApiContext } from '../context.js';
import { principalOf } from '../auth-hook.js';
import { errorResponses } from '../schemas/common.js';
import { ItemBody } from '../schemas/items.js';
import { JobBody } from '../schemas/jobs.js';
import { itemView, jobView } from '../views.js';
import { InvalidArgumentError } from '../../domain/errors.js';
import { DownloadQuery, downloadResponses, quotedEtag, sendFile } from '../send-file.js';
import { INLINE_SUBTREE_LIMIT } from '../../services/item-service.js';

export const FileParams = Type.Object({
  libraryId: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }),
  '*': Type.String(),
});

/** The file path after `/files/` in the raw request URL, percent-decoded segment by segment. */
export function filePathFromUrl(url: string): string {
  const pathPart = url.split('?')[0]!;
  const marker = pathPart.indexOf('/files/');
  const raw = marker < 0 ? '' : pathPart.slice(marker + '/files/'.length);
  if (/%2f|%5c/i.test(raw)) throw new InvalidArgumentError('path: encoded slashes are not allowed in a path', { field: 'path' });
  return raw
    .split('/')
    .map((segment) => {
      try {
        return decodeURIComponent(segment);
      } catch {
        throw new InvalidArgumentError('path: malformed percent-encoding', { field: 'path' });
      }
    })
    .join('/');
}

function parseIfMatch(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^\s*(?:W\/)?"([0-9a-f]{64})"\s*$/.exec(header);
  if (!match) throw new InvalidArgumentError('If-Match: expected one ETag "<sha256>"', { field: 'If-Match' });
  return match[1];
}

export const fileRoutes: FastifyPluginAsyncTypebox<{ ctx: ApiContext }> = async (app, { ctx }) => {
  // Uploads are raw bytes of any type: no parser may consume the body; the route streams request.raw.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null));

  app.put(
    '/libraries/:libraryId/files/*',
    {
      schema: {
        tags: ['items'],
        summary: 'Upload a file (raw body); missing parent folders are created',
        params: FileParams,
        response: { 200: Type.Ref(ItemBody), 201: Type.Ref(ItemBody), 412: errorResponses[409], 413: errorResponses[409], ...errorResponses },
      },
    },
    async (request, reply) => {
      const lengthHeader = request.headers['content-length'];
      const contentLength = lengthHeader === undefined ? undefined : Number(lengthHeader);
      const { item, created } = await ctx.items.putFile(principalOf(request), request.params.libraryId, filePathFromUrl(request.raw.url ?? ''), request.raw, {
        contentLength: Number.isFinite(contentLength) ? contentLength : undefined,
        mustNotExist: request.headers['if-none-match']?.trim() === '*',
        mustMatchSha256: parseIfMatch(request.headers['if-match']),
        contentType: request.headers['content-type'],
      });
      reply.header('etag', quotedEtag(item.sha256 ?? ''));
      return reply.status(created ? 201 : 200).send(itemView(item));
    },
  );

  app.get(
    '/libraries/:libraryId/files/*',
    {
      schema: {
        tags: ['items'],
        summary: "A file's bytes (ETag = sha256; Range supported)",
        params: FileParams,
        querystring: DownloadQuery,
        response: downloadResponses,
      },
    },
    async (request, reply) => {
      const { item, blobStore } = await ctx.items.openDownload(principalOf(request), request.params.libraryId, {
        path: filePathFromUrl(request.raw.url ?? ''),
      });
      return sendFile(request, reply, item, blobStore, request.query.download === true);
    },
  );

  app.delete(
    '/libraries/:libraryId/files/*',
    {
      schema: {
        tags: ['items'],
        summary: 'Move a file or folder to the trash (restorable)',
        description:
          `A file, or a folder of at most ${INLINE_SUBTREE_LIMIT} items, goes to the trash in this request: 200 with the item (trashedAt set; ` +
          'restore it with a restore job by its id or path). A larger folder is handed to a trash job: 202 with the job ' +
          '(Location: /api/v1/jobs/{id}). 404 when there is no live item at the path, 403 below WRITER, 409 when the library is not STANDARD.',
        params: FileParams,
        response: { 200: Type.Ref(ItemBody), 202: Type.Ref(JobBody), ...errorResponses },
      },
    },
    async (request, reply) => {
      const caller = principalOf(request);
      const { libraryId } = request.params;
      const change = await ctx.items.trash(caller, libraryId, filePathFromUrl(request.raw.url ?? ''));
      if (!change.deferred) return reply.status(200).send(itemView(change.item));
      const { job, requestor } = await ctx.jobs.submit(caller, { type: 'trash', libraryId, params: { itemIds: [change.item.id] } });
      return reply.status(202).header('location', `/api/v1/jobs/${job.id}`).send(jobView(job, requestor));
    },
  );
};
