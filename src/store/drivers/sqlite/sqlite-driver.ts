/**
 * SQLite through better-sqlite3: one connection in WAL mode. Kysely's SQLite
 * driver serializes every query and transaction on that connection with one
 * mutex, so there is exactly one writer and it is serialized in one place.
 */
import fs from 'node:fs';
import { EventEmitter } from 'node:events';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { Driver, Capabilities, Notifier } from '../../driver.js';
import type { Database } from '../../schema.js';
import { sqliteMigrations } from './migrations/index.js';
import { withStatementCache } from './statement-cache.js';

const capabilities: Capabilities = Object.freeze({
  concurrentWriters: false,
  skipLocked: false,
  crossProcessNotify: false,
});

export interface SqliteDriverOptions {
  /** A file path, or `:memory:`. */
  filename: string;
}

export function createSqliteDriver(options: SqliteDriverOptions): Driver {
  if (options.filename !== ':memory:') {
    fs.mkdirSync(path.dirname(path.resolve(options.filename)), { recursive: true });
  }
  const connection = new BetterSqlite3(options.filename);
  connection.pragma('journal_mode = WAL');
  connection.pragma('synchronous = NORMAL');
  connection.pragma('foreign_keys = ON');
  connection.pragma('busy_timeout = 5000');
  connection.pragma('cache_size = -65536');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(connection) }) });
  return {
    label: `sqlite:${options.filename}`,
    db,
    capabilities,
    notifier: inProcessNotifier(),
    isTransient(error: unknown) {
      const code = (error as { code?: unknown } | null)?.code;
      return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED' || code === 'SQLITE_IOERR' || code === 'SQLITE_FULL';
    },
    migrations: sqliteMigrations,
    async lockForMigration() {
      // One connection per process and SQLite's own write lock serialize migrators.
    },
    isUniqueViolation(error: unknown) {
      const code = (error as { code?: unknown } | null)?.code;
      return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
    },
    async close() {
      await db.destroy();
    },
  };
}

/** One process owns a SQLite database: hints travel on an in-process emitter. */
function inProcessNotifier(): Notifier {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  return {
    async publish(_db, channel, payload) {
      setImmediate(() => emitter.emit(channel, payload));
    },
    async subscribe(channel, listener) {
      emitter.on(channel, listener);
      return async () => {
        emitter.off(channel, listener);
      };
    },
  };
}
