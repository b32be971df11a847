/**
 * Why an archive or one of its entries cannot be unpacked. `reason` is the
 * stable failure code a job records; `scope` says whether the entry alone is
 * refused (the rest goes on) or the whole archive (nothing more is read).
 * An UnprocessableError, so an API surface answers 422 with the message.
 */
import { BatchyardError, UnprocessableError } from '../domain/errors.js';

export type ArchiveFailureCode =
  /** `../`, an absolute path, a drive letter or a backslash: a name that could write outside the destination. */
  | 'UNSAFE_PATH'
  /** A name the library does not allow (control characters, too long, too deep, …). */
  | 'INVALID_NAME'
  /** A symbolic or hard link entry (never followed, never created). */
  | 'LINK_ENTRY'
  /** A device, FIFO or socket entry. */
  | 'SPECIAL_FILE'
  /** A second entry with the same path (the first one wins). */
  | 'DUPLICATE_ENTRY'
  /** Encrypted, or compressed with a method other than stored/deflate. */
  | 'UNSUPPORTED_ENTRY'
  /** Past a limit of ArchiveLimits (entries, total bytes, compression ratio). */
  | 'LIMIT_EXCEEDED'
  /** Truncated, inconsistent or unreadable bytes (bad headers, sizes that lie, CRC mismatch). */
  | 'CORRUPT_ARCHIVE'
  /** Not a zip, tar or tar.gz (told by content). */
  | 'NOT_AN_ARCHIVE';

export class ArchiveError extends UnprocessableError {
  constructor(
    readonly reason: ArchiveFailureCode,
    message: string,
    readonly scope: 'entry' | 'archive' = 'archive',
  ) {
    super(message, { reason });
  }
}

export function isArchiveError(error: unknown): error is ArchiveError {
  return error instanceof ArchiveError;
}

/** An error of a parser or zlib (not ours) as a CORRUPT_ARCHIVE of the given scope. */
export function asArchiveError(error: unknown, scope: 'entry' | 'archive', what: string): ArchiveError | Error {
  if (error instanceof ArchiveError) return error;
  if (error instanceof BatchyardError) return error; // e.g. the blob is gone (NOT_FOUND), a transient read error
  if (error instanceof Error && (error.name === 'AbortError' || (error as { code?: unknown }).code === 'ABORT_ERR')) return error;
  const code = (error as { code?: unknown } | null)?.code;
  // Filesystem trouble (EIO, EMFILE, …) is not the archive's fault: kept as is, so callers can retry.
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code) && !code.startsWith('ERR_')) return error as Error;
  const message = error instanceof Error ? error.message : String(error);
  return new ArchiveError('CORRUPT_ARCHIVE', `${what}: ${message}`, scope);
}
