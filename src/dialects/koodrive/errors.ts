/**
 * KooDrive's error body `{code, msg}` and the error handler of the KooDrive
 * scope: our typed errors, Fastify's validation and body errors, and unknown
 * routes under /koodrive/ose/v1 all come out in that shape. `code` is the
 * HTTP status as a string (the page types it String; "400" also parses as a
 * number for clients that read the sample's numeric `code`). KooDrive lists
 * 400, 401 and 500: semantic refusals (422), conflicts and unsupported media
 * types are 400s here; 403, 404, 429 and 503 keep their meaning.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BatchyardError, type ErrorCode } from '../../domain/errors.js';
import { issueField, type ValidationIssue } from '../../api/validation-issue.js';

export interface KooError {
  code: string;
  msg: string;
}

const STATUS_BY_CODE: Readonly<Record<ErrorCode, number>> = Object.freeze({
  INVALID_ARGUMENT: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 400,
  PRECONDITION_FAILED: 400,
  PAYLOAD_TOO_LARGE: 400,
  RANGE_NOT_SATISFIABLE: 400,
  UNPROCESSABLE: 400,
  RATE_LIMITED: 429,
  TRANSIENT: 503,
  INTERNAL: 500,
});

export function kooError(status: number, msg: string): KooError {
  return { code: String(status), msg };
}

function send(reply: FastifyReply, status: number, msg: string): FastifyReply {
  return reply.status(status).send(kooError(status, msg));
}

/** Names the parameter (query parameters and body fields by their KooDrive names, dotted). */
export function describeValidation(issue: ValidationIssue): string {
  // `/taskInfo/fileInfo/0/fileId` → `taskInfo.fileInfo[0].fileId`
  const { kind, field } = issueField(issue, { arrayIndex: 'bracket' });
  if (kind === 'required') return `${field}: required`;
  if (kind === 'unknown') return `${field}: unknown field`;
  return `${field || 'body'}: ${issue.message ?? 'is invalid'}`;
}

export function installKooErrorHandler(scope: FastifyInstance): void {
  scope.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (error instanceof BatchyardError) return send(reply, STATUS_BY_CODE[error.code], error.message);
    if (error.validation && error.validation.length > 0) {
      return send(reply, 400, describeValidation(error.validation[0] as ValidationIssue));
    }
    if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      const declared = String(request.headers['content-type'] ?? '').slice(0, 100);
      return send(reply, 400, `Content-Type: '${declared}' is not accepted (send application/json)`);
    }
    if (error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return send(reply, 400, 'body: expected a JSON document, got an empty body');
    if (error instanceof SyntaxError || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY') return send(reply, 400, `body: malformed JSON (${error.message})`);
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) return send(reply, status === 404 ? 404 : 400, error.message);
    request.log.error({ err: error }, 'unhandled error');
    return send(reply, 500, 'internal error; see the server log');
  });

  scope.setNotFoundHandler((request, reply) => {
    send(reply, 404, `no route ${request.method} ${request.url.split('?')[0]}`);
  });
}
