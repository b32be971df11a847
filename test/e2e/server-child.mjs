// The API of `batchyard serve` without job workers, from the built code: the jobs it is asked
// about are run by other processes (`batchyard worker`), so what its clients see of them
// reached it through the database's notifications. Settings come from the environment; it
// logs `batchyard is serving` with its URL, and drains on SIGTERM as serve does.
import { loadConfig } from '../../dist/config.js';
import { createLogger, startServer } from '../../dist/app.js';

const config = loadConfig({ port: 0 }, process.env);
const logger = createLogger(config);
const server = await startServer(config, { logger, print: () => {}, engine: false });
logger.info({ url: server.url, db: server.app.driver.label, engine: server.engine === undefined ? 'none' : 'running' }, 'batchyard is serving');
process.once('SIGTERM', () => {
  server.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
