/**
 * VSP One's words for errors: the body `{code, message, details}` (all
 * strings: our error code, the message, the field it concerns or ''), with
 * our statuses, and a refused field named by its dotted path (`userId.id`).
 */
import { issueField, type ErrorSurface } from '../kit/index.js';

export interface VspError {
  code: string;
  message: string;
  details: string;
}

export function vspError(code: string, message: string, details = ''): VspError {
  return { code, message, details };
}

export const VSP_ERRORS: ErrorSurface = {
  label: 'vsp-one',
  /** Bodies are read whatever their declared type; a refused one is a bad argument. */
  statuses: { UNSUPPORTED_MEDIA_TYPE: 400 },
  describeValidation(issue, { context }) {
    const named = issueField(issue);
    if (named.kind === 'required') return { field: named.field, message: `${named.field}: required` };
    if (named.kind === 'unknown') return { field: named.field, message: `${named.field}: unknown field` };
    const field = named.field || (context === 'body' ? 'body' : (context ?? 'request'));
    return { field, message: `${field}: ${issue.message ?? 'is invalid'}` };
  },
  body: (problem) => vspError(problem.code, problem.message, problem.field),
};
