/**
 * A library's snapshot retention policy and what it keeps, with restic's
 * meaning: a port of restic's `ApplyPolicy` (internal/restic/snapshot_policy.go
 * at v0.14.0, Debian's restic) for the options batchyard offers, checked
 * against real restic by test/domain/retention-policy.test.ts.
 *
 * - Snapshots are taken newest first. `keepLast` keeps the n newest. Each of
 *   `keepDaily`, `keepWeekly` (ISO weeks), `keepMonthly` and `keepYearly`
 *   walks them newest first and keeps a snapshot whenever its bucket (its
 *   day, ISO week, month or year) differs from the bucket of the last one
 *   that rule kept, until it has kept n: the newest snapshot of each of the
 *   n most recent buckets that hold one (a bucket without snapshots uses up
 *   nothing).
 * - A snapshot's bucket is its calendar date in the UTC offset it was
 *   recorded with (`offsetMinutes`; batchyard records UTC).
 * - `keepWithin` (`1y2m3d4h`) keeps every snapshot strictly newer than the
 *   newest snapshot's time (not in the future of `now`) minus that duration,
 *   years, months and days taken on the calendar (Go's AddDate: 31 March minus
 *   one month is 3 March), then hours.
 * - A snapshot is kept when any rule keeps it; its reasons name each rule
 *   that did, with the rules' remaining counts after it. An empty policy
 *   keeps everything ("policy is empty").
 */

export const RETENTION_COUNTS = ['keepLast', 'keepDaily', 'keepWeekly', 'keepMonthly', 'keepYearly'] as const;
export type RetentionCount = (typeof RETENTION_COUNTS)[number];

export type RetentionPolicy = Partial<Record<RetentionCount, number>> & { keepWithin?: string };

/** restic's Duration: calendar years, months and days, then hours. */
export interface ResticDuration {
  years: number;
  months: number;
  days: number;
  hours: number;
}

const UNIT_FIELD = { y: 'years', m: 'months', d: 'days', h: 'hours' } as const;
/** Accepted durations: numbers each followed by a unit y, m, d or h (e.g. `1y2m3d4h`, `36h`), each unit at most once. */
const DURATION_SHAPE = /^(?:\d{1,6}[ymdh])+$/;

/** Parses a restic duration; null when `text` is not one. */
export function parseResticDuration(text: string): ResticDuration | null {
  if (!DURATION_SHAPE.test(text)) return null;
  const duration: ResticDuration = { years: 0, months: 0, days: 0, hours: 0 };
  const seen = new Set<string>();
  for (const [, digits, unit] of text.matchAll(/(\d+)([ymdh])/g)) {
    if (seen.has(unit!)) return null;
    seen.add(unit!);
    duration[UNIT_FIELD[unit as keyof typeof UNIT_FIELD]] = Number(digits);
  }
  return duration;
}

/** restic's rendering of a duration (its `%v`): the non-zero parts in y, m, d, h order. */
export function formatResticDuration(d: ResticDuration): string {
  return `${d.years ? `${d.years}y` : ''}${d.months ? `${d.months}m` : ''}${d.days ? `${d.days}d` : ''}${d.hours ? `${d.hours}h` : ''}`;
}

export interface SnapshotTime<Id> {
  id: Id;
  /** Epoch milliseconds. */
  at: number;
  /** The UTC offset the time was recorded with (default 0): its calendar decides its day, week, month and year. */
  offsetMinutes?: number;
}

/** The rules' remaining counts after a kept snapshot (restic's `counters`). */
export interface RetentionCounters {
  last: number;
  daily: number;
  weekly: number;
  monthly: number;
  yearly: number;
}

export interface KeptSnapshot<Id> {
  snapshot: SnapshotTime<Id>;
  /** restic's words: "last snapshot", "daily snapshot", …, "within 1y2m", "policy is empty". */
  reasons: string[];
  counters: RetentionCounters;
}

export interface RetentionDecision<Id> {
  /** Newest first. */
  keep: Array<KeptSnapshot<Id>>;
  /** Newest first. */
  remove: Array<SnapshotTime<Id>>;
}

/** Reads an RFC 3339 time as restic writes it (`2025-03-30T23:30:00+02:00`), keeping its offset. */
export function snapshotTimeFromRfc3339<Id>(id: Id, text: string): SnapshotTime<Id> {
  const match = /(Z|([+-])(\d\d):(\d\d))$/.exec(text);
  const at = Date.parse(text);
  if (!match || Number.isNaN(at)) throw new Error(`not an RFC 3339 time: ${text}`);
  const offsetMinutes = match[1] === 'Z' ? 0 : (match[2] === '-' ? -1 : 1) * (Number(match[3]) * 60 + Number(match[4]));
  return { id, at, offsetMinutes };
}

interface Wall {
  year: number;
  month: number;
  day: number;
}

function wallDate(s: SnapshotTime<unknown>): Wall {
  const d = new Date(s.at + (s.offsetMinutes ?? 0) * 60_000);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** ISO 8601 week-numbering year and week of a calendar date (Go's ISOWeek). */
function isoWeek({ year, month, day }: Wall): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  const weekday = (date.getUTCDay() + 6) % 7; // Monday 0
  date.setUTCDate(date.getUTCDate() - weekday + 3); // the Thursday of its week decides the year
  const isoYear = date.getUTCFullYear();
  const firstThursday = new Date(0);
  firstThursday.setUTCFullYear(isoYear, 0, 4);
  firstThursday.setUTCDate(4 - ((firstThursday.getUTCDay() + 6) % 7) + 3);
  const week = 1 + Math.round((date.getTime() - firstThursday.getTime()) / (7 * 86_400_000));
  return isoYear * 100 + week;
}

type Bucket = (s: SnapshotTime<unknown>, nr: number) => number;

const BUCKETS: ReadonlyArray<{ rule: RetentionCount; counter: keyof RetentionCounters; bucket: Bucket; reason: string }> = [
  { rule: 'keepLast', counter: 'last', bucket: (_s, nr) => nr, reason: 'last snapshot' },
  { rule: 'keepDaily', counter: 'daily', bucket: (s) => { const w = wallDate(s); return w.year * 10_000 + w.month * 100 + w.day; }, reason: 'daily snapshot' },
  { rule: 'keepWeekly', counter: 'weekly', bucket: (s) => isoWeek(wallDate(s)), reason: 'weekly snapshot' },
  { rule: 'keepMonthly', counter: 'monthly', bucket: (s) => { const w = wallDate(s); return w.year * 100 + w.month; }, reason: 'monthly snapshot' },
  { rule: 'keepYearly', counter: 'yearly', bucket: (s) => wallDate(s).year, reason: 'yearly snapshot' },
];

/** Go's zero time (0001-01-01 UTC): restic's "latest" when every snapshot is in the future. */
const GO_ZERO_TIME = -62_135_596_800_000;

/** The instant `within` before `latest`, on latest's own calendar (Go's AddDate, then Add of hours). */
function withinCutoff(latest: SnapshotTime<unknown>, within: ResticDuration): number {
  const offsetMs = (latest.offsetMinutes ?? 0) * 60_000;
  const wall = new Date(latest.at + offsetMs);
  wall.setUTCFullYear(wall.getUTCFullYear() - within.years, wall.getUTCMonth() - within.months, wall.getUTCDate() - within.days);
  return wall.getTime() - offsetMs - within.hours * 3_600_000;
}

/**
 * What `policy` keeps of `snapshots` and why, as restic's `forget` decides.
 * `now`: snapshots after it do not count as the newest for `keepWithin`.
 * Snapshots with equal times stay in the order given.
 */
export function applyRetentionPolicy<Id>(snapshots: ReadonlyArray<SnapshotTime<Id>>, policy: RetentionPolicy, now: number): RetentionDecision<Id> {
  const list = [...snapshots].sort((a, b) => b.at - a.at);
  const within = policy.keepWithin === undefined ? null : parseResticDuration(policy.keepWithin);
  if (policy.keepWithin !== undefined && within === null) throw new Error(`keepWithin: not a restic duration: ${policy.keepWithin}`);
  const withinSet = within !== null && (within.years || within.months || within.days || within.hours) ? within : null;
  const counts = BUCKETS.map((b) => ({ ...b, left: policy[b.rule] ?? 0, last: -1 }));
  const zeroCounters: RetentionCounters = { last: 0, daily: 0, weekly: 0, monthly: 0, yearly: 0 };

  if (withinSet === null && counts.every((c) => c.left === 0)) {
    return { keep: list.map((snapshot) => ({ snapshot, reasons: ['policy is empty'], counters: { ...zeroCounters } })), remove: [] };
  }

  let latest: SnapshotTime<unknown> = { id: null, at: GO_ZERO_TIME, offsetMinutes: 0 };
  for (const s of list) if (s.at > latest.at && s.at < now) latest = s;
  const cutoff = withinSet === null ? null : withinCutoff(latest, withinSet);

  const decision: RetentionDecision<Id> = { keep: [], remove: [] };
  list.forEach((snapshot, nr) => {
    const reasons: string[] = [];
    if (cutoff !== null && snapshot.at > cutoff) reasons.push(`within ${formatResticDuration(withinSet!)}`);
    for (const c of counts) {
      if (c.left <= 0) continue;
      const value = c.bucket(snapshot, nr);
      if (value === c.last) continue;
      c.last = value;
      c.left--;
      reasons.push(c.reason);
    }
    if (reasons.length === 0) {
      decision.remove.push(snapshot);
      return;
    }
    const counters = { ...zeroCounters };
    for (const c of counts) counters[c.counter] = c.left;
    decision.keep.push({ snapshot, reasons, counters });
  });
  return decision;
}
