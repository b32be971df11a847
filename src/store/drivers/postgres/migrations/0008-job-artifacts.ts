/**
 * Job artifacts (PostgreSQL): the blobs a job produced. Part 0 is the job's
 * result (an export's zip, a report), served at /jobs/{id}/result until
 * `expires_at`; parts 1.. are pieces a job assembles its result from (an
 * export's zip segments), dropped once the job has ended. Each row holds one
 * reference on its blob, so the collector leaves the bytes alone while the
 * row exists. No foreign key to jobs: a row goes only with its reference.
 */
export const name = 'job-artifacts';
export const sql = `
CREATE TABLE job_artifacts (
  job_id BIGINT NOT NULL,
  part INTEGER NOT NULL,
  storage TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  size BIGINT NOT NULL,
  name TEXT NOT NULL,
  media_type TEXT NOT NULL,
  meta TEXT,
  created_at BIGINT NOT NULL,
  expires_at BIGINT,
  PRIMARY KEY (job_id, part)
);
CREATE INDEX job_artifacts_expiry ON job_artifacts(expires_at) WHERE expires_at IS NOT NULL;
CREATE INDEX job_artifacts_parts ON job_artifacts(job_id) WHERE part > 0;
`;
