/**
 * How many task events (task-retry, task-failed) an engine writes per job: the
 * first TASK_EVENT_BURST freely, then at most one per TASK_EVENT_INTERVAL_MS;
 * the next one written says how many it left out. A job whose every task
 * fails (storage gone) then adds a handful of rows, not one per attempt of
 * every task, while a job with a few failing tasks shows each attempt.
 */
export const TASK_EVENT_BURST = 50;
export const TASK_EVENT_INTERVAL_MS = 1_000;
/** Jobs remembered at most (an entry goes when its job ends here; others are dropped wholesale past this). */
const MAX_JOBS = 10_000;

export class TaskEventThrottle {
  private readonly jobs = new Map<number, { written: number; lastAt: number; suppressed: number }>();

  /** Whether to write a task event of `jobId` now: the count of left-out ones to report if so, undefined if not. */
  admit(jobId: number, now: number): number | undefined {
    let state = this.jobs.get(jobId);
    if (!state) {
      if (this.jobs.size >= MAX_JOBS) this.jobs.clear();
      state = { written: 0, lastAt: 0, suppressed: 0 };
      this.jobs.set(jobId, state);
    }
    if (state.written >= TASK_EVENT_BURST && now - state.lastAt < TASK_EVENT_INTERVAL_MS) {
      state.suppressed++;
      return undefined;
    }
    const suppressed = state.suppressed;
    state.written++;
    state.lastAt = now;
    state.suppressed = 0;
    return suppressed;
  }

  forget(jobId: number): void {
    this.jobs.delete(jobId);
  }
}
