/**
 * Delivers the webhook outbox. Each engine runs one sender: it claims due deliveries with a
 * lease (an engine that dies mid-attempt leaves the row due again at the lease's end, same
 * message id), signs each message as Standard Webhooks says (`webhook-id`,
 * `webhook-timestamp`, `webhook-signature: v1,…` with the `standardwebhooks` package), posts
 * it through webhook-http.ts (addresses judged after resolution, a deadline, a body cap, no
 * redirects) and records the outcome if its claim still holds: delivered on 2xx; on anything
 * else retried on webhook-schedule.ts's delays, dead after the last, and the webhook disabled
 * on 410 Gone or after a day of failures. It wakes on the `webhook` hint (sent at the commit
 * of an event's transaction), so a delivery leaves well under a second after its event;
 * otherwise it looks for due rows when the next one is due, at least every `pollMs`.
 */
import type dns from 'node:dns';
import type { Logger } from 'pino';
import { Webhook as Signer } from 'standardwebhooks';
import type { Store } from '../store/store.js';
import type { WebhookDelivery } from '../store/queries/webhook-deliveries.js';
import type { Webhook } from '../store/queries/webhooks.js';
import type { WebhookDeliveryStatus } from '../domain/webhook-events.js';
import type { WebhookAllowList } from '../domain/webhook-address.js';
import { webhookPost, type WebhookPostLimits, type WebhookResponse } from './webhook-http.js';
import { nextAttemptAt, WEBHOOK_FAILING_LIMIT_MS } from './webhook-schedule.js';

export interface WebhookSenderOptions {
  store: Store;
  logger: Logger;
  /** This engine's id: the lease owner of the rows it claims. */
  owner: string;
  now: () => number;
  allow: WebhookAllowList;
  /** Deadline of one attempt (default 10 s). */
  timeoutMs?: number;
  /** Response bytes read at most (default 64 KiB); the excerpt kept (default 4 KiB). */
  bodyCapBytes?: number;
  excerptBytes?: number;
  /** Attempts in flight at once (default 16). */
  concurrency?: number;
  /** Longest idle wait between looks for due rows (default 5 s). */
  pollMs?: number;
  /** How long a claim holds a row (default three attempt deadlines). */
  leaseMs?: number;
  /** Name resolution (tests give a name that resolves to a chosen address). */
  resolve?: typeof dns.lookup;
  /** Called each time the loop has nothing to claim and starts to wait (tests). */
  onIdle?: () => void;
}

export const DEFAULT_WEBHOOK_TIMEOUT_MS = 10_000;
export const DEFAULT_WEBHOOK_BODY_CAP = 64 * 1024;

export interface AttemptOutcome {
  id: string;
  status: WebhookDeliveryStatus;
  recorded: boolean;
}

export class WebhookSender {
  private readonly limits: WebhookPostLimits;
  private readonly leaseMs: number;
  private readonly concurrency: number;
  private readonly inFlight = new Set<Promise<unknown>>();
  private running = false;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private pendingWake = false;
  private unsubscribe: (() => Promise<void>) | undefined;

  constructor(private readonly o: WebhookSenderOptions) {
    const timeoutMs = o.timeoutMs ?? DEFAULT_WEBHOOK_TIMEOUT_MS;
    this.limits = { timeoutMs, bodyCapBytes: o.bodyCapBytes ?? DEFAULT_WEBHOOK_BODY_CAP, excerptBytes: o.excerptBytes ?? 4096 };
    this.leaseMs = o.leaseMs ?? timeoutMs * 3;
    this.concurrency = o.concurrency ?? 16;
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.unsubscribe = await this.o.store.subscribe('webhook', () => this.wake());
    this.loop = this.run();
  }

  /** Stops claiming and waits for the attempts in flight (each ends by its deadline). */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wake();
    await this.loop;
    await Promise.allSettled([...this.inFlight]);
    await this.unsubscribe?.();
  }

  wake(): void {
    this.pendingWake = true;
    const resolve = this.wakeUp;
    this.wakeUp = undefined;
    resolve?.();
  }

  /** Claims what is due now and attempts it, until nothing is due; returns the outcomes (for tests and a stopped sender). */
  async runDue(): Promise<AttemptOutcome[]> {
    const outcomes: AttemptOutcome[] = [];
    for (;;) {
      const claimed = await this.claim(this.concurrency);
      if (claimed.length === 0) return outcomes;
      const hooks = await this.webhooksOf(claimed);
      outcomes.push(...(await Promise.all(claimed.map((d) => this.attempt(d, hooks.get(d.webhookId))))));
    }
  }

  /** The webhooks of a claimed batch, read once for the batch (a batch is mostly one webhook's). */
  private async webhooksOf(claimed: readonly WebhookDelivery[]): Promise<Map<number, Webhook | undefined>> {
    const hooks = new Map<number, Webhook | undefined>();
    for (const id of new Set(claimed.map((d) => d.webhookId))) hooks.set(id, await this.o.store.webhookGetById({ id }));
    return hooks;
  }

  private claim(limit: number): Promise<WebhookDelivery[]> {
    const now = this.o.now();
    return this.o.store.webhookDeliveryClaim({ owner: this.o.owner, now, leaseUntil: now + this.leaseMs, limit });
  }

  private async run(): Promise<void> {
    const pollMs = this.o.pollMs ?? 5_000;
    while (this.running) {
      try {
        const free = this.concurrency - this.inFlight.size;
        const claimed = free > 0 ? await this.claim(free) : [];
        const hooks = claimed.length > 0 ? await this.webhooksOf(claimed) : new Map<number, Webhook | undefined>();
        for (const d of claimed) {
          const p: Promise<unknown> = this.attempt(d, hooks.get(d.webhookId))
            .catch((error: unknown) => this.o.logger.warn({ err: error, delivery: d.id }, 'webhook attempt failed to record; its lease will end and it is tried again'))
            .finally(() => {
              this.inFlight.delete(p);
              this.wake();
            });
          this.inFlight.add(p);
        }
        if (claimed.length > 0 && claimed.length === free) continue;
        let wait = pollMs;
        // With attempts in flight, their ends wake the loop; idle, it waits for the next due row (or a hint).
        if (claimed.length === 0 && this.inFlight.size < this.concurrency) {
          const next = await this.o.store.webhookDeliveryNextDue();
          if (next !== undefined) wait = Math.min(pollMs, Math.max(10, next - this.o.now()));
        }
        this.o.onIdle?.();
        await this.waitForWake(wait);
      } catch (error) {
        this.o.logger.warn({ err: error }, 'webhook sender: looking for due deliveries failed');
        await this.waitForWake(pollMs);
      }
    }
  }

  private waitForWake(ms: number): Promise<void> {
    if (this.pendingWake || !this.running) {
      this.pendingWake = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wakeUp = undefined;
        resolve();
      }, ms);
      timer.unref();
      this.wakeUp = () => {
        clearTimeout(timer);
        this.pendingWake = false;
        resolve();
      };
    });
  }

  /**
   * One attempt of a claimed delivery, its outcome recorded if the claim still holds. A
   * success of a webhook that was not failing is one statement (the common case, kept short
   * for SQLite's single connection, which the engine's tasks share).
   */
  async attempt(d: WebhookDelivery, hook: Webhook | undefined): Promise<AttemptOutcome> {
    const { store } = this.o;
    const started = this.o.now();
    if (!hook || !hook.enabled) {
      // Disabled since the claim: left pending, claimed again once the webhook is enabled.
      const recorded = await store.webhookDeliveryFinishAttempt({ id: d.id, owner: this.o.owner, attempt: d.attempts, status: 'pending', nextAttemptAt: started, now: started, response: null, error: 'webhook disabled' });
      return { id: d.id, status: 'pending', recorded };
    }
    const signature = new Signer(hook.secret).sign(d.id, new Date(started), d.payload);
    const headers = { 'webhook-id': d.id, 'webhook-timestamp': String(Math.floor(started / 1000)), 'webhook-signature': signature };
    let response: WebhookResponse | undefined;
    let error: string | null = null;
    try {
      response = await webhookPost(hook.url, headers, d.payload, this.o.allow, this.limits, this.o.resolve);
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
    }
    const now = this.o.now();
    const ok = response !== undefined && response.status >= 200 && response.status < 300;
    if (response && !ok) {
      const location = response.headers.location;
      error = response.status >= 300 && response.status < 400 ? `HTTP ${response.status}: redirects are not followed${location ? ` (to ${location})` : ''}` : `HTTP ${response.status}`;
    }
    if (response?.truncated) error = `${error ? `${error}; ` : ''}response body over ${this.limits.bodyCapBytes} bytes, cut`;
    const recordedResponse = response ? { status: response.status, headers: response.headers, body: response.body } : null;
    if (ok && hook.failingSince === null) {
      const recorded = await store.webhookDeliveryFinishAttempt({ id: d.id, owner: this.o.owner, attempt: d.attempts, status: 'delivered', nextAttemptAt: null, now, response: recordedResponse, error });
      return { id: d.id, status: 'delivered', recorded };
    }
    return store.transaction(async (tx) => {
      let status: WebhookDeliveryStatus;
      let next: number | null = null;
      let disable: string | undefined;
      if (ok) status = 'delivered';
      else if (response?.status === 410) {
        status = 'failed';
        disable = 'the endpoint answered 410 Gone';
      } else {
        const at = nextAttemptAt(d.attempts, now);
        status = at === undefined ? 'dead' : 'pending';
        next = at ?? null;
      }
      const recorded = await tx.webhookDeliveryFinishAttempt({ id: d.id, owner: this.o.owner, attempt: d.attempts, status, nextAttemptAt: next, now, response: recordedResponse, error });
      if (!recorded) return { id: d.id, status, recorded };
      const failingSince = await tx.webhookNoteAttempt({ id: hook.id, ok, now });
      if (!ok && !disable && failingSince !== null && now - failingSince >= WEBHOOK_FAILING_LIMIT_MS) disable = 'failing for a day without a success';
      if (disable) {
        await tx.webhookDisable({ id: hook.id, reason: disable, now });
        this.o.logger.warn({ webhook: hook.id, reason: disable }, 'webhook disabled');
      }
      return { id: d.id, status, recorded };
    });
  }
}
