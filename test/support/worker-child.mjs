// A `batchyard worker` process for crash tests, from the built code (npm test builds first).
// Settings come from the environment; it prints `ready` once its engine runs.
import { loadConfig } from '../../dist/config.js';
import { createLogger, startWorker } from '../../dist/app.js';

const config = loadConfig({}, process.env);
const logger = createLogger(config);
const worker = await startWorker(config, {
  logger,
  engine: { pollMs: 50, blobCollectMs: 0, progressIntervalMs: 0, retry: { maxAttempts: 8, baseDelayMs: 20, maxDelayMs: 200 } },
});
process.stdout.write(`ready ${worker.engine.workerId}\n`);
process.once('SIGTERM', () => {
  worker.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
if (process.env.CRASH_WATCHDOG === '1') {
  setInterval(() => process.stdout.write(`alive ${Date.now()} active=${worker.engine.activeTasks}\n`), 1000).unref();
}
