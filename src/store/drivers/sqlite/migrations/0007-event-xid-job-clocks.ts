/**
 * Commit order for the two logs readers walk while writers append (SQLite).
 * SQLite commits one writer at a time, so event ids are in commit order: the
 * `xid` column that PostgreSQL fills stays NULL here (it keeps the schema
 * alike). `job_clocks` holds each domain's latest job creation time: a submit
 * stamps its job from it inside its transaction, so a domain's jobs commit in
 * (created_at, id) order even when the wall clock steps back.
 */
export const name = 'event-xid-job-clocks';
export const sql = `
ALTER TABLE job_events ADD COLUMN xid INTEGER;
CREATE TABLE job_clocks (
  domain_id INTEGER PRIMARY KEY,
  last_created_at INTEGER NOT NULL
);
INSERT INTO job_clocks (domain_id, last_created_at) SELECT domain_id, max(created_at) FROM jobs GROUP BY domain_id;
`;
