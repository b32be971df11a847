/** Picks the driver from configuration: PostgreSQL for a postgres:// URL, else SQLite under the data directory. */
import path from 'node:path';
import type { Driver } from './driver.js';
import { createSqliteDriver } from './drivers/sqlite/sqlite-driver.js';
import { createPostgresDriver } from './drivers/postgres/postgres-driver.js';

export interface OpenDriverOptions {
  databaseUrl: string | undefined;
  dataDir: string;
  poolSize?: number;
}

export async function openDriver(options: OpenDriverOptions): Promise<Driver> {
  if (options.databaseUrl) {
    return createPostgresDriver({ connectionString: options.databaseUrl, poolSize: options.poolSize });
  }
  return createSqliteDriver({ filename: path.join(options.dataDir, 'batchyard.sqlite') });
}
