/**
 * The engine's schedule tick: every engine (serve or worker, any number of processes) asks
 * for the schedules due at its clock's now to be fired. The firing itself, exactly once per
 * tick across processes, is services/schedule-firing.ts, handed in by the composition root
 * (the engine layer does not import services).
 */

/** What fires due schedules (ScheduleFiring). */
export interface ScheduleFirer {
  fireDue(now: number): Promise<unknown>;
}

/** How often an engine looks for due schedules unless told otherwise. */
export const DEFAULT_SCHEDULE_TICK_MS = 1_000;
