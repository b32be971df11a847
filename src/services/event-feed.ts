/**
 * Gap-free feeds of the job event log: one job's events, or those of every
 * job of the caller's domain that the caller may see. A feed delivers events
 * in id order and only up to the log's settled horizon (`commit-horizon.ts`:
 * no event can still appear below it), so the id of the last event a client
 * received says exactly what it has seen: resuming after it (Last-Event-ID)
 * never skips an event, even one whose transaction committed after a higher
 * id's, and never repeats one. One job's events are in commit order too (each
 * is written under the job's row lock).
 *
 * The log is the truth; hints only say "something new" (a relevant hint
 * nudges the horizon and marks the feed as wanting a read), and an idle poll
 * re-reads too, so a lost hint only delays.
 */
import type { Store } from '../store/store.js';
import type { EventScope, JobEvent } from '../store/queries/job-events.js';
import type { HintOf } from '../store/hints.js';
import type { Principal } from '../domain/types.js';
import { FINAL_STATUSES, type Job, type JobStatus } from '../domain/jobs.js';
import { CommitHorizon, type FeedStart, type HorizonStall } from './commit-horizon.js';

export type { JobEvent };

/** Events read from the log per query. */
const PAGE = 500;
/** How long a domain feed remembers that a job is not the caller's, to ignore its hints. */
const VISIBILITY_TTL_MS = 5_000;
const REMEMBERED_JOBS = 10_000;
/** Without hints, a feed still re-reads this often. */
export const FEED_IDLE_POLL_MS = 15_000;

/** What a feed needs to know about who may see which job (JobService provides it). */
export interface JobVisibilityCheck {
  /** The job if the caller may see it; throws NotFoundError otherwise. */
  visibleJob(caller: Principal, id: number): Promise<Job>;
  canSee(caller: Principal, job: Pick<Job, 'domainId' | 'requestorId' | 'libraryId'>): Promise<boolean>;
}

/** How one kind of feed selects, filters and ends. */
interface FeedSource {
  scope: EventScope;
  concerns(hint: HintOf<'job-event'>): boolean;
  /** The events of a page the caller may see (a job feed throws NotFoundError once its job is not visible). */
  visible(events: JobEvent[]): Promise<JobEvent[]>;
  /** True when the feed ends once `event` is delivered. */
  endsAfter(event: JobEvent): boolean;
}

export class EventFeedService {
  private readonly horizon: CommitHorizon;

  /** `onStall`: events have waited long for a transaction still open on the database server (say so to the operator). */
  constructor(
    private readonly store: Store,
    private readonly jobs: JobVisibilityCheck,
    onStall?: (stall: HorizonStall) => void,
  ) {
    this.horizon = new CommitHorizon(store, { onStall });
  }

  /**
   * One job's events after `after` (its whole log when undefined): 404 now if
   * the caller may not see the job. Ends after the job's final status, or once
   * caught up when the job had already ended.
   */
  async job(caller: Principal, jobId: number, after?: number): Promise<EventFeed> {
    const job = await this.jobs.visibleJob(caller, jobId);
    const source: FeedSource = {
      scope: { jobId },
      concerns: (hint) => hint.jobId === jobId,
      visible: async (events) => {
        await this.jobs.visibleJob(caller, jobId);
        return events;
      },
      endsAfter: (event) => event.kind === 'status' && FINAL_STATUSES.includes(event.data.status as JobStatus),
    };
    const feed = new EventFeed(this.store, this.horizon, source);
    return feed.open({ after: after ?? 0 }, FINAL_STATUSES.includes(job.status));
  }

  /** The events of every job of the caller's domain that the caller may see: after `after`, or from now. */
  async domain(caller: Principal, after?: number): Promise<EventFeed> {
    const visibility = new VisibilityMemory();
    const source: FeedSource = {
      scope: { domainId: caller.user.domainId },
      concerns: (hint) => hint.domainId === caller.user.domainId && visibility.known(hint.jobId) !== false,
      visible: async (events) => {
        const page = new Map<number, boolean>();
        const shown: JobEvent[] = [];
        for (const event of events) {
          let ok = page.get(event.jobId);
          if (ok === undefined) {
            const job = await this.store.jobGetById(event.jobId);
            ok = job !== undefined && (await this.jobs.canSee(caller, job));
            page.set(event.jobId, ok);
            visibility.set(event.jobId, ok);
          }
          if (ok) shown.push(event);
        }
        return shown;
      },
      endsAfter: () => false,
    };
    const feed = new EventFeed(this.store, this.horizon, source);
    return feed.open(after === undefined ? 'now' : { after }, false);
  }
}

/** One reader of the log. Open it with EventFeedService; iterate `events()` once; `close()` when done. */
export class EventFeed {
  /** Every event of the scope up to here has been delivered (or was not the caller's). */
  private cursor = 0;
  /** Until the start has settled: events below it that were in flight when a "from now" feed started. */
  private inFlight: { at: NonNullable<FeedStart['inFlight']>; upTo: number; after: number } | undefined;
  /** The highest id known to exist that may concern this feed. */
  private wanted = 0;
  /** A feed of a job that had ended when it opened ends once read up to here. */
  private endAt: number | undefined;
  private dirty = false;
  private wake: (() => void) | undefined;
  private stopHints: (() => Promise<void>) | undefined;
  private stopWatching: (() => void) | undefined;
  private closed = false;

  constructor(
    private readonly store: Store,
    private readonly horizon: CommitHorizon,
    private readonly source: FeedSource,
  ) {}

  /** Listens first, then places the start: an event appended meanwhile is read, not missed. */
  async open(start: 'now' | { after: number }, endsWhenCaughtUp: boolean): Promise<EventFeed> {
    this.stopWatching = this.horizon.watch(() => {
      const settled = this.horizon.settled;
      if ((settled > this.cursor && this.wanted > this.cursor) || (this.inFlight && settled >= this.inFlight.upTo)) this.poke();
    });
    try {
      this.stopHints = await this.store.subscribe('job-event', (hint) => this.hint(hint));
      if (start === 'now') {
        const at = await this.horizon.start();
        this.cursor = at.after;
        if (at.inFlight) this.inFlight = { at: at.inFlight, upTo: at.after, after: 0 };
      } else {
        this.cursor = start.after;
      }
      await this.horizon.advance();
      this.wanted = Math.max(this.wanted, this.horizon.seen);
      if (endsWhenCaughtUp) this.endAt = this.horizon.seen;
    } catch (error) {
      await this.close();
      throw error;
    }
    return this;
  }

  /**
   * The feed's events as they settle, in id order. Returns when the feed has
   * ended (see EventFeedService), when `signal` aborts, or when closed; throws
   * NotFoundError once a job feed's job is no longer visible, or what the store
   * threw. Re-reads at least every `idlePollMs`.
   */
  async *events(signal: AbortSignal, idlePollMs = FEED_IDLE_POLL_MS): AsyncGenerator<JobEvent> {
    const onAbort = () => this.poke();
    signal.addEventListener('abort', onAbort);
    const idle = setInterval(() => {
      this.horizon.nudge();
      this.wanted = Math.max(this.wanted, this.horizon.seen);
      this.poke();
    }, idlePollMs);
    idle.unref();
    try {
      while (!signal.aborted && !this.closed) {
        this.dirty = false;
        for (let more = true; more; ) {
          const page = await this.readPage();
          more = page.more;
          for (const event of page.events) {
            if (signal.aborted || this.closed) return;
            yield event;
            if (this.source.endsAfter(event)) return;
          }
        }
        if (this.endAt !== undefined && this.cursor >= this.endAt) return;
        if (!this.dirty && !signal.aborted) await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = undefined;
      }
    } finally {
      clearInterval(idle);
      signal.removeEventListener('abort', onAbort);
    }
  }

  /** Stops listening (idempotent); an iteration in progress returns. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopWatching?.();
    this.poke();
    await this.stopHints?.();
  }

  private hint(hint: HintOf<'job-event'>): void {
    if (this.closed || !this.source.concerns(hint)) return;
    this.wanted = Math.max(this.wanted, hint.eventId);
    if (this.horizon.settled > this.cursor) this.poke();
    this.horizon.nudge();
  }

  private poke(): void {
    this.dirty = true;
    this.wake?.();
  }

  /** One page of settled events after the cursor; `more` when another read should follow at once. */
  private async readPage(): Promise<{ events: JobEvent[]; more: boolean }> {
    const upTo = this.horizon.settled;
    const scope = this.source.scope;
    if (this.inFlight) {
      const late = this.inFlight;
      // They come first (their ids are below the start), once all of them have ended.
      if (upTo < late.upTo) return { events: [], more: false };
      const rows = await this.store.eventListInFlightAt({ scope, at: late.at, afterId: late.after, upToId: late.upTo, limit: PAGE });
      if (rows.length < PAGE) this.inFlight = undefined;
      else late.after = rows.at(-1)!.id;
      return { events: await this.source.visible(rows), more: true };
    }
    if (upTo <= this.cursor) return { events: [], more: false };
    const page = { afterId: this.cursor, upToId: upTo, limit: PAGE };
    const rows = 'jobId' in scope ? await this.store.eventListForJob({ jobId: scope.jobId, ...page }) : await this.store.eventListForDomain({ domainId: scope.domainId, ...page });
    const full = rows.length === PAGE;
    this.cursor = full ? rows.at(-1)!.id : upTo;
    return { events: await this.source.visible(rows), more: full };
  }
}

/** Which jobs a domain feed recently found the caller may or may not see (bounded, a few seconds). */
class VisibilityMemory {
  private readonly entries = new Map<number, { visible: boolean; at: number }>();

  known(jobId: number): boolean | undefined {
    const entry = this.entries.get(jobId);
    return entry && Date.now() - entry.at < VISIBILITY_TTL_MS ? entry.visible : undefined;
  }

  set(jobId: number, visible: boolean): void {
    this.entries.delete(jobId);
    this.entries.set(jobId, { visible, at: Date.now() });
    if (this.entries.size > REMEMBERED_JOBS) this.entries.delete(this.entries.keys().next().value as number);
  }
}
