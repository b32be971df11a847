/** The schedules' setting read from the environment: the shortest interval a cron expression may fire at. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { InvalidArgumentError } from '../../src/domain/errors.js';

describe('schedule settings', () => {
  it('reads BATCHYARD_SCHEDULE_MIN_INTERVAL (default 60 s) as a duration, refusing what is none or under a second', () => {
    expect(loadConfig({}, {}).scheduleMinIntervalMs).toBe(60_000);
    expect(loadConfig({}, { BATCHYARD_SCHEDULE_MIN_INTERVAL: '5m' }).scheduleMinIntervalMs).toBe(300_000);
    expect(loadConfig({}, { BATCHYARD_SCHEDULE_MIN_INTERVAL: '10' }).scheduleMinIntervalMs).toBe(10_000);
    expect(() => loadConfig({}, { BATCHYARD_SCHEDULE_MIN_INTERVAL: 'often' })).toThrow(/BATCHYARD_SCHEDULE_MIN_INTERVAL/);
    expect(() => loadConfig({}, { BATCHYARD_SCHEDULE_MIN_INTERVAL: '0' })).toThrow(InvalidArgumentError);
  });
});
