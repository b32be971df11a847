/** A library's snapshot retention policy (restic's keep-* options), JSON; '{}' keeps every snapshot (SQLite). */
export const name = 'library-retention';
export const sql = `
ALTER TABLE libraries ADD COLUMN retention TEXT NOT NULL DEFAULT '{}';
`;
