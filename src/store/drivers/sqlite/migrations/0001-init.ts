/** Domains, users, tokens, libraries, items and blob references (SQLite). */
export const name = 'init';
export const sql = `
CREATE TABLE domains (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL
);

CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  domain_id INTEGER NOT NULL REFERENCES domains(id),
  email TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('user', 'admin', 'super_admin')),
  password_hash TEXT,
  created_at INTEGER NOT NULL
);
CREATE INDEX users_domain ON users(domain_id, id);

CREATE TABLE tokens (
  id TEXT PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id),
  name TEXT NOT NULL,
  secret_hash TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  expires_at INTEGER,
  revoked_at INTEGER
);
CREATE INDEX tokens_user ON tokens(user_id);

CREATE TABLE libraries (
  id TEXT PRIMARY KEY,
  domain_id INTEGER NOT NULL REFERENCES domains(id),
  name TEXT NOT NULL,
  state TEXT NOT NULL,
  app_type INTEGER NOT NULL,
  storage TEXT NOT NULL,
  days_before_delete INTEGER NOT NULL,
  restricted_download INTEGER NOT NULL,
  findable_by TEXT NOT NULL,
  creator_id INTEGER NOT NULL REFERENCES users(id),
  root_folder_id INTEGER,
  settings TEXT NOT NULL,
  config TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  last_modified INTEGER NOT NULL,
  last_config_modified INTEGER NOT NULL,
  sequence_id INTEGER NOT NULL
);
CREATE UNIQUE INDEX libraries_domain_name ON libraries(domain_id, name);

CREATE TABLE library_permissions (
  library_id TEXT NOT NULL REFERENCES libraries(id) ON DELETE CASCADE,
  type TEXT NOT NULL,
  value TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('READER', 'WRITER', 'ADMIN')),
  PRIMARY KEY (library_id, type, value)
);
CREATE INDEX library_permissions_principal ON library_permissions(type, value);

CREATE TABLE library_user_state (
  library_id TEXT NOT NULL REFERENCES libraries(id) ON DELETE CASCADE,
  user_id INTEGER NOT NULL REFERENCES users(id),
  favorited INTEGER NOT NULL DEFAULT 0,
  last_accessed INTEGER,
  PRIMARY KEY (library_id, user_id)
);

CREATE TABLE items (
  id INTEGER PRIMARY KEY,
  library_id TEXT NOT NULL REFERENCES libraries(id) ON DELETE CASCADE,
  parent_id INTEGER REFERENCES items(id),
  name TEXT NOT NULL,
  path TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('file', 'folder')),
  size INTEGER NOT NULL DEFAULT 0,
  sha256 TEXT,
  created_at INTEGER NOT NULL,
  modified_at INTEGER NOT NULL,
  trashed_at INTEGER,
  trash_root_id INTEGER
);
CREATE UNIQUE INDEX items_live_child ON items(parent_id, name) WHERE trashed_at IS NULL;
CREATE UNIQUE INDEX items_live_path ON items(library_id, path) WHERE trashed_at IS NULL;
CREATE INDEX items_trash_roots ON items(library_id, trashed_at, id) WHERE trashed_at IS NOT NULL AND trash_root_id = id;
CREATE INDEX items_trash_members ON items(trash_root_id) WHERE trash_root_id IS NOT NULL;

CREATE TABLE blobs (
  storage TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  size INTEGER NOT NULL,
  refcount INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (storage, sha256)
);
CREATE INDEX blobs_unreferenced ON blobs(storage, sha256) WHERE refcount = 0;
`;
