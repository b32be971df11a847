/**
 * Typed errors with stable codes. The API maps `code` to an HTTP status in one
 * place (src/api/error-handler.ts); job items record `code` as their failure code.
 */
export type ErrorCode =
  | 'INVALID_ARGUMENT'
  | 'UNAUTHENTICATED'
  | 'SESSION_EXPIRED'
  | 'FORBIDDEN'
  | 'CSRF_INVALID'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'PRECONDITION_FAILED'
  | 'PAYLOAD_TOO_LARGE'
  | 'RANGE_NOT_SATISFIABLE'
  | 'UNPROCESSABLE'
  | 'RATE_LIMITED'
  | 'TRANSIENT'
  | 'INTERNAL';

export const HTTP_STATUS_BY_CODE: Readonly<Record<ErrorCode, number>> = Object.freeze({
  INVALID_ARGUMENT: 400,
  UNAUTHENTICATED: 401,
  SESSION_EXPIRED: 401,
  FORBIDDEN: 403,
  CSRF_INVALID: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PRECONDITION_FAILED: 412,
  PAYLOAD_TOO_LARGE: 413,
  RANGE_NOT_SATISFIABLE: 416,
  UNPROCESSABLE: 422,
  RATE_LIMITED: 429,
  TRANSIENT: 503,
  INTERNAL: 500,
});

export type ErrorDetails = Record<string, unknown>;

export class BatchyardError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetails | undefined;
  constructor(code: ErrorCode, message: string, details?: ErrorDetails) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.details = details;
  }
  /** Transient errors are retried by the engine; all others fail at once. */
  get transient(): boolean {
    return this.code === 'TRANSIENT';
  }
}

export class InvalidArgumentError extends BatchyardError {
  constructor(message: string, details?: ErrorDetails) {
    super('INVALID_ARGUMENT', message, details);
  }
}
export class UnauthenticatedError extends BatchyardError {
  constructor(message = 'missing or invalid credentials') {
    super('UNAUTHENTICATED', message);
  }
}
/** A dashboard session that existed has ended (expired, signed out, revoked): the client asks the user to sign in again. */
export class SessionExpiredError extends BatchyardError {
  constructor(message = 'your session has ended; sign in again') {
    super('SESSION_EXPIRED', message);
  }
}
/** A request authenticated by the session cookie whose unsafe method came without the session's CSRF token. */
export class CsrfInvalidError extends BatchyardError {
  constructor(message: string) {
    super('CSRF_INVALID', message);
  }
}
export class ForbiddenError extends BatchyardError {
  constructor(message: string, details?: ErrorDetails) {
    super('FORBIDDEN', message, details);
  }
}
export class NotFoundError extends BatchyardError {
  constructor(message: string, details?: ErrorDetails) {
    super('NOT_FOUND', message, details);
  }
}
export class ConflictError extends BatchyardError {
  constructor(message: string, details?: ErrorDetails) {
    super('CONFLICT', message, details);
  }
}
export class PreconditionFailedError extends BatchyardError {
  constructor(message: string, details?: ErrorDetails) {
    super('PRECONDITION_FAILED', message, details);
  }
}
export class PayloadTooLargeError extends BatchyardError {
  constructor(message: string, details?: ErrorDetails) {
    super('PAYLOAD_TOO_LARGE', message, details);
  }
}
export class RangeNotSatisfiableError extends BatchyardError {
  constructor(message: string, details?: ErrorDetails) {
    super('RANGE_NOT_SATISFIABLE', message, details);
  }
}
export class UnprocessableError extends BatchyardError {
  constructor(message: string, details?: ErrorDetails) {
    super('UNPROCESSABLE', message, details);
  }
}

/** Seconds a client is asked to wait before trying a TRANSIENT (503) failure again (its `Retry-After`). */
export const DEFAULT_RETRY_AFTER_SECONDS = 1;

export class TransientError extends BatchyardError {
  /** The `Retry-After` of the 503 this error becomes. */
  readonly retryAfterSeconds: number;
  constructor(message: string, details?: ErrorDetails, retryAfterSeconds = DEFAULT_RETRY_AFTER_SECONDS) {
    super('TRANSIENT', message, details);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/**
 * A blob reference could not be added because the collector is removing (or
 * has just removed) that content: a writer holding the bytes puts them back
 * and tries again.
 */
export class BlobCollectedError extends TransientError {}

/**
 * The database could not do it now (SQLite busy or locked, a PostgreSQL serialization
 * failure, deadlock, lock timeout or lost connection): the Store throws this in place of
 * the driver's error (kept as `cause`). Worth another try: the engine retries it, the
 * API answers 503 with `Retry-After`.
 */
export class DatabaseBusyError extends TransientError {
  constructor(cause: unknown) {
    super('the database is busy; try again shortly');
    this.cause = cause;
  }
}
