/**
 * Server keys: secrets every process of one deployment shares (the VSP One
 * dialect's XSRF signing key), created once by whichever process needs one
 * first. Failure times: when each item failure was recorded (0 for earlier rows).
 */
export const name = 'server-keys-failure-times';
export const sql = `
CREATE TABLE server_keys (
  name TEXT PRIMARY KEY,
  secret TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
ALTER TABLE job_failures ADD COLUMN failed_at BIGINT NOT NULL DEFAULT 0;
`;
