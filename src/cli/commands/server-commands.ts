/** `batchyard serve` and `batchyard migrate`: the commands that open the database themselves. */
import type { Command } from 'commander';
import { loadConfig, type ConfigFlags } from '../../config.js';

// The server's modules (Fastify, database drivers) load only when these commands run,
// so client commands start fast.

function addStorageFlags(command: Command): Command {
  return command
    .option('--data <dir>', 'data directory: SQLite file and blobs (env BATCHYARD_DATA_DIR)', undefined)
    .option('--database-url <url>', 'postgres://… to use PostgreSQL (env DATABASE_URL)');
}

export function registerServerCommands(program: Command): void {
  addStorageFlags(
    program
      .command('serve')
      .description('serve the API (and, later, the dashboard and workers)')
      .option('--port <port>', 'port (env PORT; default 8080)')
      .option('--host <host>', 'interface (env HOST; default 127.0.0.1)')
      .option('--max-upload-size <size>', 'largest upload, e.g. 512MiB (env BATCHYARD_MAX_UPLOAD_SIZE; default 1GiB)')
      .option('--log-level <level>', 'pino level (env LOG_LEVEL; default info)'),
  ).action(async (flags: ConfigFlags) => {
    const config = loadConfig(flags);
    const { createLogger, startServer } = await import('../../app.js');
    const logger = createLogger(config);
    const server = await startServer(config, { logger });
    logger.info({ url: server.url, db: server.app.driver.label, data: config.dataDir }, 'batchyard is serving');
    const stop = (signal: string) => {
      logger.info({ signal }, 'draining and shutting down');
      server.close().then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
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
