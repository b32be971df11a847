/**
 * The tables as Kysely sees them. Identical on every driver: timestamps are
 * epoch milliseconds, booleans are 0/1 integers, JSON is text.
 */
import type { Generated } from 'kysely';

export interface DomainsTable {
  id: Generated<number>;
  name: string;
  created_at: number;
}

export interface UsersTable {
  id: Generated<number>;
  domain_id: number;
  email: string;
  name: string;
  role: 'user' | 'admin' | 'super_admin';
  password_hash: string | null;
  created_at: number;
}

export interface TokensTable {
  id: string;
  user_id: number;
  name: string;
  secret_hash: string;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
}

export interface LibrariesTable {
  id: string;
  domain_id: number;
  name: string;
  state: string;
  app_type: number;
  storage: string;
  days_before_delete: number;
  restricted_download: number;
  findable_by: string;
  creator_id: number;
  root_folder_id: number | null;
  settings: string;
  config: string;
  created_at: number;
  last_modified: number;
  last_config_modified: number;
  sequence_id: number;
  /** The snapshot retention policy, JSON (migration 16). */
  retention: Generated<string>;
}

export interface LibraryPermissionsTable {
  library_id: string;
  type: string;
  value: string;
  role: 'READER' | 'WRITER' | 'ADMIN';
}

export interface LibraryUserStateTable {
  library_id: string;
  user_id: number;
  favorited: Generated<number>;
  last_accessed: number | null;
}

export interface ItemsTable {
  id: Generated<number>;
  library_id: string;
  parent_id: number | null;
  name: string;
  path: string;
  kind: 'file' | 'folder';
  size: Generated<number>;
  sha256: string | null;
  content_type: string | null;
  created_at: number;
  modified_at: number;
  trashed_at: number | null;
  trash_root_id: number | null;
}

export interface BlobsTable {
  storage: string;
  sha256: string;
  size: number;
  refcount: number;
  created_at: number;
}

export interface JobsTable {
  id: Generated<number>;
  domain_id: number;
  library_id: string;
  target_library_id: string | null;
  type: string;
  status: string;
  requestor_id: number;
  origin: string;
  params: string;
  priority: number;
  total: Generated<number>;
  succeeded: Generated<number>;
  failed: Generated<number>;
  skipped: Generated<number>;
  retries: Generated<number>;
  bytes_total: Generated<number>;
  bytes_done: Generated<number>;
  /** 1 once planning has finished. */
  planned: Generated<number>;
  retry_of: number | null;
  error: string | null;
  result: string | null;
  created_at: number;
  /** 0 until the job starts (keeps the started orders indexable). */
  started_at: Generated<number>;
  last_activity_at: number;
  finished_at: number | null;
  /** When a worker last claimed this job's work: the round-robin key. */
  last_claim_at: Generated<number>;
}

export interface JobTasksTable {
  id: Generated<number>;
  job_id: number;
  /** Tasks of a higher phase wait until no task of a lower phase remains. */
  phase: number;
  kind: 'plan' | 'items';
  state: 'ready' | 'running';
  /** JSON: the planner's cursor, or `{context, entries}` for items. */
  payload: string;
  item_count: number;
  attempts: Generated<number>;
  run_after: number;
  /** Bumped by every claim; a commit must present the fence it claimed with. */
  fence: Generated<number>;
  lease_owner: string | null;
  lease_until: number | null;
}

export interface JobFailuresTable {
  id: Generated<number>;
  job_id: number;
  phase: number;
  context: string;
  entry: string;
  item_id: number | null;
  path: string;
  code: string;
  message: string;
  attempts: number;
  /** Epoch ms; 0 for failures recorded before the column existed. */
  failed_at: Generated<number>;
}

export interface ServerKeysTable {
  name: string;
  secret: string;
  created_at: number;
}

export interface JobEventsTable {
  id: Generated<number>;
  job_id: number;
  domain_id: number;
  kind: string;
  data: string;
  created_at: number;
  /** The writing transaction's id (PostgreSQL xid8, as text); NULL on SQLite and for rows older than migration 7. */
  xid: Generated<string | null>;
}

/** Each domain's latest job creation time (epoch ms): the next job's is never earlier. */
export interface JobClocksTable {
  domain_id: number;
  last_created_at: number;
}

export interface JobTargetsTable {
  job_id: number;
  source_id: number;
  target_id: number;
  target_path: string;
}

/** A tus upload (bytes under `<dataDir>/uploads/<id>`): its owner, optional library, declared size, expiry, the import job consuming it. */
export interface UploadsTable {
  id: string;
  user_id: number;
  library_id: string | null;
  /** The declared Upload-Length; NULL while deferred. */
  size: number | null;
  created_at: number;
  expires_at: number;
  job_id: number | null;
}

/** A blob a job produced: part 0 its result (until `expires_at`), parts 1.. pieces it assembles the result from. */
export interface JobArtifactsTable {
  job_id: number;
  part: number;
  storage: string;
  sha256: string;
  size: number;
  name: string;
  media_type: string;
  /** JSON the producing operation needs to assemble a part (NULL for results). */
  meta: string | null;
  created_at: number;
  /** Epoch ms after which the housekeeping deletes it; NULL for parts (they go when the job has ended). */
  expires_at: number | null;
}

/** Library usage deltas (items, bytes): a library's usage is the sum of its rows; triggers on `items` append, housekeeping folds. */
export interface LibraryUsageTable {
  id: Generated<number>;
  library_id: string;
  items: number;
  bytes: number;
}

/** An engine (a server's, its engine thread's, a `batchyard worker`'s) under its lease-owner id; heartbeated, marked stopped on a clean stop. */
export interface EngineWorkersTable {
  id: string;
  host: string;
  pid: number;
  kind: string;
  version: string;
  /** Its lease length: silent longer than this, its leases have run out. */
  lease_ms: number;
  started_at: number;
  last_heartbeat_at: number;
  stopped_at: number | null;
}

/** What one engine did in one minute (epoch ms of its start) for one domain's jobs of one type; only that engine adds to its rows. */
export interface EngineStatsTable {
  minute: number;
  domain_id: number;
  type: string;
  worker_id: string;
  items: number;
  bytes: number;
  retries: number;
  rescues: number;
}

/** A user's saved job-list query (the dashboard's query bar), named uniquely per user. */
export interface SavedViewsTable {
  id: Generated<number>;
  user_id: number;
  name: string;
  query: string;
  created_at: number;
}

/** A schedule: a job type, params and library fired by a cron expression in a time zone (migration 13). */
export interface SchedulesTable {
  id: Generated<number>;
  domain_id: number;
  library_id: string;
  type: string;
  /** The job's params, JSON. */
  params: string;
  cron: string;
  time_zone: string;
  overlap: 'skip' | 'queue';
  catch_up: 'once' | 'none';
  enabled: number;
  created_by: number;
  next_fire_at: number | null;
  last_fire_at: number | null;
  last_outcome: 'started' | 'skipped' | 'failed' | null;
  last_error: string | null;
  /** The job of the latest fire that started one (overlap: skip waits for it to end). */
  last_job_id: number | null;
  created_at: number;
  updated_at: number;
}

/** One fire of a schedule, unique per (schedule, fire time): the row that decides who fires a tick (migration 13). */
export interface ScheduleFiresTable {
  id: Generated<number>;
  schedule_id: number;
  fire_at: number;
  kind: 'tick' | 'run_now';
  outcome: 'started' | 'skipped' | 'failed';
  job_id: number | null;
  error: string | null;
  recorded_at: number;
}

export interface EngineDomainTurnsTable {
  domain_id: number;
  last_claim_at: number;
}

export interface MigrationsTable {
  version: number;
  name: string;
  applied_at: number;
}

export interface WebhooksTable {
  id: Generated<number>;
  domain_id: number;
  url: string;
  /** JSON array of event types. */
  events: string;
  secret: string;
  enabled: number;
  disabled_reason: string | null;
  failing_since: number | null;
  created_by: number | null;
  created_at: number;
  updated_at: number;
}

/** The webhook outbox: one row per Standard Webhooks message (the id is its `webhook-id`). */
export interface WebhookDeliveriesTable {
  id: string;
  webhook_id: number;
  event_type: string;
  payload: string;
  created_at: number;
  status: 'pending' | 'delivered' | 'failed' | 'dead';
  attempts: number;
  next_attempt_at: number | null;
  lease_owner: string | null;
  last_attempt_at: number | null;
  response_status: number | null;
  response_headers: string | null;
  response_body: string | null;
  last_error: string | null;
  delivered_at: number | null;
}

/** A content-addressed folder manifest of a snapshot, once per storage location (migration 15). */
export interface SnapshotTreesTable {
  storage: string;
  hash: string;
  /** JSON array of the folder's entries, sorted by name (snapshot-tree.ts). */
  entries: string;
  /** The subtree's totals (this folder not counted). */
  files: number;
  folders: number;
  bytes: number;
  /** Snapshots whose root it is plus stored trees listing it as a child. */
  refcount: number;
  created_at: number;
}

/** A backup's record: a library (or folder) as of one instant, as a root tree (migration 15). */
export interface SnapshotsTable {
  id: Generated<number>;
  library_id: string;
  job_id: number | null;
  label: string | null;
  path: string;
  storage: string;
  root_tree: string;
  files: number;
  folders: number;
  bytes: number;
  added: number;
  changed: number;
  removed: number;
  created_at: number;
  /** Where the backup's read stood in the item change log (migration 17; NULL before it): an id on SQLite, a pg_snapshot on PostgreSQL. */
  changes_as_of: string | null;
}

/**
 * The item change log (migration 17): a folder entry (`name` in folder
 * `parent_id`) a change may have touched, appended by triggers on `items`.
 * Each driver adds its order: an AUTOINCREMENT `id` on SQLite, the writer's
 * `xid` on PostgreSQL (read through raw SQL in queries/item-changes.ts).
 */
export interface ItemChangesTable {
  library_id: string;
  parent_id: number;
  name: string;
}

/** Per library, the change log position up to which a prune deleted entries (migration 17). */
export interface ItemChangeHorizonsTable {
  library_id: string;
  pruned: string;
}

export interface Database {
  domains: DomainsTable;
  users: UsersTable;
  tokens: TokensTable;
  libraries: LibrariesTable;
  library_permissions: LibraryPermissionsTable;
  library_user_state: LibraryUserStateTable;
  items: ItemsTable;
  blobs: BlobsTable;
  jobs: JobsTable;
  job_tasks: JobTasksTable;
  job_failures: JobFailuresTable;
  job_events: JobEventsTable;
  job_clocks: JobClocksTable;
  engine_domain_turns: EngineDomainTurnsTable;
  engine_workers: EngineWorkersTable;
  engine_stats: EngineStatsTable;
  job_targets: JobTargetsTable;
  server_keys: ServerKeysTable;
  job_artifacts: JobArtifactsTable;
  uploads: UploadsTable;
  saved_views: SavedViewsTable;
  schedules: SchedulesTable;
  schedule_fires: ScheduleFiresTable;
  webhooks: WebhooksTable;
  webhook_deliveries: WebhookDeliveriesTable;
  library_usage: LibraryUsageTable;
  snapshot_trees: SnapshotTreesTable;
  snapshots: SnapshotsTable;
  item_changes: ItemChangesTable;
  item_change_horizons: ItemChangeHorizonsTable;
  batchyard_migrations: MigrationsTable;
}
