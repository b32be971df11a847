/**
 * The operator's named storage locations (`BATCHYARD_STORAGES=name=where,…`),
 * each a blob store: a local directory (LocalBlobStore) or an S3 bucket and
 * prefix (`s3://bucket/prefix?endpoint=…`, S3BlobStore).
 */
import os from 'node:os';
import path from 'node:path';
import type { BlobStore } from './blob-store.js';
import { LocalBlobStore } from './local-blob-store.js';
import { S3BlobStore } from './s3/s3-blob-store.js';
import { isS3Url, parseS3Location } from './s3/s3-location.js';
import { InvalidArgumentError } from '../domain/errors.js';

const LOCATION_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/**
 * Parses `name=where,name2=where2` into name → where: an absolute directory
 * (relative ones resolve against the working directory), or an `s3://` URL
 * as written (checked here: parseS3Location says what is wrong with a bad
 * one). `default` is always present (`<dataDir>/blobs` unless the spec names
 * it). Empty entries (a trailing comma) are skipped. Two locations may not
 * share a directory, nor a bucket and prefix: each keeps its own reference
 * counts and would collect the other's blobs.
 */
export function parseStorageLocations(spec: string | undefined, dataDir: string): Record<string, string> {
  const locations: Record<string, string> = { default: path.resolve(dataDir, 'blobs') };
  const seen = new Set<string>();
  const byPlace = new Map<string, string>();
  for (const part of (spec ?? '').split(',')) {
    const entry = part.trim();
    if (entry === '') continue;
    const eq = entry.indexOf('=');
    if (eq < 0) throw new InvalidArgumentError(`BATCHYARD_STORAGES: '${entry}' must be name=directory or name=s3://bucket/prefix?…`);
    const name = entry.slice(0, eq).trim();
    const where = entry.slice(eq + 1).trim();
    if (!LOCATION_NAME.test(name)) {
      throw new InvalidArgumentError(
        `BATCHYARD_STORAGES: '${name}' is not a valid location name (1-63 characters: lowercase letters, digits, - and _, starting with a letter or digit)`,
      );
    }
    if (where === '') throw new InvalidArgumentError(`BATCHYARD_STORAGES: location '${name}' has no directory`);
    if (seen.has(name)) throw new InvalidArgumentError(`BATCHYARD_STORAGES: location '${name}' is named twice`);
    seen.add(name);
    if (isS3Url(where)) {
      const s3 = parseS3Location(name, where, dataDir);
      const place = `s3://${s3.bucket}/${s3.prefix} at ${s3.endpoint ?? 'AWS'}`;
      const other = byPlace.get(place);
      if (other !== undefined) throw new InvalidArgumentError(`BATCHYARD_STORAGES: locations '${other}' and '${name}' share the bucket and prefix ${place}`);
      byPlace.set(place, name);
      locations[name] = where;
    } else {
      locations[name] = path.resolve(where);
    }
  }
  const byDir = new Map<string, string>();
  for (const [name, dir] of Object.entries(locations)) {
    if (isS3Url(dir)) continue;
    const other = byDir.get(dir);
    if (other !== undefined) throw new InvalidArgumentError(`BATCHYARD_STORAGES: locations '${other}' and '${name}' share the directory ${dir}`);
    byDir.set(dir, name);
  }
  return locations;
}

/** What every location provides beyond BlobStore: letting go of its resources at shutdown. */
type ClosableStore = BlobStore & { close(): void };

/** A registry of named blob stores: a LocalBlobStore per directory, an S3BlobStore per s3:// URL. */
export class BlobStores {
  private readonly stores = new Map<string, ClosableStore>();

  /**
   * `locations` as parseStorageLocations gives them. An S3 location's writes
   * spool under `<dataDir>/s3-spool/<name>` (without a dataDir, under the
   * system's temp directory).
   */
  constructor(locations: Record<string, string>, options: { dataDir?: string } = {}) {
    const spoolRoot = options.dataDir !== undefined ? path.join(options.dataDir, 's3-spool') : path.join(os.tmpdir(), 'batchyard-s3-spool');
    for (const [name, where] of Object.entries(locations)) {
      this.stores.set(name, isS3Url(where) ? new S3BlobStore(name, parseS3Location(name, where, spoolRoot)) : new LocalBlobStore(name, where));
    }
  }

  /** The store for `name`; InvalidArgumentError (listing the known names) when there is none. */
  get(name: string): BlobStore {
    const store = this.stores.get(name);
    if (!store) throw new InvalidArgumentError(`unknown storage location '${name}'; known: ${this.names().join(', ')}`);
    return store;
  }

  has(name: string): boolean {
    return this.stores.has(name);
  }

  /** Location names, sorted. */
  names(): string[] {
    return [...this.stores.keys()].sort();
  }

  /** Closes every location's pack index and open packs, and the S3 clients' sockets (at shutdown). */
  close(): void {
    for (const store of this.stores.values()) store.close();
  }

  /** Removes crash leftovers in every location; returns the total. Call at start. */
  async removeOrphanTempFiles(options: { olderThanMs?: number } = {}): Promise<number> {
    const counts = await Promise.all([...this.stores.values()].map((store) => store.removeOrphanTempFiles(options)));
    return counts.reduce((sum, n) => sum + n, 0);
  }
}
