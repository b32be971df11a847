/**
 * CLI errors and how they end the process: one line on stderr
 * (`batchyard: <CODE>: <message>`) and an exit code a script can branch on.
 *
 *   0 ok · 1 other failure · 2 usage · 3 auth (401/403, no token) · 4 not found · 5 conflict (409/412)
 */
import { CommanderError } from 'commander';

export const EXIT = Object.freeze({ FAILURE: 1, USAGE: 2, AUTH: 3, NOT_FOUND: 4, CONFLICT: 5 });

const CODE_BY_EXIT: Readonly<Record<number, string>> = {
  [EXIT.USAGE]: 'USAGE',
  [EXIT.AUTH]: 'UNAUTHENTICATED',
  [EXIT.NOT_FOUND]: 'NOT_FOUND',
  [EXIT.CONFLICT]: 'CONFLICT',
};

/** A failure on the client side (bad flag, unreachable server, local file problem). */
export class CliError extends Error {
  readonly exitCode: number;
  readonly code: string;
  constructor(message: string, exitCode: number = EXIT.FAILURE, code?: string) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
    this.code = code ?? CODE_BY_EXIT[exitCode] ?? 'ERROR';
  }
}

/** A usage error: exit code 2. */
export function usageError(message: string): CliError {
  return new CliError(message, EXIT.USAGE, 'USAGE');
}

const CODE_BY_STATUS: Readonly<Record<number, string>> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  412: 'PRECONDITION_FAILED',
  413: 'PAYLOAD_TOO_LARGE',
  416: 'RANGE_NOT_SATISFIABLE',
  422: 'UNPROCESSABLE',
  429: 'RATE_LIMITED',
  500: 'INTERNAL',
  503: 'TRANSIENT',
};

/** An error response from the server: `{"error": {"code", "message", "details"}}`. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: Record<string, unknown> | undefined;
  constructor(status: number, code: string | undefined, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code ?? CODE_BY_STATUS[status] ?? `HTTP_${status}`;
    this.details = details;
  }

  /** Builds the error from a response body (the error envelope, or anything else the server or a proxy said). */
  static fromBody(status: number, statusText: string, bodyText: string): ApiError {
    try {
      const parsed = JSON.parse(bodyText) as { error?: { code?: unknown; message?: unknown; details?: unknown } };
      const error = parsed?.error;
      if (error && typeof error === 'object' && typeof error.message === 'string') {
        const details = error.details && typeof error.details === 'object' ? (error.details as Record<string, unknown>) : undefined;
        return new ApiError(status, typeof error.code === 'string' ? error.code : undefined, error.message, details);
      }
    } catch {
      // not JSON: fall through
    }
    const text = bodyText.trim().replace(/\s+/g, ' ').slice(0, 200);
    const message = `HTTP ${status}${statusText ? ` ${statusText}` : ''}${text && !text.startsWith('<') ? `: ${text}` : ''}`;
    return new ApiError(status, undefined, message);
  }
}

/** The process exit code for an error thrown by a command. */
export function exitCodeFor(error: unknown): number {
  if (error instanceof CliError) return error.exitCode;
  if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : EXIT.USAGE;
  if (error instanceof ApiError) {
    if (error.status === 401 || error.status === 403) return EXIT.AUTH;
    if (error.status === 404) return EXIT.NOT_FOUND;
    if (error.status === 409 || error.status === 412) return EXIT.CONFLICT;
    return EXIT.FAILURE;
  }
  return EXIT.FAILURE;
}

/** One line: `batchyard: <CODE>: <message>`. */
export function formatError(error: unknown): string {
  let code = 'ERROR';
  let message: string;
  if (error instanceof CliError || error instanceof ApiError) {
    code = error.code;
    message = error.message;
  } else if (error instanceof CommanderError) {
    code = 'USAGE';
    message = error.message.replace(/^error:\s*/, '');
  } else if (error instanceof Error) {
    const systemCode = (error as NodeJS.ErrnoException).code;
    if (typeof systemCode === 'string') code = systemCode;
    message = error.message.startsWith(`${code}: `) ? error.message.slice(code.length + 2) : error.message;
  } else {
    message = String(error);
  }
  return `batchyard: ${code}: ${message.replace(/\s*\n\s*/g, ' ')}`;
}
