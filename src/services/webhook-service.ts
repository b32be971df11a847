/**
 * Webhooks, per domain, for its administrators: create (the URL judged before any resolution,
 * the secret generated when not given and shown only then), list, read, change, delete; a
 * webhook's deliveries with their responses (newest first, paged); a replay (a new attempt of
 * the same message, now). Another domain's webhook does not exist for the caller (404); a
 * caller who is not a domain administrator is refused (403).
 */
import { randomBytes } from 'node:crypto';
import type { Store } from '../store/store.js';
import type { Principal } from '../domain/types.js';
import type { Webhook } from '../store/queries/webhooks.js';
import type { WebhookDelivery } from '../store/queries/webhook-deliveries.js';
import { ForbiddenError, InvalidArgumentError, NotFoundError } from '../domain/errors.js';
import { isDomainAdmin } from '../domain/user-rules.js';
import { decodeCursor, encodeCursor } from '../domain/cursor.js';
import { isWebhookEventType, WEBHOOK_EVENT_TYPES, WEBHOOK_SECRET_PATTERN, type WebhookEventType } from '../domain/webhook-events.js';
import { EMPTY_ALLOW_LIST, webhookUrlProblem, type WebhookAllowList } from '../domain/webhook-address.js';
import { systemClock, type Clock } from './clock.js';

export type { Webhook, WebhookDelivery };

/** Webhooks one domain may keep. */
export const MAX_WEBHOOKS_PER_DOMAIN = 50;

export interface WebhookInput {
  url?: string;
  events?: string[];
  secret?: string;
  enabled?: boolean;
}

/** A new secret: `whsec_` and the base64 of 32 random bytes. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

export class WebhookService {
  constructor(
    private readonly store: Store,
    private readonly allow: WebhookAllowList = EMPTY_ALLOW_LIST,
    private readonly clock: Clock = systemClock,
  ) {}

  list(caller: Principal): Promise<Webhook[]> {
    this.requireAdmin(caller);
    return this.store.webhookListByDomain({ domainId: caller.user.domainId });
  }

  async create(caller: Principal, body: WebhookInput & { url: string; events: string[] }): Promise<Webhook> {
    this.requireAdmin(caller);
    const url = this.checkUrl(body.url);
    const events = checkEvents(body.events);
    const secret = body.secret === undefined ? newWebhookSecret() : checkSecret(body.secret);
    const existing = await this.store.webhookListByDomain({ domainId: caller.user.domainId });
    if (existing.length >= MAX_WEBHOOKS_PER_DOMAIN) throw new InvalidArgumentError(`url: the domain already has ${MAX_WEBHOOKS_PER_DOMAIN} webhooks; delete one first`, { field: 'url' });
    return this.store.webhookCreate({ domainId: caller.user.domainId, url, events, secret, enabled: body.enabled ?? true, createdBy: caller.user.id, now: this.clock() });
  }

  async get(caller: Principal, id: number): Promise<Webhook> {
    this.requireAdmin(caller);
    const hook = await this.store.webhookGetById({ id });
    if (!hook || hook.domainId !== caller.user.domainId) throw new NotFoundError(`webhook ${id} not found`, { id });
    return hook;
  }

  /** Changes what is given; enabling a disabled webhook clears why it was disabled, and its waiting messages go out. */
  async update(caller: Principal, id: number, body: WebhookInput): Promise<Webhook> {
    await this.get(caller, id);
    const changes = {
      ...(body.url !== undefined ? { url: this.checkUrl(body.url) } : {}),
      ...(body.events !== undefined ? { events: checkEvents(body.events) } : {}),
      ...(body.secret !== undefined ? { secret: checkSecret(body.secret) } : {}),
      ...(body.enabled !== undefined ? { enabled: body.enabled } : {}),
    };
    return this.store.transaction(async (tx) => {
      const hook = await tx.webhookUpdate({ id, ...changes, now: this.clock() });
      if (!hook) throw new NotFoundError(`webhook ${id} not found`, { id });
      if (body.enabled === true) await tx.notify({ topic: 'webhook', webhookId: id });
      return hook;
    });
  }

  async delete(caller: Principal, id: number): Promise<void> {
    await this.get(caller, id);
    await this.store.transaction((tx) => tx.webhookDelete({ id }));
  }

  /** The webhook's deliveries, newest first, with the last attempt's response. */
  async deliveries(caller: Principal, id: number, p: { limit: number; cursor?: string }): Promise<{ deliveries: WebhookDelivery[]; nextCursor: string | null }> {
    await this.get(caller, id);
    const tag = `webhook-deliveries:${id}`;
    const before = p.cursor === undefined ? undefined : decodeCursor(tag, p.cursor, { createdAt: 'number', id: 'string' });
    const rows = await this.store.webhookDeliveryList({ webhookId: id, limit: p.limit + 1, before });
    const page = rows.slice(0, p.limit);
    const last = page.at(-1);
    return { deliveries: page, nextCursor: rows.length > p.limit && last ? encodeCursor(tag, { createdAt: last.createdAt, id: last.id }) : null };
  }

  /** A new attempt of the same message (same `webhook-id`), due now; the webhook must be enabled for it to leave. */
  async replay(caller: Principal, id: number, deliveryId: string): Promise<WebhookDelivery> {
    await this.get(caller, id);
    return this.store.transaction(async (tx) => {
      if (!(await tx.webhookDeliveryReplay({ id: deliveryId, webhookId: id, now: this.clock() }))) {
        throw new NotFoundError(`delivery ${deliveryId} of webhook ${id} not found`, { id: deliveryId });
      }
      await tx.notify({ topic: 'webhook', webhookId: id });
      return (await tx.webhookDeliveryGetById({ id: deliveryId }))!;
    });
  }

  private requireAdmin(caller: Principal): void {
    if (!isDomainAdmin(caller.user)) throw new ForbiddenError('webhooks are managed by domain administrators');
  }

  private checkUrl(url: string): string {
    const problem = webhookUrlProblem(url, this.allow);
    if (problem) throw new InvalidArgumentError(`url: ${problem}`, { field: 'url' });
    return url;
  }
}

function checkEvents(events: string[]): WebhookEventType[] {
  if (events.length === 0) throw new InvalidArgumentError('events: name at least one event', { field: 'events' });
  const out: WebhookEventType[] = [];
  events.forEach((event, i) => {
    if (!isWebhookEventType(event)) {
      throw new InvalidArgumentError(`events[${i}]: unknown event '${event.slice(0, 64)}'; one of ${WEBHOOK_EVENT_TYPES.join(', ')}`, { field: `events[${i}]` });
    }
    if (!out.includes(event)) out.push(event);
  });
  return out;
}

function checkSecret(secret: string): string {
  if (!WEBHOOK_SECRET_PATTERN.test(secret)) throw new InvalidArgumentError('secret: must be whsec_ followed by the base64 of 24 to 64 random bytes', { field: 'secret' });
  return secret;
}
