/**
 * One migrated database per test file and driver, emptied before each test:
 * a fresh PostgreSQL schema per test costs a migration run (about a second on
 * a busy machine), emptying every table costs one statement. Tests still see
 * an empty database; they must not rely on id values.
 */
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { sql } from 'kysely';
import type { DriverFactory, TestDriver } from '../support/drivers.js';
import type { Driver } from '../../src/store/driver.js';
import { Store } from '../../src/store/store.js';

const KEEP = 'batchyard_migrations';

/** The tables ordered so that each comes before the tables its foreign keys reference. */
function childrenFirst(tables: string[], keys: Array<{ child: string; parent: string }>): string[] {
  const out: string[] = [];
  const placed = new Set<string>();
  const place = (table: string, path: Set<string>) => {
    if (placed.has(table) || path.has(table)) return;
    path.add(table);
    // Every table referencing this one goes first.
    for (const k of keys) if (k.parent === table && k.child !== table) place(k.child, path);
    placed.add(table);
    out.push(table);
  };
  for (const table of tables) place(table, new Set());
  return out;
}

/** Deletes every row of every table but the migration log. */
export async function emptyTables(driver: Driver, postgres: boolean): Promise<void> {
  if (postgres) {
    // DELETE, not TRUNCATE: on tables this small TRUNCATE costs half a second (new files for every table and index).
    const { rows } = await sql<{ tablename: string }>`
      SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename <> ${KEEP}`.execute(driver.db);
    const { rows: keys } = await sql<{ child: string; parent: string }>`
      SELECT c.relname AS child, p.relname AS parent FROM pg_constraint k
      JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class p ON p.oid = k.confrelid
      WHERE k.contype = 'f' AND k.connamespace = current_schema()::regnamespace`.execute(driver.db);
    const order = childrenFirst(rows.map((r) => r.tablename), keys);
    await driver.db.transaction().execute(async (trx) => {
      for (const name of order) await sql`DELETE FROM ${sql.table(name)}`.execute(trx);
    });
    return;
  }
  const { rows } = await sql<{ name: string }>`
    SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> ${KEEP}`.execute(driver.db);
  await driver.db.transaction().execute(async (trx) => {
    // Every row goes, so deferred foreign keys hold at commit whatever the order.
    await sql`PRAGMA defer_foreign_keys = ON`.execute(trx);
    for (const { name } of rows) await sql`DELETE FROM ${sql.table(name)}`.execute(trx);
  });
}

/** Read `db.t` and `db.store` inside tests: one database for the file, empty at the start of each test. */
export function useSharedStore(factory: DriverFactory): { readonly t: TestDriver; readonly store: Store } {
  let current: { t: TestDriver; store: Store } | undefined;
  beforeAll(async () => {
    const t = await factory.createMigrated();
    current = { t, store: new Store(t.driver) };
  });
  beforeEach(async () => {
    if (current) await emptyTables(current.t.driver, factory.name === 'postgres');
  });
  afterAll(async () => {
    await current?.t.dispose();
    current = undefined;
  });
  return {
    get t() {
      if (!current) throw new Error('useSharedStore: only inside a test');
      return current.t;
    },
    get store() {
      if (!current) throw new Error('useSharedStore: only inside a test');
      return current.store;
    },
  };
}
