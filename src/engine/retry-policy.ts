/** Which failures are worth another attempt, and how long to wait before it (exponential, with jitter). */
import { BatchyardError } from '../domain/errors.js';

export interface RetryPolicy {
  /** Attempts per task before its items are recorded as failed. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({ maxAttempts: 5, baseDelayMs: 500, maxDelayMs: 30_000 });

const TRANSIENT_FS_CODES = new Set(['EIO', 'EAGAIN', 'EBUSY', 'EMFILE', 'ENFILE', 'ETIMEDOUT', 'ECONNRESET', 'EPIPE', 'EINTR']);

export function isTransientError(error: unknown, databaseSays: (error: unknown) => boolean): boolean {
  if (error instanceof BatchyardError) return error.code === 'TRANSIENT';
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && TRANSIENT_FS_CODES.has(code)) return true;
  return databaseSays(error);
}

/** Delay before attempt `attempt + 1` (attempt counts from 1): base·2^(n-1), capped, then "equal jitter" (half fixed, half random). */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp / 2 + (random() * exp) / 2);
}

/** The stable code and message an item failure is recorded with. */
export function describeError(error: unknown): { code: string; message: string } {
  if (error instanceof BatchyardError) return { code: error.code, message: error.message };
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (typeof code === 'string' && TRANSIENT_FS_CODES.has(code)) return { code: 'TRANSIENT', message };
  return { code: 'INTERNAL', message };
}
