/**
 * An engine's row in the worker registry (`engine_workers`): written when it
 * starts, beaten with its leases (with the stats it counted since the last
 * beat: engine-stats.ts), marked stopped on a clean stop. Now and then a beat
 * also removes engines not heard of for an hour and stats older than a day.
 */
import os from 'node:os';
import type { Store } from '../store/store.js';
import type { EngineKind } from '../store/queries/engine-workers.js';
import type { EngineStats } from './engine-stats.js';

/** How often a heartbeat also prunes the registry and the stats. */
const PRUNE_EVERY_MS = 60_000;
/** Registry rows of engines not heard of for this long are removed (stopped ones included). */
export const WORKER_FORGET_MS = 60 * 60_000;
/** Per-minute stats older than this are removed. */
export const STATS_KEEP_MS = 24 * 60 * 60_000;

export interface WorkerIdentity {
  id: string;
  kind: EngineKind;
  version: string;
  leaseMs: number;
}

export class WorkerRegistration {
  private startedAt = 0;
  private lastPrune = 0;

  constructor(
    private readonly store: Store,
    private readonly identity: WorkerIdentity,
    private readonly stats: EngineStats,
  ) {}

  /** Registers the engine as started now. */
  start(now: number): Promise<void> {
    this.startedAt = now;
    return this.beat(now);
  }

  /** The row's heartbeat, then the stats counted since the last one; now and then the pruning. */
  async beat(now: number): Promise<void> {
    await this.store.engineWorkerHeartbeat({ ...this.identity, host: os.hostname(), pid: process.pid, startedAt: this.startedAt, lastHeartbeatAt: now });
    await this.flushStats();
    if (now - this.lastPrune >= PRUNE_EVERY_MS) {
      this.lastPrune = now;
      await this.store.engineWorkerPrune({ before: now - WORKER_FORGET_MS });
      await this.store.engineStatsPrune({ before: now - STATS_KEEP_MS });
    }
  }

  /** A clean stop: the last counts written, the row marked stopped. */
  async stop(now: number): Promise<void> {
    await this.flushStats();
    await this.store.engineWorkerStop({ id: this.identity.id, now });
  }

  /** Writes what was counted since the last write (put back for the next one if the write fails). */
  private async flushStats(): Promise<void> {
    const deltas = this.stats.take();
    if (deltas.length === 0) return;
    try {
      await this.store.engineStatsAdd({ deltas });
    } catch (error) {
      this.stats.restore(deltas);
      throw error;
    }
  }
}
