/** The operator's named storage locations (`BATCHYARD_STORAGES=name=dir,…`), each a blob store. */
import path from 'node:path';
import type { BlobStore } from './blob-store.js';
import { LocalBlobStore } from './local-blob-store.js';
import { InvalidArgumentError } from '../domain/errors.js';

const LOCATION_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/**
 * Parses `name=dir,name2=dir2` into name → absolute directory. Relative
 * directories resolve against the working directory; `default` is always
 * present (`<dataDir>/blobs` unless the spec names it). Empty entries (a
 * trailing comma) are skipped. Two locations may not share a directory:
 * each keeps its own reference counts and would collect the other's blobs.
 */
export function parseStorageLocations(spec: string | undefined, dataDir: string): Record<string, string> {
  const locations: Record<string, string> = { default: path.resolve(dataDir, 'blobs') };
  const seen = new Set<string>();
  for (const part of (spec ?? '').split(',')) {
    const entry = part.trim();
    if (entry === '') continue;
    const eq = entry.indexOf('=');
    if (eq < 0) throw new InvalidArgumentError(`BATCHYARD_STORAGES: '${entry}' must be name=directory`);
    const name = entry.slice(0, eq).trim();
    const dir = entry.slice(eq + 1).trim();
    if (!LOCATION_NAME.test(name)) {
      throw new InvalidArgumentError(
        `BATCHYARD_STORAGES: '${name}' is not a valid location name (1-63 characters: lowercase letters, digits, - and _, starting with a letter or digit)`,
      );
    }
    if (dir === '') throw new InvalidArgumentError(`BATCHYARD_STORAGES: location '${name}' has no directory`);
    if (seen.has(name)) throw new InvalidArgumentError(`BATCHYARD_STORAGES: location '${name}' is named twice`);
    seen.add(name);
    locations[name] = path.resolve(dir);
  }
  const byDir = new Map<string, string>();
  for (const [name, dir] of Object.entries(locations)) {
    const other = byDir.get(dir);
    if (other !== undefined) throw new InvalidArgumentError(`BATCHYARD_STORAGES: locations '${other}' and '${name}' share the directory ${dir}`);
    byDir.set(dir, name);
  }
  return locations;
}

/** A registry of named blob stores, one LocalBlobStore per location. */
export class BlobStores {
  private readonly stores = new Map<string, LocalBlobStore>();

  constructor(locations: Record<string, string>) {
    for (const [name, dir] of Object.entries(locations)) this.stores.set(name, new LocalBlobStore(name, dir));
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

  /** Closes every location's pack index and open packs (at shutdown). */
  close(): void {
    for (const store of this.stores.values()) store.close();
  }

  /** Removes crash leftovers in every location; returns the total. Call at start. */
  async removeOrphanTempFiles(options: { olderThanMs?: number } = {}): Promise<number> {
    const counts = await Promise.all([...this.stores.values()].map((store) => store.removeOrphanTempFiles(options)));
    return counts.reduce((sum, n) => sum + n, 0);
  }
}
