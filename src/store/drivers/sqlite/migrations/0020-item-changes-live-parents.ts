/**
 * The item change log's triggers (migration 17) log an entry only where its
 * folder is live: a change in a folder that is trashed (or gone) at the moment
 * of the change logs nothing. Such a folder is outside the live tree, and
 * whatever made it so, or brings it back, logs the entry of its topmost
 * changed folder in a live parent (its own entry, or that of the nearest
 * ancestor whose parent was live then), which a backup walks whole; a
 * backup already leaves out entries whose folder is not live when it reads
 * (store/queries/item-changes.ts). Writers are serialized here, so the folder's
 * state a trigger reads is the one at its commit, or changed later in the same
 * transaction (and then logged by that change).
 *
 * What it saves: a subtree trashed in chunks, folders before their contents,
 * logs its folders' children only while their folder is still live (the
 * chunk's first rows, and the root's children); a trashed subtree purged logs
 * nothing but its root's entry; a live subtree purged, only the entries whose
 * folder is not deleted before them. Each row skipped costs one primary-key
 * lookup instead of an insert and its index entry.
 *
 * A trashed subtree's members restored in chunks (their root restored first,
 * so their folders are live) log nothing while `item_change_quiet` holds their
 * trash root: only the bulk restore (store/queries/items-bulk.ts) adds that row,
 * after logging the root's entry, and deletes it after its one statement, in
 * the same transaction: it is never committed, so no other writer sees it. A
 * backup walks the logged root whole, which covers every member below it.
 */
export const name = 'item-changes-live-parents';
export const sql = `
DROP TRIGGER items_changes_insert;
DROP TRIGGER items_changes_delete;
DROP TRIGGER items_changes_update;
CREATE TABLE item_change_quiet (
  root_id INTEGER PRIMARY KEY
);
CREATE TRIGGER items_changes_insert AFTER INSERT ON items
  WHEN NEW.parent_id IS NOT NULL AND EXISTS (SELECT 1 FROM items p WHERE p.id = NEW.parent_id AND p.trashed_at IS NULL)
  BEGIN INSERT INTO item_changes (library_id, parent_id, name) VALUES (NEW.library_id, NEW.parent_id, NEW.name); END;
CREATE TRIGGER items_changes_delete AFTER DELETE ON items
  WHEN OLD.parent_id IS NOT NULL AND EXISTS (SELECT 1 FROM items p WHERE p.id = OLD.parent_id AND p.trashed_at IS NULL)
  BEGIN INSERT INTO item_changes (library_id, parent_id, name) VALUES (OLD.library_id, OLD.parent_id, OLD.name); END;
CREATE TRIGGER items_changes_update AFTER UPDATE OF library_id, parent_id, name, kind, size, sha256, content_type, created_at, modified_at, trashed_at ON items
  WHEN (OLD.library_id IS NOT NEW.library_id OR OLD.parent_id IS NOT NEW.parent_id OR OLD.name IS NOT NEW.name OR OLD.kind IS NOT NEW.kind
    OR OLD.size IS NOT NEW.size OR OLD.sha256 IS NOT NEW.sha256 OR OLD.content_type IS NOT NEW.content_type OR OLD.created_at IS NOT NEW.created_at
    OR OLD.modified_at IS NOT NEW.modified_at OR OLD.trashed_at IS NOT NEW.trashed_at)
    AND NOT (OLD.trash_root_id IS NOT NULL AND EXISTS (SELECT 1 FROM item_change_quiet q WHERE q.root_id = OLD.trash_root_id))
    AND (EXISTS (SELECT 1 FROM items p WHERE p.id = OLD.parent_id AND p.trashed_at IS NULL)
      OR ((OLD.library_id IS NOT NEW.library_id OR OLD.parent_id IS NOT NEW.parent_id OR OLD.name IS NOT NEW.name)
        AND EXISTS (SELECT 1 FROM items p WHERE p.id = NEW.parent_id AND p.trashed_at IS NULL)))
  BEGIN INSERT INTO item_changes (library_id, parent_id, name) SELECT OLD.library_id, OLD.parent_id, OLD.name WHERE EXISTS (SELECT 1 FROM items p WHERE p.id = OLD.parent_id AND p.trashed_at IS NULL); INSERT INTO item_changes (library_id, parent_id, name) SELECT NEW.library_id, NEW.parent_id, NEW.name WHERE (OLD.library_id IS NOT NEW.library_id OR OLD.parent_id IS NOT NEW.parent_id OR OLD.name IS NOT NEW.name) AND EXISTS (SELECT 1 FROM items p WHERE p.id = NEW.parent_id AND p.trashed_at IS NULL); END;
`;
