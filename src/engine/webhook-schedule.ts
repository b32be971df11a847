/**
 * When a failed webhook delivery is tried again, and when a webhook is given up on. The
 * delays follow Standard Webhooks' reference schedule: about 5 s, 5 min, 30 min, 2 h, 5 h and
 * 10 h after the attempts that failed; after the seventh attempt the message is dead. A
 * webhook that has failed for a day without a success, or that answered 410 Gone, is disabled.
 */
export const WEBHOOK_RETRY_DELAYS_MS: readonly number[] = [5_000, 5 * 60_000, 30 * 60_000, 2 * 3_600_000, 5 * 3_600_000, 10 * 3_600_000];

/** A webhook failing without a single success this long is disabled. */
export const WEBHOOK_FAILING_LIMIT_MS = 24 * 3_600_000;

/** The next attempt's time after failed attempt number `attempt` (1 for the first), or undefined when it was the last. */
export function nextAttemptAt(attempt: number, now: number): number | undefined {
  const delay = WEBHOOK_RETRY_DELAYS_MS[attempt - 1];
  return delay === undefined ? undefined : now + delay;
}
