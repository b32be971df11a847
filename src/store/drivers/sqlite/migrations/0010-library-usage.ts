/**
 * Library usage (SQLite): how many items a library holds and their bytes,
 * kept by triggers on `items` so every writer (uploads, jobs, whatever comes
 * later) keeps it exact in the same transaction as its change.
 *
 * `library_usage` holds deltas: a library's usage is the sum of its rows.
 * Triggers append a row per changed item; the engine's housekeeping folds a
 * library's rows into one (store/queries/library-usage.ts). PostgreSQL uses
 * the same table, where appending (not updating one counter row) keeps
 * concurrent uploads to one library from queueing behind each other.
 *
 * What is counted: every item but the root folder, live or trashed (a
 * trashed item keeps its bytes until it is purged), so trash and restore
 * change nothing; bytes are the files' sizes (logical: content shared by
 * several files counts once per file). `items_sha256` lets verify count a
 * blob's references without a scan; `items_trashed_path` lets a report list
 * trashed items in path order beside the live ones (`items_live_path`).
 */
export const name = 'library-usage';
export const sql = `
CREATE TABLE library_usage (
  id INTEGER PRIMARY KEY,
  library_id TEXT NOT NULL,
  items INTEGER NOT NULL,
  bytes INTEGER NOT NULL
);
CREATE INDEX library_usage_library ON library_usage(library_id, items, bytes);
CREATE INDEX items_sha256 ON items(sha256) WHERE sha256 IS NOT NULL;
CREATE INDEX items_trashed_path ON items(library_id, path) WHERE trashed_at IS NOT NULL;
INSERT INTO library_usage (library_id, items, bytes)
  SELECT l.id,
         coalesce(sum(CASE WHEN i.parent_id IS NULL THEN 0 ELSE 1 END), 0),
         coalesce(sum(CASE WHEN i.kind = 'file' THEN i.size ELSE 0 END), 0)
  FROM libraries l LEFT JOIN items i ON i.library_id = l.id
  GROUP BY l.id;
CREATE TRIGGER items_usage_insert AFTER INSERT ON items
  WHEN NEW.parent_id IS NOT NULL OR (NEW.kind = 'file' AND NEW.size <> 0)
  BEGIN INSERT INTO library_usage (library_id, items, bytes) SELECT NEW.library_id, CASE WHEN NEW.parent_id IS NULL THEN 0 ELSE 1 END, CASE WHEN NEW.kind = 'file' THEN NEW.size ELSE 0 END WHERE EXISTS (SELECT 1 FROM libraries WHERE id = NEW.library_id); END;
CREATE TRIGGER items_usage_delete AFTER DELETE ON items
  WHEN OLD.parent_id IS NOT NULL OR (OLD.kind = 'file' AND OLD.size <> 0)
  BEGIN INSERT INTO library_usage (library_id, items, bytes) SELECT OLD.library_id, CASE WHEN OLD.parent_id IS NULL THEN 0 ELSE -1 END, CASE WHEN OLD.kind = 'file' THEN -OLD.size ELSE 0 END WHERE EXISTS (SELECT 1 FROM libraries WHERE id = OLD.library_id); END;
CREATE TRIGGER items_usage_update AFTER UPDATE OF size, kind, parent_id, library_id ON items
  WHEN OLD.size IS NOT NEW.size OR OLD.kind IS NOT NEW.kind OR (OLD.parent_id IS NULL) <> (NEW.parent_id IS NULL) OR OLD.library_id IS NOT NEW.library_id
  BEGIN INSERT INTO library_usage (library_id, items, bytes) SELECT OLD.library_id, CASE WHEN OLD.parent_id IS NULL THEN 0 ELSE -1 END, CASE WHEN OLD.kind = 'file' THEN -OLD.size ELSE 0 END WHERE EXISTS (SELECT 1 FROM libraries WHERE id = OLD.library_id); INSERT INTO library_usage (library_id, items, bytes) SELECT NEW.library_id, CASE WHEN NEW.parent_id IS NULL THEN 0 ELSE 1 END, CASE WHEN NEW.kind = 'file' THEN NEW.size ELSE 0 END WHERE EXISTS (SELECT 1 FROM libraries WHERE id = NEW.library_id); END;
CREATE TRIGGER libraries_usage_delete AFTER DELETE ON libraries
  BEGIN DELETE FROM library_usage WHERE library_id = OLD.id; END;
`;
