/**
 * The jobs page's typed query: `status:running,queued type:copy library:"Q1 Reports"
 * requestor:ann@example.com created>=2026-11-01 order:created_asc`. The text itself
 * is the page's URL state (`?q=`); this module splits it into tokens (with their
 * places, for completion and for pointing at the wrong one) and turns them into
 * the listing's filter, or says which token is wrong and why.
 */
import { JOB_ORDERS, JOB_STATUSES, JOB_TYPES } from '../../components/job-vocabulary';
import type { LibrarySummary } from '../../components/use-libraries';

export const QUERY_KEYS = ['status', 'type', 'library', 'requestor', 'created', 'order'] as const;
export type QueryKey = (typeof QUERY_KEYS)[number];

export interface QueryToken {
  /** the token as typed */
  text: string;
  start: number;
  end: number;
  key: string;
  /** ':' '>' '>=' '<' '<=', or '' when the token has none (yet) */
  op: string;
  value: string;
}

export interface QueryError {
  start: number;
  end: number;
  token: string;
  message: string;
}

/** What GET /api/v1/jobs (and the bulk actions' filter) take. */
export interface JobFilter {
  status?: string[];
  type?: string;
  libraryId?: string;
  requestor?: string;
  createdAfter?: string;
  createdBefore?: string;
  order?: string;
}

/** Splits the text into tokens: whitespace separates them except inside double quotes (`library:"Q1 Reports"`). */
export function tokenize(text: string): QueryToken[] {
  const tokens: QueryToken[] = [];
  // A token is a run of non-space characters, where a double quote runs to its closing quote.
  const pattern = /(?:[^\s"]+|"(?:[^"\\]|\\.)*"?)+/g;
  for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
    const raw = match[0];
    const op = /^([A-Za-z_]+)(:|>=|<=|>|<)/.exec(raw);
    const key = op ? op[1]!.toLowerCase() : raw;
    const rest = op ? raw.slice(op[0].length) : '';
    tokens.push({ text: raw, start: match.index, end: match.index + raw.length, key: op ? key : raw, op: op ? op[2]! : '', value: unquote(rest) });
  }
  return tokens;
}

export function unquote(value: string): string {
  if (!value.startsWith('"')) return value;
  const inner = value.endsWith('"') && value.length > 1 ? value.slice(1, -1) : value.slice(1);
  return inner.replace(/\\(.)/g, '$1');
}

/** A value as it must be typed: quoted when it has spaces, quotes or nothing. */
export function quoteIfNeeded(value: string): string {
  return /^[^\s"]+$/.test(value) ? value : `"${value.replace(/(["\\])/g, '\\$1')}"`;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i += 1) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j += 1) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

function didYouMean(word: string, choices: readonly string[]): string {
  const best = choices.map((c) => ({ c, d: distance(word.toLowerCase(), c) })).sort((x, y) => x.d - y.d)[0];
  return best && best.d <= Math.max(2, Math.floor(word.length / 3)) ? ` Did you mean '${best.c}'?` : '';
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?([Zz]|[+-]\d{2}:?\d{2})?$/;

/** A date (local midnight) or a date-time as an ISO instant; `nextDay` moves a date to the next midnight. */
function instantOf(value: string, nextDay: boolean): string | null {
  if (DATE.test(value)) {
    const [y, m, d] = value.split('-').map(Number) as [number, number, number];
    const day = new Date(y, m - 1, d);
    if (day.getFullYear() !== y || day.getMonth() !== m - 1 || day.getDate() !== d) return null;
    if (nextDay) day.setDate(d + 1);
    return day.toISOString();
  }
  if (!INSTANT.test(value)) return null;
  const ms = Date.parse(value.replace(' ', 'T'));
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

export interface FilterResult {
  filter: JobFilter;
  errors: QueryError[];
  /** a library name waits for the list of libraries */
  pending: boolean;
}

/** The filter the query text asks for; `libraries` (when loaded) turns library names into ids. */
export function parseJobQuery(text: string, libraries: readonly LibrarySummary[] | undefined): FilterResult {
  const filter: JobFilter = {};
  const errors: QueryError[] = [];
  let pending = false;
  const seen = new Set<string>();
  for (const token of tokenize(text)) {
    const fail = (message: string) => errors.push({ start: token.start, end: token.end, token: token.text, message });
    if (token.op === '') {
      fail(`'${token.text}' is not a filter: write key:value (keys: ${QUERY_KEYS.join(', ')}).${didYouMean(token.text, QUERY_KEYS)}`);
      continue;
    }
    if (!(QUERY_KEYS as readonly string[]).includes(token.key)) {
      fail(`'${token.key}' is not a key (keys: ${QUERY_KEYS.join(', ')}).${didYouMean(token.key, QUERY_KEYS)}`);
      continue;
    }
    const key = token.key as QueryKey;
    if (key !== 'created' && token.op !== ':') {
      fail(`${key} takes ':' (${key}:…), not '${token.op}'.`);
      continue;
    }
    if (token.value === '') {
      fail(`${key}${token.op} needs a value.`);
      continue;
    }
    if (key !== 'status' && key !== 'created' && seen.has(key)) {
      fail(`${key} is given twice: a job has one ${key}.`);
      continue;
    }
    seen.add(key);
    switch (key) {
      case 'status': {
        const values = token.value.split(',').filter((v) => v !== '');
        const bad = values.find((v) => !(JOB_STATUSES as readonly string[]).includes(v.toLowerCase()));
        if (bad !== undefined) fail(`'${bad}' is not a status (statuses: ${JOB_STATUSES.join(', ')}).${didYouMean(bad, JOB_STATUSES)}`);
        else filter.status = [...new Set([...(filter.status ?? []), ...values.map((v) => v.toLowerCase())])];
        break;
      }
      case 'type': {
        const type = token.value.toLowerCase();
        if (!(JOB_TYPES as readonly string[]).includes(type)) fail(`'${token.value}' is not a job type (types: ${JOB_TYPES.join(', ')}).${didYouMean(type, JOB_TYPES)}`);
        else filter.type = type;
        break;
      }
      case 'library': {
        const wanted = token.value.toLowerCase();
        const byName = libraries?.find((l) => l.name.toLowerCase() === wanted);
        const byId = libraries?.find((l) => l.libraryId === token.value);
        if (byName ?? byId) filter.libraryId = (byName ?? byId)!.libraryId;
        else if (libraries === undefined) pending = true;
        else fail(`No library named '${token.value}' that you can see.${didYouMean(token.value, libraries.map((l) => l.name))}`);
        break;
      }
      case 'requestor':
        filter.requestor = token.value;
        break;
      case 'created': {
        if (token.op === ':') {
          fail(`created takes a comparison: created>=2026-11-01 or created<2026-12-01T12:00Z.`);
          break;
        }
        const isDate = DATE.test(token.value);
        const after = token.op.startsWith('>');
        const nextDay = isDate && (token.op === '>' || token.op === '<=');
        const instant = instantOf(token.value, nextDay);
        if (instant === null) fail(`'${token.value}' is not a date (2026-11-01) or a date-time (2026-11-01T09:30Z).`);
        else if (after) filter.createdAfter = instant;
        else filter.createdBefore = instant;
        break;
      }
      case 'order': {
        const order = token.value.toLowerCase();
        if (!(JOB_ORDERS as readonly string[]).includes(order)) fail(`'${token.value}' is not an order (orders: ${JOB_ORDERS.join(', ')}).${didYouMean(order, JOB_ORDERS)}`);
        else filter.order = order;
        break;
      }
    }
  }
  return { filter, errors, pending };
}

/** The filter as the listing's query string (status repeated). */
export function filterSearch(filter: JobFilter, extra: Record<string, string | number | null | undefined> = {}): string {
  const search = new URLSearchParams();
  for (const status of filter.status ?? []) search.append('status', status);
  for (const [key, value] of Object.entries({ ...filter, status: undefined, ...extra })) {
    if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  }
  return search.toString();
}

/** Whether a job (as the list shows it) matches the filter: live rows for jobs that appear after the list loaded. */
export function jobMatches(job: { status: string; type: string; libraryId: string; requestor: { id: number; email: string }; createdAt: string }, filter: JobFilter): boolean {
  if (filter.status && !filter.status.includes(job.status)) return false;
  if (filter.type && job.type !== filter.type) return false;
  if (filter.libraryId && job.libraryId !== filter.libraryId) return false;
  if (filter.requestor && filter.requestor.toLowerCase() !== job.requestor.email.toLowerCase() && filter.requestor !== String(job.requestor.id)) return false;
  if (filter.createdAfter && job.createdAt < filter.createdAfter) return false;
  if (filter.createdBefore && job.createdAt >= filter.createdBefore) return false;
  return true;
}
