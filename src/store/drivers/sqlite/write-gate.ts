/**
 * Write turns between the threads of one process that share a SQLite file
 * (the API's thread and the engine's). A writer that finds the file locked
 * sleeps in SQLite's busy handler and tries again, up to 100 ms later; the
 * engine thread, committing task after task and beginning the next at once,
 * holds the lock nearly all the time, so an API write (a cancel, an upload's
 * commit) could sleep through every short gap until its busy timeout ran out:
 * a 503 for the caller, and the API's event loop blocked meanwhile.
 *
 * The gate is one shared counter: the foreground (API) thread counts itself
 * in while one of its writes may wait for the lock, and the background
 * (engine) thread, before each BEGIN, lets those writes go first, for at most
 * MAX_YIELD_MS so that a counter left high can only slow it, never stop it.
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { SqliteStatement } from 'kysely';

export type WriteGateRole = 'foreground' | 'background';

export interface WriteGate {
  /** Shared between the threads (it crosses into the engine thread in its workerData). */
  readonly buffer: SharedArrayBuffer;
  readonly role: WriteGateRole;
}

const MAX_YIELD_MS = 250;

export function createWriteGate(role: WriteGateRole = 'foreground', buffer: SharedArrayBuffer = new SharedArrayBuffer(4)): WriteGate {
  return { buffer, role };
}

/** Foreground: runs `write` (a statement that may wait for the write lock) counted in. */
export function asForegroundWrite<T>(gate: WriteGate, write: () => T): T {
  const waiting = new Int32Array(gate.buffer);
  Atomics.add(waiting, 0, 1);
  try {
    return write();
  } finally {
    Atomics.sub(waiting, 0, 1);
  }
}

/** Background: resolves once no foreground write waits (or after MAX_YIELD_MS). */
export async function yieldToForeground(gate: WriteGate): Promise<void> {
  const waiting = new Int32Array(gate.buffer);
  if (Atomics.load(waiting, 0) === 0) return;
  const deadline = Date.now() + MAX_YIELD_MS;
  while (Atomics.load(waiting, 0) > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/**
 * A foreground connection's statement, counted in when it can wait for the
 * write lock: a statement that writes, run outside a transaction (BEGIN
 * IMMEDIATE itself, or an autocommit write). Inside a transaction the lock is
 * already held; reads never wait for it (WAL). Kysely uses `reader`, `all`,
 * `run` and `iterate`; the rest of the statement is not needed through this.
 */
export function gatedStatement(gate: WriteGate, connection: BetterSqlite3.Database, statement: BetterSqlite3.Statement): SqliteStatement {
  if (gate.role !== 'foreground' || statement.readonly) return statement as unknown as SqliteStatement;
  const counted =
    <A extends unknown[], R>(run: (...args: A) => R) =>
    (...args: A): R =>
      connection.inTransaction ? run(...args) : asForegroundWrite(gate, () => run(...args));
  return {
    reader: statement.reader,
    all: counted((parameters: readonly unknown[]) => statement.all(parameters)),
    run: counted((parameters: readonly unknown[]) => statement.run(parameters)),
    // An iterator runs lazily: it is only used for reads (Kysely streams SELECTs), which never wait.
    iterate: (parameters: readonly unknown[]) => statement.iterate(parameters),
  } as unknown as SqliteStatement;
}
