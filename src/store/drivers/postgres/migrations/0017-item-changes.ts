/**
 * The item change log (PostgreSQL) that makes a nightly backup cheap: triggers
 * on `items` append, in the writer's own transaction, one row per folder entry
 * a change may have touched: `(library_id, parent_id, name)`, the entry `name`
 * of folder `parent_id`. Inserts and deletes log their rows' entries by one
 * statement per statement (transition tables: a 1,000-item chunk is one
 * INSERT … SELECT); an update of any field a snapshot keeps (or of its place:
 * library, folder, name, trash state) logs its old entry, and its new one when
 * the place changed (a row trigger: a statement trigger cannot name columns,
 * and would capture every path rewrite of a moved folder's subtree). A path
 * rewritten under a moved folder logs nothing: the moved folder's own entry is
 * logged, and a backup walks a changed folder whole.
 *
 * Transactions commit out of sequence order here, so entries carry no order
 * of their own: each records its writer's transaction id (`xid`), and a
 * backup records the snapshot it read as of (`pg_current_snapshot()`, in
 * `snapshots.changes_as_of`). The next backup reads exactly the entries that
 * snapshot did not see (`NOT pg_visible_in_snapshot(xid, …)`, from its `xmin`
 * up by the index): a change that committed after the read is found whatever
 * its position. `item_change_horizons` records, per library, the snapshot up
 * to which a prune has deleted entries (those visible in it): a backup whose
 * previous snapshot does not contain it walks the whole folder instead.
 */
export const name = 'item-changes';
export const sql = `
CREATE TABLE item_changes (
  library_id TEXT NOT NULL,
  parent_id BIGINT NOT NULL,
  name TEXT COLLATE "C" NOT NULL,
  xid xid8 NOT NULL DEFAULT pg_current_xact_id()
);
CREATE INDEX item_changes_library ON item_changes(library_id, xid);
CREATE TABLE item_change_horizons (
  library_id TEXT PRIMARY KEY,
  pruned TEXT NOT NULL
);
ALTER TABLE snapshots ADD COLUMN changes_as_of TEXT;
CREATE FUNCTION items_changes_rows() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO item_changes (library_id, parent_id, name) SELECT c.library_id, c.parent_id, c.name FROM changed c WHERE c.parent_id IS NOT NULL; RETURN NULL; END $$;
CREATE TRIGGER items_changes_insert AFTER INSERT ON items REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION items_changes_rows();
CREATE TRIGGER items_changes_delete AFTER DELETE ON items REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION items_changes_rows();
CREATE FUNCTION items_changes_update() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF OLD.parent_id IS NOT NULL THEN INSERT INTO item_changes (library_id, parent_id, name) VALUES (OLD.library_id, OLD.parent_id, OLD.name); END IF; IF NEW.parent_id IS NOT NULL AND (OLD.library_id IS DISTINCT FROM NEW.library_id OR OLD.parent_id IS DISTINCT FROM NEW.parent_id OR OLD.name IS DISTINCT FROM NEW.name) THEN INSERT INTO item_changes (library_id, parent_id, name) VALUES (NEW.library_id, NEW.parent_id, NEW.name); END IF; RETURN NULL; END $$;
CREATE TRIGGER items_changes_update AFTER UPDATE OF library_id, parent_id, name, kind, size, sha256, content_type, created_at, modified_at, trashed_at ON items FOR EACH ROW
  WHEN (OLD.library_id IS DISTINCT FROM NEW.library_id OR OLD.parent_id IS DISTINCT FROM NEW.parent_id OR OLD.name IS DISTINCT FROM NEW.name OR OLD.kind IS DISTINCT FROM NEW.kind
    OR OLD.size IS DISTINCT FROM NEW.size OR OLD.sha256 IS DISTINCT FROM NEW.sha256 OR OLD.content_type IS DISTINCT FROM NEW.content_type OR OLD.created_at IS DISTINCT FROM NEW.created_at
    OR OLD.modified_at IS DISTINCT FROM NEW.modified_at OR OLD.trashed_at IS DISTINCT FROM NEW.trashed_at)
  EXECUTE FUNCTION items_changes_update();
CREATE FUNCTION libraries_changes_delete() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN DELETE FROM item_changes WHERE library_id = OLD.id; DELETE FROM item_change_horizons WHERE library_id = OLD.id; RETURN NULL; END $$;
CREATE TRIGGER libraries_changes_delete AFTER DELETE ON libraries FOR EACH ROW EXECUTE FUNCTION libraries_changes_delete();
`;
