/**
 * Reads AvePoint's query string the way its clients write it: parameter
 * names in any case (the page's own sample says `pageindex`, `apptype`,
 * `starttime`), `status` as well as `jobStatus` (the sample and the table
 * disagree), empty values as absent, and a `nextLink` token that brings the
 * query of the page it continues (a parameter given beside it must agree).
 * The result has the canonical names the route's schema then validates.
 */
import { InvalidArgumentError } from '../../domain/errors.js';
import { CARRIED, decodeNextLinkToken, tokenOf } from './next-link.js';

const CANONICAL: ReadonlyMap<string, string> = new Map([
  ['datasource', 'dataSource'],
  ['apptype', 'appType'],
  ['pageindex', 'pageIndex'],
  ['pagesize', 'pageSize'],
  ['jobtype', 'jobType'],
  ['jobstatus', 'jobStatus'],
  ['status', 'jobStatus'],
  ['starttime', 'startTime'],
  ['finishtime', 'finishTime'],
  ['nextlink', 'nextLink'],
]);

/** Canonical name → value. Parameters AvePoint does not define are ignored, as a lenient server does. */
export function normalizeQuery(raw: Record<string, unknown>): Record<string, string> {
  const seen = new Map<string, Set<string>>();
  for (const [name, value] of Object.entries(raw)) {
    const canonical = CANONICAL.get(name.toLowerCase());
    if (canonical === undefined) continue;
    const values = (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string' && v !== '');
    for (const v of values) {
      const set = seen.get(canonical) ?? new Set<string>();
      set.add(v);
      seen.set(canonical, set);
    }
  }
  const query: Record<string, string> = {};
  for (const [canonical, values] of seen) {
    if (values.size > 1) {
      throw new InvalidArgumentError(`${canonical}: given more than once with different values (${[...values].slice(0, 3).join(', ')})`, { field: canonical });
    }
    query[canonical] = [...values][0]!;
  }
  if (query.nextLink === undefined) return query;

  const { query: carried, cursor } = decodeNextLinkToken(tokenOf(query.nextLink));
  for (const key of CARRIED) {
    const given = query[key];
    const pinned = carried[key];
    if (given !== undefined && given !== pinned) {
      throw new InvalidArgumentError(`${key}: '${given}' conflicts with the query the nextLink continues (${pinned === undefined ? 'it has none' : `'${pinned}'`})`, { field: key });
    }
    if (pinned !== undefined) query[key] = pinned;
  }
  query.cursor = cursor;
  return query;
}
