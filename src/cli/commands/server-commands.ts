/** `batchyard serve`, `batchyard worker` and `batchyard migrate`: the commands that open the database themselves. */
import type { Command } from 'commander';
import { loadConfig, type ConfigFlags } from '../../config.js';

// The server's modules (Fastify, database drivers) load only when these commands run,
// so client commands start fast.

function addStorageFlags(command: Command): Command {
  return command
    .option('--data <dir>', 'data directory: SQLite file and blobs (env BATCHYARD_DATA_DIR)', undefined)
    .option('--database-url <url>', 'postgres://… to use PostgreSQL (env DATABASE_URL)');
}

function addEngineFlags(command: Command): Command {
  return command
    .option('--concurrency <n>', 'tasks this process runs at once (env BATCHYARD_WORKER_CONCURRENCY; default 8)')
    .option('--lease-seconds <n>', 'how long a claimed task stays leased without a heartbeat (env BATCHYARD_LEASE_SECONDS; default 30)');
}

/** Runs `stop` once on the first SIGTERM or SIGINT, then exits 0 (1 if stopping failed). */
function onSignals(logger: { info(obj: object, msg: string): void; error(obj: object, msg: string): void }, stop: () => Promise<void>): void {
  const handle = (signal: string) => {
    logger.info({ signal }, 'draining and shutting down');
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => handle('SIGTERM'));
  process.once('SIGINT', () => handle('SIGINT'));
}

export function registerServerCommands(program: Command): void {
  addEngineFlags(
    addStorageFlags(
      program
        .command('serve')
        .description('serve the API and run job workers in this process')
        .option('--port <port>', 'port (env PORT; default 8080)')
        .option('--host <host>', 'interface (env HOST; default 127.0.0.1)')
        .option('--max-upload-size <size>', 'largest upload, e.g. 512MiB (env BATCHYARD_MAX_UPLOAD_SIZE; default 1GiB)')
        .option('--log-level <level>', 'pino level (env LOG_LEVEL; default info)'),
    ),
  ).action(async (flags: ConfigFlags) => {
    const config = loadConfig(flags);
    const { createLogger, startServer } = await import('../../app.js');
    const logger = createLogger(config);
    const server = await startServer(config, { logger });
    logger.info(
      { url: server.url, db: server.app.driver.label, data: config.dataDir, workerId: server.engine?.workerId, concurrency: config.workerConcurrency },
      'batchyard is serving',
    );
    onSignals(logger, () => server.close());
  });

  addEngineFlags(
    addStorageFlags(
      program
        .command('worker')
        .description('run job workers only, no HTTP (several processes or hosts sharing one PostgreSQL database)')
        .option('--log-level <level>', 'pino level (env LOG_LEVEL; default info)'),
    ),
  ).action(async (flags: ConfigFlags) => {
    const config = loadConfig(flags);
    const { createLogger, startWorker } = await import('../../app.js');
    const logger = createLogger(config);
    const worker = await startWorker(config, { logger });
    const { driver } = worker.app;
    if (!driver.capabilities.concurrentWriters || !driver.capabilities.crossProcessNotify) {
      logger.warn(
        { db: driver.label },
        'this database is embedded (SQLite): other processes cannot share it with a running server; a worker on it works only as the one process using it (use PostgreSQL, --database-url, to run workers beside servers)',
      );
    }
    logger.info(
      { workerId: worker.engine.workerId, db: driver.label, concurrency: config.workerConcurrency, leaseSeconds: config.leaseSeconds },
      'batchyard worker is running',
    );
    onSignals(logger, () => worker.close());
  });

  addStorageFlags(program.command('migrate').description('apply pending database migrations and exit')).action(async (flags: ConfigFlags) => {
    const config = loadConfig(flags);
    const { openDriver } = await import('../../store/open-driver.js');
    const { migrate } = await import('../../store/migrate.js');
    const driver = await openDriver({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 1 });
    try {
      const { applied, version } = await migrate(driver);
      process.stdout.write(
        applied.length === 0
          ? `${driver.label}: up to date (version ${version})\n`
          : `${driver.label}: applied ${applied.map((m) => `${m.version}-${m.name}`).join(', ')} (now version ${version})\n`,
      );
    } finally {
      await driver.close();
    }
  });
}
