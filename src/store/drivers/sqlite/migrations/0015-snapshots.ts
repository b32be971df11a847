/**
 * Snapshots (SQLite): a backup's record (`snapshots`) points at a root tree, a
 * content-addressed folder manifest (`snapshot_trees`), stored once per storage
 * location. A tree's `refcount` counts the snapshots whose root it is plus the
 * stored trees listing it as a child; a tree holds one reference to each child
 * tree and one blob reference (the `blobs` refcount) per file entry, taken when
 * the tree is first stored and released when its count falls to 0 and it is
 * deleted. An unchanged folder therefore costs nothing in a later snapshot.
 * `library_id` has no foreign key on purpose: a cascade would drop snapshots
 * without releasing their trees (deleting a library forgets its snapshots first).
 */
export const name = 'snapshots';
export const sql = `
CREATE TABLE snapshot_trees (
  storage TEXT NOT NULL,
  hash TEXT NOT NULL,
  entries TEXT NOT NULL,
  files INTEGER NOT NULL,
  folders INTEGER NOT NULL,
  bytes INTEGER NOT NULL,
  refcount INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (storage, hash)
);
CREATE TABLE snapshots (
  id INTEGER PRIMARY KEY,
  library_id TEXT NOT NULL,
  job_id INTEGER,
  label TEXT,
  path TEXT NOT NULL,
  storage TEXT NOT NULL,
  root_tree TEXT NOT NULL,
  files INTEGER NOT NULL,
  folders INTEGER NOT NULL,
  bytes INTEGER NOT NULL,
  added INTEGER NOT NULL,
  changed INTEGER NOT NULL,
  removed INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX snapshots_library_time ON snapshots (library_id, created_at, id);
`;
