/**
 * Schedules: what one is, and its cron rules. The expression is read by croner
 * (5 fields, or 6 with seconds first) in an IANA time zone, so daylight-saving
 * changes are croner's; which ticks fire, and exactly once, is the engine's
 * (engine/schedule-firing.ts over services/schedule-service.ts).
 */
import { Cron } from 'croner';
import { InvalidArgumentError, UnprocessableError } from './errors.js';

export const SCHEDULE_OVERLAPS = ['skip', 'queue'] as const;
export type ScheduleOverlap = (typeof SCHEDULE_OVERLAPS)[number];
export const SCHEDULE_CATCH_UPS = ['once', 'none'] as const;
export type ScheduleCatchUp = (typeof SCHEDULE_CATCH_UPS)[number];
export const FIRE_OUTCOMES = ['started', 'skipped', 'failed'] as const;
export type FireOutcome = (typeof FIRE_OUTCOMES)[number];
export type FireKind = 'tick' | 'run_now';

export interface Schedule {
  id: number;
  domainId: number;
  libraryId: string;
  type: string;
  params: Record<string, unknown>;
  cron: string;
  timeZone: string;
  overlap: ScheduleOverlap;
  catchUp: ScheduleCatchUp;
  enabled: boolean;
  createdBy: number;
  /** Epoch ms of the next tick to fire; null when the expression fires no more. */
  nextFireAt: number | null;
  lastFireAt: number | null;
  lastOutcome: FireOutcome | null;
  lastError: string | null;
  /** The job of the latest fire that started one. */
  lastJobId: number | null;
  createdAt: number;
  updatedAt: number;
}

export interface ScheduleFire {
  id: number;
  scheduleId: number;
  fireAt: number;
  kind: FireKind;
  outcome: FireOutcome;
  jobId: number | null;
  error: string | null;
  recordedAt: number;
}

export const MAX_CRON_LENGTH = 200;
/** How many upcoming ticks the density check looks at (a burst of close ticks starts at a tick, so the next ones show it). */
const DENSITY_SAMPLE = 120;

/** Whether `zone` is a time zone this runtime knows (IANA names, or UTC). */
export function isTimeZone(zone: string): boolean {
  if (zone.length === 0 || zone.length > 64) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The expression in its zone, or a 400 naming `cron` or `timeZone`. */
export function parseCron(cron: string, timeZone: string): Cron {
  if (!isTimeZone(timeZone)) throw new InvalidArgumentError(`timeZone: '${timeZone.slice(0, 64)}' is not a known IANA time zone (e.g. Europe/Paris, UTC)`, { field: 'timeZone' });
  if (cron.length > MAX_CRON_LENGTH) throw new InvalidArgumentError(`cron: at most ${MAX_CRON_LENGTH} characters`, { field: 'cron' });
  try {
    return new Cron(cron.trim(), { paused: true, timezone: timeZone, mode: '5-or-6-parts' });
  } catch (error) {
    const reason = error instanceof Error ? error.message.replace(/^CronPattern: /, '') : String(error);
    throw new InvalidArgumentError(`cron: '${cron.slice(0, 64)}' is not a cron expression of 5 fields, or 6 with seconds first (${reason})`, { field: 'cron' });
  }
}

/**
 * Refuses an expression that never fires after `now` (422) or fires twice less than
 * `minIntervalMs` apart among its next ticks (422 naming cron and the minimum).
 */
export function checkCronDensity(cron: Cron, now: number, minIntervalMs: number): void {
  const runs = cron.nextRuns(DENSITY_SAMPLE, new Date(now)).map((d) => d.getTime());
  if (runs.length === 0) throw new UnprocessableError(`cron: '${cron.getPattern() ?? ''}' never fires`, { field: 'cron' });
  for (let i = 1; i < runs.length; i++) {
    const gap = runs[i]! - runs[i - 1]!;
    if (gap < minIntervalMs) {
      throw new UnprocessableError(`cron: fires ${gap / 1000} s apart; the minimum interval is ${minIntervalMs / 1000} s (BATCHYARD_SCHEDULE_MIN_INTERVAL)`, {
        field: 'cron',
        minIntervalSeconds: minIntervalMs / 1000,
      });
    }
  }
}

/** The first tick strictly after `after` (epoch ms), or null. */
export function nextTick(cron: Cron, after: number): number | null {
  return cron.nextRun(new Date(after))?.getTime() ?? null;
}

/** The next `n` ticks strictly after `after`. */
export function nextTicks(cron: Cron, after: number, n: number): number[] {
  return cron.nextRuns(n, new Date(after)).map((d) => d.getTime());
}

/** The latest tick at or before `at` (epoch ms), or null when there is none since `notBefore`. */
export function latestTickAtOrBefore(cron: Cron, at: number, notBefore: number): number | null {
  // croner works in whole seconds and its reference is exclusive: the second after `at` includes a tick at `at`.
  const [previous] = cron.previousRuns(1, new Date(Math.floor(at / 1000) * 1000 + 1000));
  const t = previous?.getTime();
  return t !== undefined && t >= notBefore && t <= at ? t : null;
}
