/**
 * Group commit for a single serialized writer (SQLite). Catalog changes that
 * arrive while a transaction is running queue up and then commit together,
 * each inside its own savepoint, so one failing change rolls back alone and
 * the others still commit. A change's promise settles only after its batch
 * has committed. Where writers run concurrently (PostgreSQL) every change
 * gets its own transaction: batches there could deadlock across processes.
 */
import type { Store } from '../store/store.js';

interface Pending {
  work: (tx: Store) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

export class CommitBatcher {
  private readonly queue: Pending[] = [];
  private draining = false;

  constructor(
    private readonly store: Store,
    private readonly maxBatch = 64,
  ) {}

  run<T>(work: (tx: Store) => Promise<T>): Promise<T> {
    if (this.store.capabilities.concurrentWriters) return this.store.transaction(work);
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (!this.draining) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        let outcomes: Outcome[];
        try {
          outcomes = await this.store.transaction(async (tx) => {
            const results: Outcome[] = [];
            for (const entry of batch) {
              await tx.savepoint('change');
              try {
                const value = await entry.work(tx);
                await tx.releaseSavepoint('change');
                results.push({ ok: true, value });
              } catch (error) {
                await tx.rollbackToSavepoint('change');
                await tx.releaseSavepoint('change');
                results.push({ ok: false, error });
              }
            }
            return results;
          });
        } catch (error) {
          // The commit itself failed: nothing in the batch happened.
          for (const entry of batch) entry.reject(error);
          continue;
        }
        batch.forEach((entry, i) => {
          const outcome = outcomes[i]!;
          if (outcome.ok) entry.resolve(outcome.value);
          else entry.reject(outcome.error);
        });
      }
    } finally {
      this.draining = false;
    }
  }
}
