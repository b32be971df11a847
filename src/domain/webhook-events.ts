/** Webhook event types: what a webhook may subscribe to, and what a delivery's `type` says. */

export const WEBHOOK_EVENT_TYPES = [
  'job.created',
  'job.started',
  'job.completed',
  'job.completed_with_errors',
  'job.failed',
  'job.cancelled',
  'schedule.fired',
  'snapshot.created',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export function isWebhookEventType(value: unknown): value is WebhookEventType {
  return typeof value === 'string' && (WEBHOOK_EVENT_TYPES as readonly string[]).includes(value);
}

/** The statuses of a delivery: waiting for an attempt, delivered (2xx), failed for good (its webhook disabled), or given up after the last retry. */
export const WEBHOOK_DELIVERY_STATUSES = ['pending', 'delivered', 'failed', 'dead'] as const;
export type WebhookDeliveryStatus = (typeof WEBHOOK_DELIVERY_STATUSES)[number];

/** A webhook's secret in Standard Webhooks form: `whsec_` and the base64 of 24 to 64 random bytes. */
export const WEBHOOK_SECRET_PATTERN = /^whsec_[A-Za-z0-9+/]{32,88}={0,2}$/;
