/**
 * What a batch submission (`POST /api/v1/jobs/batch`) adds to a single one: its bound, each
 * entry's error restated to name the entry (`jobs[17].params.paths: …`), and the rights of a
 * library looked up once per batch rather than once per entry.
 */
import { BatchyardError } from '../domain/errors.js';
import type { LibraryAccess } from '../domain/library-rules.js';

/** The most jobs one batch submission may create. */
export const MAX_BATCH_JOBS = 1_000;

/** `field:` at the head of a message: dotted names with `[i]` indexes. */
const LEADING_FIELD = /^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*|\[\d+\])*(?=:)/;

/**
 * The error of entry `index` of a batch, naming it: `jobs[17].params.paths: …` when the error
 * names a field, `jobs[17]: …` otherwise; same class, code and status. Errors that are not ours
 * pass unchanged.
 */
export function entryError(error: unknown, index: number): unknown {
  if (!(error instanceof BatchyardError)) return error;
  const entry = `jobs[${index}]`;
  const lead = LEADING_FIELD.exec(error.message)?.[0];
  const field = typeof error.details?.field === 'string' ? error.details.field : lead;
  const message = lead !== undefined ? `${entry}.${error.message}` : `${entry}: ${error.message}`;
  const copy = Object.create(Object.getPrototypeOf(error) as object) as BatchyardError;
  Object.assign(copy, error, { details: { ...error.details, index, field: field === undefined ? entry : `${entry}.${field}` } });
  Object.defineProperty(copy, 'message', { value: message, writable: true, configurable: true });
  Object.defineProperty(copy, 'stack', { value: error.stack, writable: true, configurable: true });
  return copy;
}

/** `access` asked once per (library, right) for the whole batch (a refusal is remembered too). */
export function memoizedAccess(access: (libraryId: string, needed: 'READER' | 'WRITER') => Promise<LibraryAccess>) {
  const seen = new Map<string, Promise<LibraryAccess>>();
  return (libraryId: string, needed: 'READER' | 'WRITER'): Promise<LibraryAccess> => {
    const key = `${needed}\u0000${libraryId}`;
    let pending = seen.get(key);
    if (!pending) {
      pending = access(libraryId, needed);
      pending.catch(() => {});
      seen.set(key, pending);
    }
    return pending;
  };
}
