/**
 * Test databases: a fresh SQLite file, or a fresh PostgreSQL schema, per test
 * (`create`); or a migrated one (`createMigrated`): on PostgreSQL a schema this
 * test process migrated once and empties between tests (TRUNCATE … RESTART
 * IDENTITY: identities start at 1 again), because migrating a schema costs
 * ~0.3–1 s and most tests start from a migrated, empty database.
 * PostgreSQL is reached at TEST_DATABASE_URL. In CI (any non-empty CI other
 * than false/0) an unreachable server fails the run; elsewhere its suites are
 * skipped with one clear line.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import pg from 'pg';
import { afterEach, beforeEach } from 'vitest';
import { migrate } from '../../src/store/migrate.js';
import { Store } from '../../src/store/store.js';
import type { Driver } from '../../src/store/driver.js';
import { createSqliteDriver } from '../../src/store/drivers/sqlite/sqlite-driver.js';
import { createPostgresDriver } from '../../src/store/drivers/postgres/postgres-driver.js';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDriver {
  driver: Driver;
  /** A directory for this test's blobs and files. */
  dir: string;
  dispose(): Promise<void>;
}

export interface DriverFactory {
  name: 'sqlite' | 'postgres';
  /** An empty database, never migrated. */
  create(): Promise<TestDriver>;
  /** A migrated database holding no rows (but the migrations' own). */
  createMigrated(): Promise<TestDriver>;
}

let pgReachable: Promise<string | undefined> | undefined;

/** CI providers set CI to `true`, `1` or a name: any non-empty value but `false`/`0` means CI. */
export function isCI(value: string | undefined): boolean {
  const v = (value ?? '').trim().toLowerCase();
  return v !== '' && v !== 'false' && v !== '0';
}

/**
 * Whether PostgreSQL suites run: always when the server is reachable
 * (`unreachable` undefined); skipped when it is not, except in CI, where an
 * unreachable server is an error (a CI run must never pass without them).
 */
export function postgresSuites(unreachable: string | undefined, ci: string | undefined): 'run' | 'skip' {
  if (unreachable === undefined) return 'run';
  if (isCI(ci)) throw new Error(`PostgreSQL at ${TEST_DATABASE_URL} is unreachable and CI=${ci}: ${unreachable}`);
  return 'skip';
}

/** undefined when reachable, else the reason. */
function probePostgres(): Promise<string | undefined> {
  pgReachable ??= (async () => {
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 3000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return undefined;
    } catch (error) {
      return (error as Error).message;
    } finally {
      await client.end().catch(() => {});
    }
  })();
  return pgReachable;
}

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'batchyard-test-'));
}

export const sqliteFactory: DriverFactory = {
  name: 'sqlite',
  async createMigrated() {
    const t = await sqliteFactory.create();
    await migrate(t.driver);
    return t;
  },
  async create() {
    const dir = tempDir();
    const driver = createSqliteDriver({ filename: path.join(dir, 'batchyard.sqlite') });
    return {
      driver,
      dir,
      async dispose() {
        await driver.close();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

/**
 * Migrated schemas of this test process, free for the next test. Named with
 * the run (BATCHYARD_TEST_RUN, set by test/support/global-setup.ts, which drops
 * them when the run ends) so that runs side by side never touch each other's.
 */
const freeSchemas: string[] = [];
const RUN = process.env.BATCHYARD_TEST_RUN ?? `x${Date.now().toString(36)}`;

async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Empties a pooled schema's tables (all but the migration record); false when it could not (a lock held on): not reused. */
async function emptySchema(schema: string): Promise<boolean> {
  return withAdmin(async (client) => {
    const tables = await client.query<{ tablename: string }>(`SELECT tablename FROM pg_tables WHERE schemaname = $1 AND tablename <> 'batchyard_migrations'`, [schema]);
    if (tables.rows.length === 0) return true;
    try {
      await client.query(`SET lock_timeout = '5s'`);
      await client.query(`TRUNCATE TABLE ${tables.rows.map((t) => `${schema}."${t.tablename}"`).join(', ')} RESTART IDENTITY CASCADE`);
      return true;
    } catch {
      return false;
    }
  });
}

export const postgresFactory: DriverFactory = {
  name: 'postgres',
  async createMigrated() {
    let schema = freeSchemas.pop();
    while (schema !== undefined && !(await emptySchema(schema))) schema = freeSchemas.pop();
    const reused = schema !== undefined;
    schema ??= `by_pool_${RUN}_${crypto.randomBytes(4).toString('hex')}`;
    const dir = tempDir();
    const driver = await createPostgresDriver({ connectionString: TEST_DATABASE_URL, schema, poolSize: 4 });
    if (!reused) await migrate(driver);
    const owned = schema;
    return {
      driver,
      dir,
      async dispose() {
        await driver.close();
        freeSchemas.push(owned);
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  },
  async create() {
    const dir = tempDir();
    const schema = `by_test_${crypto.randomBytes(6).toString('hex')}`;
    const driver = await createPostgresDriver({ connectionString: TEST_DATABASE_URL, schema, poolSize: 4 });
    return {
      driver,
      dir,
      async dispose() {
        await driver.close();
        const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
        await client.connect();
        try {
          await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        } finally {
          await client.end();
        }
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

let announced = false;

/** The drivers to run suites against: SQLite always; PostgreSQL if reachable (required in CI). */
export async function driverFactories(): Promise<DriverFactory[]> {
  const reason = await probePostgres();
  if (postgresSuites(reason, process.env.CI) === 'run') return [sqliteFactory, postgresFactory];
  if (!announced) {
    announced = true;
    console.warn(`[batchyard tests] PostgreSQL suites SKIPPED: ${TEST_DATABASE_URL} unreachable (${reason}); set TEST_DATABASE_URL`);
  }
  return [sqliteFactory];
}

/**
 * Gives each test of the enclosing describe a fresh, migrated database:
 * read `db.t` (the driver and its temp dir) and `db.store` inside tests.
 */
export function useMigratedStore(factory: DriverFactory): { readonly t: TestDriver; readonly store: Store } {
  let current: { t: TestDriver; store: Store } | undefined;
  beforeEach(async () => {
    const t = await factory.createMigrated();
    current = { t, store: new Store(t.driver) };
  });
  afterEach(async () => {
    await current?.t.dispose();
    current = undefined;
  });
  return {
    get t() {
      if (!current) throw new Error('useMigratedStore: only inside a test');
      return current.t;
    },
    get store() {
      if (!current) throw new Error('useMigratedStore: only inside a test');
      return current.store;
    },
  };
}
