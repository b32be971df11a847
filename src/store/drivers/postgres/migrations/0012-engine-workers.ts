/**
 * The engine's own record of itself (PostgreSQL): `engine_workers`, one row
 * per engine (a `batchyard serve`, a `batchyard worker`) under the id it
 * writes to `job_tasks.lease_owner`, heartbeated with its leases and marked
 * stopped when it stops cleanly; `engine_stats`, what each engine did per
 * minute, domain and job type (items, bytes, retries, lease rescues), added
 * to by that engine alone (its id is in the key), so no two engines ever
 * contend on a row.
 */
export const name = 'engine-workers';
export const sql = `
CREATE TABLE engine_workers (
  id TEXT PRIMARY KEY,
  host TEXT NOT NULL,
  pid BIGINT NOT NULL,
  kind TEXT NOT NULL,
  version TEXT NOT NULL,
  lease_ms BIGINT NOT NULL,
  started_at BIGINT NOT NULL,
  last_heartbeat_at BIGINT NOT NULL,
  stopped_at BIGINT
);
CREATE INDEX engine_workers_heartbeat ON engine_workers(last_heartbeat_at);
CREATE TABLE engine_stats (
  minute BIGINT NOT NULL,
  domain_id BIGINT NOT NULL,
  type TEXT NOT NULL,
  worker_id TEXT NOT NULL,
  items BIGINT NOT NULL,
  bytes BIGINT NOT NULL,
  retries BIGINT NOT NULL,
  rescues BIGINT NOT NULL,
  PRIMARY KEY (minute, domain_id, type, worker_id)
);
`;
