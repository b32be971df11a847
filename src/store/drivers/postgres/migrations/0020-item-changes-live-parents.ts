/**
 * The item change log's triggers (migration 17) skip an entry whose folder is
 * out of the live tree by this very transaction: deleted, or trashed in a row
 * this transaction wrote (its `xmin` is the transaction's id). Whatever took
 * that folder out logs, in the same transaction, the entry of its topmost
 * changed folder in a live parent (its own, or that of the nearest ancestor
 * whose parent was live then), which a backup walks whole; a backup already
 * leaves out entries whose folder is not live when it reads
 * (store/queries/item-changes.ts). A folder trashed by an earlier transaction
 * is not enough here: commits are not serialized, and a restore of it
 * committing meanwhile (its entry seen by a backup reading in between) would
 * leave this change unlogged; the row this transaction wrote is locked until
 * it commits, so no other writer brings that folder back meanwhile.
 *
 * What it saves: a chunk of a subtree purged, folders with their contents in
 * one statement, logs only the entries whose folder is not in the same chunk
 * (inserts and deletes: the statement trigger's one INSERT … SELECT). Updates
 * keep logging every row: in the row trigger the lookup of the folder cost as
 * much as the insert it saved (a trash of 50,000 items measured no faster).
 *
 * A trashed subtree's members restored in chunks (their root restored first,
 * so their folders are live) log nothing while `item_change_quiet` holds their
 * trash root: only the bulk restore (store/queries/items-bulk.ts) adds that row,
 * after logging the root's entry, and deletes it after its one statement, in
 * the same transaction: it is never committed, so no other transaction sees it.
 * A backup walks the logged root whole, which covers every member below it.
 * The table has no unique key: chunks of one root restored by concurrent
 * transactions each hold their own row (a unique key made every chunk wait for
 * the previous chunk's commit: a 10M-item restore ran on one slot of eight).
 */
export const name = 'item-changes-live-parents';
export const sql = `
CREATE TABLE item_change_quiet (root_id BIGINT NOT NULL);
CREATE INDEX item_change_quiet_root ON item_change_quiet (root_id);
CREATE OR REPLACE FUNCTION items_changes_rows() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO item_changes (library_id, parent_id, name) SELECT c.library_id, c.parent_id, c.name FROM changed c WHERE c.parent_id IS NOT NULL AND EXISTS (SELECT 1 FROM items p WHERE p.id = c.parent_id AND (p.trashed_at IS NULL OR p.xmin <> pg_current_xact_id()::xid)); RETURN NULL; END $$;
CREATE OR REPLACE FUNCTION items_changes_update() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF OLD.trash_root_id IS NOT NULL AND EXISTS (SELECT 1 FROM item_change_quiet q WHERE q.root_id = OLD.trash_root_id) THEN RETURN NULL; END IF; IF OLD.parent_id IS NOT NULL THEN INSERT INTO item_changes (library_id, parent_id, name) VALUES (OLD.library_id, OLD.parent_id, OLD.name); END IF; IF NEW.parent_id IS NOT NULL AND (OLD.library_id IS DISTINCT FROM NEW.library_id OR OLD.parent_id IS DISTINCT FROM NEW.parent_id OR OLD.name IS DISTINCT FROM NEW.name) THEN INSERT INTO item_changes (library_id, parent_id, name) VALUES (NEW.library_id, NEW.parent_id, NEW.name); END IF; RETURN NULL; END $$;
`;
