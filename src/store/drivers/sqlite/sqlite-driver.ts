/**
 * SQLite through better-sqlite3: one connection per thread in WAL mode.
 * Kysely's SQLite driver serializes every query and transaction on that
 * connection with one mutex; transactions begin IMMEDIATE, so writers on other
 * connections (the engine thread, a worker process) wait their turn on
 * SQLite's write lock rather than fail, and readers never wait (WAL).
 */
import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, sql } from 'kysely';
import type { Driver, Capabilities } from '../../driver.js';
import type { Database } from '../../schema.js';
import { sqliteMigrations } from './migrations/index.js';
import { withStatementCache } from './statement-cache.js';
import { ImmediateSqliteDialect } from './immediate-dialect.js';
import { threadNotifier } from './thread-notifier.js';
import { createWriteGate, type WriteGate } from './write-gate.js';

const capabilities: Capabilities = Object.freeze({
  concurrentWriters: false,
  skipLocked: false,
  crossProcessNotify: false,
  commitSnapshots: false,
});

export interface SqliteDriverOptions {
  /** A file path, or `:memory:`. */
  filename: string;
  /** Shared with the other thread on this file (write-gate.ts); a foreground gate of its own by default. */
  writeGate?: WriteGate;
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
  // 32 MiB of page cache per connection: a server has two (the API's and the engine thread's).
  connection.pragma('cache_size = -32768');
  const writeGate = options.writeGate ?? createWriteGate();
  const db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database: withStatementCache(connection, writeGate) }, writeGate) });
  const notifier = threadNotifier(options.filename === ':memory:' ? ':memory:' : path.resolve(options.filename));
  const file = options.filename === ':memory:' ? undefined : path.resolve(options.filename);
  // The file this connection opened: `ping` finds out when another stands at its path, or none.
  const opened = file === undefined ? undefined : fs.statSync(file);
  return {
    label: `sqlite:${options.filename}`,
    db,
    capabilities,
    notifier,
    threadWriteGate: writeGate.buffer,
    isTransient(error: unknown) {
      // better-sqlite3 reports extended codes (SQLITE_BUSY_SNAPSHOT, SQLITE_LOCKED_SHAREDCACHE, SQLITE_IOERR_…).
      const code = (error as { code?: unknown } | null)?.code;
      return typeof code === 'string' && (/^SQLITE_(BUSY|LOCKED|IOERR)(_|$)/.test(code) || code === 'SQLITE_FULL');
    },
    migrations: sqliteMigrations,
    async lockForMigration() {
      // One connection per process and SQLite's own write lock serialize migrators.
    },
    async refreshStaleStatistics() {
      // Our queries are written for SQLite's index choice without statistics; ANALYZE could only change plans.
      return [];
    },
    isUniqueViolation(error: unknown) {
      const code = (error as { code?: unknown } | null)?.code;
      return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
    },
    async ping() {
      await sql`SELECT 1`.execute(db);
      if (file === undefined || opened === undefined) return;
      let now: fs.Stats;
      try {
        now = await fs.promises.stat(file);
      } catch (error) {
        throw new Error(`database file ${file} is not reachable (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
      }
      if (now.ino !== opened.ino || now.dev !== opened.dev) throw new Error(`database file ${file} was replaced since this process opened it`);
    },
    async close() {
      notifier.close();
      await db.destroy();
    },
  };
}
