/**
 * The checks that say whether this process can serve now: the database
 * answers (Driver.ping) and each storage location is reachable and writable
 * (BlobStore.check). Each runs under a deadline: the caller gets an answer
 * in bounded time even when a call hangs (a dead NFS mount, a database host
 * that drops packets). `GET /readyz` (readiness.ts) and `batchyard doctor`
 * run them.
 */
import type { Driver } from '../store/driver.js';
import type { BlobStore } from '../blobs/blob-store.js';

/** One component's check: `database`, or `storage:<location>`. */
export interface ComponentCheck {
  readonly name: string;
  run(signal: AbortSignal): Promise<void>;
}

export type CheckOutcome = { ok: true; ms: number } | { ok: false; ms: number; timedOut: boolean; cause: string };

export interface StorageLocations {
  names(): string[];
  get(name: string): BlobStore;
}

/** The database first, then every storage location in name order. */
export function componentChecks(driver: Pick<Driver, 'ping'>, storages: StorageLocations): ComponentCheck[] {
  return [
    { name: 'database', run: () => driver.ping() },
    ...storages.names().map((location) => ({ name: `storage:${location}`, run: (signal: AbortSignal) => storages.get(location).check({ signal }) })),
  ];
}

/**
 * Waits for `running` (already started with `controller`'s signal) up to
 * `deadlineMs`; past it, aborts the signal and answers timed out. A rejection
 * gives its message as the cause.
 */
export async function settleWithin(running: Promise<void>, controller: AbortController, deadlineMs: number, now: () => number = Date.now): Promise<CheckOutcome> {
  const started = now();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), deadlineMs);
    timer.unref();
  });
  // Never rejects: a check that fails after its deadline has passed is no unhandled rejection.
  const result = running.then(
    () => ({ failed: false as const }),
    (error: unknown) => ({ failed: true as const, cause: error instanceof Error ? error.message : String(error) }),
  );
  const settled = await Promise.race([result, deadline]);
  clearTimeout(timer);
  if (settled === 'timeout') {
    controller.abort(new Error(`no answer within ${deadlineMs} ms`));
    return { ok: false, ms: now() - started, timedOut: true, cause: `no answer within ${deadlineMs} ms` };
  }
  if (settled.failed) return { ok: false, ms: now() - started, timedOut: false, cause: settled.cause };
  return { ok: true, ms: now() - started };
}

/** Runs one check under a deadline. */
export function runCheck(check: ComponentCheck, deadlineMs: number): Promise<CheckOutcome> {
  const controller = new AbortController();
  const running = Promise.resolve().then(() => check.run(controller.signal));
  return settleWithin(running, controller, deadlineMs);
}
