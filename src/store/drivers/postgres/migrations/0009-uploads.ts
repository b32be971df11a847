/** tus uploads: who owns each one, for which library, its declared size, expiry, and the import job that consumes it (PostgreSQL). */
export const name = 'uploads';
export const sql = `
CREATE TABLE uploads (
  id TEXT PRIMARY KEY,
  user_id BIGINT NOT NULL,
  library_id TEXT,
  size BIGINT,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  job_id BIGINT
);
CREATE INDEX uploads_expires_at ON uploads (expires_at);
CREATE INDEX uploads_job_id ON uploads (job_id) WHERE job_id IS NOT NULL;
`;
