/**
 * The listing benchmarks' load: autocannon, 8 keep-alive connections, for
 * BENCH_LIST_SECONDS (default 10 s), cycling through a pool of requests (pages
 * at random depths), as the bench's bootstrap admin (Bearer). A request is a
 * path (GET) or a method, path, body and headers (a dialect's POST, its
 * cookies); headers that must be fresh (KooDrive's X-Date) come from a
 * function called per request.
 */
import autocannon from 'autocannon';
import { TOKEN } from './engine-target.js';

export const LIST_SECONDS = Number(process.env.BENCH_LIST_SECONDS ?? 10);
export const LIST_CONNECTIONS = 8;

export interface LoadRequest {
  method?: 'GET' | 'POST';
  path: string;
  body?: string;
  headers?: Record<string, string>;
}

export interface LoadResult {
  label: string;
  connections: number;
  seconds: number;
  requests: number;
  pagesPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  non2xx: number;
  errors: number;
  timeouts?: number;
  percentOfBare?: number;
  /** Per-filter rows: the native row of the same filter, and this row's pages/s as a % of it. */
  filter?: string;
  comparedWith?: string;
  percentOfNative?: number;
  /** How the pool of pages was built, and a check that its pages are full. */
  pool?: PoolInfo;
}

export interface PoolInfo {
  how: string;
  size: number;
  /** Pool entries fetched once before the load (a sample), and how many returned a full page of 50. */
  checked: number;
  full: number;
  minJobs: number;
}

export interface LoadOptions {
  /** Headers added to every request. */
  headers?: Record<string, string>;
  /** Headers computed per request (e.g. a current X-Date). */
  perRequestHeaders?: () => Record<string, string>;
}

export async function load(label: string, url: string, pool: Array<string | LoadRequest>, seconds = LIST_SECONDS, options: LoadOptions = {}): Promise<LoadResult> {
  let i = 0;
  const result = await autocannon({
    url,
    connections: LIST_CONNECTIONS,
    duration: seconds,
    headers: { authorization: `Bearer ${TOKEN}`, ...options.headers },
    requests: [
      {
        method: 'GET',
        setupRequest: (req) => {
          const next = pool[i++ % pool.length]!;
          if (typeof next === 'string' && !options.perRequestHeaders) return { ...req, path: next };
          const r: LoadRequest = typeof next === 'string' ? { path: next } : next;
          return {
            ...req,
            method: r.method ?? 'GET',
            path: r.path,
            ...(r.body !== undefined ? { body: r.body } : {}),
            headers: { ...req.headers, ...r.headers, ...options.perRequestHeaders?.() },
          };
        },
      },
    ],
  });
  return {
    label,
    connections: LIST_CONNECTIONS,
    seconds,
    requests: result.requests.total,
    pagesPerSecond: Math.round(result.requests.average),
    latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  };
}

export function shuffle<T>(list: T[]): T[] {
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [list[i], list[j]] = [list[j]!, list[i]!];
  }
  return list;
}
