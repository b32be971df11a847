/** Saved views: a user's named job-list queries (the dashboard's query bar), unique by name per user (SQLite). */
export const name = 'saved-views';
export const sql = `
CREATE TABLE saved_views (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id),
  name TEXT NOT NULL,
  query TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  UNIQUE (user_id, name)
);
`;
