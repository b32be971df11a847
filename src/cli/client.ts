/**
 * A small client for the native API (`/api/v1`) over the global `fetch`:
 * JSON requests, streaming uploads and downloads, errors as `ApiError`
 * (server said no) or `CliError` (server not reachable).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform, type Writable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { pipeline } from 'node:stream/promises';
import { ApiError, CliError, EXIT, usageError } from './errors.js';

export { ApiError } from './errors.js';

export type QueryValue = string | number | boolean | undefined | null;

export interface RequestOptions {
  json?: unknown;
  query?: Record<string, QueryValue>;
  /** A raw request body, streamed (`duplex: 'half'`); give `content-length` in `headers` when known. */
  body?: Readable;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export interface DownloadResult {
  bytes: number;
  sha256: string;
}

/** Each segment percent-encoded, joined by `/`; always starts with `/`. */
export function encodeItemPath(itemPath: string): string {
  return '/' + itemPath.split('/').filter((segment) => segment !== '').map(encodeURIComponent).join('/');
}

/** `/libraries/{id}/files/{path}` with every part encoded. */
export function filePath(libraryId: string, itemPath: string): string {
  return `/libraries/${encodeURIComponent(libraryId)}/files${encodeItemPath(itemPath)}`;
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT']);

export class ApiClient {
  readonly baseUrl: string;
  readonly token: string | undefined;
  private readonly apiRoot: string;

  constructor(baseUrl: string, token: string | undefined) {
    let parsed: URL;
    try {
      parsed = new URL(baseUrl);
    } catch {
      throw usageError(`invalid server URL '${baseUrl}': expected e.g. http://127.0.0.1:8080 (--url or BATCHYARD_URL)`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw usageError(`invalid server URL '${baseUrl}': only http:// and https:// are supported`);
    }
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.token = token;
    this.apiRoot = /\/api\/v1$/.test(this.baseUrl) ? this.baseUrl : `${this.baseUrl}/api/v1`;
  }

  /** The absolute URL of an API path (`/libraries/…`, already encoded). */
  url(apiPath: string, query?: Record<string, QueryValue>): string {
    const url = new URL(this.apiRoot + apiPath);
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined && value !== null) url.searchParams.set(key, String(value));
    }
    return url.toString();
  }

  /** Sends a request; resolves with the response if it is a 2xx, throws `ApiError` otherwise. */
  async send(method: string, apiPath: string, options: RequestOptions = {}): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if (this.token !== undefined) headers.authorization = `Bearer ${this.token}`;
    let body: string | WebReadableStream | undefined;
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    } else if (options.body !== undefined) {
      headers['content-type'] ??= 'application/octet-stream';
      body = Readable.toWeb(options.body);
    }
    const init: RequestInit & { duplex?: 'half' } = { method, headers, body: body as RequestInit['body'], signal: options.signal };
    if (options.body !== undefined) init.duplex = 'half';
    let response: Response;
    try {
      response = await fetch(this.url(apiPath, options.query), init);
    } catch (error) {
      throw this.connectionError(error);
    }
    if (!response.ok) {
      const text = await response.text().catch(() => '');
      throw ApiError.fromBody(response.status, response.statusText, text);
    }
    return response;
  }

  /** A JSON request; resolves with the parsed body (`undefined` for 204). */
  async request<T = unknown>(method: string, apiPath: string, options: RequestOptions = {}): Promise<T> {
    const response = await this.send(method, apiPath, options);
    const text = await response.text();
    if (response.status === 204 || text === '') return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new CliError(`${method} ${apiPath}: the server sent a response that is not JSON (HTTP ${response.status})`);
    }
  }

  /** Streams a file's bytes into `dest`: a path (temp file renamed into place: no partial file) or a stream. */
  async download(libraryId: string, itemPath: string, dest: string | Writable): Promise<DownloadResult> {
    const response = await this.send('GET', filePath(libraryId, itemPath), { headers: { accept: '*/*' } });
    const hash = createHash('sha256');
    let bytes = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        bytes += chunk.length;
        done(null, chunk);
      },
    });
    const source = response.body ? Readable.fromWeb(response.body as WebReadableStream) : Readable.from([]);
    const check = (): DownloadResult => {
      const sha256 = hash.digest('hex');
      const etag = /^(?:W\/)?"([0-9a-f]{64})"$/.exec(response.headers.get('etag') ?? '')?.[1];
      if (etag !== undefined && etag !== sha256) {
        throw new CliError(`download of '${itemPath}' is corrupt: sha256 ${sha256} does not match the server's ${etag}`);
      }
      return { bytes, sha256 };
    };
    if (typeof dest !== 'string') {
      await this.piped(pipeline(source, counter, dest, { end: false }));
      return check();
    }
    const temp = path.join(path.dirname(dest), `.${path.basename(dest)}.${randomBytes(6).toString('hex')}.part`);
    try {
      await this.piped(pipeline(source, counter, createWriteStream(temp, { flags: 'wx' })));
      const result = check();
      await rename(temp, dest);
      return result;
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      throw error;
    }
  }

  private async piped(promise: Promise<void>): Promise<void> {
    try {
      await promise;
    } catch (error) {
      if (error instanceof TypeError) throw this.connectionError(error);
      throw error;
    }
  }

  private connectionError(error: unknown): Error {
    if (error instanceof Error && error.name === 'AbortError') return error;
    const cause = error instanceof Error ? (error.cause as { code?: string; message?: string } | undefined) : undefined;
    const code = cause?.code ?? (error as { code?: string } | undefined)?.code;
    const detail = [code, cause?.message ?? (error instanceof Error ? error.message : String(error))].filter(Boolean).join(': ');
    if (code !== undefined && UNREACHABLE.has(code)) {
      return new CliError(`cannot reach the batchyard server at ${this.baseUrl}: ${detail}; set BATCHYARD_URL or pass --url`, EXIT.FAILURE, 'UNAVAILABLE');
    }
    return new CliError(`request to ${this.baseUrl} failed: ${detail}`, EXIT.FAILURE, 'CONNECTION');
  }
}

export type Library = Record<string, unknown> & { libraryId: string; name: string };

const ID_LIKE = /^[A-Za-z0-9_-]{1,64}$/;

/** A library by id (`GET /libraries/{id}`) or, failing that, by exact name (paging through `GET /libraries`). */
export async function resolveLibrary(client: ApiClient, idOrName: string): Promise<Library> {
  if (ID_LIKE.test(idOrName)) {
    try {
      return await client.request<Library>('GET', `/libraries/${encodeURIComponent(idOrName)}`);
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 404)) throw error;
    }
  }
  const matches: Library[] = [];
  for await (const library of paginate<Library>(client, '/libraries', 'libraries')) {
    if (library.name === idOrName) matches.push(library);
  }
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1) {
    throw usageError(`${matches.length} libraries are named '${idOrName}' (${matches.map((l) => l.libraryId).join(', ')}): pass the id`);
  }
  throw new CliError(`no library '${idOrName}' (by id or name)`, EXIT.NOT_FOUND, 'NOT_FOUND');
}

/** Every element of a paged listing (`{<key>: [...], nextCursor}`), following `nextCursor` to the end. */
export async function* paginate<T>(client: ApiClient, apiPath: string, key: string, query: Record<string, QueryValue> = {}): AsyncGenerator<T> {
  let cursor: string | undefined;
  do {
    const page = await client.request<Record<string, unknown>>('GET', apiPath, { query: { ...query, limit: 1000, cursor } });
    const elements = page?.[key];
    if (!Array.isArray(elements)) throw new CliError(`GET ${apiPath}: the response has no '${key}' list`);
    yield* elements as T[];
    const next = page.nextCursor;
    cursor = typeof next === 'string' && next !== '' ? next : undefined;
  } while (cursor !== undefined);
}

/** A whole paged listing as one array (what `paginate` yields, collected). */
export async function listAll<T>(client: ApiClient, apiPath: string, key: string, query: Record<string, QueryValue> = {}): Promise<T[]> {
  const all: T[] = [];
  for await (const element of paginate<T>(client, apiPath, key, query)) all.push(element);
  return all;
}

/**
 * Display names of the libraries the caller can find, by id, from one paged
 * listing: the name, or `name (id)` where several share it.
 */
export async function libraryNamesById(client: ApiClient): Promise<Map<string, string>> {
  const libraries = await listAll<Library>(client, '/libraries', 'libraries');
  const uses = new Map<string, number>();
  for (const l of libraries) uses.set(l.name, (uses.get(l.name) ?? 0) + 1);
  return new Map(libraries.map((l): [string, string] => [l.libraryId, uses.get(l.name)! > 1 ? `${l.name} (${l.libraryId})` : l.name]));
}
