/**
 * AODocs' error body (Google Cloud Endpoints style, as AODocs documents it in "HTTP status
 * codes and error handling"): `{"error": {"errors": [{"domain": "global", "reason",
 * "message"}], "code": <HTTP status>, "message"}}`; and the error handler, not-found
 * handler and JSON body parser installed inside the dialect's encapsulated scope so every
 * error under its paths comes out in that shape (never a native body, never a 500 for
 * bad input).
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BatchyardError, InvalidArgumentError, type ErrorCode } from '../../domain/errors.js';
import { issueField, type ValidationIssue } from '../../api/validation-issue.js';

export interface GoogleErrorBody {
  error: { errors: Array<{ domain: 'global'; reason: string; message: string }>; code: number; message: string };
}

/** The default `reason` of each status Endpoints Frameworks serves. */
const REASON_BY_STATUS: Readonly<Record<number, string>> = {
  400: 'badRequest',
  401: 'required',
  403: 'forbidden',
  404: 'notFound',
  409: 'conflict',
  412: 'conditionNotMet',
  413: 'uploadTooLarge',
  500: 'backendError',
  503: 'backendError',
};

/**
 * Our error codes as AODocs statuses. Endpoints Frameworks serves only 400, 401, 403, 404,
 * 409, 410, 412, 413 among 4xx (429 becomes 503), so: 422 (e.g. cancelling a job that has
 * ended) is a 409 conflict, 416 a 400, 429 a 503.
 */
const STATUS_BY_CODE: Readonly<Record<ErrorCode, { status: number; reason?: string }>> = {
  INVALID_ARGUMENT: { status: 400 },
  UNAUTHENTICATED: { status: 401 },
  FORBIDDEN: { status: 403 },
  NOT_FOUND: { status: 404 },
  CONFLICT: { status: 409 },
  PRECONDITION_FAILED: { status: 412 },
  PAYLOAD_TOO_LARGE: { status: 413 },
  RANGE_NOT_SATISFIABLE: { status: 400 },
  UNPROCESSABLE: { status: 409 },
  RATE_LIMITED: { status: 503, reason: 'rateLimitExceeded' },
  TRANSIENT: { status: 503 },
  INTERNAL: { status: 500 },
};

export function googleError(status: number, message: string, reason = REASON_BY_STATUS[status] ?? 'badRequest'): GoogleErrorBody {
  return { error: { errors: [{ domain: 'global', reason, message }], code: status, message } };
}

/** A Fastify validation issue as a message naming the parameter (`pageSize: must be <= 1000`). */
function describeValidation(issue: ValidationIssue): string {
  const { kind, field } = issueField(issue);
  if (kind === 'required') return `${field}: required parameter is missing`;
  if (kind === 'unknown') return `${field}: unknown parameter`;
  return `${field || 'request'}: ${issue.message ?? 'is invalid'}`;
}

/**
 * Renames the parameter an InvalidArgumentError names (the service speaks of `cursor`, the
 * client sent `pageToken`): the message then names what the client sent.
 */
export async function withParamNames<T>(names: Readonly<Record<string, string>>, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    const field = error instanceof InvalidArgumentError ? error.details?.field : undefined;
    if (typeof field === 'string' && Object.hasOwn(names, field)) {
      const renamed = names[field]!;
      const rest = error instanceof Error && error.message.startsWith(`${field}:`) ? error.message.slice(field.length + 1).trim() : (error as Error).message;
      throw new InvalidArgumentError(`${renamed}: ${rest.replaceAll('cursor', 'page token')}`, { field: renamed });
    }
    throw error;
  }
}

function send(reply: FastifyReply, body: GoogleErrorBody): FastifyReply {
  if (body.error.code === 401) void reply.header('www-authenticate', 'Bearer realm="batchyard"');
  return reply.status(body.error.code).send(body);
}

export function installAodocsErrors(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (error instanceof BatchyardError) {
      const { status, reason } = STATUS_BY_CODE[error.code];
      if (status >= 500) request.log.warn({ err: error }, 'aodocs: service error');
      return send(reply, googleError(status, error.message, reason));
    }
    if (error.validation) return send(reply, googleError(400, describeValidation(error.validation[0] as ValidationIssue)));
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return send(reply, googleError(413, 'request body too large'));
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) return send(reply, googleError(status === 404 ? 404 : 400, error.message));
    request.log.error({ err: error }, 'aodocs: unhandled error');
    return send(reply, googleError(500, 'internal error; see the server log'));
  });

  // Bodies are ignored by every AODocs route here; clients often POST an empty body labelled JSON.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = String(body).trim();
    if (text === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(new InvalidArgumentError('body: malformed JSON'), undefined);
    }
  });
  // Any other body is read (within the body limit) and ignored rather than refused with a 415.
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, _body, done) => done(null, undefined));
}

/** Unknown paths under a prefix of the dialect: a Google-style 404. Call inside the prefixed scope. */
export function installAodocsNotFound(app: FastifyInstance): void {
  app.setNotFoundHandler((request, reply) => {
    void send(reply, googleError(404, `no method ${request.method} ${request.url.split('?')[0]}`));
  });
}
