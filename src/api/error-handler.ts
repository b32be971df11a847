/**
 * The one place errors become HTTP responses, for the native API and every
 * vendor dialect alike. An error is first read into a Problem: our typed
 * errors by their code; Fastify's validation, body and media-type errors as
 * the field they concern; anything else a logged 500 that reveals nothing.
 * A surface (the native API, each dialect) then gives only its own words:
 * the status of each code, how a validation issue is worded, and its body.
 * On every surface a TRANSIENT error (a busy database, say) is a 503 with
 * `Retry-After`, and a 401 says how to authenticate (`WWW-Authenticate`).
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BatchyardError, DEFAULT_RETRY_AFTER_SECONDS, HTTP_STATUS_BY_CODE, TransientError, type ErrorCode, type ErrorDetails } from '../domain/errors.js';
import { issueField, type ValidationIssue } from './validation-issue.js';

/** Our error codes, and the media-type refusal that only HTTP knows. */
export type ProblemCode = ErrorCode | 'UNSUPPORTED_MEDIA_TYPE';

/** An error as every surface sees it before wording it its own way. */
export interface Problem {
  status: number;
  code: ProblemCode;
  message: string;
  /** The field it concerns, as the client named it; '' when none. */
  field: string;
  /** A typed error's details, or `{field}` for a refused input; undefined when there is nothing to add. */
  details: ErrorDetails | undefined;
}

export interface ErrorSurface {
  /** Names the surface in log lines. */
  readonly label: string;
  /** The status of each code where it is not HTTP_STATUS_BY_CODE's (UNSUPPORTED_MEDIA_TYPE: 415). */
  readonly statuses?: Readonly<Partial<Record<ProblemCode, number>>>;
  /** A Fastify validation issue in the surface's words, and the field it names. */
  describeValidation(issue: ValidationIssue, where: { context: string | undefined; request: FastifyRequest }): { field: string; message: string };
  /** The surface's error body. */
  body(problem: Problem): unknown;
}

const DEFAULT_STATUSES: Readonly<Record<ProblemCode, number>> = Object.freeze({ ...HTTP_STATUS_BY_CODE, UNSUPPORTED_MEDIA_TYPE: 415 });

export function statusOf(surface: ErrorSurface, code: ProblemCode): number {
  return surface.statuses?.[code] ?? DEFAULT_STATUSES[code];
}

/** What Fastify's own client errors concern (`declared`: the request's Content-Type). */
const FASTIFY_ERRORS: Readonly<Record<string, (error: FastifyError, declared: string) => { code: ProblemCode; field: string; message: string }>> = {
  FST_ERR_CTP_INVALID_JSON_BODY: (error) => ({ code: 'INVALID_ARGUMENT', field: 'body', message: `body: malformed JSON (${error.message})` }),
  FST_ERR_CTP_EMPTY_JSON_BODY: () => ({ code: 'INVALID_ARGUMENT', field: 'body', message: 'body: expected a JSON document, got an empty body' }),
  FST_ERR_CTP_BODY_TOO_LARGE: () => ({ code: 'PAYLOAD_TOO_LARGE', field: 'body', message: 'body: too large' }),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: (_error, declared) => ({
    code: 'UNSUPPORTED_MEDIA_TYPE',
    field: 'Content-Type',
    message: `Content-Type: '${declared}' is not accepted here (JSON bodies need application/json)`,
  }),
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: (error) => ({ code: 'INVALID_ARGUMENT', field: 'Content-Length', message: `Content-Length: ${error.message}` }),
  FST_ERR_CTP_INVALID_TYPE: (error) => ({ code: 'INVALID_ARGUMENT', field: 'Content-Type', message: `Content-Type: ${error.message}` }),
  // @fastify/csrf-protection's refusals (web-session.ts): a cookie-authenticated unsafe request without its token.
  FST_CSRF_INVALID_TOKEN: () => csrfProblem('missing or not this session’s CSRF token'),
  FST_CSRF_MISSING_SECRET: () => csrfProblem('cannot be checked: the session holds no CSRF secret; sign in again'),
};

function csrfProblem(what: string): { code: ProblemCode; field: string; message: string } {
  const how = 'a request authenticated by the session cookie sends the csrfToken from /api/v1/session in the x-csrf-token header';
  return { code: 'CSRF_INVALID', field: 'x-csrf-token', message: `x-csrf-token: ${what} (${how})` };
}

/** The code of a client error status Fastify or a plugin raised without one of ours. */
function codeOfStatus(status: number): ProblemCode {
  if (status === 404) return 'NOT_FOUND';
  if (status === 413) return 'PAYLOAD_TOO_LARGE';
  if (status === 415) return 'UNSUPPORTED_MEDIA_TYPE';
  if (status === 416) return 'RANGE_NOT_SATISFIABLE';
  if (status === 429) return 'RATE_LIMITED';
  return 'INVALID_ARGUMENT';
}

/** Reads any error thrown under a surface into a Problem (logging what the client will not be told). */
export function readProblem(surface: ErrorSurface, error: FastifyError | Error, request: FastifyRequest): Problem {
  const make = (code: ProblemCode, message: string, field = '', details?: ErrorDetails): Problem => ({ status: statusOf(surface, code), code, message, field, details });
  if (error instanceof BatchyardError) {
    const field = typeof error.details?.field === 'string' ? error.details.field : '';
    const problem = make(error.code, error.message, field, error.details);
    if (problem.status >= 500) request.log.warn({ err: error }, `${surface.label}: service unavailable`);
    return problem;
  }
  const fastify = error as FastifyError;
  if (fastify.validation && fastify.validation.length > 0) {
    const { field, message } = surface.describeValidation(fastify.validation[0] as ValidationIssue, { context: fastify.validationContext, request });
    return make('INVALID_ARGUMENT', message, field, { field });
  }
  const known = fastify.code ? FASTIFY_ERRORS[fastify.code] : undefined;
  if (known) {
    const { code, field, message } = known(fastify, String(request.headers['content-type'] ?? '').slice(0, 100));
    return make(code, message, field, { field });
  }
  if (error instanceof SyntaxError && error.message.includes('JSON')) return make('INVALID_ARGUMENT', `body: malformed JSON (${error.message})`, 'body', { field: 'body' });
  const status = fastify.statusCode ?? 500;
  if (status >= 400 && status < 500) return make(codeOfStatus(status), error.message);
  request.log.error({ err: error }, `${surface.label}: unhandled error`);
  return make('INTERNAL', 'internal error; see the server log');
}

/** Sends a Problem in the surface's shape, with the headers its status calls for. */
export function sendProblem(surface: ErrorSurface, reply: FastifyReply, problem: Problem, error?: unknown): FastifyReply {
  if (problem.status === 503) {
    const seconds = error instanceof TransientError ? error.retryAfterSeconds : DEFAULT_RETRY_AFTER_SECONDS;
    void reply.header('retry-after', String(seconds));
  }
  if (problem.status === 401) void reply.header('www-authenticate', 'Bearer realm="batchyard"');
  return reply.status(problem.status).send(surface.body(problem));
}

/** Every error under the scope (an encapsulated plugin: a dialect) becomes the surface's. */
export function installErrorSurface(scope: FastifyInstance, surface: ErrorSurface): void {
  scope.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => sendProblem(surface, reply, readProblem(surface, error, request), error));
}

/** Answers a request no route took instead of the 404 (the dashboard's pages); true when it did. */
export type NotFoundFallback = (request: FastifyRequest, reply: FastifyReply) => boolean;

/** Unknown routes under a prefix, in the surface's shape (Fastify allows one per prefix: call it inside the prefixed scope). */
export function installNotFound(scope: FastifyInstance, surface: ErrorSurface, fallback?: NotFoundFallback): void {
  scope.setNotFoundHandler((request, reply) => {
    if (fallback?.(request, reply)) return;
    const code = 'NOT_FOUND';
    void sendProblem(surface, reply, { status: statusOf(surface, code), code, message: `no route ${request.method} ${request.url.split('?')[0]}`, field: '', details: undefined });
  });
}

export function errorBody(code: string, message: string, details?: Record<string, unknown>) {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

/** The native API's words: `{"error": {code, message, details}}`, validation issues as `query.limit: …`. */
export const NATIVE_ERRORS: ErrorSurface = {
  label: 'api',
  describeValidation(issue, { context }) {
    const where = context === 'querystring' ? 'query' : (context ?? 'request');
    const { kind, field } = issueField(issue);
    if (kind === 'unknown') return { field, message: `${where}: unknown field '${field}'` };
    if (kind === 'required') return { field, message: `${where}: '${field}' is required` };
    return { field: field || where, message: `${where}${field ? `.${field}` : ''}: ${issue.message ?? 'is invalid'}` };
  },
  body: (problem) => errorBody(problem.code, problem.message, problem.details),
};

export function installErrorHandler(app: FastifyInstance, fallback?: NotFoundFallback): void {
  installErrorSurface(app, NATIVE_ERRORS);
  installNotFound(app, NATIVE_ERRORS, fallback);
}
