/**
 * What a database driver provides to the store: a Kysely instance, the
 * capability flags that name where databases differ, its own numbered
 * migrations, and how to serialize migrators. Only src/store/drivers/* implement it.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Database } from './schema.js';

export interface Capabilities {
  /** Several connections may write at once (PostgreSQL); false means one serialized writer (SQLite). */
  readonly concurrentWriters: boolean;
  /** `SELECT … FOR UPDATE SKIP LOCKED` is available for claiming work. */
  readonly skipLocked: boolean;
  /** Events can cross processes through the database (LISTEN/NOTIFY). */
  readonly crossProcessNotify: boolean;
}

export interface Migration {
  readonly version: number;
  readonly name: string;
  /** Statements separated by `;` at line ends; no statement contains `;\n` inside. */
  readonly sql: string;
}

export interface Driver {
  /** A short label for logs (`sqlite:/path/file`, `postgres:host/db`); never holds a password. */
  readonly label: string;
  readonly db: Kysely<Database>;
  readonly capabilities: Capabilities;
  readonly migrations: readonly Migration[];
  /** Serializes concurrent migrators inside the migrating transaction (advisory lock on PostgreSQL). */
  lockForMigration(trx: Transaction<Database>): Promise<void>;
  /** True when `error` is this database's unique-constraint violation. */
  isUniqueViolation(error: unknown): boolean;
  close(): Promise<void>;
}
