/**
 * The dashboard's only way to the server: the same /api/v1 routes every other
 * client uses, authenticated by the session cookie. Unsafe requests carry the
 * session's CSRF token; an error response becomes an ApiError holding the API's
 * own code and message (and the field it names), for the page to show next to
 * what caused it.
 */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The request field the server named (`params.paths[2]`, `limit`), when it named one. */
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

type SessionEndedListener = (error: ApiError) => void;

let csrfToken: string | null = null;
const sessionEndedListeners = new Set<SessionEndedListener>();

/** Set by the session after sign-in (and each GET /session); sent on unsafe requests. */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Called when a request finds the session gone (401): the app shows its "session ended" page. */
export function onSessionEnded(listener: SessionEndedListener): () => void {
  sessionEndedListeners.add(listener);
  return () => sessionEndedListeners.delete(listener);
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  query?: Record<string, string | number | boolean | undefined | null>;
  body?: unknown;
  signal?: AbortSignal;
  /** Do not announce a 401 as the end of the session (the sign-in calls themselves). */
  quietUnauthenticated?: boolean;
  /**
   * Ask again after a 503 (the server was briefly busy and did nothing), as its
   * Retry-After says. GETs always do; set it on a change that is safe to repeat
   * (a cancel), never on one that would happen twice (a retry makes a new job).
   */
  idempotent?: boolean;
}

/** How often a request is asked again after a 503, and the longest wait between (ms). */
const TRANSIENT_ATTEMPTS = 4;
const TRANSIENT_MAX_WAIT_MS = 5_000;

/** The wait a 503's Retry-After asks for (seconds, or an HTTP date), within bounds; 1 s when it says nothing. */
export function retryAfterMs(header: string | null, now = Date.now()): number {
  if (header === null || header.trim() === '') return 1_000;
  const seconds = Number(header);
  const ms = Number.isFinite(seconds) ? seconds * 1_000 : Date.parse(header) - now;
  if (!Number.isFinite(ms)) return 1_000;
  return Math.min(TRANSIENT_MAX_WAIT_MS, Math.max(100, ms));
}

function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    }, { once: true });
  });
}

export function apiUrl(path: string, query?: RequestOptions['query']): string {
  const url = new URL(path.startsWith('/api/') ? path : `/api/v1${path}`, window.location.origin);
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== '') url.searchParams.set(key, String(value));
  }
  return url.pathname + url.search;
}

export function unsafeHeaders(): Record<string, string> {
  return csrfToken === null ? {} : { 'x-csrf-token': csrfToken };
}

export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const method = options.method ?? 'GET';
  const headers: Record<string, string> = { accept: 'application/json' };
  if (method !== 'GET') Object.assign(headers, unsafeHeaders());
  let body: string | undefined;
  if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  const init: RequestInit = { method, headers, credentials: 'same-origin' };
  if (body !== undefined) init.body = body;
  if (options.signal) init.signal = options.signal;
  const repeatable = method === 'GET' || options.idempotent === true;
  let response = await fetch(apiUrl(path, options.query), init);
  for (let attempt = 1; response.status === 503 && repeatable && attempt < TRANSIENT_ATTEMPTS; attempt++) {
    await pause(retryAfterMs(response.headers.get('retry-after')), options.signal);
    response = await fetch(apiUrl(path, options.query), init);
  }
  if (!response.ok) throw await toApiError(response, options.quietUnauthenticated ?? false);
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  return (text === '' ? undefined : JSON.parse(text)) as T;
}

/** The API's error body: `{error: {code, message, details?: {field?}}}`. */
export async function toApiError(response: Response, quietUnauthenticated = false): Promise<ApiError> {
  let code = `HTTP_${response.status}`;
  let message = response.statusText || `The server answered ${response.status}.`;
  let field: string | undefined;
  try {
    const parsed = (await response.json()) as Record<string, unknown>;
    const error = (typeof parsed.error === 'object' && parsed.error !== null ? parsed.error : parsed) as Record<string, unknown>;
    if (typeof error.code === 'string') code = error.code;
    if (typeof error.message === 'string') message = error.message;
    const details = error.details as Record<string, unknown> | undefined;
    if (typeof details?.field === 'string' && details.field !== '') field = details.field;
  } catch {
    // not JSON: keep the status line
  }
  const error = new ApiError(response.status, code, message, field);
  if (response.status === 401 && !quietUnauthenticated) for (const listener of sessionEndedListeners) listener(error);
  return error;
}

/** A readable sentence for any thrown value (ApiError keeps the server's words). */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}
