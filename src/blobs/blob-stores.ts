/** The operator's named storage locations (`BATCHYARD_STORAGES=name=dir,…`), each a blob store. */
import path from 'node:path';
import type { BlobStore } from './blob-store.js';
import { LocalBlobStore } from './local-blob-store.js';
import { InvalidArgumentError } from '../domain/errors.js';

const LOCATION_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/** Parses `name=dir,name2=dir2`; `default` is `<dataDir>/blobs` unless given. */
export function parseStorageLocations(spec: string | undefined, dataDir: string): Record<string, string> {
  const locations: Record<string, string> = { default: path.join(dataDir, 'blobs') };
  if (spec === undefined || spec.trim() === '') return locations;
  const seen = new Set<string>();
  for (const part of spec.split(',')) {
    const entry = part.trim();
    const eq = entry.indexOf('=');
    const name = eq < 0 ? '' : entry.slice(0, eq).trim();
    const dir = eq < 0 ? '' : entry.slice(eq + 1).trim();
    if (!LOCATION_NAME.test(name) || dir === '') {
      throw new InvalidArgumentError(`BATCHYARD_STORAGES: '${entry}' must be name=directory (name: lowercase letters, digits, - and _)`);
    }
    if (seen.has(name)) throw new InvalidArgumentError(`BATCHYARD_STORAGES: '${name}' is named twice`);
    seen.add(name);
    locations[name] = path.resolve(dir);
  }
  return locations;
}

export class BlobStores {
  private readonly stores = new Map<string, BlobStore>();

  constructor(locations: Record<string, string>) {
    for (const [name, dir] of Object.entries(locations)) this.stores.set(name, new LocalBlobStore(name, dir));
  }

  get(name: string): BlobStore {
    const store = this.stores.get(name);
    if (!store) throw new InvalidArgumentError(`unknown storage location '${name}'; known: ${this.names().join(', ')}`);
    return store;
  }

  has(name: string): boolean {
    return this.stores.has(name);
  }

  names(): string[] {
    return [...this.stores.keys()].sort();
  }

  async removeOrphanTempFiles(): Promise<number> {
    let total = 0;
    for (const store of this.stores.values()) total += await store.removeOrphanTempFiles();
    return total;
  }
}
