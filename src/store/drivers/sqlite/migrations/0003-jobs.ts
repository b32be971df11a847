/**
 * Jobs, their tasks (claimed under leases, fenced), per-item failures and the
 * event log (SQLite). Items lose the parent_id foreign key: the engine deletes
 * and moves subtrees in chunks that may run in any order, and the key's
 * per-row check on deletes needs a full index the hot paths do not want.
 * Trash members are indexed in id order, the order restore and purge walk them.
 */
export const name = 'jobs';
export const sql = `
CREATE TABLE items_new (
  id INTEGER PRIMARY KEY,
  library_id TEXT NOT NULL REFERENCES libraries(id) ON DELETE CASCADE,
  parent_id INTEGER,
  name TEXT NOT NULL,
  path TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('file', 'folder')),
  size INTEGER NOT NULL DEFAULT 0,
  sha256 TEXT,
  created_at INTEGER NOT NULL,
  modified_at INTEGER NOT NULL,
  trashed_at INTEGER,
  trash_root_id INTEGER,
  content_type TEXT
);
INSERT INTO items_new (id, library_id, parent_id, name, path, kind, size, sha256, created_at, modified_at, trashed_at, trash_root_id, content_type)
  SELECT id, library_id, parent_id, name, path, kind, size, sha256, created_at, modified_at, trashed_at, trash_root_id, content_type FROM items;
DROP TABLE items;
ALTER TABLE items_new RENAME TO items;
CREATE UNIQUE INDEX items_live_child ON items(parent_id, name) WHERE trashed_at IS NULL;
CREATE UNIQUE INDEX items_live_path ON items(library_id, path) WHERE trashed_at IS NULL;
CREATE INDEX items_trash_roots ON items(library_id, trashed_at, id) WHERE trashed_at IS NOT NULL AND trash_root_id = id;
CREATE INDEX items_trash_members ON items(trash_root_id, id) WHERE trash_root_id IS NOT NULL;

CREATE TABLE jobs (
  id INTEGER PRIMARY KEY,
  domain_id INTEGER NOT NULL,
  library_id TEXT NOT NULL,
  target_library_id TEXT,
  type TEXT NOT NULL,
  status TEXT NOT NULL,
  requestor_id INTEGER NOT NULL,
  origin TEXT NOT NULL,
  params TEXT NOT NULL,
  priority INTEGER NOT NULL,
  total INTEGER NOT NULL DEFAULT 0,
  succeeded INTEGER NOT NULL DEFAULT 0,
  failed INTEGER NOT NULL DEFAULT 0,
  skipped INTEGER NOT NULL DEFAULT 0,
  retries INTEGER NOT NULL DEFAULT 0,
  bytes_total INTEGER NOT NULL DEFAULT 0,
  bytes_done INTEGER NOT NULL DEFAULT 0,
  planned INTEGER NOT NULL DEFAULT 0,
  retry_of INTEGER,
  error TEXT,
  result TEXT,
  created_at INTEGER NOT NULL,
  started_at INTEGER NOT NULL DEFAULT 0,
  last_activity_at INTEGER NOT NULL,
  finished_at INTEGER,
  last_claim_at INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX jobs_active ON jobs(priority, last_claim_at) WHERE status IN ('queued', 'planning', 'running', 'cancelling');
CREATE INDEX jobs_domain_created ON jobs(domain_id, created_at, id);
CREATE INDEX jobs_domain_started ON jobs(domain_id, started_at, id);
CREATE INDEX jobs_domain_activity ON jobs(domain_id, last_activity_at, id);
CREATE INDEX jobs_requestor_created ON jobs(requestor_id, created_at, id);
CREATE INDEX jobs_library_created ON jobs(library_id, created_at, id);

CREATE TABLE job_tasks (
  id INTEGER PRIMARY KEY,
  job_id INTEGER NOT NULL,
  phase INTEGER NOT NULL,
  kind TEXT NOT NULL,
  state TEXT NOT NULL,
  payload TEXT NOT NULL,
  item_count INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  run_after INTEGER NOT NULL,
  fence INTEGER NOT NULL DEFAULT 0,
  lease_owner TEXT,
  lease_until INTEGER
);
CREATE INDEX job_tasks_claim ON job_tasks(job_id, phase, state, run_after, id);
CREATE INDEX job_tasks_leases ON job_tasks(lease_until) WHERE state = 'running';

CREATE TABLE job_failures (
  id INTEGER PRIMARY KEY,
  job_id INTEGER NOT NULL,
  phase INTEGER NOT NULL,
  context TEXT NOT NULL,
  entry TEXT NOT NULL,
  item_id INTEGER,
  path TEXT NOT NULL,
  code TEXT NOT NULL,
  message TEXT NOT NULL,
  attempts INTEGER NOT NULL
);
CREATE INDEX job_failures_job ON job_failures(job_id, id);

CREATE TABLE job_events (
  id INTEGER PRIMARY KEY,
  job_id INTEGER NOT NULL,
  domain_id INTEGER NOT NULL,
  kind TEXT NOT NULL,
  data TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX job_events_job ON job_events(job_id, id);
CREATE INDEX job_events_domain ON job_events(domain_id, id);

CREATE TABLE engine_domain_turns (
  domain_id INTEGER PRIMARY KEY,
  last_claim_at INTEGER NOT NULL
);
`;
