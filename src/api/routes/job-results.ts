/**
 * A job's result: `GET /jobs/{id}/result` (bearer token; whoever may see the
 * job), `POST /jobs/{id}/result-link` (a signed, expiring URL), and the
 * route such a URL names, `GET /job-results/{id}?expires&signature`, which
 * needs no token (registered outside the bearer scope). Bytes go out as an
 * attachment named after the job's result, with ETag (its SHA-256) and Range.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ApiContext } from '../context.js';
import { principalOf } from '../auth-hook.js';
import { errorResponses } from '../schemas/common.js';
import { JobIdParams } from '../schemas/jobs.js';
import { ResultLinkBody, ResultLinkInput, SignedResultParams, SignedResultQuery } from '../schemas/job-results.js';
import { downloadResponses, sendFile } from '../send-file.js';
import { isoTime } from '../iso-time.js';
import type { JobResult } from '../../services/artifact-service.js';

function sendResult(request: FastifyRequest, reply: FastifyReply, { artifact, blobStore }: JobResult) {
  const file = { sha256: artifact.sha256, size: artifact.size, contentType: artifact.mediaType, modifiedAt: artifact.createdAt, name: artifact.name };
  reply.header('cache-control', 'private, no-cache');
  return sendFile(request, reply, file, blobStore, true);
}

/** The server's own origin as the client reached it (scheme and Host). */
function originOf(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}`;
}

/** Routes under the bearer scope. */
export const jobResultRoutes: FastifyPluginAsyncTypebox<{ ctx: ApiContext }> = async (app, { ctx }) => {
  app.get(
    '/jobs/:jobId/result',
    {
      schema: {
        tags: ['jobs'],
        summary: "The job's result (an export's zip, a report) as an attachment; ETag = sha256, Range supported",
        description: '404 with `details.reason` NO_RESULT (none yet, or the job type makes none) or RESULT_EXPIRED.',
        params: JobIdParams,
        response: downloadResponses,
      },
    },
    async (request, reply) => sendResult(request, reply, await ctx.artifacts.result(principalOf(request), request.params.jobId)),
  );

  app.post(
    '/jobs/:jobId/result-link',
    {
      schema: {
        tags: ['jobs'],
        summary: "A signed, expiring URL to the job's result that works without a bearer token",
        params: JobIdParams,
        body: ResultLinkInput,
        response: { 200: ResultLinkBody, ...errorResponses },
      },
    },
    async (request) => {
      const link = await ctx.artifacts.resultLink(principalOf(request), request.params.jobId, {
        baseUrl: originOf(request),
        expiresInSeconds: request.body?.expiresInSeconds,
      });
      return { url: link.url, expiresAt: isoTime(link.expiresAt) };
    },
  );
};

/** The signed link's route: no bearer token, the signature is the credential (403 when altered or expired). */
export const signedResultRoutes: FastifyPluginAsyncTypebox<{ ctx: ApiContext }> = async (app, { ctx }) => {
  app.get(
    '/job-results/:jobId',
    {
      schema: {
        tags: ['jobs'],
        summary: 'A job result through a signed link (from POST /jobs/{id}/result-link); no bearer token',
        description: '403 with `details.reason` LINK_INVALID (altered or incomplete) or LINK_EXPIRED.',
        params: SignedResultParams,
        querystring: SignedResultQuery,
        response: { ...downloadResponses, 403: Type.Ref('ErrorBody') },
        security: [],
      },
    },
    async (request, reply) => sendResult(request, reply, await ctx.artifacts.resultBySignature(request.params.jobId, request.query.expires, request.query.signature)),
  );
};
