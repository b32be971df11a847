/**
 * Webhooks (SQLite): each domain's endpoints, and the outbox of their deliveries, one row per
 * Standard Webhooks message (its id is the row's), written in the transaction that made the
 * event true and delivered by the engine (claimed with a lease: `next_attempt_at` moves to the
 * lease's end, `attempts` is the fence of the claim).
 */
export const name = 'webhooks';
export const sql = `
CREATE TABLE webhooks (
  id INTEGER PRIMARY KEY,
  domain_id INTEGER NOT NULL REFERENCES domains(id),
  url TEXT NOT NULL,
  events TEXT NOT NULL,
  secret TEXT NOT NULL,
  enabled INTEGER NOT NULL DEFAULT 1,
  disabled_reason TEXT,
  failing_since INTEGER,
  created_by INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX webhooks_domain ON webhooks (domain_id, enabled);
CREATE TABLE webhook_deliveries (
  id TEXT PRIMARY KEY,
  webhook_id INTEGER NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
  event_type TEXT NOT NULL,
  payload TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER,
  lease_owner TEXT,
  last_attempt_at INTEGER,
  response_status INTEGER,
  response_headers TEXT,
  response_body TEXT,
  last_error TEXT,
  delivered_at INTEGER
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id, created_at, id);
`;
