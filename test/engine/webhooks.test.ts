/**
 * Webhook deliveries on every driver, to a local receiver (allowed through the setting):
 * every job event delivered once, signed so that standardwebhooks' own verifier accepts it;
 * the faults of an endpoint (500, 410, a hang, a redirect to a private address, an endless
 * body) and refused private destinations, each with the clock injected so the retry
 * schedule is read, not waited for; replay; a lease that ends (a sender that died) gives the
 * same message id to the next one; deliveries going out while the engine still has work.
 */
import dns from 'node:dns';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { driverFactories } from '../support/drivers.js';
import { engineFixture, type EngineFixture } from '../support/engine.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { WebhookSender } from '../../src/engine/webhook-sender.js';
import { recordWebhookEvent } from '../../src/jobs/webhook-events.js';
import { EMPTY_ALLOW_LIST, parseWebhookAllowList } from '../../src/domain/webhook-address.js';
import { WEBHOOK_EVENT_TYPES } from '../../src/domain/webhook-events.js';
import { WEBHOOK_RETRY_DELAYS_MS } from '../../src/engine/webhook-schedule.js';

const factories = await driverFactories();
const SECRET = 'whsec_' + Buffer.from('a secret of twenty-four b').toString('base64');
const LOCAL = parseWebhookAllowList('127.0.0.1');
const silent = pino({ level: 'silent' });

/** A resolver where `hooks.test` names 127.0.0.1 (what a rebinding name would resolve to). */
const resolveHooksTest = ((hostname: string, options: dns.LookupAllOptions, callback: (e: NodeJS.ErrnoException | null, a: dns.LookupAddress[]) => void) => {
  if (hostname === 'hooks.test') return callback(null, [{ address: '127.0.0.1', family: 4 }]);
  dns.lookup(hostname, options, callback);
}) as unknown as typeof dns.lookup;

for (const factory of factories) {
  describe(`webhooks on ${factory.name}`, () => {
    let f: EngineFixture;
    let receiver: WebhookReceiver;
    beforeEach(async () => {
      f = await engineFixture(factory, { BATCHYARD_WEBHOOK_ALLOW_HOSTS: '127.0.0.1' });
      receiver = await startWebhookReceiver();
    });
    afterEach(async () => {
      await f.dispose();
      await receiver.close();
    });

    async function hook(path: string, events: readonly string[] = WEBHOOK_EVENT_TYPES) {
      return f.app.store.webhookCreate({ domainId: f.admin.user.domainId, url: receiver.url(path), events, secret: SECRET, enabled: true, createdBy: null, now: Date.now() });
    }

    function sender(clock: { now: number }, extra: Partial<ConstructorParameters<typeof WebhookSender>[0]> = {}) {
      return new WebhookSender({ store: f.app.store, logger: silent, owner: 'test-sender', now: () => clock.now, allow: LOCAL, timeoutMs: 2_000, ...extra });
    }

    it('delivers each job event once, signed (standardwebhooks verifies it), soon after the job’s transaction commits', async () => {
      const h = await hook('/ok');
      const lib = await f.library();
      // Cancelled while queued: created, cancelled (it never started).
      const cancelled = await f.submit('noop', lib, { count: 1 });
      await f.app.jobs.cancel(f.admin, cancelled.id);
      await f.startEngine({ webhooks: { allowHosts: ['127.0.0.1'] } });
      const done = await f.submit('noop', lib, { count: 5 });
      const failed = await f.submit('trash', lib, { paths: ['/missing-a', '/missing-b'] });
      expect((await f.waitFor(done.id)).status).toBe('completed');
      expect((await f.waitFor(failed.id)).status).toBe('failed');
      const expected = [
        [cancelled.id, 'job.created'], [cancelled.id, 'job.cancelled'],
        [done.id, 'job.created'], [done.id, 'job.started'], [done.id, 'job.completed'],
        [failed.id, 'job.created'], [failed.id, 'job.started'], [failed.id, 'job.failed'],
      ];
      const got = await receiver.waitFor(expected.length, '/ok');
      const verifier = new Webhook(SECRET);
      const seen = got.map((r) => {
        const body = verifier.verify(r.body, r.headers as Record<string, string>) as { type: string; timestamp: string; data: { jobId: number; status: string } };
        expect(r.headers['webhook-signature']).toMatch(/^v1,/);
        // job.started: planning, or running for a small job whose plan and items commit together (small-jobs.ts).
        if (body.type === 'job.started') expect(['planning', 'running']).toContain(body.data.status);
        else expect(body.data.status).toBe(body.type === 'job.created' ? 'queued' : body.type.slice(4));
        return { id: r.headers['webhook-id'], pair: [body.data.jobId, body.type] };
      });
      expect(seen.map((s) => s.pair).sort()).toEqual(expected.sort());
      expect(new Set(seen.map((s) => s.id)).size).toBe(seen.length);
      // The receiver answered; the sender records each outcome just after.
      const rows = await vi.waitFor(async () => {
        const list = await f.app.store.webhookDeliveryList({ webhookId: h.id, limit: 50 });
        expect(list.filter((r) => r.status === 'delivered')).toHaveLength(expected.length);
        return list;
      }, { timeout: 10_000, interval: 20 });
      for (const row of rows) expect(row).toMatchObject({ status: 'delivered', attempts: 1, response: { status: 204 } });
      expect(rows.map((r) => r.id).sort()).toEqual(seen.map((s) => s.id).sort());
      // Tampering is caught by the verifier.
      expect(() => verifier.verify(got[0]!.body.replace('job.', 'jab.'), got[0]!.headers as Record<string, string>)).toThrow();
    });

    it('a completed_with_errors job is delivered as such; a webhook not subscribed to an event gets nothing', async () => {
      const h = await hook('/ok', ['job.completed_with_errors']);
      const other = await hook('/ok', ['schedule.fired']);
      const lib = await f.library();
      await f.tree(lib, '/t', 1, 2);
      await f.startEngine({ webhooks: { allowHosts: ['127.0.0.1'] } });
      const job = await f.submit('trash', lib, { paths: ['/t', '/nope'] });
      expect((await f.waitFor(job.id)).status).toBe('completed_with_errors');
      const [r] = await receiver.waitFor(1, '/ok');
      expect(JSON.parse(r!.body)).toMatchObject({ type: 'job.completed_with_errors', data: { jobId: job.id, status: 'completed_with_errors' } });
      await vi.waitFor(async () => expect(await f.app.store.webhookDeliveryList({ webhookId: h.id, limit: 10 })).toMatchObject([{ status: 'delivered' }]), { timeout: 10_000, interval: 20 });
      expect(await f.app.store.webhookDeliveryList({ webhookId: other.id, limit: 10 })).toEqual([]);
    });

    it('a started sender is woken by the event’s commit, not by its poll', async () => {
      const h = await hook('/ok');
      let idle: () => void = () => {};
      const idled = new Promise<void>((resolve) => (idle = resolve));
      const s = sender({ now: 0 }, { now: Date.now, pollMs: 600_000, onIdle: () => idle() });
      await s.start();
      try {
        // Idle with a ten-minute poll: what commits now can only arrive by the hint.
        await idled;
        const [id] = await f.app.store.transaction((tx) => recordWebhookEvent(tx, { domainId: h.domainId, type: 'job.created', data: {}, now: Date.now() }));
        const [r] = await receiver.waitFor(1, '/ok', 30_000);
        expect(r!.headers['webhook-id']).toBe(id);
      } finally {
        await s.stop();
      }
    });

    it('delivers while the engine still has work ready: its claim rounds let the thread’s hints, timers and sockets take turns', async () => {
      await hook('/ok', ['job.completed']);
      const lib = await f.library();
      // Small jobs commit in groups of up to 100, one group per slot (small-jobs.ts): a backlog of
      // 1,000 on 2 slots is many groups, and the sender is heard between them.
      const jobs = 1000;
      for (let i = 0; i < jobs; i++) await f.submit('noop', lib, { count: 1 });
      let applied = 0;
      await f.startEngine({ concurrency: 2, webhooks: { allowHosts: ['127.0.0.1'] }, hooks: { beforeApply: () => void applied++ } });
      await receiver.waitFor(1, '/ok', 60_000);
      // On SQLite every statement is synchronous: a claim loop that never gave the event loop a
      // turn ran all the jobs before the sender heard its first hint.
      expect(applied).toBeLessThan(jobs);
      const all = await receiver.waitFor(jobs, '/ok', 120_000);
      expect(new Set(all.map((r) => r.headers['webhook-id'])).size).toBe(jobs);
    }, 180_000);

    it('two senders sharing the outbox deliver each message once', async () => {
      const h = await hook('/ok');
      const ids: string[] = [];
      for (let i = 0; i < 40; i++) ids.push(...(await recordWebhookEvent(f.app.store, { domainId: h.domainId, type: 'job.created', data: { i }, now: 1_000 })));
      const clock = { now: 2_000 };
      const [a, b] = await Promise.all([sender(clock, { owner: 'a', concurrency: 4 }).runDue(), sender(clock, { owner: 'b', concurrency: 4 }).runDue()]);
      expect([...a, ...b].map((o) => o.id).sort()).toEqual([...ids].sort());
      expect(receiver.answered.sort()).toEqual([...ids].sort());
      for (const row of await f.app.store.webhookDeliveryList({ webhookId: h.id, limit: 100 })) expect(row).toMatchObject({ status: 'delivered', attempts: 1 });
    });

    it('an endpoint answering 500 is retried on the schedule (5 s, 5 min, 30 min, 2 h, 5 h, 10 h) and then the message is dead', async () => {
      const h = await hook('/fail');
      const clock = { now: 1_000_000 };
      const s = sender(clock);
      const [id] = await recordWebhookEvent(f.app.store, { domainId: h.domainId, type: 'job.completed', data: { jobId: 1 }, now: clock.now });
      for (let attempt = 1; attempt <= WEBHOOK_RETRY_DELAYS_MS.length + 1; attempt++) {
        expect(await s.runDue()).toEqual([{ id, status: attempt <= WEBHOOK_RETRY_DELAYS_MS.length ? 'pending' : 'dead', recorded: true }]);
        const row = (await f.app.store.webhookDeliveryGetById({ id: id! }))!;
        expect(row).toMatchObject({ attempts: attempt, lastError: 'HTTP 500', response: { status: 500, body: 'server error' } });
        const delay = WEBHOOK_RETRY_DELAYS_MS[attempt - 1];
        if (delay === undefined) {
          expect(row).toMatchObject({ status: 'dead', nextAttemptAt: null });
          break;
        }
        expect(row.nextAttemptAt).toBe(clock.now + delay);
        clock.now += delay - 1;
        expect(await s.runDue()).toEqual([]);
        clock.now += 1;
      }
      expect(await receiver.waitFor(7, '/fail')).toHaveLength(7);
      // 17 h 35 min of failures: still enabled. A failure past a day since the first disables it; its message stays pending.
      expect(await f.app.store.webhookGetById({ id: h.id })).toMatchObject({ enabled: true, failingSince: 1_000_000 });
      clock.now = 1_000_000 + 24 * 3_600_000;
      const [later] = await recordWebhookEvent(f.app.store, { domainId: h.domainId, type: 'job.failed', data: {}, now: clock.now });
      expect(await s.runDue()).toEqual([{ id: later, status: 'pending', recorded: true }]);
      expect(await f.app.store.webhookGetById({ id: h.id })).toMatchObject({ enabled: false, disabledReason: 'failing for a day without a success' });
    });

    it('a response body of NUL and invalid UTF-8 bytes is recorded as text on every driver (the attempt is not lost to a database error)', async () => {
      const h = await hook('/binary');
      const clock = { now: 10_000 };
      const [id] = await recordWebhookEvent(f.app.store, { domainId: h.domainId, type: 'job.created', data: {}, now: clock.now });
      expect(await sender(clock).runDue()).toEqual([{ id, status: 'pending', recorded: true }]);
      expect(await f.app.store.webhookDeliveryGetById({ id: id! })).toMatchObject({ status: 'pending', lastError: 'HTTP 500', response: { status: 500, body: '\uFFFD\u0001\u0002\uFFFD\uFFFDA\uFFFD' } });
    });

    it('410 Gone disables the webhook at once; its other messages wait until it is enabled again', async () => {
      const h = await hook('/gone');
      const clock = { now: 5_000 };
      const [first, second] = [
        ...(await recordWebhookEvent(f.app.store, { domainId: h.domainId, type: 'job.created', data: {}, now: clock.now })),
        ...(await recordWebhookEvent(f.app.store, { domainId: h.domainId, type: 'job.started', data: {}, now: clock.now + 1 })),
      ];
      const s = sender(clock, { concurrency: 1 });
      clock.now += 1;
      expect(await s.runDue()).toEqual([{ id: first, status: 'failed', recorded: true }]);
      expect(await f.app.store.webhookGetById({ id: h.id })).toMatchObject({ enabled: false, disabledReason: 'the endpoint answered 410 Gone' });
      expect(await f.app.store.webhookDeliveryGetById({ id: second! })).toMatchObject({ status: 'pending', attempts: 0 });
      expect(await s.runDue()).toEqual([]);
      expect(receiver.received).toHaveLength(1);
      // An administrator points it elsewhere and enables it: what waited goes out.
      await f.app.webhooks.update(f.admin, h.id, { url: receiver.url('/ok'), enabled: true });
      expect(await f.app.store.webhookGetById({ id: h.id })).toMatchObject({ enabled: true, disabledReason: null, failingSince: null });
      expect(await s.runDue()).toEqual([{ id: second, status: 'delivered', recorded: true }]);
    });

    it('an endpoint that hangs times out and is retried 5 s later', async () => {
      const h = await hook('/hang');
      const clock = { now: 10_000 };
      const [id] = await recordWebhookEvent(f.app.store, { domainId: h.domainId, type: 'job.created', data: {}, now: clock.now });
      expect(await sender(clock, { timeoutMs: 300 }).runDue()).toEqual([{ id, status: 'pending', recorded: true }]);
      expect(await f.app.store.webhookDeliveryGetById({ id: id! })).toMatchObject({ status: 'pending', attempts: 1, nextAttemptAt: 15_000, lastError: 'no complete answer within 300 ms', response: null });
    });

    it('a redirect to a private address is a failed attempt, not followed', async () => {
      const h = await hook('/redirect');
      const clock = { now: 10_000 };
      const [id] = await recordWebhookEvent(f.app.store, { domainId: h.domainId, type: 'job.created', data: {}, now: clock.now });
      expect(await sender(clock).runDue()).toEqual([{ id, status: 'pending', recorded: true }]);
      expect(await f.app.store.webhookDeliveryGetById({ id: id! })).toMatchObject({
        status: 'pending', response: { status: 302, headers: { location: 'http://10.0.0.1/ok' } }, lastError: 'HTTP 302: redirects are not followed (to http://10.0.0.1/ok)',
      });
      expect(receiver.received.map((r) => r.path)).toEqual(['/redirect']);
    });

    it('an endless response body is cut at the cap and the connection dropped; only an excerpt is kept', async () => {
      const h = await hook('/endless');
      const clock = { now: 10_000 };
      const [id] = await recordWebhookEvent(f.app.store, { domainId: h.domainId, type: 'job.created', data: {}, now: clock.now });
      const heapBefore = process.memoryUsage().heapUsed;
      expect(await sender(clock, { bodyCapBytes: 64 * 1024, timeoutMs: 10_000 }).runDue()).toEqual([{ id, status: 'delivered', recorded: true }]);
      await receiver.waitForEndlessDrop();
      const row = (await f.app.store.webhookDeliveryGetById({ id: id! }))!;
      expect(row.response!.status).toBe(200);
      expect(row.response!.body!.length).toBe(4096);
      expect(row.lastError).toBe('response body over 65536 bytes, cut');
      // Held in memory: the excerpt and at most a chunk past the cap, not the stream.
      expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(32 * 1024 * 1024);
    });

    it('refuses private destinations at delivery: a literal loopback address, and a name that resolves to one, unless allowed', async () => {
      const literal = await hook('/ok', ['job.created']);
      const named = await f.app.store.webhookCreate({ domainId: literal.domainId, url: `http://hooks.test:${receiver.port}/ok`, events: ['job.started'], secret: SECRET, enabled: true, createdBy: null, now: 1 });
      const clock = { now: 10_000 };
      const [a] = await recordWebhookEvent(f.app.store, { domainId: literal.domainId, type: 'job.created', data: {}, now: clock.now });
      const [b] = await recordWebhookEvent(f.app.store, { domainId: literal.domainId, type: 'job.started', data: {}, now: clock.now });
      const refusing = sender(clock, { allow: EMPTY_ALLOW_LIST, resolve: resolveHooksTest });
      expect((await refusing.runDue()).map((o) => o.status)).toEqual(['pending', 'pending']);
      expect((await f.app.store.webhookDeliveryGetById({ id: a! }))!.lastError).toBe('127.0.0.1 is a private, loopback or link-local address');
      expect((await f.app.store.webhookDeliveryGetById({ id: b! }))!.lastError).toBe('hooks.test resolves to 127.0.0.1, a private, loopback or link-local address');
      expect(receiver.received).toEqual([]);
      // Allowed by range, the name is connected to at the address that was checked.
      clock.now += 5_000;
      const allowing = sender(clock, { allow: LOCAL, resolve: resolveHooksTest });
      expect((await allowing.runDue()).map((o) => o.status)).toEqual(['delivered', 'delivered']);
      expect(receiver.received.map((r) => r.headers['webhook-id']).sort()).toEqual([a, b].sort());
      expect(named.url).toContain('hooks.test');
    });

    it('replay sends the same message again now, with the same webhook-id', async () => {
      const h = await hook('/ok');
      const clock = { now: 10_000 };
      const [id] = await recordWebhookEvent(f.app.store, { domainId: h.domainId, type: 'job.completed', data: { jobId: 4 }, now: clock.now });
      const s = sender(clock);
      expect(await s.runDue()).toEqual([{ id, status: 'delivered', recorded: true }]);
      clock.now += 60_000;
      expect(await f.app.store.webhookDeliveryReplay({ id: id!, webhookId: h.id, now: clock.now })).toBe(true);
      expect(await s.runDue()).toEqual([{ id, status: 'delivered', recorded: true }]);
      expect(receiver.received.map((r) => r.headers['webhook-id'])).toEqual([id, id]);
      expect(receiver.received[0]!.body).toBe(receiver.received[1]!.body);
      expect(await f.app.store.webhookDeliveryGetById({ id: id! })).toMatchObject({ status: 'delivered', attempts: 2, deliveredAt: clock.now });
    });

    it('a claim whose sender died is taken again at its lease’s end, same id; the dead claim cannot record', async () => {
      const h = await hook('/ok');
      const clock = { now: 10_000 };
      const [id] = await recordWebhookEvent(f.app.store, { domainId: h.domainId, type: 'job.completed', data: {}, now: clock.now });
      const [held] = await f.app.store.webhookDeliveryClaim({ owner: 'died', now: clock.now, leaseUntil: clock.now + 30_000, limit: 1 });
      const s = sender(clock);
      expect(await s.runDue()).toEqual([]);
      clock.now += 30_000;
      expect(await s.runDue()).toEqual([{ id, status: 'delivered', recorded: true }]);
      expect(await f.app.store.webhookDeliveryFinishAttempt({ id: id!, owner: 'died', attempt: held!.attempts, status: 'delivered', nextAttemptAt: null, now: clock.now, response: null, error: null })).toBe(false);
      expect(receiver.received.map((r) => r.headers['webhook-id'])).toEqual([id]);
    });
  });
}
