/** tus uploads: who owns each one, for which library, its declared size, expiry, and the import job that consumes it (SQLite). */
export const name = 'uploads';
export const sql = `
CREATE TABLE uploads (
  id TEXT PRIMARY KEY,
  user_id INTEGER NOT NULL,
  library_id TEXT,
  size INTEGER,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  job_id INTEGER
);
CREATE INDEX uploads_expires_at ON uploads (expires_at);
CREATE INDEX uploads_job_id ON uploads (job_id) WHERE job_id IS NOT NULL;
`;
