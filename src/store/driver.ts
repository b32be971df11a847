/**
 * What a database driver provides to the store: a Kysely instance, the
 * capability flags that name where databases differ, its own numbered
 * migrations, and how to serialize migrators. Only src/store/drivers/* implement it.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Database } from './schema.js';
import type { Hint, HintTopic } from './hints.js';

export interface Capabilities {
  /** Several connections may write at once (PostgreSQL); false means one serialized writer (SQLite). */
  readonly concurrentWriters: boolean;
  /** `SELECT … FOR UPDATE SKIP LOCKED` is available for claiming work. */
  readonly skipLocked: boolean;
  /** Events can cross processes through the database (LISTEN/NOTIFY). */
  readonly crossProcessNotify: boolean;
  /**
   * Writers commit concurrently, so ids from a sequence can become visible
   * out of id order, and the database shows readers which transactions are
   * still in flight (PostgreSQL: `pg_current_xact_id()`, `pg_current_snapshot()`).
   * A reader of an id-ordered log (the job events) then reads only up to an id
   * below which nothing can still appear; the log's rows record their writer's
   * transaction id. False: commits are serialized (SQLite), id order is commit
   * order and every visible id is settled.
   */
  readonly commitSnapshots: boolean;
}

export interface Migration {
  readonly version: number;
  readonly name: string;
  /** Statements separated by `;` at line ends; no statement contains `;\n` inside. */
  readonly sql: string;
}

/**
 * Hints between engine parts (typed messages, `hints.ts`): a publish inside a
 * transaction reaches subscribers once it commits (PostgreSQL NOTIFY; for
 * SQLite the Store holds them until commit). Listeners re-read state.
 */
export interface Notifier {
  /** Publishes inside a transaction are delivered at its commit (PostgreSQL NOTIFY); false: the Store publishes after commit. */
  readonly transactional: boolean;
  publish(db: Kysely<Database>, hint: Hint): Promise<void>;
  /** Many hints in one statement (optional: the Store publishes them one by one without it). */
  publishMany?(db: Kysely<Database>, hints: readonly Hint[]): Promise<void>;
  /** Calls `listener` with each hint of `topic` (text that is not one is dropped). Returns a function that stops the subscription. */
  subscribe(topic: HintTopic, listener: (hint: Hint) => void): Promise<() => Promise<void>>;
}

export interface Driver {
  /** A short label for logs (`sqlite:/path/file`, `postgres:host/db`); never holds a password. */
  readonly label: string;
  readonly db: Kysely<Database>;
  readonly capabilities: Capabilities;
  readonly notifier: Notifier;
  /**
   * SQLite: the counter by which this connection's thread and the engine thread
   * take turns at the write lock (the API's writes go first); it crosses into
   * the engine thread. Absent where writers do not queue on one lock (PostgreSQL).
   */
  readonly threadWriteGate?: SharedArrayBuffer;
  /** True when `error` is a transient database condition worth retrying (busy, deadlock, serialization, lost connection). */
  isTransient(error: unknown): boolean;
  readonly migrations: readonly Migration[];
  /** Serializes concurrent migrators inside the migrating transaction (advisory lock on PostgreSQL). */
  lockForMigration(trx: Transaction<Database>): Promise<void>;
  /**
   * Refreshes the planner's statistics of tables a bulk job has rewritten,
   * where the database plans by them and they go stale (PostgreSQL: after a
   * trash of 1M items the planner thought the trash empty and restore crawled;
   * autovacuum may be off or late). Cheap when nothing is stale.
   */
  refreshStaleStatistics(): Promise<string[]>;
  /** True when `error` is this database's unique-constraint violation. */
  isUniqueViolation(error: unknown): boolean;
  /**
   * Whether the database can serve this process now (`GET /readyz`,
   * `batchyard doctor`): a round trip, and what says it takes writes.
   * PostgreSQL: a query on a pooled connection, refused on a standby (in
   * recovery); SQLite: a query on the connection, and the file at its path
   * still the one the connection opened (a database file removed or replaced
   * under a running server would take its writes no more). Rejects with the
   * cause, never a password; the caller bounds it with its own deadline.
   */
  ping(): Promise<void>;
  /**
   * The database server's clock (ms since the epoch) where it keeps one of
   * its own (PostgreSQL: clock_timestamp()); absent for an embedded database,
   * whose clock is this host's (`batchyard doctor` compares the engines'
   * heartbeats with it).
   */
  serverNow?(): Promise<number>;
  close(): Promise<void>;
}
