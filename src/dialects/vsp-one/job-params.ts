/**
 * `jobParams`, VSP's map of strings, both ways. A BATCH_REPLICATE is a native
 * `copy` unless `replicationMode` is MIRROR (then a native `replicate`:
 * mirror-params.ts): `bucketName` the source library, and in `jobParams`
 *   replicationMode  COPY (default) or MIRROR
 *   sourcePrefix     what to copy: a folder or file, as an object-store prefix
 *                    (`docs/2026/`; a leading `/` is accepted); absent or empty:
 *                    the whole bucket (its top-level entries)
 *   sourcePrefixes   several of them: a JSON array (as text, or an array)
 *   targetBucket     the library to copy into (default: the same bucket)
 *   targetPrefix     the folder to copy into (default: the bucket's root)
 *   onConflict       fail | skip | overwrite | rename (default fail)
 *   replicationFilter  VSP's own filter: only ALL (everything selected) is served
 * Rendering turns a job's native params back into those names (a replicate
 * shows replicationMode MIRROR, a verify its `prefix`); a job of another type
 * shows its params as strings.
 */
import type { Job } from '../../domain/jobs.js';
import { InvalidArgumentError } from '../../domain/errors.js';
import { normalizePath } from '../../domain/item-path.js';

/** Library id → name, for `bucketName` and the target bucket in `jobParams`. */
export type BucketNames = ReadonlyMap<string, string>;

export interface ReplicateRequest {
  /** Normalized paths, or the whole bucket. */
  sources: string[] | 'whole-bucket';
  targetBucket: string | undefined;
  targetPath: string;
  onConflict: string | undefined;
}

const REPLICATE_KEYS = ['replicationMode', 'sourcePrefix', 'sourcePrefixes', 'targetBucket', 'targetPrefix', 'onConflict', 'replicationFilter'];

/** A string-valued `jobParams` entry (absent or null: undefined); 400 naming it otherwise. */
export function text(params: Record<string, unknown>, key: string): string | undefined {
  const value = params[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new InvalidArgumentError(`jobParams.${key}: must be a string`, { field: `jobParams.${key}` });
  return value;
}

/** A prefix as a library path: `docs/a/` → `/docs/a`, `` → `/`. */
export function pathOf(prefix: string, field: string): string {
  return normalizePath(prefix, field);
}

function readSourcePrefixes(params: Record<string, unknown>): string[] | undefined {
  const field = 'jobParams.sourcePrefixes';
  let value = params.sourcePrefixes;
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      throw new InvalidArgumentError(`${field}: must be a JSON array of prefixes, e.g. ["docs/","photos/"]`, { field });
    }
  }
  if (!Array.isArray(value) || value.some((p) => typeof p !== 'string')) {
    throw new InvalidArgumentError(`${field}: must be a JSON array of prefixes, e.g. ["docs/","photos/"]`, { field });
  }
  return (value as string[]).map((p, i) => pathOf(p, `${field}[${i}]`));
}

/** `replicationFilter`: VSP's own object filter; only ALL (everything selected) is served. */
export function readReplicationFilter(params: Record<string, unknown>): void {
  const filter = text(params, 'replicationFilter');
  if (filter !== undefined && filter.toUpperCase() !== 'ALL') {
    throw new InvalidArgumentError(`jobParams.replicationFilter: '${filter.slice(0, 64)}' is not served (only ALL; select with sourcePrefix)`, {
      field: 'jobParams.replicationFilter',
    });
  }
}

export function readReplicateParams(raw: Record<string, unknown> | null | undefined): ReplicateRequest {
  const params = raw ?? {};
  for (const key of Object.keys(params)) {
    if (!REPLICATE_KEYS.includes(key)) {
      throw new InvalidArgumentError(`jobParams.${key}: not a BATCH_REPLICATE parameter (known: ${REPLICATE_KEYS.join(', ')})`, { field: `jobParams.${key}` });
    }
  }
  readReplicationFilter(params);
  const single = text(params, 'sourcePrefix');
  const several = readSourcePrefixes(params);
  if (single !== undefined && several !== undefined) {
    throw new InvalidArgumentError('jobParams.sourcePrefix: give sourcePrefix or sourcePrefixes, not both', { field: 'jobParams.sourcePrefix' });
  }
  const chosen = several ?? (single === undefined ? [] : [pathOf(single, 'jobParams.sourcePrefix')]);
  const sources = chosen.length === 0 || chosen.includes('/') ? 'whole-bucket' : chosen;
  const targetBucket = text(params, 'targetBucket');
  if (targetBucket === '') throw new InvalidArgumentError('jobParams.targetBucket: must be a bucket name', { field: 'jobParams.targetBucket' });
  return {
    sources,
    targetBucket,
    targetPath: pathOf(text(params, 'targetPrefix') ?? '', 'jobParams.targetPrefix'),
    onConflict: text(params, 'onConflict'),
  };
}

/** The native params field an error names → the VSP field a client sent. */
export function vspFieldOf(nativeField: string): string {
  if (/^params\.paths(\[\d+\])?$/.test(nativeField)) return 'jobParams.sourcePrefix';
  if (nativeField === 'params.sourcePath') return 'jobParams.sourcePrefix';
  if (nativeField === 'params.destination' || nativeField === 'params.targetPath') return 'jobParams.targetPrefix';
  if (nativeField === 'params.path') return 'jobParams.prefix';
  if (nativeField === 'params.targetLibraryId') return 'jobParams.targetBucket';
  if (nativeField.startsWith('params.')) return `jobParams.${nativeField.slice('params.'.length)}`;
  return nativeField;
}

const prefixOf = (path: string): string => (path === '/' ? '' : path.slice(1));

function asText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Native params → VSP's string map. */
export function renderJobParams(job: Job, names: BucketNames): Record<string, string> {
  const params = job.params;
  const target = names.get(job.targetLibraryId ?? job.libraryId) ?? '';
  if (job.type === 'copy') {
    const paths = Array.isArray(params.paths) ? (params.paths as string[]) : [];
    // A copy submitted natively by item ids (not through VSP) names no prefixes: show its ids.
    const selection: Record<string, string> = Array.isArray(params.itemIds)
      ? { sourceItemIds: JSON.stringify(params.itemIds) }
      : paths.length === 1
        ? { sourcePrefix: prefixOf(paths[0]!) }
        : { sourcePrefixes: JSON.stringify(paths.map(prefixOf)) };
    return {
      ...selection,
      targetBucket: target,
      targetPrefix: prefixOf(typeof params.destination === 'string' ? params.destination : '/'),
      ...(typeof params.onConflict === 'string' ? { onConflict: params.onConflict } : {}),
    };
  }
  const replicate = job.type === 'replicate';
  const verify = job.type === 'verify';
  const out: Record<string, string> = replicate ? { replicationMode: 'MIRROR' } : {};
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null) continue;
    if (replicate && key === 'targetLibraryId') out.targetBucket = target;
    else if (replicate && key === 'sourcePath' && typeof value === 'string') out.sourcePrefix = prefixOf(value);
    else if (replicate && key === 'targetPath' && typeof value === 'string') out.targetPrefix = prefixOf(value);
    else if (verify && key === 'path' && typeof value === 'string') out.prefix = prefixOf(value);
    else out[key] = asText(value);
  }
  return out;
}
