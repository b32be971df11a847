/**
 * Kysely's SQLite dialect with every transaction opened `BEGIN IMMEDIATE`.
 * Several connections share one database file (the API's and the engine
 * thread's, a worker process's): a deferred transaction that reads and then
 * writes fails at once with SQLITE_BUSY when another connection committed in
 * between, which no busy timeout can wait out. Taking the write lock at BEGIN
 * makes a writer wait its turn (busy_timeout) instead.
 */
import { CompiledQuery, SqliteDialect, SqliteDriver, type DatabaseConnection, type Driver, type SqliteDialectConfig } from 'kysely';

class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

export class ImmediateSqliteDialect extends SqliteDialect {
  constructor(private readonly settings: SqliteDialectConfig) {
    super(settings);
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.settings);
  }
}
