/**
 * AvePoint's error body, `{status, message}`, with the HTTP status equal to
 * `status`: our typed errors by their code, Fastify's validation errors as
 * 400s naming the parameter and what it takes, unknown paths under the
 * dialect's prefix as 404s, anything else a logged 500 revealing nothing.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BatchyardError, HTTP_STATUS_BY_CODE } from '../../domain/errors.js';
import { issueField, type ValidationIssue } from '../../api/validation-issue.js';
import { PARAMETER_RULES, type AveError } from './schemas.js';

export function aveError(status: number, message: string): AveError {
  return { status, message };
}

function validationMessage(request: FastifyRequest, issue: ValidationIssue): string {
  // The query takes unknown parameters (ignored), so an issue is a missing or a wrong one.
  const field = issueField(issue).field || 'query';
  const value = (request.query as Record<string, unknown> | undefined)?.[field];
  const rule = PARAMETER_RULES[field];
  const shown = value === undefined ? '' : ` '${String(value).slice(0, 64)}'`;
  return rule === undefined ? `${field}:${shown} ${issue.message ?? 'is invalid'}` : `${field}:${shown} is not valid; expected ${rule}`;
}

export function installAveErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (error instanceof BatchyardError) {
      const status = HTTP_STATUS_BY_CODE[error.code];
      if (status >= 500) request.log.warn({ err: error }, 'avepoint: service error');
      return reply.status(status).send(aveError(status, error.message));
    }
    if (error.validation && error.validation.length > 0) {
      return reply.status(400).send(aveError(400, validationMessage(request, error.validation[0] as ValidationIssue)));
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) return reply.status(status).send(aveError(status, error.message));
    request.log.error({ err: error }, 'avepoint: unhandled error');
    return reply.status(500).send(aveError(500, 'internal error; see the server log'));
  });

  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send(aveError(404, `no route ${request.method} ${request.url.split('?')[0]}`));
  });
}
