/**
 * Schedules: a job type, its params and a library, fired by a cron expression in a time zone
 * (SQLite). `library_id` has no foreign key: a schedule outlives its library (its fires are
 * then recorded failed). The unique (schedule_id, fire_at) of `schedule_fires` decides which
 * process fires a tick when several race for it.
 */
export const name = 'schedules';
export const sql = `
CREATE TABLE schedules (
  id INTEGER PRIMARY KEY,
  domain_id INTEGER NOT NULL REFERENCES domains(id),
  library_id TEXT NOT NULL,
  type TEXT NOT NULL,
  params TEXT NOT NULL,
  cron TEXT NOT NULL,
  time_zone TEXT NOT NULL,
  overlap TEXT NOT NULL,
  catch_up TEXT NOT NULL,
  enabled INTEGER NOT NULL,
  created_by INTEGER NOT NULL,
  next_fire_at INTEGER,
  last_fire_at INTEGER,
  last_outcome TEXT,
  last_error TEXT,
  last_job_id INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX schedules_due ON schedules (next_fire_at) WHERE enabled = 1 AND next_fire_at IS NOT NULL;
CREATE INDEX schedules_domain ON schedules (domain_id, id);
CREATE TABLE schedule_fires (
  id INTEGER PRIMARY KEY,
  schedule_id INTEGER NOT NULL REFERENCES schedules(id) ON DELETE CASCADE,
  fire_at INTEGER NOT NULL,
  kind TEXT NOT NULL,
  outcome TEXT NOT NULL,
  job_id INTEGER,
  error TEXT,
  recorded_at INTEGER NOT NULL,
  UNIQUE (schedule_id, fire_at)
);
`;
