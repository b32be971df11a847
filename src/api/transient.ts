/**
 * A transient database error (deadlock, serialization failure, lost
 * connection) is a 503 the client may retry, not a 500. Idempotent calls are
 * first re-run here (`attempts` > 1): their transaction rolled back, or ran to
 * the same end. (A cancel can meet a worker's claim on PostgreSQL and be
 * chosen as the deadlock victim.) Used by the native routes and the dialects.
 */
import { TransientError } from '../domain/errors.js';
import type { Store } from '../store/store.js';

/** How often an idempotent job cancel is tried before answering 503. */
export const CANCEL_ATTEMPTS = 3;

export async function transientAware<T>(store: Pick<Store, 'isTransient'>, fn: () => Promise<T>, attempts = 1): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (!store.isTransient(error)) throw error;
      if (attempt >= attempts) throw new TransientError('the database is busy; try again');
    }
  }
}
