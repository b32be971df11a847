/**
 * Webhook deliveries survive kill -9, on every driver: a `batchyard worker` child delivers a
 * batch of messages to a local receiver that answers the first few and then holds the
 * requests open; the child is killed with SIGKILL while it has deliveries in flight (claimed,
 * sent, unanswered). A sender started after it (its clock past the dead claims' leases)
 * delivers the rest: every message is delivered and recorded once, a message in flight at the
 * kill arrives again with the same webhook-id and the same signed body, and no message is
 * recorded delivered without the receiver having answered it. The seed (CRASH_SEED) picks
 * how many requests are answered before the receiver holds.
 */
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { driverFactories } from '../support/drivers.js';
import { engineFixture, type EngineFixture } from '../support/engine.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { childEnv, kill9, spawnWorker } from '../support/worker-process.js';
import { mulberry32 } from '../support/crash-trial.js';
import { recordWebhookEvent } from '../../src/jobs/webhook-events.js';
import { WebhookSender } from '../../src/engine/webhook-sender.js';
import { parseWebhookAllowList } from '../../src/domain/webhook-address.js';

const factories = await driverFactories();
const SECRET = 'whsec_' + Buffer.alloc(32, 5).toString('base64');
const MESSAGES = 24;

for (const factory of factories) {
  describe(`webhook deliveries and kill -9 on ${factory.name}`, () => {
    let f: EngineFixture;
    let receiver: WebhookReceiver;
    beforeEach(async () => {
      f = await engineFixture(factory);
      receiver = await startWebhookReceiver();
    });
    afterEach(async () => {
      await f.dispose();
      await receiver.close();
    });

    it('a worker killed mid-delivery loses no message and duplicates no recorded success; the next sender retries the same ids', async () => {
      const seed = Number(process.env.CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));
      const rng = mulberry32(seed);
      receiver.held.answerFirst = Math.floor(rng() * 6);
      receiver.held.holding = true;
      const hook = await f.app.store.webhookCreate({ domainId: f.admin.user.domainId, url: receiver.url('/held'), events: ['job.completed'], secret: SECRET, enabled: true, createdBy: null, now: Date.now() });
      const ids: string[] = [];
      for (let i = 0; i < MESSAGES; i++) ids.push(...(await recordWebhookEvent(f.app.store, { domainId: hook.domainId, type: 'job.completed', data: { jobId: i }, now: Date.now() })));

      const worker = await spawnWorker(await childEnv(f.t, { BATCHYARD_WEBHOOK_ALLOW_HOSTS: '127.0.0.1' }));
      // The child has answered deliveries behind it and one in flight that will never be answered.
      await receiver.waitFor(receiver.held.answerFirst + 1, '/held', 60_000);
      await kill9(worker);
      const atKill = await f.app.store.webhookDeliveryList({ webhookId: hook.id, limit: 100 });
      const inFlight = atKill.filter((d) => d.status === 'pending' && d.leaseOwner === worker.id);
      expect(inFlight.length, `seed ${seed}`).toBeGreaterThan(0);
      const heldIds = new Set(receiver.received.slice(receiver.held.answerFirst).map((r) => String(r.headers['webhook-id'])));
      for (const id of heldIds) expect(inFlight.map((d) => d.id), `seed ${seed}`).toContain(id);

      // The next sender: its clock past the dead claims' leases (30 s).
      receiver.held.holding = false;
      const clock = () => Date.now() + 60_000;
      const next = new WebhookSender({ store: f.app.store, logger: pino({ level: 'silent' }), owner: 'after-restart', now: clock, allow: parseWebhookAllowList('127.0.0.1') });
      await next.runDue();

      const rows = await f.app.store.webhookDeliveryList({ webhookId: hook.id, limit: 100 });
      expect(rows.map((r) => r.id).sort()).toEqual([...ids].sort());
      const verifier = new Webhook(SECRET);
      for (const row of rows) {
        expect(row, `seed ${seed}`).toMatchObject({ status: 'delivered', leaseOwner: null, response: { status: 204 } });
        const answers = receiver.answered.filter((id) => id === row.id).length;
        // Recorded delivered only after an answer; answered twice only when the kill fell between an answer and its record.
        expect(answers, `seed ${seed}: ${row.id}`).toBeGreaterThanOrEqual(1);
        expect(answers, `seed ${seed}: ${row.id}`).toBeLessThanOrEqual(row.attempts);
        const arrivals = receiver.received.filter((r) => r.headers['webhook-id'] === row.id);
        for (const r of arrivals) expect(verifier.verify(r.body, r.headers as Record<string, string>)).toEqual(JSON.parse(row.payload));
        expect(new Set(arrivals.map((r) => r.body)).size).toBe(1);
      }
      // What was in flight at the kill arrived again, same id, and was then recorded once.
      for (const id of heldIds) {
        expect(receiver.received.filter((r) => r.headers['webhook-id'] === id).length, `seed ${seed}: ${id}`).toBe(2);
        expect(rows.find((r) => r.id === id)!.attempts).toBe(2);
      }
    });
  });
}
