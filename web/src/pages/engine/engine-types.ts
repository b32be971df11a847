/** GET /api/v1/engine/workers and /api/v1/engine/stats, as the engine page reads them. */

export interface EngineWorker {
  id: string;
  host: string;
  pid: number;
  kind: 'serve' | 'worker' | string;
  version: string;
  startedAt: string;
  lastHeartbeatAt: string;
  state: 'alive' | 'silent' | 'stopped' | string;
  tasksHeld: number;
}

export interface StatsBucket {
  /** the minute's start, ISO */
  minute: string;
  type: string;
  items: number;
  bytes: number;
}

export interface QueueEntry {
  jobId: number;
  type: string;
  libraryId: string;
  status: string;
  ready: number;
  running: number;
  readyItems?: number;
}

export interface EngineStats {
  window: number;
  buckets: StatsBucket[];
  totals: { rescues: number; retries: number };
  queue: QueueEntry[];
  generatedAt: string;
}
