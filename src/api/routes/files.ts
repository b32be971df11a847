/**
 * File bytes: `PUT …/files/{path}` streams the raw body into the blob store;
 * `GET …/files/{path}` streams it back with ETag and Range. The path is read
 * from the raw URL so encoded slashes and NULs are refused, not decoded away.
 */
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ApiContext } from '../context.js';
import { principalOf } from '../auth-hook.js';
import { errorResponses } from '../schemas/common.js';
import { ItemBody } from '../schemas/items.js';
import { itemView } from '../views.js';
import { parseRange } from '../http-range.js';
import { InvalidArgumentError, RangeNotSatisfiableError } from '../../domain/errors.js';
import { DEFAULT_CONTENT_TYPE } from '../../domain/content-type.js';

/** RFC 6266: an ASCII fallback name and the exact UTF-8 one. */
function contentDisposition(kind: 'inline' | 'attachment', name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${kind}; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

const DownloadQuery = Type.Object(
  { download: Type.Optional(Type.Boolean({ default: false, description: 'serve as an attachment (save) rather than inline' })) },
  { additionalProperties: false },
);

const FileParams = Type.Object({
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

function quotedEtag(sha256: string): string {
  return `"${sha256}"`;
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
        response: { 200: Type.Unknown({ description: 'the bytes' }), 206: Type.Unknown({ description: 'the requested range' }), 304: Type.Null({ description: 'not modified' }), 416: errorResponses[409], ...errorResponses },
      },
    },
    async (request, reply) => {
      const { item, blobStore } = await ctx.items.openDownload(principalOf(request), request.params.libraryId, filePathFromUrl(request.raw.url ?? ''));
      const sha256 = item.sha256!;
      const etag = quotedEtag(sha256);
      reply.header('etag', etag).header('accept-ranges', 'bytes').header('last-modified', new Date(item.modifiedAt).toUTCString());
      // Uploaded content is served as data, never as a page of this origin: no sniffing,
      // and a sandbox so an uploaded HTML file cannot run script with the API's origin.
      reply.header('content-type', item.contentType ?? DEFAULT_CONTENT_TYPE);
      reply.header('x-content-type-options', 'nosniff').header('content-security-policy', 'sandbox');
      reply.header('content-disposition', contentDisposition(request.query.download ? 'attachment' : 'inline', item.name));
      const inm = request.headers['if-none-match'];
      if (inm !== undefined && inm.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag || tag.trim() === '*')) {
        return reply.status(304).send(null);
      }
      const ifRange = request.headers['if-range'];
      let range;
      try {
        range = ifRange === undefined || ifRange === etag ? parseRange(request.headers.range, item.size) : undefined;
      } catch (error) {
        if (error instanceof RangeNotSatisfiableError) reply.header('content-range', `bytes */${item.size}`);
        throw error;
      }
      if (range) {
        reply.status(206).header('content-range', `bytes ${range.start}-${range.end}/${item.size}`);
        reply.header('content-length', range.end - range.start + 1);
      } else {
        reply.header('content-length', item.size);
      }
      if (item.size === 0) return reply.send('');
      return reply.send(await blobStore.openRead(sha256, range));
    },
  );
};
