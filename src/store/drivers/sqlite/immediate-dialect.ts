/**
 * Kysely's SQLite dialect with every transaction opened `BEGIN IMMEDIATE`.
 * Several connections share one database file (the API's and the engine
 * thread's, a worker process's): a deferred transaction that reads and then
 * writes fails at once with SQLITE_BUSY when another connection committed in
 * between, which no busy timeout can wait out. Taking the write lock at BEGIN
 * makes a writer wait its turn (busy_timeout) instead.
 */
import { CompiledQuery, SqliteDialect, SqliteDriver, type DatabaseConnection, type Driver, type SqliteDialectConfig } from 'kysely';
import { yieldToForeground, type WriteGate } from './write-gate.js';

class ImmediateSqliteDriver extends SqliteDriver {
  constructor(
    settings: SqliteDialectConfig,
    private readonly gate: WriteGate,
  ) {
    super(settings);
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    // The engine thread lets a waiting API write take the lock first (write-gate.ts).
    if (this.gate.role === 'background') await yieldToForeground(this.gate);
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

export class ImmediateSqliteDialect extends SqliteDialect {
  constructor(
    private readonly settings: SqliteDialectConfig,
    private readonly gate: WriteGate,
  ) {
    super(settings);
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.settings, this.gate);
  }
}
