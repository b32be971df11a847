/**
 * tus resumable uploads at `/api/v1/uploads` (tus 1.0.0: creation,
 * creation-with-upload, creation-defer-length, termination, expiration),
 * served by @tus/server inside Fastify: these routes leave the body unparsed
 * and hand the raw request and response to tus. Every request but OPTIONS
 * (a browser's CORS preflight) carries our bearer token (or the dashboard's
 * session cookie, with its CSRF token on POST, PATCH and DELETE); an upload belongs to
 * the user who created it, and to anyone else it does not exist (404 on HEAD,
 * PATCH, DELETE, GET). Limits: the server's upload size (413 at creation, or
 * when a deferred length or the bytes pass it) and its expiry (410 after).
 * An upload may name the library it is meant for in its metadata
 * (`libraryId`): then the caller needs WRITER there to create it.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import { randomBytes } from 'node:crypto';
import { Server as TusServer } from '@tus/server';
import type { Upload } from '@tus/utils';
import type { ApiContext } from '../context.js';
import type { Principal } from '../../domain/types.js';
import { BatchyardError, HTTP_STATUS_BY_CODE, UnauthenticatedError } from '../../domain/errors.js';
import { errorBody } from '../error-handler.js';
import { installAuth, principalOf } from '../auth-hook.js';
import type { UploadService } from '../../services/upload-service.js';

export const UPLOADS_PATH = '/api/v1/uploads';

/** The srvx request tus hands to its hooks wraps Node's; our principal is keyed by the latter. */
type TusRequest = { runtime?: { node?: { req?: IncomingMessage } } };

function tusServer(uploads: UploadService, principals: WeakMap<IncomingMessage, Principal>): TusServer {
  const principalOfTus = (req: unknown): Principal => {
    const raw = (req as TusRequest).runtime?.node?.req;
    const principal = raw ? principals.get(raw) : undefined;
    if (!principal) throw new UnauthenticatedError();
    return principal;
  };
  return new TusServer({
    path: UPLOADS_PATH,
    datastore: uploads.files.datastore,
    maxSize: uploads.options.maxBytes,
    relativeLocation: true,
    namingFunction: () => randomBytes(16).toString('hex'),
    onUploadCreate: async (req: unknown, upload: Upload) => {
      const caller = principalOfTus(req);
      const libraryId = upload.metadata?.libraryId ?? null;
      const size = upload.size ?? null;
      await uploads.checkCreate(caller, { size, libraryId });
      await uploads.record(caller, { id: upload.id, size, libraryId });
      return {};
    },
    // Our typed errors (a 403 on the named library, say) keep their status, with our JSON body.
    onResponseError: (_req: unknown, error: Error | { status_code: number; body: string }) => {
      if (!(error instanceof BatchyardError)) return undefined;
      return { status_code: HTTP_STATUS_BY_CODE[error.code], body: JSON.stringify(errorBody(error.code, error.message, error.details)) };
    },
  });
}

export async function uploadRoutes(app: FastifyInstance, opts: { ctx: ApiContext }): Promise<void> {
  const { uploads, auth, sessions } = opts.ctx;
  const principals = new WeakMap<IncomingMessage, Principal>();
  const tus = tusServer(uploads, principals);

  // tus bodies are raw bytes (application/offset+octet-stream, or anything a client sends on POST): never parsed here.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null));
  installAuth(app, { auth, sessions }, { skip: (request) => request.method === 'OPTIONS' });

  const handle = async (request: FastifyRequest, reply: FastifyReply, id: string | undefined) => {
    if (request.method !== 'OPTIONS') {
      const caller = principalOf(request);
      // An upload is its owner's alone: anyone else gets the 404 of an upload that does not exist.
      if (id !== undefined) await uploads.owned(caller, id, 'upload');
      principals.set(request.raw, caller);
    }
    reply.hijack();
    await tus.handle(request.raw, reply.raw);
  };

  const routeOptions = { schema: { hide: true }, exposeHeadRoute: false } as const;
  app.route({ method: ['POST', 'OPTIONS'], url: '/uploads', ...routeOptions, handler: (request, reply) => handle(request, reply, undefined) });
  app.route({
    method: ['HEAD', 'PATCH', 'DELETE', 'GET', 'OPTIONS'],
    url: '/uploads/:id',
    ...routeOptions,
    handler: (request, reply) => handle(request, reply, (request.params as { id: string }).id),
  });
}
