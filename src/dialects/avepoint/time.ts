/**
 * AvePoint's times: ISO 8601 UTC out (`2024-10-09T05:34:31+00:00`, with
 * `.008` only when there are milliseconds), ISO 8601 in (`startTime`,
 * `finishTime`), read strictly so a bad date is a 400 rather than a guess.
 */
import { isoTime } from '../../api/iso-time.js';
import { InvalidArgumentError } from '../../domain/errors.js';

export function aveTime(ms: number | null): string | null {
  if (ms === null) return null;
  const iso = isoTime(ms);
  return (iso.endsWith('.000Z') ? iso.slice(0, -5) : iso.slice(0, -1)) + '+00:00';
}

/**
 * A date (`2024-12-12`, midnight UTC) or a date-time with optional seconds and
 * fraction and an optional zone (`Z`, `±hh`, `±hh:mm`, `±hhmm`). The page says
 * these are UTC times, so a time without a zone is UTC. A `+` that reached us
 * as a space (an unencoded `+00:00` in a query string) is read as `+`.
 */
const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(?:([Zz])|([+\- ])(\d{2})(?::?(\d{2}))?)?)?$/;

export function parseAveTime(value: string, field: string): number {
  const m = ISO_8601.exec(value);
  const bad = () =>
    new InvalidArgumentError(`${field}: '${value.slice(0, 64)}' is not an ISO 8601 UTC time (e.g. 2024-12-12T00:00:00Z)`, { field });
  if (!m) throw bad();
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((part) => Number(part ?? 0)) as [number, number, number, number, number, number];
  const millis = m[7] === undefined ? 0 : Math.floor(Number(`0.${m[7]}`) * 1000);
  const sign = m[9] === '-' ? -1 : 1;
  const offsetHours = Number(m[10] ?? 0);
  const offsetMinutes = Number(m[11] ?? 0);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59 || offsetHours > 23 || offsetMinutes > 59) throw bad();
  // setUTCFullYear, not Date.UTC: the latter reads years 0–99 as 1900–1999.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, millis);
  // A day the month does not have (2024-02-30) rolls over into the next month: refuse it.
  if (date.getUTCDate() !== day) throw bad();
  return date.getTime() - sign * (offsetHours * 60 + offsetMinutes) * 60_000;
}
