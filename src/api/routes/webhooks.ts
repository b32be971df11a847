/** Webhooks of the caller's domain (administrators): `/webhooks`, their deliveries and replays. */
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ApiContext } from '../context.js';
import type { Webhook, WebhookDelivery } from '../../services/webhook-service.js';
import { principalOf } from '../auth-hook.js';
import { errorResponses, PageQuery } from '../schemas/common.js';
import { CreatedWebhookBody, CreateWebhookBody, DeliveryBody, DeliveryIdParams, DeliveryList, UpdateWebhookBody, WebhookBody, WebhookIdParams, WebhookList } from '../schemas/webhooks.js';
import { iso } from '../views.js';

const isoOrNull = (t: number | null) => (t === null ? null : iso(t));

const webhook = (w: Webhook) => ({
  id: w.id,
  url: w.url,
  events: w.events,
  enabled: w.enabled,
  disabledReason: w.disabledReason,
  failingSince: isoOrNull(w.failingSince),
  createdAt: iso(w.createdAt),
  updatedAt: iso(w.updatedAt),
});

const delivery = (d: WebhookDelivery) => ({
  id: d.id,
  eventType: d.eventType,
  payload: JSON.parse(d.payload) as unknown,
  createdAt: iso(d.createdAt),
  status: d.status,
  attempts: d.attempts,
  nextAttemptAt: d.status === 'pending' ? isoOrNull(d.nextAttemptAt) : null,
  lastAttemptAt: isoOrNull(d.lastAttemptAt),
  deliveredAt: isoOrNull(d.deliveredAt),
  response: d.response,
  error: d.lastError,
});

export const webhookRoutes: FastifyPluginAsyncTypebox<{ ctx: ApiContext }> = async (app, { ctx }) => {
  app.get(
    '/webhooks',
    { schema: { tags: ['webhooks'], summary: 'The domain’s webhooks (domain administrators)', response: { 200: WebhookList, ...errorResponses } } },
    async (request) => ({ webhooks: (await ctx.webhooks.list(principalOf(request))).map(webhook) }),
  );

  app.post(
    '/webhooks',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'Create a webhook: a URL, the events it receives, a secret (generated when omitted, shown only in this answer)',
        body: CreateWebhookBody,
        response: { 201: CreatedWebhookBody, ...errorResponses },
      },
    },
    async (request, reply) => {
      const created = await ctx.webhooks.create(principalOf(request), request.body);
      return reply.status(201).send({ ...webhook(created), secret: created.secret });
    },
  );

  app.get(
    '/webhooks/:webhookId',
    { schema: { tags: ['webhooks'], summary: 'One webhook', params: WebhookIdParams, response: { 200: WebhookBody, ...errorResponses } } },
    async (request) => webhook(await ctx.webhooks.get(principalOf(request), request.params.webhookId)),
  );

  app.patch(
    '/webhooks/:webhookId',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'Change a webhook’s URL, events or secret; enable or disable it',
        params: WebhookIdParams,
        body: UpdateWebhookBody,
        response: { 200: WebhookBody, ...errorResponses },
      },
    },
    async (request) => webhook(await ctx.webhooks.update(principalOf(request), request.params.webhookId, request.body)),
  );

  app.delete(
    '/webhooks/:webhookId',
    { schema: { tags: ['webhooks'], summary: 'Delete a webhook and its delivery log', params: WebhookIdParams, response: { 204: Type.Null(), ...errorResponses } } },
    async (request, reply) => {
      await ctx.webhooks.delete(principalOf(request), request.params.webhookId);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/webhooks/:webhookId/deliveries',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'A webhook’s deliveries, newest first, with the last attempt’s response',
        params: WebhookIdParams,
        querystring: PageQuery,
        response: { 200: DeliveryList, ...errorResponses },
      },
    },
    async (request) => {
      const page = await ctx.webhooks.deliveries(principalOf(request), request.params.webhookId, { limit: request.query.limit ?? 100, cursor: request.query.cursor });
      return { deliveries: page.deliveries.map(delivery), nextCursor: page.nextCursor };
    },
  );

  app.post(
    '/webhooks/:webhookId/deliveries/:deliveryId/replay',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'Send a delivery again now: a new attempt of the same message (same webhook-id)',
        params: DeliveryIdParams,
        response: { 202: DeliveryBody, ...errorResponses },
      },
    },
    async (request, reply) => reply.status(202).send(delivery(await ctx.webhooks.replay(principalOf(request), request.params.webhookId, request.params.deliveryId))),
  );
};
