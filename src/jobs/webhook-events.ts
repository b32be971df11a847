/**
 * Recording webhook events: called inside the transaction that makes the event true, it writes
 * one outbox row (a Standard Webhooks message) per enabled webhook of the domain whose filter
 * names the event, and hints the engines' senders at commit. With no webhook in the domain it
 * costs one indexed read. A rolled-back transaction records nothing.
 */
import { randomBytes } from 'node:crypto';
import type { Store } from '../store/store.js';
import type { Job } from '../domain/jobs.js';
import type { WebhookEventType } from '../domain/webhook-events.js';

/** A new message id (`msg_` and 26 base32 characters: 128 random bits). */
export function newWebhookMessageId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  let bits = 0n;
  for (const byte of randomBytes(17)) bits = (bits << 8n) | BigInt(byte);
  let out = '';
  for (let i = 0; i < 26; i++) {
    out += alphabet[Number(bits & 31n)];
    bits >>= 5n;
  }
  return `msg_${out}`;
}

type EnabledHooks = Awaited<ReturnType<Store['webhookListEnabled']>>;
/** Transactions that read each domain's webhooks once (cacheWebhookLookups): the reads, by domain. */
const lookupCaches = new WeakMap<Store, Map<number, Promise<EnabledHooks>>>();

/**
 * Makes `tx` read each domain's enabled webhooks once for the rest of its transaction (the
 * engine's small-job groups record several events of many jobs of one domain). Only for a
 * transaction that does not change webhooks itself.
 */
export function cacheWebhookLookups(tx: Store): void {
  if (!lookupCaches.has(tx)) lookupCaches.set(tx, new Map());
}

function enabledHooks(tx: Store, domainId: number): Promise<EnabledHooks> {
  const cache = lookupCaches.get(tx);
  if (!cache) return tx.webhookListEnabled({ domainId });
  let hooks = cache.get(domainId);
  if (!hooks) {
    hooks = tx.webhookListEnabled({ domainId });
    cache.set(domainId, hooks);
  }
  return hooks;
}

/** The body every delivery of an event carries: `{type, timestamp, data}` (Standard Webhooks' shape). */
export function webhookPayload(type: WebhookEventType, data: Record<string, unknown>, now: number): string {
  return JSON.stringify({ type, timestamp: new Date(now).toISOString(), data });
}

/**
 * Records `type` for the domain's webhooks that subscribe to it, in `tx`'s transaction.
 * Returns the message ids written (one per webhook; none when no webhook listens).
 */
export async function recordWebhookEvent(
  tx: Store,
  e: { domainId: number; type: WebhookEventType; data: Record<string, unknown>; now: number },
): Promise<string[]> {
  const hooks = await enabledHooks(tx, e.domainId);
  const listening = hooks.filter((h) => h.events.includes(e.type));
  if (listening.length === 0) return [];
  const payload = webhookPayload(e.type, e.data, e.now);
  const deliveries = listening.map((h) => ({ id: newWebhookMessageId(), webhookId: h.id, eventType: e.type, payload }));
  await tx.webhookDeliveryInsertMany({ deliveries, now: e.now });
  await tx.notify({ topic: 'webhook', webhookId: listening[0]!.id });
  return deliveries.map((d) => d.id);
}

/**
 * As recordWebhookEvent for many events of one type in one domain (a batch of new jobs): the
 * domain's webhooks read once, every outbox row in one insert, one hint.
 */
export async function recordWebhookEvents(
  tx: Store,
  e: { domainId: number; type: WebhookEventType; data: ReadonlyArray<Record<string, unknown>>; now: number },
): Promise<string[]> {
  if (e.data.length === 0) return [];
  const hooks = await enabledHooks(tx, e.domainId);
  const listening = hooks.filter((h) => h.events.includes(e.type));
  if (listening.length === 0) return [];
  const deliveries = e.data.flatMap((data) => {
    const payload = webhookPayload(e.type, data, e.now);
    return listening.map((h) => ({ id: newWebhookMessageId(), webhookId: h.id, eventType: e.type, payload }));
  });
  await tx.webhookDeliveryInsertMany({ deliveries, now: e.now });
  await tx.notify({ topic: 'webhook', webhookId: listening[0]!.id });
  return deliveries.map((d) => d.id);
}

/** What a job event's `data` says of the job. */
export function jobWebhookData(job: Job): Record<string, unknown> {
  return {
    jobId: job.id,
    type: job.type,
    status: job.status,
    libraryId: job.libraryId,
    targetLibraryId: job.targetLibraryId,
    origin: job.origin,
    counts: job.counts,
    bytes: job.bytes,
    createdAt: new Date(job.createdAt).toISOString(),
    startedAt: job.startedAt === null ? null : new Date(job.startedAt).toISOString(),
    finishedAt: job.finishedAt === null ? null : new Date(job.finishedAt).toISOString(),
    error: job.error,
  };
}
