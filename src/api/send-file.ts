/**
 * Sends a file item's bytes: ETag (the SHA-256), conditional requests,
 * single ranges, the stored media type, and headers that keep uploaded
 * content from acting as a page of this origin (nosniff, sandbox CSP).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Item } from '../domain/types.js';
import type { BlobStore } from '../blobs/blob-store.js';
import { RangeNotSatisfiableError } from '../domain/errors.js';
import { DEFAULT_CONTENT_TYPE } from '../domain/content-type.js';
import { errorResponses } from './schemas/common.js';
import { parseRange } from './http-range.js';

export const DownloadQuery = Type.Object(
  { download: Type.Optional(Type.Boolean({ default: false, description: 'serve as an attachment (save) rather than inline' })) },
  { additionalProperties: false },
);

export const downloadResponses = {
  200: Type.Unknown({ description: 'the bytes' }),
  206: Type.Unknown({ description: 'the requested range' }),
  304: Type.Null({ description: 'not modified' }),
  416: errorResponses[409],
  ...errorResponses,
};

export function quotedEtag(sha256: string): string {
  return `"${sha256}"`;
}

/** RFC 6266: an ASCII fallback name and the exact UTF-8 one. */
function contentDisposition(kind: 'inline' | 'attachment', name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${kind}; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

/** What is sent: a file item, or anything shaped like one (a job's result). */
export type SendableFile = Pick<Item, 'sha256' | 'size' | 'contentType' | 'modifiedAt' | 'name'>;

export async function sendFile(request: FastifyRequest, reply: FastifyReply, item: SendableFile, blobStore: BlobStore, asAttachment: boolean) {
  const sha256 = item.sha256!;
  const etag = quotedEtag(sha256);
  reply.header('etag', etag).header('accept-ranges', 'bytes').header('last-modified', new Date(item.modifiedAt).toUTCString());
  reply.header('content-type', item.contentType ?? DEFAULT_CONTENT_TYPE);
  reply.header('x-content-type-options', 'nosniff').header('content-security-policy', 'sandbox');
  reply.header('content-disposition', contentDisposition(asAttachment ? 'attachment' : 'inline', item.name));
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
}
