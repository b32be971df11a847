/**
 * What this engine did, counted in memory per minute, domain and job type
 * (items its task commits reported done — succeeded, failed or skipped —,
 * their bytes, task retries, lease rescues) until its next heartbeat writes
 * them (`engineStatsAdd`, rows keyed by this engine's id: no other engine
 * writes them). A crash loses at most one heartbeat's worth of counts.
 */
import type { EngineStatsDelta } from '../store/queries/engine-stats.js';

const MINUTE_MS = 60_000;

export interface StatsCounts {
  items?: number;
  bytes?: number;
  retries?: number;
  rescues?: number;
}

export class EngineStats {
  private pending = new Map<string, EngineStatsDelta>();

  constructor(
    private readonly workerId: string,
    private readonly now: () => number,
  ) {}

  add(job: { domainId: number; type: string }, counts: StatsCounts): void {
    const minute = Math.floor(this.now() / MINUTE_MS) * MINUTE_MS;
    const key = `${minute}\u0000${job.domainId}\u0000${job.type}`;
    let delta = this.pending.get(key);
    if (!delta) {
      delta = { minute, domainId: job.domainId, type: job.type, workerId: this.workerId, items: 0, bytes: 0, retries: 0, rescues: 0 };
      this.pending.set(key, delta);
    }
    delta.items += counts.items ?? 0;
    delta.bytes += counts.bytes ?? 0;
    delta.retries += counts.retries ?? 0;
    delta.rescues += counts.rescues ?? 0;
  }

  /** Everything counted since the last take. */
  take(): EngineStatsDelta[] {
    const deltas = [...this.pending.values()];
    this.pending = new Map();
    return deltas;
  }

  /** Counts whose write failed go back, to be written with the next ones. */
  restore(deltas: readonly EngineStatsDelta[]): void {
    for (const d of deltas) this.add({ domainId: d.domainId, type: d.type }, d);
  }
}
