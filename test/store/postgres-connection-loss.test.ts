/**
 * A PostgreSQL connection that drops while a query holds it (a server
 * restart, a network cut) rejects that query as transient and leaves the
 * process running: pg emits the socket's error on a checked-out client,
 * where the pool does not listen, and an unheard 'error' event would end the
 * process. The cut is real: the driver reaches PostgreSQL through a TCP
 * proxy in this test, which drops every connection while a query sleeps.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { driverFactories, TEST_DATABASE_URL } from '../support/drivers.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { createPostgresDriver } from '../../src/store/drivers/postgres/postgres-driver.js';
import type { Driver } from '../../src/store/driver.js';

const pg = (await driverFactories()).some((f) => f.name === 'postgres');

describe.runIf(pg)('PostgreSQL connection lost mid-query', () => {
  let proxy: TcpProxy | undefined;
  let driver: Driver | undefined;
  afterEach(async () => {
    await driver?.close();
    await proxy?.close();
  });

  it('rejects the running query as transient, keeps the process, and serves again once the server is back', async () => {
    const direct = new URL(TEST_DATABASE_URL);
    proxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
    direct.port = String(proxy.port);
    driver = await createPostgresDriver({ connectionString: direct.toString(), poolSize: 2 });
    await driver.ping();

    const sleeping = driver.db.transaction().execute((trx) => sql`SELECT pg_sleep(30)`.execute(trx));
    const failure = sleeping.then(
      () => undefined,
      (error: unknown) => error,
    );
    // The query is on the server (its connection checked out) before the cut.
    const admin = await createPostgresDriver({ connectionString: TEST_DATABASE_URL, poolSize: 1 });
    try {
      for (let i = 0; i < 200; i++) {
        const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(30)' AND state = 'active'`.execute(admin.db);
        if (rows[0]!.n > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    } finally {
      await admin.close();
    }
    await proxy.setMode('refuse');
    const error = await failure;
    expect(error).toBeInstanceOf(Error);
    expect(driver.isTransient(error), String(error)).toBe(true);
    await expect(driver.ping()).rejects.toThrow();

    await proxy.setMode('forward');
    await expect(driver.ping()).resolves.toBeUndefined();
  });
});
