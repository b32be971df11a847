/**
 * The engine thread's entry: its own connection to the SQLite file (readers of
 * the API thread never wait on it, WAL), its own event loop (a task's
 * synchronous SQLite work never delays an HTTP response), the same Engine.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createLogger, openApp, startEngine } from '../app.js';
import type { EngineThreadData, FromEngineThread, ToEngineThread } from './messages.js';

const port = parentPort;
if (!port) throw new Error('engine thread: must run as a worker thread');
const { config, overrides, workerId, writeGate } = workerData as EngineThreadData;
const send = (message: FromEngineThread) => port.postMessage(message);

try {
  const logger = createLogger(config).child({ thread: 'engine' });
  const app = await openApp(config, { logger, role: 'engine-thread', writeGate });
  const engine = await startEngine(app, { ...overrides, workerId });
  port.on('message', (message: ToEngineThread) => {
    if (message.type !== 'stop') return;
    engine
      .stop(message.graceMs)
      .then(() => app.close())
      .then(
        () => send({ type: 'stopped' }),
        (error: unknown) => send({ type: 'failed', message: String(error) }),
      );
  });
  send({ type: 'ready' });
} catch (error) {
  send({ type: 'failed', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
}
