/**
 * The settled horizon of the job event log: the highest id below which no
 * event can still appear. Readers deliver events in id order up to it, so a
 * client's last event id says exactly what it has seen, and resuming after it
 * loses nothing.
 *
 * Where commits are serialized (SQLite) every visible id is settled. Where
 * they are not (PostgreSQL), an id drawn from the sequence may commit after a
 * higher one: the horizon is built from checkpoints. A checkpoint reads the
 * highest visible id `maxId` and then takes a transaction id `clock`; every
 * transaction that had drawn an id up to `maxId` took its own transaction id
 * before that (the log's insert makes sure) and so before `clock`. Once a
 * later snapshot's `xmin` (its oldest running transaction) has reached `clock`,
 * all of them have ended: `maxId` is settled. A checkpoint is taken only when
 * the log has grown past the last one; the cheap probes between them just
 * read `xmin`. A transaction left open anywhere on the server holds `xmin`,
 * and with it every feed, back until it ends (as it holds back VACUUM).
 *
 * One horizon serves every feed of a process: ticks are shared (one runs, one
 * more may queue behind it), and watchers hear each advance.
 */
import type { Store } from '../store/store.js';

/** Retry delays while ids are seen that have not settled yet (in flight elsewhere). */
const FIRST_DELAY_MS = 5;
const MAX_DELAY_MS = 250;
/** At most one checkpoint (one transaction id) per this interval, however fast the log grows. */
const CHECKPOINT_INTERVAL_MS = 20;
/** Ids unsettled this long: something holds the horizon back (`onStall` hears of it once). */
const STALL_REPORT_MS = 30_000;

/** What holds a horizon back: ids seen for `forMs` that cannot settle while transaction `xmin` (the oldest running) is open. */
export interface HorizonStall {
  forMs: number;
  xmin: number | undefined;
}

/** Where a feed "from now" starts: after `after`, plus (commits out of order) what was in flight at `inFlight`. */
export interface FeedStart {
  after: number;
  inFlight?: { xmin: number; clock: number; snapshot: string };
}

export class CommitHorizon {
  private settledId = 0;
  private seenId = 0;
  /** Checkpoints not settled yet: `maxId` settles once `xmin` reaches `clock`. */
  private checkpoints: Array<{ maxId: number; clock: number }> = [];
  private ticking: Promise<void> | undefined;
  private queued: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private delay = FIRST_DELAY_MS;
  private lastCheckpointAt = 0;
  private lastXmin: number | undefined;
  /** Since when ids seen have waited to settle (0: none wait), and whether that was reported. */
  private waitingSince = 0;
  private stallReported = false;
  private readonly watchers = new Set<() => void>();

  private readonly onStall: (stall: HorizonStall) => void;
  private readonly stallReportMs: number;

  /** `onStall` hears once when ids seen have not settled for `stallReportMs` (30 s). */
  constructor(
    private readonly store: Store,
    options: { onStall?: (stall: HorizonStall) => void; stallReportMs?: number } = {},
  ) {
    this.onStall = options.onStall ?? (() => {});
    this.stallReportMs = options.stallReportMs ?? STALL_REPORT_MS;
  }

  /** Every event id up to this one is visible or will never exist. */
  get settled(): number {
    return this.settledId;
  }

  /** The highest id seen so far (settled or not). */
  get seen(): number {
    return this.seenId;
  }

  /** Reads the log's state in a read that begins after this call; resolves with the settled id. */
  async advance(): Promise<number> {
    await this.tick();
    return this.settledId;
  }

  /** Something may have been appended (a hint arrived): advance soon; failures are retried by the poll. */
  nudge(): void {
    this.tick().catch(() => {});
  }

  /** Calls `listener` whenever the settled id advances; returns a function that stops it. */
  watch(listener: () => void): () => void {
    this.watchers.add(listener);
    return () => {
      this.watchers.delete(listener);
      if (this.watchers.size === 0) this.stopPolling();
    };
  }

  /** The start of a feed "from now": the events not visible at this moment, and only those, are news. */
  async start(): Promise<FeedStart> {
    if (!this.store.capabilities.commitSnapshots) {
      await this.tick();
      return { after: this.seenId };
    }
    const c = await this.store.eventHorizon({ checkpoint: true });
    this.record(c.maxId, c.xmin!);
    this.checkpoints.push({ maxId: c.maxId, clock: c.clock! });
    this.afterTick(this.settledId);
    return { after: c.maxId, inFlight: { xmin: c.xmin!, clock: c.clock!, snapshot: c.snapshot! } };
  }

  /** One read at a time; a call while one runs gets the next one (which starts after it), shared with other callers. */
  private tick(): Promise<void> {
    if (this.queued) return this.queued;
    if (!this.ticking) {
      const before = this.settledId;
      this.ticking = this.read().finally(() => {
        this.ticking = undefined;
        this.afterTick(before);
      });
      return this.ticking;
    }
    this.queued = this.ticking
      .catch(() => {})
      .then(() => {
        this.queued = undefined;
        return this.tick();
      });
    return this.queued;
  }

  private async read(): Promise<void> {
    const store = this.store;
    if (!store.capabilities.commitSnapshots) {
      const { maxId } = await store.eventHorizon({ checkpoint: false });
      this.seenId = Math.max(this.seenId, maxId);
      this.settledId = this.seenId;
      return;
    }
    const probe = await store.eventHorizon({ checkpoint: false });
    this.record(probe.maxId, probe.xmin!);
    const checkpointed = this.checkpoints.reduce((max, c) => Math.max(max, c.maxId), this.settledId);
    // Not yet: the poll comes back for it.
    if (probe.maxId <= checkpointed || Date.now() - this.lastCheckpointAt < CHECKPOINT_INTERVAL_MS) return;
    this.lastCheckpointAt = Date.now();
    const c = await store.eventHorizon({ checkpoint: true });
    this.record(c.maxId, c.xmin!);
    this.checkpoints.push({ maxId: c.maxId, clock: c.clock! });
    // Nothing else in flight (the usual case when quiet): settled at once.
    const after = await store.eventHorizon({ checkpoint: false });
    this.record(after.maxId, after.xmin!);
  }

  /** Notes a read: the highest id seen, and the checkpoints its `xmin` settles. */
  private record(maxId: number, xmin: number): void {
    this.seenId = Math.max(this.seenId, maxId);
    this.lastXmin = xmin;
    const open: typeof this.checkpoints = [];
    for (const c of this.checkpoints) {
      if (xmin >= c.clock) this.settledId = Math.max(this.settledId, c.maxId);
      else open.push(c);
    }
    this.checkpoints = open.filter((c) => c.maxId > this.settledId);
  }

  private afterTick(before: number): void {
    if (this.settledId > before) {
      this.delay = FIRST_DELAY_MS;
      for (const watcher of [...this.watchers]) watcher();
    }
    if (this.seenId <= this.settledId) {
      this.delay = FIRST_DELAY_MS;
      this.waitingSince = 0;
      this.stallReported = false;
      return;
    }
    if (this.settledId > before || this.waitingSince === 0) this.waitingSince = Date.now();
    const waited = Date.now() - this.waitingSince;
    if (waited >= this.stallReportMs && !this.stallReported) {
      this.stallReported = true;
      this.onStall({ forMs: waited, xmin: this.lastXmin });
    }
    if (this.watchers.size > 0) this.poll();
  }

  /** Ids seen are in flight elsewhere: look again shortly, backing off while they stay so. */
  private poll(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.nudge();
    }, this.delay);
    this.timer.unref();
    this.delay = Math.min(MAX_DELAY_MS, this.delay * 2);
  }

  private stopPolling(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
