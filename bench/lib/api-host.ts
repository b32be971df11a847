/**
 * The HTTP API of `batchyard serve` with no engine in its process
 * (startServer's `engine: false`), for benchmarks where only separate
 * `batchyard worker` processes may run tasks (bench/scale-bench.ts): the
 * real routes, migrations and bootstrap token, and nothing claiming work.
 *
 * `node api-host.js <dist> <port>`: <dist> is the compiled server to load
 * (its app.js and config.js); everything else from the environment, as
 * `batchyard serve` reads it (BATCHYARD_DATA_DIR, DATABASE_URL, …).
 * Prints `ready <url>` once it listens (port 0: a free port the system picks).
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as ConfigModule from '../../src/config.js';
import type * as AppModule from '../../src/app.js';

const [dist, portText] = process.argv.slice(2) as [string, string];
const load = async <T>(file: string) => (await import(pathToFileURL(path.join(dist, file)).href)) as T;
const { loadConfig } = await load<typeof ConfigModule>('config.js');
const { createLogger, startServer } = await load<typeof AppModule>('app.js');

const config = loadConfig({ port: portText });
const server = await startServer(config, { logger: createLogger(config), print: () => {}, engine: false });
process.stdout.write(`ready ${server.url}\n`);
const close = () => void server.close().then(() => process.exit(0));
process.once('SIGTERM', close);
process.once('SIGINT', close);
