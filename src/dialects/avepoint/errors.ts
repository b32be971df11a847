/**
 * AvePoint's words for errors: the body `{status, message}` with the HTTP
 * status equal to `status`, and a refused parameter worded as what it was
 * and what it takes (`pageSize: '0' is not valid; expected …`).
 */
import type { FastifyRequest } from 'fastify';
import { issueField, type ErrorSurface, type ValidationIssue } from '../kit/index.js';
import { PARAMETER_RULES, type AveError } from './schemas.js';

export function aveError(status: number, message: string): AveError {
  return { status, message };
}

function validationMessage(request: FastifyRequest, issue: ValidationIssue): { field: string; message: string } {
  // The query takes unknown parameters (ignored), so an issue is a missing or a wrong one.
  const field = issueField(issue).field || 'query';
  const value = (request.query as Record<string, unknown> | undefined)?.[field];
  const rule = PARAMETER_RULES[field];
  const shown = value === undefined ? '' : ` '${String(value).slice(0, 64)}'`;
  return { field, message: rule === undefined ? `${field}:${shown} ${issue.message ?? 'is invalid'}` : `${field}:${shown} is not valid; expected ${rule}` };
}

export const AVEPOINT_ERRORS: ErrorSurface = {
  label: 'avepoint',
  describeValidation: (issue, { request }) => validationMessage(request, issue),
  body: (problem) => aveError(problem.status, problem.message),
};
