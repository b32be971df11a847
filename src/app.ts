/**
 * The composition root: opens the database and blob stores, migrates,
 * finishes what a crash interrupted, wires the services, and serves HTTP.
 */
import type { FastifyInstance } from 'fastify';
import { pino, type Logger } from 'pino';
import type { Config } from './config.js';
import type { Driver } from './store/driver.js';
import { openDriver } from './store/open-driver.js';
import { migrate } from './store/migrate.js';
import { Store } from './store/store.js';
import { BlobStores } from './blobs/blob-stores.js';
import { AuthService } from './services/auth-service.js';
import { UserService } from './services/user-service.js';
import { LibraryService } from './services/library-service.js';
import { ItemService } from './services/item-service.js';
import type { ApiContext } from './api/context.js';
import { buildServer } from './api/server.js';
import { VERSION } from './version.js';

/**
 * A temp file untouched this long belongs to a writer that died: uploads in
 * progress (in this or another process sharing the storage) keep touching theirs.
 */
export const ORPHAN_TEMP_AGE_MS = 15 * 60_000;
const ORPHAN_SWEEP_INTERVAL_MS = 5 * 60_000;

export interface App extends ApiContext {
  config: Config;
  driver: Driver;
  blobStores: BlobStores;
  logger: Logger;
  close(): Promise<void>;
}

export function createLogger(config: Pick<Config, 'logLevel'>): Logger {
  return pino({ level: config.logLevel, base: { app: 'batchyard' } });
}

/** Opens storage and wires services. `driver` may be given (tests pass an isolated one). */
export async function openApp(config: Config, options: { logger?: Logger; driver?: Driver } = {}): Promise<App> {
  const logger = options.logger ?? createLogger(config);
  const driver = options.driver ?? (await openDriver({ databaseUrl: config.databaseUrl, dataDir: config.dataDir }));
  try {
    const { applied } = await migrate(driver);
    if (applied.length > 0) logger.info({ db: driver.label, applied: applied.map((m) => m.version) }, 'database migrated');
    const store = new Store(driver);
    const blobStores = new BlobStores({ ...config.storages });
    const orphans = await blobStores.removeOrphanTempFiles({ olderThanMs: ORPHAN_TEMP_AGE_MS });
    if (orphans > 0) logger.info({ orphans }, 'removed temp files left by interrupted uploads');
    const auth = new AuthService(store);
    const users = new UserService(store, auth);
    const libraries = new LibraryService(store, blobStores);
    const items = new ItemService(store, libraries, blobStores, config.maxUploadBytes);
    const resumed = await libraries.resumeUnfinished();
    if (resumed > 0) logger.info({ resumed }, 'finished library creations/deletions interrupted by a crash');
    return { config, driver, store, blobStores, logger, auth, users, libraries, items, close: () => driver.close() };
  } catch (error) {
    await driver.close();
    throw error;
  }
}

/** Creates the first domain and super admin on an empty database; prints a generated token once. */
export async function bootstrap(app: App, print: (line: string) => void): Promise<void> {
  const result = await app.auth.bootstrap({ domain: app.config.domain, bootstrapSecret: app.config.bootstrapToken });
  if (!result.created) return;
  if (result.generatedSecret) {
    print(`batchyard: created domain ${app.config.domain} and its super admin ${result.email}`);
    print(`batchyard: admin token (shown once, keep it): ${result.generatedSecret}`);
  } else {
    print(`batchyard: created domain ${app.config.domain}; ${result.email} uses BATCHYARD_BOOTSTRAP_TOKEN`);
  }
}

export interface RunningServer {
  app: App;
  http: FastifyInstance;
  url: string;
  close(): Promise<void>;
}

/** How long shutdown lets in-flight requests finish before cutting their connections. */
export const SHUTDOWN_GRACE_MS = 10_000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/**
 * Stops accepting, lets running requests finish for up to `graceMs`, then
 * cuts the connections still open (a stalled upload must not hold shutdown
 * forever), waits for their handlers to unwind, and only then closes storage.
 */
async function drainAndClose(http: FastifyInstance, app: App, graceMs: number): Promise<void> {
  const closed = http.close();
  await Promise.race([closed, sleep(graceMs)]);
  http.server.closeAllConnections();
  await closed;
  await Promise.race([http.inFlight.idle(), sleep(graceMs)]);
  if (http.inFlight.running > 0) app.logger.warn({ running: http.inFlight.running }, 'closing storage under running requests');
  await app.close();
}

export async function startServer(
  config: Config,
  options: { logger?: Logger; driver?: Driver; print?: (line: string) => void; shutdownGraceMs?: number } = {},
): Promise<RunningServer> {
  const app = await openApp(config, options);
  try {
    await bootstrap(app, options.print ?? ((line) => process.stdout.write(line + '\n')));
    const http = await buildServer(app, { logger: app.logger, version: VERSION });
    const address = await http.listen({ port: config.port, host: config.host });
    const sweep = setInterval(() => {
      app.blobStores.removeOrphanTempFiles({ olderThanMs: ORPHAN_TEMP_AGE_MS }).then(
        (n) => n > 0 && app.logger.info({ orphans: n }, 'removed temp files left by interrupted uploads'),
        (error: unknown) => app.logger.warn({ err: error }, 'temp file sweep failed'),
      );
    }, ORPHAN_SWEEP_INTERVAL_MS).unref();
    let closing: Promise<void> | undefined;
    return {
      app,
      http,
      url: address,
      close: () => {
        clearInterval(sweep);
        closing ??= drainAndClose(http, app, options.shutdownGraceMs ?? SHUTDOWN_GRACE_MS);
        return closing;
      },
    };
  } catch (error) {
    await app.close();
    throw error;
  }
}
