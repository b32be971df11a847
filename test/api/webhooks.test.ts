/**
 * Webhooks over HTTP, on every driver: domain administrators create (secret generated and
 * shown once, or given), list, read, change, delete; bad input is a 400 naming the field
 * (events[i], url, secret); private destinations are refused unless the setting allows them;
 * other users get 403, another domain's webhook is a 404; deliveries page newest first with
 * their responses; replay makes a delivery due again with the same id.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { recordWebhookEvent } from '../../src/jobs/webhook-events.js';

const factories = await driverFactories();
const SECRET = 'whsec_' + Buffer.alloc(32, 9).toString('base64');

for (const factory of factories) {
  describe(`webhooks API on ${factory.name}`, () => {
    let t: TestApp;
    let bob: string;
    beforeEach(async () => {
      t = await startTestApp(factory, { BATCHYARD_WEBHOOK_ALLOW_HOSTS: '10.9.0.0/16' });
      const user = await t.call('POST', '/api/v1/users', { json: { email: 'bob@example.com' } });
      bob = (await t.call('POST', '/api/v1/tokens', { json: { userId: user.body.id } })).body.token;
    });
    afterEach(async () => {
      await t.dispose();
    });

    it('creates (secret generated, shown only on create), lists, reads, changes and deletes', async () => {
      const made = await t.call('POST', '/api/v1/webhooks', { json: { url: 'https://hooks.example.com/in', events: ['job.completed', 'job.failed', 'job.completed'] } });
      expect(made.status).toBe(201);
      expect(made.body).toEqual({
        id: expect.any(Number), url: 'https://hooks.example.com/in', events: ['job.completed', 'job.failed'], enabled: true, disabledReason: null, failingSince: null,
        createdAt: expect.any(String), updatedAt: expect.any(String), secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{43}=$/),
      });
      const given = await t.call('POST', '/api/v1/webhooks', { json: { url: 'http://10.9.1.2:8080/hook', events: ['schedule.fired'], secret: SECRET, enabled: false } });
      expect(given.status).toBe(201);
      expect(given.body).toMatchObject({ secret: SECRET, enabled: false });
      const { secret: _secret, ...shown } = made.body;
      const list = await t.call('GET', '/api/v1/webhooks');
      expect(list.body.webhooks[0]).toEqual(shown);
      expect(list.body.webhooks).toHaveLength(2);
      expect(JSON.stringify(list.body)).not.toContain('whsec_');
      expect((await t.call('GET', `/api/v1/webhooks/${made.body.id}`)).body).toEqual(shown);

      const changed = await t.call('PATCH', `/api/v1/webhooks/${given.body.id}`, { json: { events: ['snapshot.created'], enabled: true, url: 'https://other.example.com/x' } });
      expect(changed.status).toBe(200);
      expect(changed.body).toMatchObject({ events: ['snapshot.created'], enabled: true, disabledReason: null, url: 'https://other.example.com/x' });
      expect((await t.call('PATCH', `/api/v1/webhooks/${given.body.id}`, { json: { enabled: false } })).body).toMatchObject({ enabled: false, disabledReason: 'disabled by an administrator' });
      expect((await t.call('PATCH', `/api/v1/webhooks/${given.body.id}`, { json: { secret: 'whsec_short' } })).status).toBe(400);

      expect((await t.call('DELETE', `/api/v1/webhooks/${made.body.id}`)).status).toBe(204);
      expect((await t.call('GET', `/api/v1/webhooks/${made.body.id}`)).status).toBe(404);
      expect((await t.call('DELETE', `/api/v1/webhooks/${made.body.id}`)).status).toBe(404);
    });

    it('answers bad input with a 400 naming the field, never a 500', async () => {
      const cases: Array<[unknown, string]> = [
        [{ url: 'https://x.example/', events: ['job.completed', 'job.exploded'] }, 'events[1]'],
        [{ url: 'https://x.example/', events: [] }, 'events'],
        [{ url: 'ftp://x.example/', events: ['job.failed'] }, 'url'],
        [{ url: 'nope', events: ['job.failed'] }, 'url'],
        [{ url: 'https://x.example/', events: ['job.failed'], secret: 'plain' }, 'secret'],
      ];
      for (const [json, field] of cases) {
        const r = await t.call('POST', '/api/v1/webhooks', { json });
        expect(r.status, JSON.stringify(json)).toBe(400);
        expect(r.body.error.message.startsWith(`${field}:`), r.body.error.message).toBe(true);
      }
      for (const json of [{ events: ['job.failed'] }, { url: 'https://x.example/', events: 'job.failed' }, { url: 'https://x.example/', events: [3] }, { url: 'https://x.example/', events: ['job.failed'], extra: 1 }]) {
        const r = await t.call('POST', '/api/v1/webhooks', { json });
        expect(r.status, JSON.stringify(json)).toBe(400);
      }
      expect((await t.call('GET', '/api/v1/webhooks/abc')).status).toBe(400);
      expect((await t.call('GET', '/api/v1/webhooks/1/deliveries?limit=0')).status).toBe(400);
      expect((await t.call('POST', '/api/v1/webhooks/1/deliveries/../replay')).status).toBeLessThan(500);
    });

    it('refuses private, loopback and link-local destinations unless the setting allows them', async () => {
      for (const url of ['http://127.0.0.1:9000/', 'http://[::1]/', 'http://169.254.169.254/latest', 'http://192.168.1.10/', 'http://localhost:3000/', 'http://10.10.0.1/']) {
        const r = await t.call('POST', '/api/v1/webhooks', { json: { url, events: ['job.failed'] } });
        expect(r.status, url).toBe(400);
        expect(r.body.error.message, url).toMatch(/^url: .*(private, loopback or link-local address|loopback name)/);
      }
      expect((await t.call('POST', '/api/v1/webhooks', { json: { url: 'http://10.9.200.1/', events: ['job.failed'] } })).status).toBe(201);
    });

    it('is for domain administrators: others get 403; another domain’s webhook is a 404', async () => {
      expect((await t.call('GET', '/api/v1/webhooks', { token: bob })).status).toBe(403);
      expect((await t.call('POST', '/api/v1/webhooks', { token: bob, json: { url: 'https://x.example/', events: ['job.failed'] } })).status).toBe(403);
      const made = await t.call('POST', '/api/v1/webhooks', { json: { url: 'https://x.example/', events: ['job.failed'] } });
      const other = await t.call('POST', '/api/v1/domains', { json: { name: 'other.org', admin: { email: 'admin@other.org' } } });
      const theirs = other.body.token as string;
      expect((await t.call('GET', `/api/v1/webhooks/${made.body.id}`, { token: theirs })).status).toBe(404);
      expect((await t.call('PATCH', `/api/v1/webhooks/${made.body.id}`, { token: theirs, json: { enabled: false } })).status).toBe(404);
      expect((await t.call('GET', `/api/v1/webhooks/${made.body.id}/deliveries`, { token: theirs })).status).toBe(404);
      expect((await t.call('GET', '/api/v1/webhooks', { token: theirs })).body).toEqual({ webhooks: [] });
    });

    it('pages deliveries newest first with their responses, and replays one (same id, due now)', async () => {
      const made = await t.call('POST', '/api/v1/webhooks', { json: { url: 'https://x.example/', events: ['job.completed'] } });
      const domainId = (await t.app.store.webhookGetById({ id: made.body.id }))!.domainId;
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push(...(await recordWebhookEvent(t.app.store, { domainId, type: 'job.completed', data: { jobId: i }, now: 1_000 + i })));
      const [claimed] = await t.app.store.webhookDeliveryClaim({ owner: 'e', now: 1_000, leaseUntil: 2_000, limit: 1 });
      await t.app.store.webhookDeliveryFinishAttempt({ id: claimed!.id, owner: 'e', attempt: 1, status: 'dead', nextAttemptAt: null, now: 1_500, response: { status: 500, headers: { 'content-type': 'text/plain' }, body: 'boom' }, error: 'HTTP 500' });

      const first = await t.call('GET', `/api/v1/webhooks/${made.body.id}/deliveries?limit=3`);
      expect(first.status).toBe(200);
      expect(first.body.deliveries.map((d: { id: string }) => d.id)).toEqual([ids[4], ids[3], ids[2]]);
      expect(first.body.deliveries[0]).toEqual({
        id: ids[4], eventType: 'job.completed', payload: { type: 'job.completed', timestamp: new Date(1_004).toISOString(), data: { jobId: 4 } }, createdAt: new Date(1_004).toISOString(),
        status: 'pending', attempts: 0, nextAttemptAt: new Date(1_004).toISOString(), lastAttemptAt: null, deliveredAt: null, response: null, error: null,
      });
      const second = await t.call('GET', `/api/v1/webhooks/${made.body.id}/deliveries?limit=3&cursor=${encodeURIComponent(first.body.nextCursor)}`);
      expect(second.body.deliveries.map((d: { id: string }) => d.id)).toEqual([ids[1], ids[0]]);
      expect(second.body.nextCursor).toBeNull();
      expect(second.body.deliveries[1]).toMatchObject({ id: claimed!.id, status: 'dead', attempts: 1, response: { status: 500, headers: { 'content-type': 'text/plain' }, body: 'boom' }, error: 'HTTP 500', nextAttemptAt: null });
      expect((await t.call('GET', `/api/v1/webhooks/${made.body.id}/deliveries?cursor=garbage`)).status).toBe(400);

      const replayed = await t.call('POST', `/api/v1/webhooks/${made.body.id}/deliveries/${claimed!.id}/replay`);
      expect(replayed.status).toBe(202);
      expect(replayed.body).toMatchObject({ id: claimed!.id, status: 'pending', attempts: 1 });
      expect(Math.abs(Date.parse(replayed.body.nextAttemptAt) - Date.now())).toBeLessThan(60_000);
      expect((await t.call('POST', `/api/v1/webhooks/${made.body.id}/deliveries/msg_unknown/replay`)).status).toBe(404);
    });
  });
}
