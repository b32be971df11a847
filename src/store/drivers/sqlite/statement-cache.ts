/**
 * Kysely's SQLite driver prepares every statement on every execution;
 * preparing costs more than running most of our queries. This wraps the
 * better-sqlite3 connection so each distinct SQL text is prepared once
 * (least recently used ones are dropped past `capacity`).
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { SqliteDatabase, SqliteStatement } from 'kysely';
import { gatedStatement, type WriteGate } from './write-gate.js';

interface Cached {
  raw: BetterSqlite3.Statement;
  /** What Kysely runs: the statement itself, or on the foreground thread a write counted in at the write gate. */
  gated: SqliteStatement;
}

export function withStatementCache(connection: BetterSqlite3.Database, gate: WriteGate, capacity = 512): SqliteDatabase {
  const cache = new Map<string, Cached>();
  return {
    close: () => connection.close(),
    prepare(sql: string): SqliteStatement {
      const cached = cache.get(sql);
      if (cached && !cached.raw.busy) {
        cache.delete(sql);
        cache.set(sql, cached);
        return cached.gated;
      }
      const raw = connection.prepare(sql);
      const fresh = { raw, gated: gatedStatement(gate, connection, raw) };
      if (!cached) {
        cache.set(sql, fresh);
        if (cache.size > capacity) cache.delete(cache.keys().next().value as string);
      }
      return fresh.gated;
    },
  };
}
