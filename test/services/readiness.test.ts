/**
 * The readiness probe behind GET /readyz, on real components: a result is
 * shared for its cache time; a database that never answers (PostgreSQL
 * behind a TCP proxy that accepts and stays silent) is reported 'timed out'
 * at each probe while only one check is ever in flight (one connection
 * attempt, however many probes), and the next probe after it answers again
 * is ready; the log hears of the fall (and of each new cause) and of the return once.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { driverFactories, TEST_DATABASE_URL } from '../support/drivers.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { createPostgresDriver } from '../../src/store/drivers/postgres/postgres-driver.js';
import { createSqliteDriver } from '../../src/store/drivers/sqlite/sqlite-driver.js';
import { BlobStores } from '../../src/blobs/blob-stores.js';
import { Readiness } from '../../src/services/readiness.js';
import type { Driver } from '../../src/store/driver.js';

const pg = (await driverFactories()).some((f) => f.name === 'postgres');

describe('Readiness', () => {
  let dir: string | undefined;
  let proxy: TcpProxy | undefined;
  let driver: Driver | undefined;
  afterEach(async () => {
    await driver?.close();
    await proxy?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    [dir, proxy, driver] = [undefined, undefined, undefined];
  });

  it('shares a result for its cache time, then checks again', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'by-readiness-'));
    driver = createSqliteDriver({ filename: path.join(dir, 'batchyard.sqlite') });
    const blobs = path.join(dir, 'blobs');
    const readiness = new Readiness(driver, new BlobStores({ default: blobs }), { cacheMs: 60_000 });
    const first = await readiness.probe();
    expect(first).toEqual({ ready: true, checks: [{ name: 'database', ok: true }, { name: 'storage:default', ok: true }] });
    fs.rmSync(blobs, { recursive: true });
    expect(await readiness.probe(), 'the kept result').toBe(first);
    const fresh = new Readiness(driver, new BlobStores({ default: path.join(dir, 'elsewhere') }), { cacheMs: 0 });
    fs.rmSync(path.join(dir, 'elsewhere'), { recursive: true });
    expect((await fresh.probe()).checks).toEqual([{ name: 'database', ok: true }, { name: 'storage:default', ok: false, failure: 'failed' }]);
  });

  it.runIf(pg)('times out on a silent database with one check in flight, and is ready once it answers', async () => {
    const direct = new URL(TEST_DATABASE_URL);
    proxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
    direct.port = String(proxy.port);
    driver = await createPostgresDriver({ connectionString: direct.toString(), poolSize: 4 });
    const changes: Array<{ name: string; ok: boolean }> = [];
    // The database alone (no storage location), with a deadline a loaded machine still meets.
    const readiness = new Readiness(driver, new BlobStores({}), {
      cacheMs: 0,
      deadlineMs: 1000,
      onChange: (c) => changes.push({ name: c.name, ok: c.ok }),
    });
    let up = await readiness.probe();
    for (let i = 0; i < 20 && !up.ready; i++) up = await readiness.probe();
    expect(up).toEqual({ ready: true, checks: [{ name: 'database', ok: true }] });
    changes.length = 0;

    await proxy.setMode('blackhole'); // the pool's connection is cut; new ones are accepted and never answered
    // The cut connection may fail a first check at once; then a new one hangs.
    let down = await readiness.probe();
    for (let i = 0; i < 20 && down.checks[0]!.failure !== 'timed out'; i++) down = await readiness.probe();
    expect(down.checks[0]).toEqual({ name: 'database', ok: false, failure: 'timed out' });
    const hanging = proxy.accepted;
    for (let i = 0; i < 5; i++) {
      expect((await readiness.probe()).checks[0]).toEqual({ name: 'database', ok: false, failure: 'timed out' });
    }
    expect(proxy.accepted - hanging, 'the hung check is waited on again, not started anew').toBe(0);

    await proxy.setMode('forward'); // the silent connection is cut: the check in flight fails, the next one connects
    let report = await readiness.probe();
    for (let i = 0; i < 50 && !report.ready; i++) report = await readiness.probe();
    expect(report.ready).toBe(true);
    // Down (once per cause: the cut connection may fail a first check before one times out), then up once.
    expect(changes.at(-1)).toEqual({ name: 'database', ok: true });
    expect(changes.slice(0, -1).map((c) => c.ok)).toEqual(changes.slice(0, -1).map(() => false));
    expect(changes.length).toBeGreaterThanOrEqual(2);
    expect(changes.length, 'not a line per probe').toBeLessThanOrEqual(4);
  });
});
