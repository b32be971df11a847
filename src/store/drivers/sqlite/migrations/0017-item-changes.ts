/**
 * The item change log (SQLite) that makes a nightly backup cheap: triggers on
 * `items` append, in the writer's own transaction, one row per folder entry a
 * change may have touched: `(library_id, parent_id, name)`, the entry `name`
 * of folder `parent_id`. An insert or delete logs its row's entry; an update of
 * any field a snapshot keeps (or of its place: library, folder, name, trash
 * state) logs its old entry, and its new one when the place changed. A path
 * rewritten under a moved folder logs nothing: the moved folder's own entry is
 * logged, and a backup walks a changed folder whole. Every writer (uploads,
 * set-based job writes, whatever comes later) is covered without knowing.
 *
 * Commits are serialized here, so the AUTOINCREMENT id (never reused, even
 * after a prune deleted the highest rows) orders changes as they commit: a
 * backup's read snapshot sees exactly the ids up to `sqlite_sequence`'s value,
 * which it records as its position (`snapshots.changes_as_of`); the next
 * backup reads the entries above it. `item_change_horizons` records, per
 * library, the position up to which a prune has deleted entries: a backup
 * whose previous snapshot is older walks the whole folder instead.
 */
export const name = 'item-changes';
export const sql = `
CREATE TABLE item_changes (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  library_id TEXT NOT NULL,
  parent_id INTEGER NOT NULL,
  name TEXT NOT NULL
);
CREATE INDEX item_changes_library ON item_changes(library_id, id);
CREATE TABLE item_change_horizons (
  library_id TEXT PRIMARY KEY,
  pruned TEXT NOT NULL
);
ALTER TABLE snapshots ADD COLUMN changes_as_of TEXT;
CREATE TRIGGER items_changes_insert AFTER INSERT ON items
  WHEN NEW.parent_id IS NOT NULL
  BEGIN INSERT INTO item_changes (library_id, parent_id, name) VALUES (NEW.library_id, NEW.parent_id, NEW.name); END;
CREATE TRIGGER items_changes_delete AFTER DELETE ON items
  WHEN OLD.parent_id IS NOT NULL
  BEGIN INSERT INTO item_changes (library_id, parent_id, name) VALUES (OLD.library_id, OLD.parent_id, OLD.name); END;
CREATE TRIGGER items_changes_update AFTER UPDATE OF library_id, parent_id, name, kind, size, sha256, content_type, created_at, modified_at, trashed_at ON items
  WHEN OLD.library_id IS NOT NEW.library_id OR OLD.parent_id IS NOT NEW.parent_id OR OLD.name IS NOT NEW.name OR OLD.kind IS NOT NEW.kind
    OR OLD.size IS NOT NEW.size OR OLD.sha256 IS NOT NEW.sha256 OR OLD.content_type IS NOT NEW.content_type OR OLD.created_at IS NOT NEW.created_at
    OR OLD.modified_at IS NOT NEW.modified_at OR OLD.trashed_at IS NOT NEW.trashed_at
  BEGIN INSERT INTO item_changes (library_id, parent_id, name) SELECT OLD.library_id, OLD.parent_id, OLD.name WHERE OLD.parent_id IS NOT NULL; INSERT INTO item_changes (library_id, parent_id, name) SELECT NEW.library_id, NEW.parent_id, NEW.name WHERE NEW.parent_id IS NOT NULL AND (OLD.library_id IS NOT NEW.library_id OR OLD.parent_id IS NOT NEW.parent_id OR OLD.name IS NOT NEW.name); END;
CREATE TRIGGER libraries_changes_delete AFTER DELETE ON libraries
  BEGIN DELETE FROM item_changes WHERE library_id = OLD.id; DELETE FROM item_change_horizons WHERE library_id = OLD.id; END;
`;
