/**
 * KooDrive app authentication, checked before anything else on every
 * KooDrive route (401 `{code, msg}` naming the header):
 * - `Authorization: Bearer <token>` — our API token; the page's own sample
 *   writes `Bearer+<token>`, accepted too;
 * - `X-User-Id` — the integer id of the token's user; any other value is 401;
 * - `X-Date` — `yyyyMMdd'T'HHmmss'Z'` (UTC), within the last 15 minutes and not
 *   in the future. Missing, malformed, stale and future dates are all 401: the
 *   page lists 401 as the answer to failed app authentication, and says no 400
 *   for it. "Not in the future" allows a minute for clock skew;
 * - `X-Traceid` (optional) is echoed back on the response, errors included.
 */
import type { FastifyRequest } from 'fastify';
import type { Principal } from '../../domain/types.js';
import type { AuthService } from '../../services/auth-service.js';
import { UnauthenticatedError } from '../../domain/errors.js';
import type { Clock } from '../../services/clock.js';
import type { Authenticate } from '../kit/index.js';

/** How old an `X-Date` may be. */
export const X_DATE_MAX_AGE_MS = 15 * 60_000;
/** How far ahead of our clock an `X-Date` may be (clock skew between client and server). */
export const X_DATE_MAX_SKEW_MS = 60_000;

const X_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const BEARER = /^Bearer(?:\+\s*|\s+)(\S+)\s*$/i;
const MAX_TRACE_ID = 256;

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** `yyyyMMdd'T'HHmmss'Z'` → epoch ms, or undefined when it is not such a date (20250230T… included). */
export function parseXDate(value: string): number | undefined {
  const m = X_DATE.exec(value);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  const back = new Date(ms);
  const same =
    back.getUTCFullYear() === year &&
    back.getUTCMonth() === month - 1 &&
    back.getUTCDate() === day &&
    back.getUTCHours() === hour &&
    back.getUTCMinutes() === minute &&
    back.getUTCSeconds() === second;
  return same ? ms : undefined;
}

/** epoch ms → `yyyyMMdd'T'HHmmss'Z'`. */
export function formatXDate(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
}

function checkXDate(raw: string | undefined, now: number): void {
  if (raw === undefined || raw === '') throw new UnauthenticatedError("X-Date: missing (expected yyyyMMdd'T'HHmmss'Z', e.g. 20251103T070140Z)");
  const at = parseXDate(raw);
  if (at === undefined) throw new UnauthenticatedError(`X-Date: '${raw.slice(0, 40)}' is not a date in the format yyyyMMdd'T'HHmmss'Z' (e.g. 20251103T070140Z)`);
  if (at > now + X_DATE_MAX_SKEW_MS) throw new UnauthenticatedError('X-Date: must not be later than the current time');
  if (now - at > X_DATE_MAX_AGE_MS) throw new UnauthenticatedError('X-Date: must be within 15 minutes of the current time');
}

/** The principal of a KooDrive request; throws 401 for any authentication header problem. */
export async function authenticateKoo(request: FastifyRequest, auth: AuthService, now: number): Promise<Principal> {
  checkXDate(single(request.headers['x-date']), now);
  const authorization = single(request.headers.authorization);
  if (!authorization) throw new UnauthenticatedError('Authorization: missing (expected Bearer+{access_token})');
  const match = BEARER.exec(authorization);
  if (!match) throw new UnauthenticatedError('Authorization: must be Bearer+{access_token} or Bearer {access_token}');
  const userId = single(request.headers['x-user-id']);
  if (userId === undefined || userId === '') throw new UnauthenticatedError('X-User-Id: missing');
  const principal = await auth.authenticateSecret(match[1]!).catch((error: unknown) => {
    throw error instanceof UnauthenticatedError ? new UnauthenticatedError(`Authorization: ${error.message}`) : error;
  });
  if (!/^\d{1,16}$/.test(userId.trim()) || Number(userId.trim()) !== principal.user.id) {
    throw new UnauthenticatedError('X-User-Id: does not match the user of the access token');
  }
  return principal;
}

/** The KooDrive scope's authentication; it first echoes `X-Traceid`, so that errors carry it too. */
export function kooAuthentication(auth: AuthService, clock: Clock): Authenticate {
  return async (request, reply) => {
    const traceId = single(request.headers['x-traceid']);
    if (traceId !== undefined && traceId.length > 0 && traceId.length <= MAX_TRACE_ID) void reply.header('X-Traceid', traceId);
    return authenticateKoo(request, auth, clock());
  };
}
