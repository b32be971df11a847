/**
 * A service error about one of its fields, said in the vendor's words. The
 * service names its own fields (`cursor`, `limit`, `params.paths[2]`,
 * `libraryId`); a dialect gives the vendor's name of each (`pageToken`,
 * `pageSize`, `taskInfo.fileInfo[2].filePath`, `bucketName`) and the error
 * then names that one, in its details and at the head of its message, where
 * the service's word for a plain field is also the vendor's (`cursor: not a
 * valid cursor` → `pageToken: not a valid pageToken`). Errors about no field
 * the map knows pass unchanged, as do errors that are not ours.
 */
import { BatchyardError, type ErrorDetails } from '../../domain/errors.js';

/** Service field → vendor field: a table, or a function for fields with indexes (undefined: not renamed). */
export type FieldNames = Readonly<Record<string, string>> | ((field: string) => string | undefined);

/** `field:` at the head of a message: dotted names with `[i]` indexes. */
const LEADING_FIELD = /^[A-Za-z_][\w]*(?:\.[A-Za-z_][\w]*|\[\d+\])*(?=:)/;
const PLAIN_NAME = /^[A-Za-z_]\w*$/;

function lookup(names: FieldNames, field: string): string | undefined {
  const to = typeof names === 'function' ? names(field) : Object.hasOwn(names, field) ? names[field] : undefined;
  return to === field ? undefined : to;
}

/** The same error (same class, code and cause) with another message and details. */
function restated(error: BatchyardError, message: string, details: ErrorDetails | undefined): BatchyardError {
  const copy = Object.create(Object.getPrototypeOf(error) as object) as BatchyardError;
  Object.assign(copy, error, { details });
  Object.defineProperty(copy, 'message', { value: message, writable: true, configurable: true });
  Object.defineProperty(copy, 'stack', { value: error.stack, writable: true, configurable: true });
  return copy;
}

export function renameField(error: unknown, names: FieldNames): unknown {
  if (!(error instanceof BatchyardError)) return error;
  const detailField = typeof error.details?.field === 'string' ? error.details.field : undefined;
  const lead = LEADING_FIELD.exec(error.message)?.[0];
  const renamedDetail = detailField === undefined ? undefined : lookup(names, detailField);
  const renamedLead = lead === undefined ? undefined : lookup(names, lead);
  if (renamedDetail === undefined && renamedLead === undefined) return error;

  let head: string;
  let rest: string;
  if (lead !== undefined && renamedLead !== undefined) {
    head = renamedLead;
    rest = error.message.slice(lead.length);
    if (PLAIN_NAME.test(lead)) rest = rest.replace(new RegExp(`\\b${lead}\\b`, 'g'), renamedLead);
  } else {
    head = `${renamedDetail}:`;
    rest = ` ${error.message}`;
  }
  const details = renamedDetail === undefined ? error.details : { ...error.details, field: renamedDetail };
  return restated(error, head + rest, details);
}
