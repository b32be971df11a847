/** Where a copy or move put each selected root: its subtree's chunks follow it there (SQLite). */
export const name = 'job-targets';
export const sql = `
CREATE TABLE job_targets (
  job_id INTEGER NOT NULL,
  source_id INTEGER NOT NULL,
  target_id INTEGER NOT NULL,
  target_path TEXT NOT NULL,
  PRIMARY KEY (job_id, source_id)
);
`;
