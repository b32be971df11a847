/** Where a copy or move put each selected root: its subtree's chunks follow it there (PostgreSQL). */
export const name = 'job-targets';
export const sql = `
CREATE TABLE job_targets (
  job_id BIGINT NOT NULL,
  source_id BIGINT NOT NULL,
  target_id BIGINT NOT NULL,
  target_path TEXT NOT NULL,
  PRIMARY KEY (job_id, source_id)
);
`;
