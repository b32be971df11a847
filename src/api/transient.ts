/**
 * Re-running idempotent calls that met a busy database. The Store already
 * turns a transient database error into DatabaseBusyError (a 503 with
 * Retry-After on every route); a call whose repetition changes nothing (a
 * job cancel: a cancelling job stays cancelling) is first tried again here,
 * as its transaction rolled back. On PostgreSQL a cancel can meet a worker's
 * claim and be chosen as the deadlock victim.
 */
import { DatabaseBusyError } from '../domain/errors.js';

/** How often an idempotent job cancel is tried before answering 503. */
export const CANCEL_ATTEMPTS = 3;

export async function rerunWhenBusy<T>(fn: () => Promise<T>, attempts: number): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (!(error instanceof DatabaseBusyError) || attempt >= attempts) throw error;
    }
  }
}
