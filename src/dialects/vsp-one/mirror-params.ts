/**
 * The `jobParams` of the VSP job types that are not a copy:
 * - BATCH_REPLICATE with `replicationMode` MIRROR → a native `replicate` (the
 *   target prefix becomes a one-way mirror of the source prefix):
 *     sourcePrefix      the folder to mirror (absent or empty: the whole bucket)
 *     targetBucket      the bucket that mirrors it (default: the same bucket)
 *     targetPrefix      the folder that mirrors it (default: the bucket's root)
 *     deleteExtraneous  "true": trash what the target has and the source lacks
 *     dryRun            "true": report per item what would change, change nothing
 *     replicationFilter only ALL is served
 *   A mirror has one source and no conflict policy (what changed is replaced):
 *   `sourcePrefixes` and `onConflict` are 400s naming them.
 * - METRIC_RECONCILIATION / TRIGGER_RECONCILIATION → a native `verify`
 *   (repair false / true): `prefix`, the folder to check (default: the bucket).
 * Values are VSP's strings; JSON booleans are accepted too.
 */
import { InvalidArgumentError } from '../../domain/errors.js';
import { pathOf, readReplicationFilter, text } from './job-params.js';

export type ReplicationMode = 'COPY' | 'MIRROR';

const MODES: readonly ReplicationMode[] = ['COPY', 'MIRROR'];

export interface MirrorRequest {
  /** Undefined: the whole bucket. */
  sourcePath: string | undefined;
  targetBucket: string | undefined;
  targetPath: string | undefined;
  deleteExtraneous: boolean | undefined;
  dryRun: boolean | undefined;
}

const MIRROR_KEYS = ['replicationMode', 'sourcePrefix', 'targetBucket', 'targetPrefix', 'deleteExtraneous', 'dryRun', 'replicationFilter'];
const RECONCILIATION_KEYS = ['prefix'];

/** `replicationMode` (any case): COPY when absent. */
export function replicationModeOf(raw: Record<string, unknown> | null | undefined): ReplicationMode {
  const value = text(raw ?? {}, 'replicationMode');
  if (value === undefined || value === '') return 'COPY';
  const mode = MODES.find((m) => m === value.toUpperCase());
  if (!mode) {
    throw new InvalidArgumentError(`jobParams.replicationMode: '${value.slice(0, 64)}' is not ${MODES.join(' or ')}`, { field: 'jobParams.replicationMode' });
  }
  return mode;
}

function onlyKnown(params: Record<string, unknown>, known: readonly string[], what: string, hint: Readonly<Record<string, string>> = {}): void {
  for (const key of Object.keys(params)) {
    if (known.includes(key)) continue;
    const field = `jobParams.${key}`;
    throw new InvalidArgumentError(`${field}: ${hint[key] ?? `not a ${what} parameter (known: ${known.join(', ')})`}`, { field });
  }
}

/** "true" / "false" (any case) or a JSON boolean; absent: undefined. */
function flag(params: Record<string, unknown>, key: string): boolean | undefined {
  const value = params[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'boolean') return value;
  const lower = typeof value === 'string' ? value.toLowerCase() : undefined;
  if (lower === 'true' || lower === 'false') return lower === 'true';
  throw new InvalidArgumentError(`jobParams.${key}: must be "true" or "false"`, { field: `jobParams.${key}` });
}

/** A prefix naming a folder, or undefined for the whole bucket (absent, empty or `/`). */
function folderOf(params: Record<string, unknown>, key: string): string | undefined {
  const prefix = text(params, key);
  if (prefix === undefined) return undefined;
  const path = pathOf(prefix, `jobParams.${key}`);
  return path === '/' ? undefined : path;
}

export function readMirrorParams(raw: Record<string, unknown> | null | undefined): MirrorRequest {
  const params = raw ?? {};
  onlyKnown(params, MIRROR_KEYS, 'BATCH_REPLICATE MIRROR', {
    sourcePrefixes: 'a MIRROR replicates one sourcePrefix (a folder); send several as separate jobs',
    onConflict: 'not with replicationMode MIRROR: a mirror replaces what changed and keeps what is equal',
  });
  readReplicationFilter(params);
  const targetBucket = text(params, 'targetBucket');
  if (targetBucket === '') throw new InvalidArgumentError('jobParams.targetBucket: must be a bucket name', { field: 'jobParams.targetBucket' });
  return {
    sourcePath: folderOf(params, 'sourcePrefix'),
    targetBucket,
    targetPath: folderOf(params, 'targetPrefix'),
    deleteExtraneous: flag(params, 'deleteExtraneous'),
    dryRun: flag(params, 'dryRun'),
  };
}

/** METRIC_RECONCILIATION / TRIGGER_RECONCILIATION: the folder to check, or undefined for the whole bucket. */
export function readReconciliationParams(raw: Record<string, unknown> | null | undefined): { path: string | undefined } {
  const params = raw ?? {};
  onlyKnown(params, RECONCILIATION_KEYS, 'reconciliation', {
    repair: 'the jobType says it: METRIC_RECONCILIATION checks, TRIGGER_RECONCILIATION also repairs',
  });
  return { path: folderOf(params, 'prefix') };
}
