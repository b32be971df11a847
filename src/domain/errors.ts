/**
 * Typed errors with stable codes. The API maps `code` to an HTTP status in one
 * place (src/api/error-handler.ts); job items record `code` as their failure code.
 */
export type ErrorCode =
  | 'INVALID_ARGUMENT'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
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
  FORBIDDEN: 403,
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
export class TransientError extends BatchyardError {
  constructor(message: string, details?: ErrorDetails) {
    super('TRANSIENT', message, details);
  }
}
