/**
 * Listing order is commit order: a reader walking jobs oldest first (keyset
 * cursors, or offset pages as KooDrive pages) while jobs are submitted
 * concurrently from several connections sees every job that exists when its
 * walk ends, exactly once. A job stamped before a later one but committing
 * after the walk passed it would be skipped for good.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { openApp, type App } from '../../src/app.js';
import { encodeCursor } from '../../src/domain/cursor.js';
import type { Principal } from '../../src/domain/types.js';
import type { Driver } from '../../src/store/driver.js';
import { createSqliteDriver } from '../../src/store/drivers/sqlite/sqlite-driver.js';
import { createPostgresDriver } from '../../src/store/drivers/postgres/postgres-driver.js';
import { JobService } from '../../src/services/job-service.js';
import { driverFactories, TEST_DATABASE_URL, type DriverFactory } from '../support/drivers.js';
import { ADMIN_TOKEN, startTestApp, type TestApp } from '../support/app.js';

const factories = await driverFactories();

/** Another connection (pool) to the test's database: the same SQLite file, or the same PostgreSQL schema. */
async function anotherDriver(factory: DriverFactory, t: TestApp): Promise<Driver> {
  const label = t.app.driver.label;
  if (factory.name === 'sqlite') return createSqliteDriver({ filename: label.slice('sqlite:'.length) });
  const schema = label.slice(label.indexOf('#') + 1);
  return createPostgresDriver({ connectionString: TEST_DATABASE_URL, schema, poolSize: 4 });
}

const PAGE = 7;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Keyset pages of `created_asc` until a page read after `done()` turned true reaches the end. */
async function walkByCursor(jobs: JobService, caller: Principal, done: () => boolean): Promise<number[]> {
  const seen: number[] = [];
  let cursor: string | undefined;
  for (;;) {
    const finished = done();
    const page = await jobs.list(caller, { order: 'created_asc', limit: PAGE, cursor });
    for (const { job } of page.jobs) seen.push(job.id);
    const last = page.jobs.at(-1)?.job;
    // At the end the listing gives no cursor; walk on from the last job seen (what a client polling for more does).
    if (last) cursor = encodeCursor('jobs:created_asc', { key: last.createdAt, id: last.id });
    if (page.nextCursor === null) {
      if (finished) return seen;
      await sleep(2);
    }
  }
}

/** Offset pages of `created_asc` (as the KooDrive dialect pages), likewise. */
async function walkByOffset(jobs: JobService, caller: Principal, done: () => boolean): Promise<number[]> {
  const seen: number[] = [];
  let offset = 0;
  for (;;) {
    const finished = done();
    const page = await jobs.list(caller, { order: 'created_asc', limit: PAGE, offset });
    for (const { job } of page.jobs) seen.push(job.id);
    offset += page.jobs.length;
    if (page.jobs.length < PAGE) {
      if (finished) return seen;
      await sleep(2);
    }
  }
}

for (const factory of factories) {
  describe(`job listing order on ${factory.name}`, () => {
    it('walks in creation order see every job submitted meanwhile from several connections exactly once', { timeout: 120_000 }, async () => {
      const t = await startTestApp(factory, { BATCHYARD_ENABLE_BENCH_JOBS: '1' });
      const others: App[] = [];
      try {
        const config = loadConfig({ data: t.t.dir, port: 0 }, { LOG_LEVEL: 'silent', BATCHYARD_ENABLE_BENCH_JOBS: '1' });
        for (let i = 0; i < 2; i++) others.push(await openApp(config, { driver: await anotherDriver(factory, t), role: 'engine-thread' }));
        const caller = await t.app.auth.authenticateSecret(ADMIN_TOKEN);
        const lib = (await t.call('POST', '/api/v1/libraries', { json: { name: 'Order' } })).body.libraryId as string;
        // SQLite: one writing connection per thread (a second one in the same thread would wait for
        // SQLite's lock synchronously, blocking the thread that holds it); the other connection reads.
        const apps = factory.name === 'sqlite' ? [t.app] : [t.app, ...others];
        const SUBMITTERS_PER_APP = factory.name === 'sqlite' ? 8 : 4;
        const JOBS_EACH = 15;

        let submitting = true;
        const submitted = Promise.all(
          apps.flatMap((app) =>
            Array.from({ length: SUBMITTERS_PER_APP }, async () => {
              const ids: number[] = [];
              for (let i = 0; i < JOBS_EACH; i++) ids.push((await app.jobs.submit(caller, { type: 'noop', libraryId: lib, params: { count: 1 } })).job.id);
              return ids;
            }),
          ),
        ).finally(() => (submitting = false));
        const done = () => !submitting;
        const [ids, byCursor, byOffset] = await Promise.all([submitted, walkByCursor(t.app.jobs, caller, done), walkByOffset(others[0]!.jobs, caller, done)]);

        const all = (await t.app.jobs.list(caller, { order: 'created_asc', limit: 1000 })).jobs.map(({ job }) => job.id);
        expect(all.length).toBe(apps.length * SUBMITTERS_PER_APP * JOBS_EACH);
        expect(new Set(all)).toEqual(new Set(ids.flat()));
        for (const seen of [byCursor, byOffset]) {
          // Exactly once each, and in the listing's order.
          expect(seen).toEqual(all);
        }
      } finally {
        for (const app of others) await app.close();
        await t.dispose();
      }
    });

    it('a wall clock that steps back does not reorder a domain’s jobs', async () => {
      const t = await startTestApp(factory, { BATCHYARD_ENABLE_BENCH_JOBS: '1' });
      try {
        const caller = await t.app.auth.authenticateSecret(ADMIN_TOKEN);
        const lib = (await t.call('POST', '/api/v1/libraries', { json: { name: 'Clock' } })).body.libraryId as string;
        const times = [5_000_000, 4_000_000, 4_000_000, 9_000_000, 1_000];
        const clock = () => times[0]!;
        const jobs = new JobService(t.app.store, t.app.libraries, t.app.operations, { enableBenchJobs: true }, clock);
        const ids: number[] = [];
        const stamps: number[] = [];
        for (; times.length > 0; times.shift()) {
          const { job } = await jobs.submit(caller, { type: 'noop', libraryId: lib, params: { count: 1 } });
          ids.push(job.id);
          stamps.push(job.createdAt);
        }
        expect(stamps).toEqual([5_000_000, 5_000_000, 5_000_000, 9_000_000, 9_000_000]);
        const listed = (await t.app.jobs.list(caller, { order: 'created_asc', limit: 10 })).jobs.map(({ job }) => job.id);
        expect(listed).toEqual(ids);
      } finally {
        await t.dispose();
      }
    });
  });
}
