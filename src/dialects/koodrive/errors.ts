/**
 * KooDrive's words for errors: the body `{code, msg}`, where `code` is the HTTP
 * status as a string (the page types it String; "400" also parses as a number
 * for clients that read the sample's numeric `code`), and a refused field named
 * the way KooDrive writes it (`taskInfo.fileInfo[0].fileId: required`).
 * KooDrive lists 400, 401 and 500: semantic refusals (422), conflicts, refused
 * media types and sizes are 400s here; 403, 404, 429 and 503 keep their meaning.
 */
import { issueField, type ErrorSurface } from '../kit/index.js';

export interface KooError {
  code: string;
  msg: string;
}

export function kooError(status: number, msg: string): KooError {
  return { code: String(status), msg };
}

export const KOODRIVE_ERRORS: ErrorSurface = {
  label: 'koodrive',
  statuses: {
    CONFLICT: 400,
    PRECONDITION_FAILED: 400,
    PAYLOAD_TOO_LARGE: 400,
    RANGE_NOT_SATISFIABLE: 400,
    UNPROCESSABLE: 400,
    UNSUPPORTED_MEDIA_TYPE: 400,
  },
  describeValidation(issue) {
    // `/taskInfo/fileInfo/0/fileId` → `taskInfo.fileInfo[0].fileId`
    const { kind, field } = issueField(issue, { arrayIndex: 'bracket' });
    if (kind === 'required') return { field, message: `${field}: required` };
    if (kind === 'unknown') return { field, message: `${field}: unknown field` };
    return { field: field || 'body', message: `${field || 'body'}: ${issue.message ?? 'is invalid'}` };
  },
  body: (problem) => kooError(problem.status, problem.message),
};
