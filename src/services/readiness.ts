/**
 * `GET /readyz`: whether this process can serve now (the database answers,
 * every storage location is reachable and writable), cheap enough for a
 * load balancer polling every second. A result is kept for `cacheMs`; the
 * requests meanwhile share it. Each component has at most one check in
 * flight: a call that hangs is waited on again by the next probe (with a
 * fresh deadline) instead of being started once more, so a dead mount or
 * database cannot pile up calls. Causes go to the log when a component
 * changes state, or its cause changes while it is down; the answer names
 * only the component and whether it failed or timed out (no paths, hosts or
 * messages for an unauthenticated caller).
 */
import { componentChecks, settleWithin, type CheckOutcome, type ComponentCheck, type StorageLocations } from './health-checks.js';
import type { Driver } from '../store/driver.js';

export interface ReadinessReport {
  ready: boolean;
  checks: Array<{ name: string; ok: boolean; failure?: 'failed' | 'timed out' }>;
}

export interface ReadinessOptions {
  /** How long one component's check may take (default 900 ms: an answer within a second). */
  deadlineMs?: number;
  /** How long a result is kept (default 1000 ms). */
  cacheMs?: number;
  /** Told when a component turns down (with the cause), when its cause changes while down, and when it is up again. */
  onChange?: (change: { name: string; ok: boolean; cause?: string }) => void;
  now?: () => number;
}

export const READY_DEADLINE_MS = 900;
export const READY_CACHE_MS = 1000;

export class Readiness {
  private readonly checks: ComponentCheck[];
  private readonly inFlight = new Map<string, { running: Promise<void>; controller: AbortController }>();
  /** Each component's last state as logged: up, or down with its cause. */
  private readonly last = new Map<string, { ok: boolean; cause?: string }>();
  private cached: { at: number; report: Promise<ReadinessReport> } | undefined;
  private readonly deadlineMs: number;
  private readonly cacheMs: number;
  private readonly now: () => number;

  constructor(
    driver: Pick<Driver, 'ping'>,
    storages: StorageLocations,
    private readonly options: ReadinessOptions = {},
  ) {
    this.checks = componentChecks(driver, storages);
    this.deadlineMs = options.deadlineMs ?? READY_DEADLINE_MS;
    this.cacheMs = options.cacheMs ?? READY_CACHE_MS;
    this.now = options.now ?? Date.now;
  }

  /** The latest report, or a new one when it is older than `cacheMs`. */
  probe(): Promise<ReadinessReport> {
    const now = this.now();
    if (this.cached && now - this.cached.at < this.cacheMs) return this.cached.report;
    const report = this.run();
    this.cached = { at: now, report };
    return report;
  }

  private async run(): Promise<ReadinessReport> {
    const outcomes = await Promise.all(this.checks.map((check) => this.runOne(check)));
    const checks = this.checks.map((check, i) => {
      const outcome = outcomes[i]!;
      this.note(check.name, outcome);
      return outcome.ok ? { name: check.name, ok: true } : { name: check.name, ok: false, failure: outcome.timedOut ? ('timed out' as const) : ('failed' as const) };
    });
    return { ready: checks.every((c) => c.ok), checks };
  }

  private runOne(check: ComponentCheck): Promise<CheckOutcome> {
    let entry = this.inFlight.get(check.name);
    if (!entry) {
      const controller = new AbortController();
      const running = Promise.resolve().then(() => check.run(controller.signal));
      const settled = { running, controller };
      entry = settled;
      this.inFlight.set(check.name, settled);
      const forget = () => {
        if (this.inFlight.get(check.name) === settled) this.inFlight.delete(check.name);
      };
      running.then(forget, forget);
    }
    return settleWithin(entry.running, entry.controller, this.deadlineMs, this.now);
  }

  /** Tells of a component going down or up, and of a new cause while it stays down. */
  private note(name: string, outcome: CheckOutcome): void {
    const was = this.last.get(name);
    const now = outcome.ok ? { ok: true } : { ok: false, cause: outcome.cause };
    this.last.set(name, now);
    if (was === undefined ? now.ok : was.ok === now.ok && was.cause === now.cause) return;
    this.options.onChange?.(outcome.ok ? { name, ok: true } : { name, ok: false, cause: outcome.cause });
  }
}
