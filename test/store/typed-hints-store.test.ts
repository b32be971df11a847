/**
 * Typed hints: the one encoding of each topic, and the round trip through each
 * driver's notifier (delivered at commit, to the topic's subscribers only, never
 * for a rolled-back transaction; text that is not a hint is dropped). Also what
 * the event log records of its writer where commits can be out of id order.
 */
import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { driverFactories } from '../support/drivers.js';
import { useSharedStore } from './shared-store.js';
import { seedDomain, seedJob } from './seed.js';
import { decodeHint, encodeHint, HINT_CHANNELS, type Hint } from '../../src/store/hints.js';
import { Store } from '../../src/store/store.js';

const factories = await driverFactories();

describe('hint encoding', () => {
  it('decodes what it encodes, for every topic', () => {
    const hints: Hint[] = [
      { topic: 'job-event', eventId: 41, jobId: 7, domainId: 2 },
      { topic: 'work', jobId: 9 },
      { topic: 'webhook', webhookId: 3 },
    ];
    for (const hint of hints) expect(decodeHint(encodeHint(hint))).toEqual(hint);
    expect(Object.keys(HINT_CHANNELS).sort()).toEqual(['job-event', 'webhook', 'work']);
  });

  it('refuses text that is not a hint, and keeps only a topic’s own fields', () => {
    for (const text of ['', '41:7:2', '7', 'null', '[]', '"work"', '{"topic":"nope","jobId":1}', '{"jobId":1}']) expect(decodeHint(text)).toBeUndefined();
    // A field missing, negative, fractional, too large or of another type.
    for (const bad of [{}, { jobId: -1 }, { jobId: 1.5 }, { jobId: 2 ** 53 }, { jobId: '9' }, { jobId: null }]) {
      expect(decodeHint(JSON.stringify({ topic: 'work', ...bad }))).toBeUndefined();
    }
    expect(decodeHint(JSON.stringify({ topic: 'job-event', eventId: 1, jobId: 2 }))).toBeUndefined();
    expect(decodeHint('{"topic":"work","jobId":3,"extra":"x"}')).toEqual({ topic: 'work', jobId: 3 });
  });
});

for (const factory of factories) {
  describe(`hints and the event log's writers on ${factory.name}`, () => {
    const db = useSharedStore(factory);

    /** Subscribes to both topics; `heard` lists what arrived, in order. */
    async function listen() {
      const { store } = db;
      const heard: Hint[] = [];
      const stops = [await store.subscribe('job-event', (h) => heard.push(h)), await store.subscribe('work', (h) => heard.push(h))];
      const until = async (test: () => boolean) => {
        for (let i = 0; i < 3000 && !test(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
        expect(test()).toBe(true);
      };
      return { heard, until, stop: () => Promise.all(stops.map((s) => s())) };
    }

    it('delivers a transaction’s hints at commit, typed, to their topic’s subscribers; a rolled-back one’s never', async () => {
      const { store } = db;
      const { heard, until, stop } = await listen();
      try {
        const event: Hint = { topic: 'job-event', eventId: 5, jobId: 3, domainId: 1 };
        await expect(
          store.transaction(async (tx) => {
            await tx.notify({ topic: 'work', jobId: 666 });
            throw new Error('rolled back');
          }),
        ).rejects.toThrow('rolled back');
        await store.transaction(async (tx) => {
          await tx.notify(event);
          await tx.notify({ topic: 'work', jobId: 3 });
          // Inside the transaction nothing has been sent yet.
          await new Promise((resolve) => setTimeout(resolve, 20));
          expect(heard).toEqual([]);
        });
        await until(() => heard.length === 2);
        expect(heard).toEqual([event, { topic: 'work', jobId: 3 }]);
        // Outside a transaction a hint goes at once.
        await store.notify({ topic: 'work', jobId: 4 });
        await until(() => heard.length === 3);
        expect(heard[2]).toEqual({ topic: 'work', jobId: 4 });
      } finally {
        await stop();
      }
    });

    it.runIf(factory.name === 'postgres')('drops text on a hint channel that is not a hint, and hears the next one', async () => {
      const { store, t } = db;
      const { heard, until, stop } = await listen();
      try {
        const { rows } = await sql<{ schema: string }>`SELECT current_schema() AS schema`.execute(t.driver.db);
        const channel = `${rows[0]!.schema}_${HINT_CHANNELS.work}`;
        for (const payload of ['12', '{"topic":"work"}', '{"topic":"job-event","eventId":1,"jobId":2,"domainId":3}']) {
          await sql`SELECT pg_notify(${channel}, ${payload})`.execute(t.driver.db);
        }
        await store.notify({ topic: 'work', jobId: 8 });
        await until(() => heard.length > 0);
        // The job-event hint came on the work channel: not believed either.
        expect(heard).toEqual([{ topic: 'work', jobId: 8 }]);
      } finally {
        await stop();
      }
    });

    it('eventInsert records the writing transaction where commits can be out of id order', async () => {
      const { store, t } = db;
      const { domain } = await seedDomain(store);
      const job = await seedJob(store, { domainId: domain.id });
      const snapshots = store.capabilities.commitSnapshots;
      await t.driver.db.transaction().execute(async (trx) => {
        const tx = new Store(t.driver, trx, true);
        const id = await tx.eventInsert({ jobId: job.id, domainId: domain.id, kind: 'status', data: { n: 1 }, createdAt: 1 });
        const { rows } = snapshots
          ? await sql<{ own: boolean }>`SELECT xid = pg_current_xact_id() AS own FROM job_events WHERE id = ${id}`.execute(trx)
          : await sql<{ own: number }>`SELECT xid IS NULL AS own FROM job_events WHERE id = ${id}`.execute(trx);
        expect(Boolean(rows[0]!.own)).toBe(true);
      });
    });

    it('eventListForJob and eventListForDomain stop at upToId', async () => {
      const { store } = db;
      const { domain } = await seedDomain(store);
      const job = await seedJob(store, { domainId: domain.id });
      const ids: number[] = [];
      for (let n = 0; n < 4; n++) ids.push(await store.eventInsert({ jobId: job.id, domainId: domain.id, kind: 'progress', data: { n }, createdAt: n }));
      const upTo = ids[2]!;
      expect((await store.eventListForJob({ jobId: job.id, afterId: ids[0]!, upToId: upTo, limit: 10 })).map((e) => e.id)).toEqual([ids[1], ids[2]]);
      expect((await store.eventListForDomain({ domainId: domain.id, afterId: 0, upToId: upTo, limit: 10 })).map((e) => e.id)).toEqual(ids.slice(0, 3));
      expect((await store.eventListForDomain({ domainId: domain.id, afterId: upTo, limit: 10 })).map((e) => e.id)).toEqual([ids[3]]);
    });
  });
}
