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
