/**
 * PostgreSQL through a pooled `pg` client. BIGINT columns come back as
 * numbers (our ids and epoch-millisecond times stay below 2^53).
 */
import pg from 'pg';
import { Kysely, PostgresDialect, sql, type Transaction } from 'kysely';
import type { Driver, Capabilities, Notifier } from '../../driver.js';
import type { Database } from '../../schema.js';
import { postgresMigrations } from './migrations/index.js';
import { decodeHint, encodeHint, HINT_CHANNELS, type Hint, type HintTopic } from '../../hints.js';

const capabilities: Capabilities = Object.freeze({
  concurrentWriters: true,
  skipLocked: true,
  crossProcessNotify: true,
  commitSnapshots: true,
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

/**
 * SQLSTATEs worth another try: serialization failure, deadlock, lock not available
 * (lock_timeout, NOWAIT), too many connections, administrator or crash shutdown,
 * cannot connect now; class 08 (connection exceptions) is matched by prefix.
 */
const TRANSIENT_SQLSTATES = new Set(['40001', '40P01', '55P03', '53300', '57P01', '57P02', '57P03']);
const TRANSIENT_SOCKET_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE']);
/** pg and pg-pool errors that carry no code: the pool's connect timeout, a connection that died. */
const POOL_UNAVAILABLE = /^(timeout exceeded when trying to connect|Connection terminated( unexpectedly| due to connection timeout)|Client has encountered a connection error)/;

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
  // Nor a checked-out one's (the pool listens only while a client is idle): a connection that
  // drops mid-query (the server restarted, a network cut) rejects that query, which the engine
  // and the API treat as transient; the client, no longer queryable, is dropped on release.
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    label: describeConnection(options.connectionString) + (schema ? `#${schema}` : ''),
    db,
    capabilities,
    notifier: listenNotifyNotifier(options.connectionString, schema),
    isTransient(error: unknown) {
      const code = (error as { code?: unknown } | null)?.code;
      if (typeof code !== 'string') return POOL_UNAVAILABLE.test(error instanceof Error ? error.message : '');
      return TRANSIENT_SQLSTATES.has(code) || code.startsWith('08') || TRANSIENT_SOCKET_CODES.has(code);
    },
    migrations: postgresMigrations,
    refreshStaleStatistics: () => analyzeStaleTables(db),
    async lockForMigration(trx: Transaction<Database>) {
      // One lock per schema (the first on the search_path): migrators of one database wait for each other, other schemas' do not.
      await sql`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY}, hashtext(current_schema()))`.execute(trx);
    },
    isUniqueViolation(error: unknown) {
      return (error as { code?: unknown } | null)?.code === '23505';
    },
    async ping() {
      const { rows } = await sql<{ standby: boolean }>`SELECT pg_is_in_recovery() AS standby`.execute(db);
      if (rows[0]?.standby === true) throw new Error('the server is a standby (in recovery): it takes no writes');
    },
    async serverNow() {
      const { rows } = await sql<{ now: number }>`SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint AS now`.execute(db);
      return Number(rows[0]!.now);
    },
    async close() {
      await db.destroy();
    },
  };
}

/**
 * NOTIFY inside the writing transaction (delivered at commit); LISTEN on one
 * dedicated connection per process, reconnected if it drops. Each hint topic
 * has its channel, scoped by schema so isolated test schemas do not hear each
 * other; the payload is the hint's text (`hints.ts`).
 */
function listenNotifyNotifier(connectionString: string, schema: string | undefined): Notifier {
  const channelOf = (topic: HintTopic) => (schema ? `${schema}_${HINT_CHANNELS[topic]}` : HINT_CHANNELS[topic]);
  const listeners = new Map<string, Set<(hint: Hint) => void>>();
  let client: pg.Client | undefined;
  let connecting: Promise<pg.Client> | undefined;
  let closed = false;

  async function connect(): Promise<pg.Client> {
    if (client) return client;
    connecting ??= (async () => {
      const c = new pg.Client({ connectionString });
      c.on('notification', (msg) => {
        const set = listeners.get(msg.channel);
        const hint = set && decodeHint(msg.payload ?? '');
        if (!set || !hint || channelOf(hint.topic) !== msg.channel) return;
        for (const listener of set) listener(hint);
      });
      c.on('error', () => {
        client = undefined;
        connecting = undefined;
        if (!closed && listeners.size > 0) setTimeout(() => void resubscribe(), 500).unref();
      });
      await c.connect();
      for (const channel of listeners.keys()) await c.query(`LISTEN "${channel}"`);
      client = c;
      return c;
    })();
    try {
      return await connecting;
    } finally {
      connecting = undefined;
    }
  }

  async function resubscribe() {
    try {
      await connect();
    } catch {
      if (!closed) setTimeout(() => void resubscribe(), 1000).unref();
    }
  }

  return {
    transactional: true,
    async publish(db, hint) {
      await sql`SELECT pg_notify(${channelOf(hint.topic)}, ${encodeHint(hint)})`.execute(db);
    },
    async publishMany(db, hints) {
      const rows = hints.map((hint) => sql`(${channelOf(hint.topic)}::text, ${encodeHint(hint)}::text)`);
      await sql`SELECT pg_notify(c, p) FROM (VALUES ${sql.join(rows)}) AS h(c, p)`.execute(db);
    },
    async subscribe(topic, listener) {
      const name = channelOf(topic);
      let set = listeners.get(name);
      const fresh = !set;
      if (!set) listeners.set(name, (set = new Set()));
      // Each subscription is its own entry, so one listener subscribed twice is also stopped twice.
      const entry = (hint: Hint) => listener(hint);
      set.add(entry);
      closed = false;
      const c = await connect();
      if (fresh) await c.query(`LISTEN "${name}"`);
      return async () => {
        set.delete(entry);
        if (set.size > 0) return;
        listeners.delete(name);
        if (client) await client.query(`UNLISTEN "${name}"`).catch(() => {});
        if (listeners.size === 0 && client) {
          closed = true;
          const c2 = client;
          client = undefined;
          await c2.end().catch(() => {});
        }
      };
    },
  };
}

/** Tables the engine rewrites in bulk; analyzed when this share of their rows changed since the last ANALYZE. */
const BULK_TABLES = ['items', 'job_tasks'];
const STALE_SHARE = 0.1;
const STALE_MIN_ROWS = 10_000;

/** autovacuum's analyze rule, applied at once by the engine (autovacuum may be off, or minutes late). */
async function analyzeStaleTables(db: Kysely<Database>): Promise<string[]> {
  const { rows } = await sql<{ relname: string; changed: string; live: string }>`
    SELECT relname, n_mod_since_analyze AS changed, n_live_tup AS live
    FROM pg_stat_user_tables
    WHERE schemaname = current_schema() AND relname = ANY(${BULK_TABLES})`.execute(db);
  const stale = rows.filter((r) => Number(r.changed) >= Math.max(STALE_MIN_ROWS, STALE_SHARE * Number(r.live))).map((r) => r.relname);
  for (const table of stale) await sql`ANALYZE ${sql.table(table)}`.execute(db);
  return stale;
}
