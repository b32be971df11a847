/**
 * AODocs' words for errors (Google Cloud Endpoints style, as AODocs documents it in
 * "HTTP status codes and error handling"): the body `{"error": {"errors": [{"domain":
 * "global", "reason", "message"}], "code": <HTTP status>, "message"}}`, the statuses
 * Endpoints Frameworks serves, and validation issues worded as `pageSize: …`.
 */
import { issueField, type ErrorSurface, type ProblemCode } from '../kit/index.js';

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

const REASON_BY_CODE: Readonly<Partial<Record<ProblemCode, string>>> = { RATE_LIMITED: 'rateLimitExceeded' };

export function googleError(status: number, message: string, reason = REASON_BY_STATUS[status] ?? 'badRequest'): GoogleErrorBody {
  return { error: { errors: [{ domain: 'global', reason, message }], code: status, message } };
}

export const AODOCS_ERRORS: ErrorSurface = {
  label: 'aodocs',
  /**
   * Endpoints Frameworks serves only 400, 401, 403, 404, 409, 410, 412, 413 among 4xx (429
   * becomes 503), so: 422 (e.g. cancelling a job that has ended) is a 409 conflict, 415 and
   * 416 are 400s, 429 a 503.
   */
  statuses: { RANGE_NOT_SATISFIABLE: 400, UNPROCESSABLE: 409, RATE_LIMITED: 503, UNSUPPORTED_MEDIA_TYPE: 400 },
  describeValidation(issue) {
    const { kind, field } = issueField(issue);
    if (kind === 'required') return { field, message: `${field}: required parameter is missing` };
    if (kind === 'unknown') return { field, message: `${field}: unknown parameter` };
    return { field: field || 'request', message: `${field || 'request'}: ${issue.message ?? 'is invalid'}` };
  },
  body: (problem) => googleError(problem.status, problem.message, REASON_BY_CODE[problem.code]),
};
