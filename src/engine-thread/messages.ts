/** What the API thread and the engine thread say to each other. */
import type { Config } from '../config.js';
import type { EngineOverrides } from '../engine/engine.js';

export interface EngineThreadData {
  config: Config;
  /** Plain settings only: functions cannot cross into a thread. */
  overrides: EngineOverrides;
  workerId: string;
  /** The API thread's SQLite write gate: the engine thread lets the API's writes go first. */
  writeGate?: SharedArrayBuffer;
}

export type ToEngineThread = { type: 'stop'; graceMs: number };

export type FromEngineThread = { type: 'ready' } | { type: 'stopped' } | { type: 'failed'; message: string };
