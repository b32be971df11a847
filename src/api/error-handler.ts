/**
 * The one place errors become HTTP responses: our typed errors by their code,
 * Fastify's validation and parsing errors as 400/413/415 naming what is wrong,
 * anything else as a logged 500 that reveals nothing.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BatchyardError, HTTP_STATUS_BY_CODE, type ErrorCode } from '../domain/errors.js';
import { issueField, type ValidationIssue } from './validation-issue.js';

export function errorBody(code: string, message: string, details?: Record<string, unknown>) {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

function describeValidation(context: string | undefined, issue: ValidationIssue): { field: string; message: string } {
  const where = context === 'querystring' ? 'query' : (context ?? 'request');
  const { kind, field } = issueField(issue);
  if (kind === 'unknown') return { field, message: `${where}: unknown field '${field}'` };
  if (kind === 'required') return { field, message: `${where}: '${field}' is required` };
  return { field: field || where, message: `${where}${field ? `.${field}` : ''}: ${issue.message ?? 'is invalid'}` };
}

const FASTIFY_CODES: Record<string, { status: number; code: ErrorCode | 'UNSUPPORTED_MEDIA_TYPE'; message?: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'INVALID_ARGUMENT' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'INVALID_ARGUMENT', message: 'body: expected a JSON document, got an empty body' },
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'PAYLOAD_TOO_LARGE' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'INVALID_ARGUMENT' },
  FST_ERR_CTP_INVALID_TYPE: { status: 400, code: 'INVALID_ARGUMENT' },
};

export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (error instanceof BatchyardError) {
      return reply.status(HTTP_STATUS_BY_CODE[error.code]).send(errorBody(error.code, error.message, error.details));
    }
    if (error.validation) {
      const { field, message } = describeValidation(error.validationContext, error.validation[0] as ValidationIssue);
      return reply.status(400).send(errorBody('INVALID_ARGUMENT', message, { field }));
    }
    const known = error.code ? FASTIFY_CODES[error.code] : undefined;
    if (known?.code === 'UNSUPPORTED_MEDIA_TYPE') {
      const declared = String(request.headers['content-type'] ?? '').slice(0, 100);
      return reply
        .status(415)
        .send(errorBody(known.code, `Content-Type '${declared}' is not accepted here (JSON bodies need application/json)`, { field: 'Content-Type' }));
    }
    if (known) {
      return reply.status(known.status).send(errorBody(known.code, known.message ?? error.message));
    }
    if (error instanceof SyntaxError && error.message.includes('JSON')) {
      return reply.status(400).send(errorBody('INVALID_ARGUMENT', `body: malformed JSON (${error.message})`));
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      return reply.status(status).send(errorBody(status === 404 ? 'NOT_FOUND' : 'INVALID_ARGUMENT', error.message));
    }
    request.log.error({ err: error }, 'unhandled error');
    return reply.status(500).send(errorBody('INTERNAL', 'internal error; see the server log'));
  });

  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send(errorBody('NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`));
  });
}
