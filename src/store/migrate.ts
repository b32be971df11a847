/**
 * Applies a driver's pending numbered migrations in one transaction, under
 * the driver's migration lock, recording each in `batchyard_migrations`.
 */
import { sql } from 'kysely';
import type { Driver, Migration } from './driver.js';

export interface MigrateResult {
  applied: Migration[];
  version: number;
}

function statementsOf(script: string): string[] {
  return script
    .split(/;\s*\n/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

export async function migrate(driver: Driver, now: () => number = Date.now): Promise<MigrateResult> {
  return driver.db.transaction().execute(async (trx) => {
    await driver.lockForMigration(trx);
    await sql`CREATE TABLE IF NOT EXISTS batchyard_migrations (
      version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`.execute(trx);
    const done = await trx.selectFrom('batchyard_migrations').select('version').execute();
    const doneVersions = new Set(done.map((row) => Number(row.version)));
    const pending = driver.migrations.filter((m) => !doneVersions.has(m.version));
    for (const migration of pending) {
      for (const statement of statementsOf(migration.sql)) {
        await sql.raw(statement).execute(trx);
      }
      await trx
        .insertInto('batchyard_migrations')
        .values({ version: migration.version, name: migration.name, applied_at: now() })
        .execute();
    }
    const latest = driver.migrations.at(-1)?.version ?? 0;
    return { applied: pending, version: latest };
  });
}

export interface MigrationStatus {
  /** Versions recorded as applied. */
  applied: number[];
  /** This build's migrations not applied yet (`migrate` applies them; so does the next start of serve or worker). */
  pending: Migration[];
  /** Applied versions this build does not know: the database was migrated by a newer batchyard. */
  unknown: number[];
  /** false when the database holds no migration record at all (a new database; `why` says what the read met). */
  recorded: boolean;
  why?: string;
}

/** What `migrate` would apply, read without changing anything (`batchyard doctor`). */
export async function migrationStatus(driver: Driver): Promise<MigrationStatus> {
  let applied: number[];
  try {
    const rows = await driver.db.selectFrom('batchyard_migrations').select('version').orderBy('version').execute();
    applied = rows.map((row) => Number(row.version));
  } catch (error) {
    // The record table is absent (a new database) — unless the database itself failed, which ping tells.
    await driver.ping();
    return { applied: [], pending: [...driver.migrations], unknown: [], recorded: false, why: error instanceof Error ? error.message : String(error) };
  }
  const done = new Set(applied);
  const known = new Set(driver.migrations.map((m) => m.version));
  return {
    applied,
    pending: driver.migrations.filter((m) => !done.has(m.version)),
    unknown: applied.filter((v) => !known.has(v)),
    recorded: true,
  };
}
