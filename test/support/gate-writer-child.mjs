// A worker thread for the SQLite write-gate test, from the built code (npm test builds first):
// the engine thread's pattern, write transactions queued on its connection (several tasks
// at once), each holding the write lock for `holdMs`; when one commits, the next queued one
// begins at once. It joins the API thread's write gate as the background writer; it stops
// when the test sets stop[0].
import { parentPort, workerData } from 'node:worker_threads';
import { sql } from 'kysely';
import { createSqliteDriver } from '../../dist/store/drivers/sqlite/sqlite-driver.js';
import { createWriteGate } from '../../dist/store/drivers/sqlite/write-gate.js';

const { filename, gate, stop, holdMs } = workerData;
const stopFlag = new Int32Array(stop);
const pause = new Int32Array(new SharedArrayBuffer(4));
const driver = createSqliteDriver({ filename, writeGate: createWriteGate('background', gate) });
let transactions = 0;
async function tasks() {
  while (Atomics.load(stopFlag, 0) === 0) {
    await driver.db.transaction().execute(async (trx) => {
      await sql`INSERT INTO gate_test (who) VALUES ('engine')`.execute(trx);
      Atomics.wait(pause, 0, 0, holdMs); // holds the lock, as a task's transaction does
    });
    transactions += 1;
    if (transactions === 1) parentPort.postMessage('writing');
  }
}
await Promise.all([tasks(), tasks(), tasks()]);
await driver.close();
parentPort.postMessage(`done ${transactions}`);
