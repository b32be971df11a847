/**
 * The test harness's CI switch: in CI an unreachable PostgreSQL fails the run
 * instead of skipping its suites. CI providers set CI to `true`, `1` or a
 * name (`CI=1` once skipped every PostgreSQL suite and the run passed).
 */
import { describe, expect, it } from 'vitest';
import { isCI, postgresSuites } from '../support/drivers.js';

describe('CI detection', () => {
  it('treats any non-empty CI other than false/0 as CI', () => {
    for (const value of ['true', '1', 'TRUE', 'yes', 'woodpecker', ' 1 ']) expect(isCI(value), value).toBe(true);
    for (const value of [undefined, '', '  ', 'false', 'FALSE', '0']) expect(isCI(value), String(value)).toBe(false);
  });

  it('fails the run when PostgreSQL is unreachable in CI, skips its suites elsewhere, runs them when reachable', () => {
    for (const ci of ['1', 'true', 'github']) {
      expect(() => postgresSuites('connect ECONNREFUSED 127.0.0.1:5432', ci)).toThrow(`unreachable and CI=${ci}: connect ECONNREFUSED`);
    }
    for (const ci of [undefined, '', 'false', '0']) expect(postgresSuites('connect ECONNREFUSED 127.0.0.1:5432', ci)).toBe('skip');
    for (const ci of [undefined, '1']) expect(postgresSuites(undefined, ci)).toBe('run');
  });
});
