/**
 * AvePoint ⇄ batchyard enums (docs/dialects/README.md): jobType ⇄ native job
 * types, status ⇄ native statuses, dataSource ⇄ origins, appType flags.
 * Pure tables and functions, no I/O.
 */
import type { JobOrigin, JobStatus } from '../../domain/jobs.js';

/** AvePoint `jobType` → the native types it names. Jobs of any other type are not listed here. */
export const JOB_TYPE_TO_NATIVE: Readonly<Record<number, readonly string[]>> = Object.freeze({
  1: ['backup'],
  2: ['restore_backup'],
  3: ['export'],
  4: ['trash', 'purge', 'empty_trash'],
  5: ['retention'],
  6: ['report'],
});

/** AvePoint `status` (`jobStatus` filter) → native statuses. */
export const STATUS_TO_NATIVE: Readonly<Record<number, readonly JobStatus[]>> = Object.freeze({
  0: ['queued', 'planning', 'running', 'cancelling'],
  2: ['completed'],
  3: ['failed', 'cancelled'],
  7: ['completed_with_errors'],
});

/** AvePoint `dataSource` → origins: 1 Admin (the admin portal, or the system), 2 ReCenter (self-service). */
export const DATA_SOURCE_TO_ORIGINS: Readonly<Record<number, readonly JobOrigin[]>> = Object.freeze({
  1: ['admin', 'system'],
  2: ['self_service'],
});

/** AvePoint `appType` flags: 1 Gmail, 2 Drive, 4 Calendar, 8 Contacts, 64 Shared drives, 128 Classroom, 4096 Chat. */
export const APP_TYPES: readonly number[] = Object.freeze([1, 2, 4, 8, 64, 128, 4096]);

/** A library created without an appType is a Drive. */
export const DEFAULT_APP_TYPE = 2;

export const JOB_TYPE_CODES = Object.keys(JOB_TYPE_TO_NATIVE).map(Number);
export const STATUS_CODES = Object.keys(STATUS_TO_NATIVE).map(Number);
export const DATA_SOURCE_CODES = Object.keys(DATA_SOURCE_TO_ORIGINS).map(Number);

/** Every native type AvePoint can name: the listing is limited to these. */
export const NAMEABLE_NATIVE_TYPES: readonly string[] = Object.freeze(Object.values(JOB_TYPE_TO_NATIVE).flat());

function invert<T extends string>(table: Readonly<Record<number, readonly T[]>>): ReadonlyMap<T, number> {
  return new Map(Object.entries(table).flatMap(([code, natives]) => natives.map((native) => [native, Number(code)] as const)));
}

const NATIVE_TO_JOB_TYPE = invert(JOB_TYPE_TO_NATIVE);
const NATIVE_TO_STATUS = invert(STATUS_TO_NATIVE);
const ORIGIN_TO_DATA_SOURCE = invert(DATA_SOURCE_TO_ORIGINS);

/** The AvePoint jobType of a native type; undefined for a type AvePoint cannot name. */
export function jobTypeOf(nativeType: string): number | undefined {
  return NATIVE_TO_JOB_TYPE.get(nativeType);
}

export function statusOf(status: JobStatus): number {
  return NATIVE_TO_STATUS.get(status) ?? 0;
}

export function dataSourceOf(origin: JobOrigin): number {
  return ORIGIN_TO_DATA_SOURCE.get(origin) ?? 1;
}

/**
 * The flags an `appType` value names: one of the listed values, or (they are
 * bit flags) a sum of them such as 3 = Gmail + Drive. Undefined when any bit
 * is not a known app type.
 */
export function appTypeFlags(value: number): number[] | undefined {
  if (!Number.isSafeInteger(value) || value <= 0) return undefined;
  const flags = APP_TYPES.filter((flag) => (value & flag) !== 0);
  return flags.reduce((sum, flag) => sum + flag, 0) === value ? flags : undefined;
}
