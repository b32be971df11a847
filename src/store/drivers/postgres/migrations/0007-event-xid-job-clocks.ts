/**
 * Commit order for the two logs readers walk while writers append (PostgreSQL).
 * Each job event records the transaction that wrote it (`xid`, taken before
 * the row's id is drawn): a feed finds the events that were still in flight
 * when it started, and reads only up to ids no running transaction can still
 * add below (older rows keep NULL: they committed long ago). `job_clocks`
 * holds each domain's latest job creation time: a submit stamps its job from
 * it under the row's lock, held until commit, so a domain's jobs commit in
 * (created_at, id) order and a walk in creation order never passes one that
 * has yet to commit.
 */
export const name = 'event-xid-job-clocks';
export const sql = `
ALTER TABLE job_events ADD COLUMN xid xid8;
CREATE INDEX job_events_xid ON job_events(xid);
CREATE TABLE job_clocks (
  domain_id BIGINT PRIMARY KEY,
  last_created_at BIGINT NOT NULL
);
INSERT INTO job_clocks (domain_id, last_created_at) SELECT domain_id, max(created_at) FROM jobs GROUP BY domain_id;
`;
