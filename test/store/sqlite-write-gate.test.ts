/**
 * SQLite's write turns between a server's two threads (src/store/drivers/sqlite/write-gate.ts),
 * at the driver: the gate crosses into a worker thread, which joins it as the
 * background writer; both threads write through it at once and every write
 * lands. (That the API's writes are no longer starved by a busy engine thread
 * is shown end to end, with the real engine, in test/e2e/api-writes-during-jobs.test.ts.)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { createSqliteDriver } from '../../src/store/drivers/sqlite/sqlite-driver.js';
import type { Driver } from '../../src/store/driver.js';

const child = new URL('../support/gate-writer-child.mjs', import.meta.url);

describe('SQLite write gate', () => {
  let dir: string | undefined;
  let driver: Driver | undefined;
  afterEach(async () => {
    await driver?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('lets both threads write through the shared gate: every write lands, none fails', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchyard-gate-'));
    const filename = path.join(dir, 'gate.sqlite');
    driver = createSqliteDriver({ filename });
    await sql`CREATE TABLE gate_test (id INTEGER PRIMARY KEY, who TEXT NOT NULL)`.execute(driver.db);
    expect(driver.threadWriteGate).toBeInstanceOf(SharedArrayBuffer);

    const stop = new SharedArrayBuffer(4);
    const worker = new Worker(child, { workerData: { filename, gate: driver.threadWriteGate, stop, holdMs: 100 } });
    const messages: string[] = [];
    const done = new Promise<string>((resolve, reject) => {
      worker.on('message', (m: string) => {
        messages.push(m);
        if (m.startsWith('done')) resolve(m);
      });
      worker.once('error', reject);
    });
    try {
      await new Promise<void>((resolve, reject) => {
        worker.once('message', () => resolve());
        worker.once('error', reject);
      });
      // Autocommit writes and transactions from this (the API's) thread, the engine writing all along.
      for (let i = 0; i < 10; i++) {
        await sql`INSERT INTO gate_test (who) VALUES ('api')`.execute(driver.db);
        await driver.db.transaction().execute(async (trx) => {
          await sql`INSERT INTO gate_test (who) VALUES ('api')`.execute(trx);
        });
      }
    } finally {
      Atomics.store(new Int32Array(stop), 0, 1);
    }
    const finished = await done;
    const rows = await sql<{ who: string; n: number }>`SELECT who, count(*) AS n FROM gate_test GROUP BY who ORDER BY who`.execute(driver.db);
    expect(rows.rows).toEqual([
      { who: 'api', n: 20 },
      { who: 'engine', n: Number(finished.split(' ')[1]) },
    ]);
    expect(messages[0]).toBe('writing');
  });
});
