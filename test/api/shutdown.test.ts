/** Graceful shutdown: running requests finish before storage closes; a stalled client cannot hold it forever. */
import { describe, expect, it } from 'vitest';
import http from 'node:http';
import { sqliteFactory } from '../support/drivers.js';
import { startServer } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { pino } from 'pino';
import fs from 'node:fs';
import path from 'node:path';
import { createSqliteDriver } from '../../src/store/drivers/sqlite/sqlite-driver.js';

describe('server shutdown', () => {
  it('cuts a stalled upload after the grace period, then closes storage with nothing half-written', async () => {
    const t = await sqliteFactory.create();
    const token = 'shutdown-test-token-0123456789';
    const config = loadConfig({ data: t.dir, port: 0 }, { BATCHYARD_BOOTSTRAP_TOKEN: token, LOG_LEVEL: 'silent' });
    const server = await startServer(config, { driver: t.driver, logger: pino({ level: 'silent' }), print: () => {}, shutdownGraceMs: 200 });
    const lib = await (await fetch(`${server.url}/api/v1/libraries`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{"name":"s"}' })).json() as { libraryId: string };
    const clientGone = new Promise<void>((resolve) => {
      const req = http.request(`${server.url}/api/v1/libraries/${lib.libraryId}/files/stalled.bin`, { method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-length': 1000 } });
      req.on('error', () => resolve());
      req.on('close', () => resolve());
      req.write(Buffer.alloc(10)); // and never the rest
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(server.http.inFlight.running).toBe(1);
    await server.close();
    await clientGone;
    expect(server.http.inFlight.running).toBe(0);
    // Storage is closed; reopen the same file to look: only the root folder, no partial file.
    const reopened = createSqliteDriver({ filename: path.join(t.dir, 'batchyard.sqlite') });
    const paths = await reopened.db.selectFrom('items').select('path').execute();
    expect(paths.map((row) => row.path)).toEqual(['/']);
    await reopened.close();
    fs.rmSync(t.dir, { recursive: true, force: true });
  });
});
