/**
 * applyRetentionPolicy keeps exactly what real restic keeps: each run of
 * fixtures/restic-retention.json (written by scripts/restic-retention-fixture.sh
 * from `restic forget --dry-run --json` over a year of daily snapshots and a
 * few same-day extras, taken in Europe/Berlin) is replayed, and the kept and
 * removed snapshots, their order, the reasons and the counters must be restic's.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  applyRetentionPolicy,
  formatResticDuration,
  parseResticDuration,
  snapshotTimeFromRfc3339,
  type RetentionPolicy,
} from '../../src/domain/retention-policy.js';

interface Fixture {
  header: { restic: string };
  snapshots: Array<{ id: string; time: string }>;
  runs: Array<{ args: string; keep: string[]; remove: string[]; reasons: Array<{ id: string; matches: string[]; counters: Record<string, number> }> }>;
}

const fixture = JSON.parse(readFileSync(new URL('./fixtures/restic-retention.json', import.meta.url), 'utf8')) as Fixture;

const FLAGS: Record<string, keyof RetentionPolicy> = {
  '--keep-last': 'keepLast',
  '--keep-daily': 'keepDaily',
  '--keep-weekly': 'keepWeekly',
  '--keep-monthly': 'keepMonthly',
  '--keep-yearly': 'keepYearly',
  '--keep-within': 'keepWithin',
};

function policyOf(args: string): RetentionPolicy {
  const words = args.split(/\s+/);
  const policy: Record<string, number | string> = {};
  for (let i = 0; i < words.length; i += 2) {
    const field = FLAGS[words[i]!];
    if (!field) throw new Error(`unknown flag ${words[i]}`);
    policy[field] = field === 'keepWithin' ? words[i + 1]! : Number(words[i + 1]);
  }
  return policy as RetentionPolicy;
}

/** restic's JSON leaves zero counters out. */
const nonZero = (counters: object) => Object.fromEntries(Object.entries(counters).filter(([, v]) => v !== 0));

describe('applyRetentionPolicy against real restic', () => {
  const snapshots = fixture.snapshots.map((s) => snapshotTimeFromRfc3339(s.id, s.time));
  const now = Date.UTC(2026, 0, 1);

  it('the fixture is a year of daily snapshots with same-day extras in two UTC offsets', () => {
    expect(fixture.header.restic).toMatch(/^restic \d/);
    expect(snapshots.length).toBeGreaterThan(365);
    expect(new Set(snapshots.map((s) => s.offsetMinutes))).toEqual(new Set([60, 120]));
    expect(fixture.runs.length).toBeGreaterThanOrEqual(10);
  });

  for (const run of fixture.runs) {
    it(`restic forget ${run.args}`, () => {
      const decision = applyRetentionPolicy(snapshots, policyOf(run.args), now);
      expect(decision.keep.map((k) => k.snapshot.id)).toEqual(run.keep);
      expect(decision.remove.map((s) => s.id)).toEqual(run.remove);
      expect(decision.keep.map((k) => ({ id: k.snapshot.id, matches: k.reasons, counters: nonZero(k.counters) }))).toEqual(run.reasons);
    });
  }

  it('the same decision whatever order the snapshots come in', () => {
    const shuffled = [...snapshots].reverse();
    const a = applyRetentionPolicy(snapshots, { keepDaily: 10, keepMonthly: 3 }, now);
    const b = applyRetentionPolicy(shuffled, { keepDaily: 10, keepMonthly: 3 }, now);
    expect(b.keep.map((k) => k.snapshot.id)).toEqual(a.keep.map((k) => k.snapshot.id));
  });
});

describe('applyRetentionPolicy edges', () => {
  const day = 86_400_000;
  const at = (iso: string) => Date.parse(iso);

  it('an empty policy keeps everything, saying so', () => {
    const list = [{ id: 1, at: at('2025-01-01T00:00:00Z') }, { id: 2, at: at('2025-01-02T00:00:00Z') }];
    const d = applyRetentionPolicy(list, { keepWithin: '0d', keepDaily: 0 }, at('2026-01-01T00:00:00Z'));
    expect(d.remove).toEqual([]);
    expect(d.keep.map((k) => [k.snapshot.id, k.reasons])).toEqual([
      [2, ['policy is empty']],
      [1, ['policy is empty']],
    ]);
    expect(applyRetentionPolicy([], { keepLast: 1 }, 0)).toEqual({ keep: [], remove: [] });
  });

  it('keepWithin counts from the newest snapshot that is not in the future, on the calendar (31 March minus a month is 3 March)', () => {
    const list = [
      { id: 'future', at: at('2030-01-01T00:00:00Z') },
      { id: 'newest', at: at('2025-03-31T12:00:00Z') },
      { id: 'mar-03-13h', at: at('2025-03-03T13:00:00Z') },
      { id: 'mar-03-11h', at: at('2025-03-03T11:00:00Z') },
    ];
    const d = applyRetentionPolicy(list, { keepWithin: '1m' }, at('2026-01-01T00:00:00Z'));
    expect(d.keep.map((k) => k.snapshot.id)).toEqual(['future', 'newest', 'mar-03-13h']);
    expect(d.keep[0]!.reasons).toEqual(['within 1m']);
    expect(d.remove.map((s) => s.id)).toEqual(['mar-03-11h']);
  });

  it('days are calendar days in the recorded offset: the same instant is two different days at +00:00 and at +02:00', () => {
    const t1 = at('2025-06-01T21:30:00Z');
    const t2 = t1 + 3_600_000; // 22:30 UTC: still 1 June in UTC, 2 June 00:30 at +02:00
    const utc = applyRetentionPolicy([{ id: 1, at: t1 }, { id: 2, at: t2 }], { keepDaily: 5 }, t2 + day);
    expect(utc.keep.map((k) => k.snapshot.id)).toEqual([2]);
    const summer = applyRetentionPolicy(
      [
        { id: 1, at: t1, offsetMinutes: 120 },
        { id: 2, at: t2, offsetMinutes: 120 },
      ],
      { keepDaily: 5 },
      t2 + day,
    );
    expect(summer.keep.map((k) => k.snapshot.id)).toEqual([2, 1]);
  });

  it('weeks are ISO weeks: 29 December 2025 is in week 1 of 2026, 28 December in week 52 of 2025', () => {
    const list = ['2025-12-27', '2025-12-28', '2025-12-29', '2026-01-04', '2026-01-05'].map((d, i) => ({ id: d, at: at(`${d}T10:00:00Z`) + i }));
    const d = applyRetentionPolicy(list, { keepWeekly: 10 }, at('2027-01-01T00:00:00Z'));
    expect(d.keep.map((k) => k.snapshot.id)).toEqual(['2026-01-05', '2026-01-04', '2025-12-28']);
  });
});

describe('restic durations', () => {
  it('parses y, m, d, h in any order and renders them as restic does', () => {
    expect(parseResticDuration('1y2m3d4h')).toEqual({ years: 1, months: 2, days: 3, hours: 4 });
    expect(parseResticDuration('36h')).toEqual({ years: 0, months: 0, days: 0, hours: 36 });
    expect(formatResticDuration(parseResticDuration('4h3d')!)).toBe('3d4h');
    expect(formatResticDuration(parseResticDuration('0y7d')!)).toBe('7d');
  });

  it('refuses what is not one', () => {
    for (const bad of ['', '1', 'd', '1w', '-1d', '1d1d', '1.5d', ' 1d', '1d ', '1D', '9999999d']) expect(parseResticDuration(bad), bad).toBeNull();
  });
});
