/**
 * PostgreSQL through a pooled `pg` client. BIGINT columns come back as
 * numbers (our ids and epoch-millisecond times stay below 2^53).
 */
import pg from 'pg';
import { Kysely, PostgresDialect, sql, type Transaction } from 'kysely';
import type { Driver, Capabilities } from '../../driver.js';
import type { Database } from '../../schema.js';
import { postgresMigrations } from './migrations/index.js';

const capabilities: Capabilities = Object.freeze({
  concurrentWriters: true,
  skipLocked: true,
  crossProcessNotify: true,
});

const INT8_OID = 20;
const NUMERIC_OID = 1700;
const typeParsers = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID || oid === NUMERIC_OID) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

export interface PostgresDriverOptions {
  connectionString: string;
  /** A schema to create if absent and put first on the search_path (tests isolate with it). */
  schema?: string;
  poolSize?: number;
}

const MIGRATION_LOCK_KEY = 0x62617463; // 'batc'

export function assertSchemaName(schema: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`invalid schema name '${schema}'`);
  return schema;
}

export function describeConnection(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    return `postgres:${url.hostname}${url.port ? `:${url.port}` : ''}${url.pathname}`;
  } catch {
    return 'postgres';
  }
}

export async function createPostgresDriver(options: PostgresDriverOptions): Promise<Driver> {
  const schema = options.schema === undefined ? undefined : assertSchemaName(options.schema);
  if (schema !== undefined) {
    const client = new pg.Client({ connectionString: options.connectionString });
    await client.connect();
    try {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    } finally {
      await client.end();
    }
  }
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.poolSize ?? 10,
    types: typeParsers,
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
  });
  // An idle client's connection error must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    label: describeConnection(options.connectionString) + (schema ? `#${schema}` : ''),
    db,
    capabilities,
    migrations: postgresMigrations,
    async lockForMigration(trx: Transaction<Database>) {
      await sql`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`.execute(trx);
    },
    isUniqueViolation(error: unknown) {
      return (error as { code?: unknown } | null)?.code === '23505';
    },
    async close() {
      await db.destroy();
    },
  };
}
