/** The cron rules of domain/schedules.ts: reading an expression in a zone, the never-fires and minimum-interval checks, and the tick arithmetic firing relies on. */
import { describe, expect, it } from 'vitest';
import { checkCronDensity, isTimeZone, latestTickAtOrBefore, nextTick, nextTicks, parseCron } from '../../src/domain/schedules.js';
import { InvalidArgumentError, UnprocessableError } from '../../src/domain/errors.js';

const at = (iso: string) => Date.parse(iso);

describe('schedule cron rules', () => {
  it('knows IANA zones and UTC, and nothing else', () => {
    for (const zone of ['UTC', 'Europe/Paris', 'America/Argentina/Buenos_Aires', 'Asia/Kolkata']) expect(isTimeZone(zone), zone).toBe(true);
    for (const zone of ['', 'Mars/Base', 'Europe/Paris ', 'x'.repeat(65), 'CEST+99']) expect(isTimeZone(zone), zone).toBe(false);
  });

  it('reads 5 or 6 fields; anything else is a 400 naming cron (or timeZone)', () => {
    expect(parseCron('0 2 * * *', 'UTC').getPattern()).toBe('0 2 * * *');
    expect(parseCron('*/30 * * * * *', 'UTC').getPattern()).toBe('*/30 * * * * *');
    for (const bad of ['0 2 * *', '0 0 2 * * * 2030', '0 25 * * *', 'daily', '* * * * * * * *']) {
      const error = (() => { try { parseCron(bad, 'UTC'); } catch (e) { return e; } })();
      expect(error, bad).toBeInstanceOf(InvalidArgumentError);
      expect((error as InvalidArgumentError).details).toEqual({ field: 'cron' });
    }
    expect(() => parseCron('0 2 * * *', 'Nowhere/Land')).toThrow(/timeZone/);
  });

  it('refuses what never fires, and fires closer than the minimum anywhere among the next ticks', () => {
    const now = at('2030-01-01T00:00:00Z');
    expect(() => checkCronDensity(parseCron('0 0 30 2 *', 'UTC'), now, 60_000)).toThrow(UnprocessableError);
    expect(() => checkCronDensity(parseCron('*/30 * * * * *', 'UTC'), now, 60_000)).toThrow(/30 s apart; the minimum interval is 60 s/);
    // Two ticks 10 s apart once a day, not next to `now`.
    expect(() => checkCronDensity(parseCron('0,10 0 12 * * *', 'UTC'), now, 60_000)).toThrow(/10 s apart/);
    expect(() => checkCronDensity(parseCron('* * * * *', 'UTC'), now, 60_000)).not.toThrow();
    expect(() => checkCronDensity(parseCron('*/5 * * * * *', 'UTC'), now, 5_000)).not.toThrow();
  });

  it('finds the next ticks strictly after an instant, and the latest at or before one (in whole seconds, any milliseconds)', () => {
    const cron = parseCron('*/5 * * * * *', 'UTC');
    expect(nextTick(cron, at('2030-01-01T10:10:00Z'))).toBe(at('2030-01-01T10:10:05Z'));
    expect(nextTicks(cron, at('2030-01-01T10:10:03.5Z'), 2)).toEqual([at('2030-01-01T10:10:05Z'), at('2030-01-01T10:10:10Z')]);
    expect(latestTickAtOrBefore(cron, at('2030-01-01T10:10:00Z'), 0)).toBe(at('2030-01-01T10:10:00Z'));
    expect(latestTickAtOrBefore(cron, at('2030-01-01T10:10:00.700Z'), 0)).toBe(at('2030-01-01T10:10:00Z'));
    expect(latestTickAtOrBefore(cron, at('2030-01-01T10:10:04.999Z'), 0)).toBe(at('2030-01-01T10:10:00Z'));
    // None since `notBefore`.
    expect(latestTickAtOrBefore(cron, at('2030-01-01T10:10:04Z'), at('2030-01-01T10:10:01Z'))).toBeNull();
    const never = parseCron('0 0 30 2 *', 'UTC');
    expect(nextTick(never, at('2030-01-01T00:00:00Z'))).toBeNull();
    expect(latestTickAtOrBefore(never, at('2030-01-01T00:00:00Z'), 0)).toBeNull();
  });
});
