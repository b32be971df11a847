/** Picks the driver from configuration: PostgreSQL for a postgres:// URL, else SQLite under the data directory. */
import path from 'node:path';
import type { Driver } from './driver.js';
import { createSqliteDriver } from './drivers/sqlite/sqlite-driver.js';
import { createWriteGate } from './drivers/sqlite/write-gate.js';
import { createPostgresDriver } from './drivers/postgres/postgres-driver.js';

export interface OpenDriverOptions {
  databaseUrl: string | undefined;
  dataDir: string;
  poolSize?: number;
  /** SQLite, on the engine thread: the API thread's write gate, joined as the one that yields. */
  backgroundWriteGate?: SharedArrayBuffer;
}

export async function openDriver(options: OpenDriverOptions): Promise<Driver> {
  if (options.databaseUrl) {
    return createPostgresDriver({ connectionString: options.databaseUrl, poolSize: options.poolSize });
  }
  const filename = path.join(options.dataDir, 'batchyard.sqlite');
  if (options.backgroundWriteGate) return createSqliteDriver({ filename, writeGate: createWriteGate('background', options.backgroundWriteGate) });
  return createSqliteDriver({ filename });
}
