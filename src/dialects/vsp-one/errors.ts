/**
 * VSP One's error shape, `{code, message, details}` (all strings), for every
 * error under the dialect's paths: our typed errors by their code's status,
 * Fastify's validation and body errors as 400s naming the field, unknown
 * routes as 404s, anything else a logged 500 that reveals nothing.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BatchyardError, HTTP_STATUS_BY_CODE } from '../../domain/errors.js';
import { issueField, type ValidationIssue } from '../../api/validation-issue.js';

export interface VspError {
  code: string;
  message: string;
  details: string;
}

export function vspError(code: string, message: string, details = ''): VspError {
  return { code, message, details };
}

/** `body.userId.id: must be integer` → field `userId.id`, a message naming it. */
function describeValidation(context: string | undefined, issue: ValidationIssue): { field: string; message: string } {
  const named = issueField(issue);
  if (named.kind === 'required') return { field: named.field, message: `${named.field}: required` };
  if (named.kind === 'unknown') return { field: named.field, message: `${named.field}: unknown field` };
  const field = named.field || (context === 'body' ? 'body' : (context ?? 'request'));
  return { field, message: `${field}: ${issue.message ?? 'is invalid'}` };
}

/** The field an error names, as VSP's `details`. */
function fieldOf(error: BatchyardError): string {
  const field = error.details?.field;
  return typeof field === 'string' ? field : '';
}

export function installVspErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (error instanceof BatchyardError) {
      return reply.status(HTTP_STATUS_BY_CODE[error.code]).send(vspError(error.code, error.message, fieldOf(error)));
    }
    if (error.validation) {
      const { field, message } = describeValidation(error.validationContext, error.validation[0] as ValidationIssue);
      return reply.status(400).send(vspError('INVALID_ARGUMENT', message, field));
    }
    const status = error.statusCode ?? 500;
    if (status === 413) return reply.status(413).send(vspError('PAYLOAD_TOO_LARGE', 'body: too large', 'body'));
    if (status >= 400 && status < 500) {
      return reply.status(status === 415 ? 400 : status).send(vspError(status === 404 ? 'NOT_FOUND' : 'INVALID_ARGUMENT', error.message, 'body'));
    }
    request.log.error({ err: error }, 'unhandled error (vsp-one dialect)');
    return reply.status(500).send(vspError('INTERNAL', 'internal error; see the server log'));
  });
}

export function installVspNotFound(app: FastifyInstance): void {
  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send(vspError('NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`));
  });
}
