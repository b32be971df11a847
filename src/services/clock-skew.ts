/**
 * How far each engine's clock is from the database server's (`batchyard
 * doctor`). An engine writes its heartbeat with its own clock (leases, job
 * times and schedule ticks are all stamped by the processes, never by the
 * database), so two engines whose clocks disagree read each other's leases
 * wrong: one ahead by more than the lease's slack rescues tasks still held.
 *
 * One read cannot tell an old heartbeat from a skewed one, so the registry is
 * read every `pollMs` while the engines beat: a heartbeat that was not there
 * at one read and is at the next was committed between the two, by the
 * database's clock read around each, which bounds its writer's offset:
 * offset = heartbeat − commit time, commit time within (previous read's
 * start, this read's end]. Engines that do not beat while watched are
 * reported as not heard from (stopped without a clean stop, or stalled).
 */
import type { Store } from '../store/store.js';
import type { EngineWorker } from '../store/queries/engine-workers.js';

export interface EngineClock {
  id: string;
  host: string;
  pid: number;
  kind: EngineWorker['kind'];
  version: string;
  leaseMs: number;
  /** Its clock minus the database's, in ms (positive: ahead); null when it did not beat while watched. */
  offsetMs: number | null;
  /** The offset is right to within ± this (plus its heartbeat's own write time). */
  withinMs: number | null;
}

export interface ClockReport {
  /** This process's clock minus the database's, and to within what (a round trip's half). */
  self: { offsetMs: number; withinMs: number };
  engines: EngineClock[];
  /** How long the registry was watched. */
  watchedMs: number;
}

export interface ClockSkewOptions {
  /** The database server's clock (Driver.serverNow). */
  serverNow: () => Promise<number>;
  /** The longest watch (default: the longest heartbeat interval, a third of a lease, plus 1.5 s). */
  maxWaitMs?: number;
  pollMs?: number;
  now?: () => number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Reads the registry between two reads of the database's clock. */
async function readBracketed(store: Store, serverNow: () => Promise<number>) {
  const start = await serverNow();
  const rows = await store.engineWorkerList();
  const end = await serverNow();
  return { start, end, rows };
}

export async function measureClockSkew(store: Store, options: ClockSkewOptions): Promise<ClockReport> {
  const now = options.now ?? Date.now;
  const pollMs = options.pollMs ?? 250;
  const before = now();
  const server = await options.serverNow();
  const after = now();
  const self = { offsetMs: Math.round((before + after) / 2 - server), withinMs: Math.ceil((after - before) / 2) };

  let previous = await readBracketed(store, options.serverNow);
  const watched = previous.rows.filter((r) => r.stoppedAt === null);
  const longestBeat = Math.max(0, ...watched.map((r) => r.leaseMs / 3));
  const maxWaitMs = options.maxWaitMs ?? longestBeat + 1500;
  const seen = new Map<string, { offsetMs: number; withinMs: number }>();
  const lastBeat = new Map(watched.map((r) => [r.id, r.lastHeartbeatAt]));
  const startedAt = now();
  while (seen.size < watched.length && now() - startedAt < maxWaitMs) {
    await sleep(pollMs);
    const current = await readBracketed(store, options.serverNow);
    for (const row of current.rows) {
      const last = lastBeat.get(row.id);
      if (last === undefined || seen.has(row.id) || row.lastHeartbeatAt === last) continue;
      // Committed after the previous read began and before this one ended (the database's clock).
      const earliest = previous.start;
      const latest = current.end;
      seen.set(row.id, { offsetMs: Math.round(row.lastHeartbeatAt - (earliest + latest) / 2), withinMs: Math.ceil((latest - earliest) / 2) });
    }
    previous = current;
  }
  return {
    self,
    watchedMs: now() - startedAt,
    engines: watched.map((r) => {
      const m = seen.get(r.id);
      return { id: r.id, host: r.host, pid: r.pid, kind: r.kind, version: r.version, leaseMs: r.leaseMs, offsetMs: m?.offsetMs ?? null, withinMs: m?.withinMs ?? null };
    }),
  };
}
