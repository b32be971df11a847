/** Webhooks as the dashboard reads them (/api/v1/webhooks, …/deliveries, …/replay; docs/webhooks.md). */
import { api } from '../../api/client';

/** The events a webhook may receive (the server's WEBHOOK_EVENT_TYPES, in its order). */
export const WEBHOOK_EVENTS = [
  'job.created',
  'job.started',
  'job.completed',
  'job.completed_with_errors',
  'job.failed',
  'job.cancelled',
  'schedule.fired',
  'snapshot.created',
] as const;

export interface Webhook {
  id: number;
  url: string;
  events: string[];
  enabled: boolean;
  disabledReason: string | null;
  failingSince: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface CreatedWebhook extends Webhook {
  /** The signing secret: in the create answer only. */
  secret: string;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed' | 'dead' | (string & {});

export interface Delivery {
  id: string;
  eventType: string;
  payload: unknown;
  createdAt: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: string | null;
  lastAttemptAt: string | null;
  deliveredAt: string | null;
  response: { status: number | null; headers: Record<string, string> | null; body: string | null } | null;
  error: string | null;
}

export interface DeliveryPage {
  deliveries: Delivery[];
  nextCursor: string | null;
}

export function webhookName(webhook: Webhook): string {
  return `webhook #${webhook.id}`;
}

export function setWebhookEnabled(webhook: Webhook, enabled: boolean): Promise<Webhook> {
  return api<Webhook>(`/webhooks/${webhook.id}`, { method: 'PATCH', body: { enabled }, idempotent: true });
}

export function deleteWebhook(webhook: Webhook): Promise<void> {
  return api<void>(`/webhooks/${webhook.id}`, { method: 'DELETE', idempotent: true });
}

export function replayDelivery(webhookId: number, deliveryId: string): Promise<Delivery> {
  return api<Delivery>(`/webhooks/${webhookId}/deliveries/${encodeURIComponent(deliveryId)}/replay`, { method: 'POST', idempotent: true });
}
