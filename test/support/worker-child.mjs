// A `batchyard worker` process for crash tests, from the built code (npm test builds first).
// Settings come from the environment; it prints `ready <worker id>` once its engine runs.
// With CRASH_STANDBY=1 it loads its modules, prints `booted` and waits for a line on stdin
// before it opens the database: a crash trial boots the next worker while the current one
// works, so a takeover after a kill does not wait for a process to load. A standby exits
// when its stdin closes (the test process is gone).
import { loadConfig } from '../../dist/config.js';
import { createLogger, startWorker } from '../../dist/app.js';

if (process.env.CRASH_STANDBY === '1') {
  process.stdin.once('end', () => process.exit(0));
  process.stdout.write('booted\n');
  await new Promise((resolve) => process.stdin.once('data', resolve));
}

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
