/** Each domain's job creation clock (job_clocks): monotonic per domain, held until commit, on every driver. */
import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { driverFactories } from '../support/drivers.js';
import { useSharedStore } from './shared-store.js';
import { seedDomain } from './seed.js';

const factories = await driverFactories();

for (const factory of factories) {
  describe(`job clock store on ${factory.name}`, () => {
    const db = useSharedStore(factory);

    it("jobClockAdvance never goes back: a clock behind the domain's latest job gets the latest", async () => {
      const { store } = db;
      const a = (await seedDomain(store, 'a.example')).domain;
      const b = (await seedDomain(store, 'b.example')).domain;
      expect(await store.jobClockAdvance({ domainId: a.id, now: 100 })).toBe(100);
      expect(await store.jobClockAdvance({ domainId: a.id, now: 50 })).toBe(100);
      expect(await store.jobClockAdvance({ domainId: a.id, now: 100 })).toBe(100);
      expect(await store.jobClockAdvance({ domainId: a.id, now: 170 })).toBe(170);
      // Each domain has its own clock.
      expect(await store.jobClockAdvance({ domainId: b.id, now: 60 })).toBe(60);
      expect(await store.jobClockAdvance({ domainId: a.id, now: 10 })).toBe(170);
    });

    it('jobClockAdvance inside a rolled-back transaction leaves the clock where it was', async () => {
      const { store } = db;
      const { domain } = await seedDomain(store);
      await store.jobClockAdvance({ domainId: domain.id, now: 100 });
      await expect(
        store.transaction(async (tx) => {
          expect(await tx.jobClockAdvance({ domainId: domain.id, now: 500 })).toBe(500);
          throw new Error('submit failed');
        }),
      ).rejects.toThrow('submit failed');
      expect(await store.jobClockAdvance({ domainId: domain.id, now: 0 })).toBe(100);
    });

    it.runIf(factory.name === 'postgres')("jobClockAdvance holds the domain's clock until commit, and only that domain's", async () => {
      const { store, t } = db;
      const a = (await seedDomain(store, 'a.example')).domain;
      const b = (await seedDomain(store, 'b.example')).domain;
      const fresh = (await seedDomain(store, 'fresh.example')).domain;
      await store.jobClockAdvance({ domainId: a.id, now: 1 });
      await store.jobClockAdvance({ domainId: b.id, now: 1 });
      /** What another submit of the domain meets: 'free', or the SQLSTATE of a lock it could not take at once. */
      const otherSubmit = async (domainId: number) => {
        try {
          await t.driver.db.transaction().execute(async (trx) => {
            await sql`SET LOCAL lock_timeout = '100ms'`.execute(trx);
            await sql`INSERT INTO job_clocks (domain_id, last_created_at) VALUES (${domainId}, 0)
              ON CONFLICT (domain_id) DO UPDATE SET last_created_at = job_clocks.last_created_at`.execute(trx);
          });
          return 'free';
        } catch (error) {
          return (error as { code?: string }).code;
        }
      };
      await store.transaction(async (tx) => {
        await tx.jobClockAdvance({ domainId: a.id, now: 100 });
        // A domain's first job: the clock row is new, and a concurrent first submit waits on it too.
        await tx.jobClockAdvance({ domainId: fresh.id, now: 100 });
        expect(await otherSubmit(a.id)).toBe('55P03');
        expect(await otherSubmit(fresh.id)).toBe('55P03');
        expect(await otherSubmit(b.id)).toBe('free');
      });
      expect(await otherSubmit(a.id)).toBe('free');
      expect(await otherSubmit(fresh.id)).toBe('free');
      expect(await store.jobClockAdvance({ domainId: fresh.id, now: 0 })).toBe(100);
    });
  });
}
