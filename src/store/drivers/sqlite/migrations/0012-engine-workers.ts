/**
 * The engine's own record of itself (SQLite): `engine_workers`, one row per
 * engine (a `batchyard serve`, its engine thread, a `batchyard worker`) under
 * the id it writes to `job_tasks.lease_owner`, heartbeated with its leases and
 * marked stopped when it stops cleanly; `engine_stats`, what each engine did
 * per minute, domain and job type (items, bytes, retries, lease rescues),
 * added to by that engine alone (its id is in the key), so no two engines
 * ever write the same row.
 */
export const name = 'engine-workers';
export const sql = `
CREATE TABLE engine_workers (
  id TEXT PRIMARY KEY,
  host TEXT NOT NULL,
  pid INTEGER NOT NULL,
  kind TEXT NOT NULL,
  version TEXT NOT NULL,
  lease_ms INTEGER NOT NULL,
  started_at INTEGER NOT NULL,
  last_heartbeat_at INTEGER NOT NULL,
  stopped_at INTEGER
);
CREATE INDEX engine_workers_heartbeat ON engine_workers(last_heartbeat_at);
CREATE TABLE engine_stats (
  minute INTEGER NOT NULL,
  domain_id INTEGER NOT NULL,
  type TEXT NOT NULL,
  worker_id TEXT NOT NULL,
  items INTEGER NOT NULL,
  bytes INTEGER NOT NULL,
  retries INTEGER NOT NULL,
  rescues INTEGER NOT NULL,
  PRIMARY KEY (minute, domain_id, type, worker_id)
);
`;
