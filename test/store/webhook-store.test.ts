/**
 * Webhooks and their outbox (webhooks, webhook_deliveries) on every driver: CRUD of a domain's
 * webhooks, recordWebhookEvent (one delivery per enabled webhook whose filter names the event,
 * in the caller's transaction), the leased claim (a lost lease is claimed again with the same
 * id; a stale claim's outcome is refused), listing, replay and the next due time.
 */
import { describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { useSharedStore } from './shared-store.js';
import { seedDomain } from './seed.js';
import { recordWebhookEvent } from '../../src/jobs/webhook-events.js';
import type { Store } from '../../src/store/store.js';

const factories = await driverFactories();
const SECRET = 'whsec_' + Buffer.alloc(24, 7).toString('base64');

for (const factory of factories) {
  describe(`webhook store on ${factory.name}`, () => {
    const db = useSharedStore(factory);

    async function hook(store: Store, domainId: number, events: string[], url = 'https://hooks.example.net/in') {
      return store.webhookCreate({ domainId, url, events, secret: SECRET, enabled: true, createdBy: null, now: 10 });
    }

    it('webhookCreate, webhookGetById, webhookListByDomain, webhookUpdate and webhookDelete keep a domain’s webhooks', async () => {
      const { store } = db;
      const { domain, user } = await seedDomain(store);
      const { domain: other } = await seedDomain(store, 'other.org');
      const a = await store.webhookCreate({ domainId: domain.id, url: 'https://a.example/x', events: ['job.completed'], secret: SECRET, enabled: true, createdBy: user.id, now: 5 });
      expect(a).toEqual({
        id: expect.any(Number), domainId: domain.id, url: 'https://a.example/x', events: ['job.completed'], secret: SECRET, enabled: true,
        disabledReason: null, failingSince: null, createdBy: user.id, createdAt: 5, updatedAt: 5,
      });
      const b = await hook(store, domain.id, ['job.failed']);
      const c = await hook(store, other.id, ['job.failed']);
      expect(await store.webhookGetById({ id: a.id })).toEqual(a);
      expect(await store.webhookGetById({ id: 999999 })).toBeUndefined();
      expect((await store.webhookListByDomain({ domainId: domain.id })).map((w) => w.id)).toEqual([a.id, b.id]);
      expect((await store.webhookListByDomain({ domainId: other.id })).map((w) => w.id)).toEqual([c.id]);

      const off = await store.webhookUpdate({ id: a.id, enabled: false, url: 'https://a.example/y', events: ['job.created', 'job.failed'], now: 20 });
      expect(off).toMatchObject({ enabled: false, disabledReason: 'disabled by an administrator', url: 'https://a.example/y', events: ['job.created', 'job.failed'], updatedAt: 20 });
      const on = await store.webhookUpdate({ id: a.id, enabled: true, secret: 'whsec_new', now: 30 });
      expect(on).toMatchObject({ enabled: true, disabledReason: null, failingSince: null, secret: 'whsec_new', url: 'https://a.example/y' });
      expect(await store.webhookUpdate({ id: 999999, enabled: true, now: 1 })).toBeUndefined();

      await recordWebhookEvent(store, { domainId: domain.id, type: 'job.failed', data: { jobId: 1 }, now: 40 });
      expect(await store.webhookDelete({ id: b.id })).toBe(true);
      expect(await store.webhookDelete({ id: b.id })).toBe(false);
      expect(await store.webhookDeliveryList({ webhookId: b.id, limit: 10 })).toEqual([]);
      expect((await store.webhookListByDomain({ domainId: domain.id })).map((w) => w.id)).toEqual([a.id]);
    });

    it('recordWebhookEvent writes one delivery per enabled webhook of the domain whose filter names the event, in the caller’s transaction only', async () => {
      const { store } = db;
      const { domain } = await seedDomain(store);
      const { domain: other } = await seedDomain(store, 'other.org');
      const done = await hook(store, domain.id, ['job.completed', 'job.failed']);
      const failedOnly = await hook(store, domain.id, ['job.failed']);
      const disabled = await hook(store, domain.id, ['job.completed']);
      await store.webhookDisable({ id: disabled.id, reason: 'gone', now: 11 });
      const elsewhere = await hook(store, other.id, ['job.completed']);
      expect(await store.webhookListEnabled({ domainId: domain.id })).toEqual([
        { id: done.id, events: ['job.completed', 'job.failed'] },
        { id: failedOnly.id, events: ['job.failed'] },
      ]);
      expect(await store.webhookGetById({ id: disabled.id })).toMatchObject({ enabled: false, disabledReason: 'gone', updatedAt: 11 });

      const ids = await store.transaction((tx) => recordWebhookEvent(tx, { domainId: domain.id, type: 'job.completed', data: { jobId: 7 }, now: 1000 }));
      expect(ids).toHaveLength(1);
      expect(ids[0]).toMatch(/^msg_[a-z2-7]{26}$/);
      const d = await store.webhookDeliveryGetById({ id: ids[0]! });
      expect(d).toEqual({
        id: ids[0], webhookId: done.id, eventType: 'job.completed', payload: JSON.stringify({ type: 'job.completed', timestamp: new Date(1000).toISOString(), data: { jobId: 7 } }),
        createdAt: 1000, status: 'pending', attempts: 0, nextAttemptAt: 1000, leaseOwner: null, lastAttemptAt: null, response: null, lastError: null, deliveredAt: null,
      });
      expect(await store.webhookDeliveryGetById({ id: 'msg_none' })).toBeUndefined();
      expect(await recordWebhookEvent(store, { domainId: domain.id, type: 'job.failed', data: {}, now: 1001 })).toHaveLength(2);
      expect(await recordWebhookEvent(store, { domainId: domain.id, type: 'job.created', data: {}, now: 1002 })).toEqual([]);
      await expect(
        store.transaction(async (tx) => {
          await recordWebhookEvent(tx, { domainId: domain.id, type: 'job.completed', data: {}, now: 1003 });
          throw new Error('rolled back');
        }),
      ).rejects.toThrow('rolled back');
      expect(await store.webhookDeliveryList({ webhookId: done.id, limit: 10 })).toHaveLength(2);
      expect(await store.webhookDeliveryList({ webhookId: failedOnly.id, limit: 10 })).toHaveLength(1);
      expect(await store.webhookDeliveryList({ webhookId: elsewhere.id, limit: 10 })).toEqual([]);
      expect(await store.webhookDeliveryList({ webhookId: disabled.id, limit: 10 })).toEqual([]);
    });

    it('webhookDeliveryInsertMany writes pending deliveries due at once (none for an empty list)', async () => {
      const { store } = db;
      const { domain } = await seedDomain(store);
      const h = await hook(store, domain.id, ['schedule.fired']);
      await store.webhookDeliveryInsertMany({ deliveries: [], now: 5 });
      await store.webhookDeliveryInsertMany({ deliveries: [{ id: 'msg_a', webhookId: h.id, eventType: 'schedule.fired', payload: '{}' }, { id: 'msg_b', webhookId: h.id, eventType: 'schedule.fired', payload: '[]' }], now: 5 });
      const rows = await store.webhookDeliveryList({ webhookId: h.id, limit: 10 });
      expect(rows.map((d) => [d.id, d.status, d.nextAttemptAt, d.attempts, d.payload])).toEqual([['msg_b', 'pending', 5, 0, '[]'], ['msg_a', 'pending', 5, 0, '{}']]);
    });

    it('webhookDeliveryClaim leases due deliveries of enabled webhooks; a lost lease is claimed again with the same id and the stale claim’s outcome is refused', async () => {
      const { store } = db;
      const { domain } = await seedDomain(store);
      const h = await hook(store, domain.id, ['job.completed']);
      const [id] = await recordWebhookEvent(store, { domainId: domain.id, type: 'job.completed', data: {}, now: 100 });
      expect(await store.webhookDeliveryNextDue()).toBe(100);
      expect(await store.webhookDeliveryClaim({ owner: 'e1', now: 99, leaseUntil: 200, limit: 10 })).toEqual([]);
      const [first] = await store.webhookDeliveryClaim({ owner: 'e1', now: 100, leaseUntil: 200, limit: 10 });
      expect(first).toMatchObject({ id, attempts: 1, leaseOwner: 'e1', nextAttemptAt: 200, status: 'pending' });
      expect(await store.webhookDeliveryClaim({ owner: 'e2', now: 150, leaseUntil: 250, limit: 10 })).toEqual([]);
      expect(await store.webhookDeliveryNextDue()).toBe(200);
      // e1 dies; its lease ends; e2 takes the same message.
      const [again] = await store.webhookDeliveryClaim({ owner: 'e2', now: 200, leaseUntil: 300, limit: 10 });
      expect(again).toMatchObject({ id, attempts: 2, leaseOwner: 'e2' });
      const ok = { id: id!, status: 'delivered' as const, nextAttemptAt: null, now: 210, response: { status: 204, headers: { server: 'x' }, body: '' }, error: null };
      expect(await store.webhookDeliveryFinishAttempt({ ...ok, owner: 'e1', attempt: 1 })).toBe(false);
      expect(await store.webhookDeliveryFinishAttempt({ ...ok, owner: 'e2', attempt: 2 })).toBe(true);
      expect(await store.webhookDeliveryFinishAttempt({ ...ok, owner: 'e2', attempt: 2 })).toBe(false);
      expect(await store.webhookDeliveryGetById({ id: id! })).toMatchObject({
        status: 'delivered', deliveredAt: 210, lastAttemptAt: 210, nextAttemptAt: null, leaseOwner: null, response: { status: 204, headers: { server: 'x' }, body: '' },
      });
      expect(await store.webhookDeliveryNextDue()).toBeUndefined();

      // A failed attempt is pending again at its retry time; a disabled webhook's deliveries are not claimed.
      const [id2] = await recordWebhookEvent(store, { domainId: domain.id, type: 'job.completed', data: {}, now: 300 });
      const [c] = await store.webhookDeliveryClaim({ owner: 'e1', now: 300, leaseUntil: 400, limit: 1 });
      expect(c!.id).toBe(id2);
      expect(await store.webhookDeliveryFinishAttempt({ id: id2!, owner: 'e1', attempt: 1, status: 'pending', nextAttemptAt: 5300, now: 310, response: { status: 500, headers: {}, body: 'no' }, error: 'HTTP 500' })).toBe(true);
      expect(await store.webhookDeliveryGetById({ id: id2! })).toMatchObject({ status: 'pending', nextAttemptAt: 5300, lastError: 'HTTP 500', response: { status: 500 } });
      await store.webhookDisable({ id: h.id, reason: 'off', now: 320 });
      expect(await store.webhookDeliveryClaim({ owner: 'e1', now: 6000, leaseUntil: 7000, limit: 10 })).toEqual([]);
      expect(await store.webhookDeliveryNextDue()).toBeUndefined();
    });

    it('webhookDeliveryReplay makes a delivery due now again; webhookDeliveryList pages newest first; webhookNoteAttempt keeps the failure run', async () => {
      const { store } = db;
      const { domain } = await seedDomain(store);
      const h = await hook(store, domain.id, ['job.completed']);
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push(...(await recordWebhookEvent(store, { domainId: domain.id, type: 'job.completed', data: { i }, now: 100 + (i % 2) })));
      const all = await store.webhookDeliveryList({ webhookId: h.id, limit: 10 });
      expect(all.map((d) => [d.createdAt, d.id])).toEqual([...all].map((d) => [d.createdAt, d.id]).sort((x, y) => (y[0] as number) - (x[0] as number) || String(y[1]).localeCompare(String(x[1]))));
      const page1 = await store.webhookDeliveryList({ webhookId: h.id, limit: 3 });
      const last = page1.at(-1)!;
      const page2 = await store.webhookDeliveryList({ webhookId: h.id, limit: 3, before: { createdAt: last.createdAt, id: last.id } });
      expect([...page1, ...page2].map((d) => d.id)).toEqual(all.map((d) => d.id));

      const [c] = await store.webhookDeliveryClaim({ owner: 'e', now: 200, leaseUntil: 300, limit: 1 });
      await store.webhookDeliveryFinishAttempt({ id: c!.id, owner: 'e', attempt: 1, status: 'dead', nextAttemptAt: null, now: 210, response: null, error: 'timed out' });
      expect(await store.webhookDeliveryGetById({ id: c!.id })).toMatchObject({ status: 'dead', nextAttemptAt: null, lastError: 'timed out', response: null });
      expect(await store.webhookDeliveryReplay({ id: c!.id, webhookId: h.id + 1, now: 400 })).toBe(false);
      expect(await store.webhookDeliveryReplay({ id: c!.id, webhookId: h.id, now: 400 })).toBe(true);
      expect(await store.webhookDeliveryGetById({ id: c!.id })).toMatchObject({ status: 'pending', nextAttemptAt: 400, attempts: 1 });

      expect(await store.webhookNoteAttempt({ id: h.id, ok: false, now: 1000 })).toBe(1000);
      expect(await store.webhookNoteAttempt({ id: h.id, ok: false, now: 2000 })).toBe(1000);
      expect((await store.webhookGetById({ id: h.id }))!.failingSince).toBe(1000);
      expect(await store.webhookNoteAttempt({ id: h.id, ok: true, now: 3000 })).toBeNull();
      expect((await store.webhookGetById({ id: h.id }))!.failingSince).toBeNull();
    });
  });
}
