/** Schemas for webhooks (per domain, for its administrators) and their deliveries. */
import { Type } from '@sinclair/typebox';
import { WEBHOOK_DELIVERY_STATUSES, WEBHOOK_EVENT_TYPES } from '../../domain/webhook-events.js';
import { NextCursor } from './common.js';

const Events = Type.Array(Type.String({ maxLength: 64 }), {
  maxItems: 32,
  description: `Event types: ${WEBHOOK_EVENT_TYPES.join(', ')} (an unknown one is a 400 naming events[i]).`,
});

export const WebhookBody = Type.Object({
  id: Type.Integer(),
  url: Type.String(),
  events: Type.Array(Type.String()),
  enabled: Type.Boolean(),
  disabledReason: Type.Union([Type.String(), Type.Null()], { description: 'Why it stopped sending: disabled by an administrator, 410 Gone, or a day of failures.' }),
  failingSince: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'The first failed attempt since the last success.' }),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});

export const CreatedWebhookBody = Type.Composite([WebhookBody, Type.Object({ secret: Type.String({ description: 'The signing secret (shown only here).' }) })]);

export const WebhookList = Type.Object({ webhooks: Type.Array(WebhookBody) });

export const CreateWebhookBody = Type.Object(
  {
    url: Type.String({ minLength: 1, maxLength: 2000, description: 'http(s); private, loopback and link-local destinations only if BATCHYARD_WEBHOOK_ALLOW_HOSTS allows them.' }),
    events: Events,
    secret: Type.Optional(Type.String({ maxLength: 200, description: 'whsec_… (Standard Webhooks); generated when omitted.' })),
    enabled: Type.Optional(Type.Boolean({ default: true })),
  },
  { additionalProperties: false },
);

export const UpdateWebhookBody = Type.Object(
  {
    url: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })),
    events: Type.Optional(Events),
    secret: Type.Optional(Type.String({ maxLength: 200, description: 'A new signing secret (whsec_…).' })),
    enabled: Type.Optional(Type.Boolean({ description: 'true sends again (and clears why it was disabled).' })),
  },
  { additionalProperties: false },
);

export const WebhookIdParams = Type.Object({
  webhookId: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'A webhook id.' }),
});

export const DeliveryIdParams = Type.Object({
  webhookId: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
  deliveryId: Type.String({ minLength: 1, maxLength: 64, pattern: '^msg_[A-Za-z0-9_]+$', description: 'A delivery id: the message\'s webhook-id.' }),
});

export const DeliveryBody = Type.Object({
  id: Type.String({ description: 'The message id, sent as webhook-id.' }),
  eventType: Type.String(),
  payload: Type.Unknown({ description: 'The message body as sent: {type, timestamp, data}.' }),
  createdAt: Type.String({ format: 'date-time' }),
  status: Type.Union(WEBHOOK_DELIVERY_STATUSES.map((s) => Type.Literal(s))),
  attempts: Type.Integer(),
  nextAttemptAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  lastAttemptAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  deliveredAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  response: Type.Union([
    Type.Object({
      status: Type.Union([Type.Integer(), Type.Null()]),
      headers: Type.Union([Type.Record(Type.String(), Type.String()), Type.Null()]),
      body: Type.Union([Type.String({ description: 'The first 4 KiB of the answer.' }), Type.Null()]),
    }),
    Type.Null(),
  ]),
  error: Type.Union([Type.String(), Type.Null()], { description: 'Why the last attempt failed.' }),
});

export const DeliveryList = Type.Object({ deliveries: Type.Array(DeliveryBody), nextCursor: NextCursor });
