/**
 * AvePoint's `nextLink`: an absolute URL (the request's protocol and Host)
 * to the next page. It repeats the query in readable parameters and carries
 * a `nextLink` token: base64url JSON of that same query and the service's
 * keyset cursor, so following links to the end never skips or repeats a job
 * while new ones are created (an offset would shift). A client holding only
 * the token (the page's sample shows a bare token) may send it as
 * `?nextLink=<token>` alone.
 */
import { InvalidArgumentError } from '../../domain/errors.js';

export const JOBS_PATH = '/backup/google/admin/jobs';

/** The query parameters a page's token pins down (the rest of a request may not change them). */
export const CARRIED = ['dataSource', 'appType', 'jobType', 'jobStatus', 'startTime', 'finishTime', 'pageIndex', 'pageSize'] as const;
export type Carried = Partial<Record<(typeof CARRIED)[number], string>>;

interface Token {
  v: 1;
  q: Carried;
  c: string;
}

export function encodeNextLinkToken(query: Carried, cursor: string): string {
  const token: Token = { v: 1, q: query, c: cursor };
  return Buffer.from(JSON.stringify(token), 'utf8').toString('base64url');
}

export function decodeNextLinkToken(token: string): { query: Carried; cursor: string } {
  const bad = () => new InvalidArgumentError('nextLink: not a nextLink of this API (follow the nextLink URL of the previous page as given)', { field: 'nextLink' });
  if (!/^[A-Za-z0-9_-]+$/.test(token)) throw bad();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  const record = parsed as Partial<Token> | null;
  if (!record || typeof record !== 'object' || record.v !== 1 || typeof record.c !== 'string' || record.c.length === 0) throw bad();
  const q = record.q as Record<string, unknown> | undefined;
  if (!q || typeof q !== 'object' || Array.isArray(q)) throw bad();
  const query: Carried = {};
  for (const [key, value] of Object.entries(q)) {
    if (!(CARRIED as readonly string[]).includes(key) || typeof value !== 'string' || value.length > 64) throw bad();
    query[key as keyof Carried] = value;
  }
  if (query.pageIndex === undefined || query.pageSize === undefined || query.dataSource === undefined) throw bad();
  return { query, cursor: record.c };
}

/** A token given as the whole nextLink URL (a client passing back what it got) is read from that URL. */
export function tokenOf(value: string): string {
  if (!/^https?:\/\//i.test(value)) return value;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError('nextLink: not a valid URL', { field: 'nextLink' });
  }
  for (const [key, inner] of url.searchParams) if (key.toLowerCase() === 'nextlink') return inner;
  throw new InvalidArgumentError('nextLink: the URL carries no nextLink token', { field: 'nextLink' });
}

const HOST = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

/** The absolute URL of the next page, on the host and protocol the client called. */
export function nextLinkUrl(p: { protocol: string; host: string; query: Carried; token: string }): string {
  if (!HOST.test(p.host)) throw new InvalidArgumentError(`Host: '${p.host.slice(0, 64)}' is not a host name`, { field: 'Host' });
  const params = new URLSearchParams();
  for (const key of CARRIED) {
    const value = p.query[key];
    if (value !== undefined) params.set(key, value);
  }
  params.set('nextLink', p.token);
  return `${p.protocol}://${p.host}${JOBS_PATH}?${params.toString()}`;
}
