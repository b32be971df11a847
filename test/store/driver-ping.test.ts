/**
 * Driver.ping (what GET /readyz and `batchyard doctor` ask of the database)
 * and Driver.serverNow. SQLite: the connection answers, and the file at the
 * database's path is still the one it opened: moved away, or another file in
 * its place (a restore copied over a running server), is refused, naming the
 * file. PostgreSQL: a query on the pool answers; its clock is the server's.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { driverFactories, postgresFactory, type TestDriver } from '../support/drivers.js';
import { createSqliteDriver } from '../../src/store/drivers/sqlite/sqlite-driver.js';
import type { Driver } from '../../src/store/driver.js';

const pg = (await driverFactories()).some((f) => f.name === 'postgres');

describe('Driver.ping on SQLite', () => {
  let dir: string | undefined;
  let driver: Driver | undefined;
  afterEach(async () => {
    await driver?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers while the file at its path is the one it opened; refuses one moved away or replaced', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'by-ping-'));
    const file = path.join(dir, 'batchyard.sqlite');
    driver = createSqliteDriver({ filename: file });
    await expect(driver.ping()).resolves.toBeUndefined();
    expect(driver.serverNow).toBeUndefined();

    fs.renameSync(file, `${file}.away`);
    await expect(driver.ping()).rejects.toThrow(`database file ${file} is not reachable (ENOENT)`);
    fs.copyFileSync(`${file}.away`, file);
    await expect(driver.ping()).rejects.toThrow(`database file ${file} was replaced since this process opened it`);
    fs.renameSync(`${file}.away`, file);
    await expect(driver.ping()).resolves.toBeUndefined();
  });
});

describe.runIf(pg)('Driver.ping and serverNow on PostgreSQL', () => {
  let t: TestDriver | undefined;
  afterEach(async () => {
    await t?.dispose();
  });

  it('answers on the pool, and reads the server clock', async () => {
    t = await postgresFactory.createMigrated();
    await expect(t.driver.ping()).resolves.toBeUndefined();
    const before = Date.now();
    const server = await t.driver.serverNow!();
    const after = Date.now();
    // The same host's clock here: within the round trip (and a second of slack for a loaded machine).
    expect(server).toBeGreaterThanOrEqual(before - 1000);
    expect(server).toBeLessThanOrEqual(after + 1000);
  });
});
