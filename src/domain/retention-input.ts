/**
 * A library's `retention` as clients send and see it: the policy object of
 * a create or PATCH body checked field by field (400 naming
 * `retention.keepDaily`), and its rendering with every field present.
 */
import { InvalidArgumentError } from './errors.js';
import { parseResticDuration, RETENTION_COUNTS, type RetentionCount, type RetentionPolicy } from './retention-policy.js';

/** Far more than any policy needs; keeps the numbers small integers in every database and in JSON. */
export const MAX_RETENTION_COUNT = 1_000_000;

const FIELDS = new Set<string>([...RETENTION_COUNTS, 'keepWithin']);

function invalid(field: string, message: string): never {
  throw new InvalidArgumentError(`${field}: ${message}`, { field });
}

/**
 * The policy a body's `retention` sets: the object replaces the library's
 * policy (an omitted or null field is off; `{}` or null keeps every snapshot).
 */
export function readRetentionPolicy(value: unknown): RetentionPolicy {
  if (value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) invalid('retention', 'must be an object');
  const policy: RetentionPolicy = {};
  for (const [key, field] of Object.entries(value as Record<string, unknown>)) {
    if (!FIELDS.has(key)) invalid(`retention.${key}`, `unknown field (expected ${[...FIELDS].join(', ')})`);
    if (field === null) continue;
    if (key === 'keepWithin') {
      if (typeof field !== 'string' || parseResticDuration(field) === null) {
        invalid('retention.keepWithin', 'must be a restic duration: numbers each followed by y, m, d or h, each unit once (e.g. "1y2m3d4h", "36h")');
      }
      policy.keepWithin = field;
      continue;
    }
    if (typeof field !== 'number' || !Number.isInteger(field) || field < 0 || field > MAX_RETENTION_COUNT) {
      invalid(`retention.${key}`, `must be an integer from 0 to ${MAX_RETENTION_COUNT}`);
    }
    if (field > 0) policy[key as RetentionCount] = field;
  }
  return policy;
}

/** The policy as the library resource shows it: every count (0 is off) and keepWithin (null is off). */
export function renderRetentionPolicy(policy: RetentionPolicy): Record<RetentionCount, number> & { keepWithin: string | null } {
  return {
    keepLast: policy.keepLast ?? 0,
    keepDaily: policy.keepDaily ?? 0,
    keepWeekly: policy.keepWeekly ?? 0,
    keepMonthly: policy.keepMonthly ?? 0,
    keepYearly: policy.keepYearly ?? 0,
    keepWithin: policy.keepWithin ?? null,
  };
}
