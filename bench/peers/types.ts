/**
 * The common result of the engine-overhead benchmark (issue 3): one row per
 * job system, draining the same number of no-op jobs. batchyard's own engine
 * reports the same shape when it lands.
 */
export interface DrainResult {
  /** Which system ran the jobs, e.g. 'graphile-worker'. */
  system: string;
  /** The installed version of that system. */
  version: string;
  /** How many no-op jobs were enqueued and drained. */
  jobs: number;
  /** Every knob that was set for the run (concurrency, batch sizes, backend, …). */
  settings: Record<string, unknown>;
  /** Time to enqueue all jobs before any worker ran (reported, not part of jobsPerSecond). */
  enqueueSeconds: number;
  /** From starting the worker until every job's completion was durably recorded. */
  drainSeconds: number;
  /** jobs / drainSeconds. */
  jobsPerSecond: number;
}
