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
  const response = await fetch(apiUrl(path, options.query), init);
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
