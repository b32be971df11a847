/**
 * The composition root: opens the database and blob stores, migrates,
 * finishes what a crash interrupted, wires the services, and serves HTTP.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
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
import { JobService } from './services/job-service.js';
import { EventFeedService } from './services/event-feed.js';
import { ArtifactService } from './services/artifact-service.js';
import { UploadService } from './services/upload-service.js';
import { SessionService } from './services/session-service.js';
import { SavedViewService } from './services/saved-view-service.js';
import { WebhookService } from './services/webhook-service.js';
import { parseWebhookAllowList } from './domain/webhook-address.js';
import { JobActionService } from './services/job-actions.js';
import { EngineService } from './services/engine-service.js';
import { JobTimelineService } from './services/job-timeline.js';
import { ScheduleService } from './services/schedule-service.js';
import { ScheduleFiring } from './services/schedule-firing.js';
import { Readiness } from './services/readiness.js';
import { UploadFiles } from './blobs/upload-files.js';
import { createOperationRegistry } from './operations/index.js';
import type { OperationRegistry } from './jobs/operation-registry.js';
import { Engine, type EngineOverrides } from './engine/engine.js';
import type { ApiContext } from './api/context.js';
import { VERSION } from './version.js';
import { EngineThread, ENGINE_THREAD_ENTRY, type EngineHandle } from './engine-thread/engine-thread.js';

/**
 * A temp file untouched this long belongs to a writer that died: uploads in
 * progress (in this or another process sharing the storage) keep touching theirs.
 */
export const ORPHAN_TEMP_AGE_MS = 15 * 60_000;
const ORPHAN_SWEEP_INTERVAL_MS = 5 * 60_000;

export type { EngineOverrides };

export interface App extends ApiContext {
  config: Config;
  driver: Driver;
  blobStores: BlobStores;
  operations: OperationRegistry;
  logger: Logger;
  /** Fires due schedules; every engine this process starts calls it on its tick. */
  scheduleFiring: ScheduleFiring;
  close(): Promise<void>;
}

/** Creates and starts this process's workers on the app's storage. */
export async function startEngine(app: App, overrides: EngineOverrides = {}): Promise<Engine> {
  const delay = app.config.testTaskDelayMs;
  const engine = new Engine({
    ...(delay > 0 ? { hooks: { beforeApply: () => new Promise<void>((resolve) => setTimeout(resolve, delay)) } } : {}),
    store: app.store,
    operations: app.operations,
    blobs: app.blobStores,
    logger: app.logger.child({ component: 'engine' }),
    concurrency: app.config.workerConcurrency,
    leaseMs: app.config.leaseSeconds * 1000,
    uploads: app.uploads.files,
    artifactTtlMs: app.config.artifactTtlMs,
    webhooks: { allowHosts: app.config.webhookAllowHosts },
    schedules: app.scheduleFiring,
    version: VERSION,
    ...overrides,
  });
  await engine.start();
  return engine;
}

export function createLogger(config: Pick<Config, 'logLevel'>): Logger {
  return pino({ level: config.logLevel, base: { app: 'batchyard' } });
}

/**
 * Opens storage and wires services. `driver` may be given (tests pass an
 * isolated one). The engine thread opens its own app (`role: 'engine-thread'`)
 * and leaves the startup chores (migrations, temp-file sweep, unfinished
 * library changes) to the server that started it.
 */
export async function openApp(
  config: Config,
  options: { logger?: Logger; driver?: Driver; role?: 'main' | 'engine-thread'; writeGate?: SharedArrayBuffer } = {},
): Promise<App> {
  const chores = options.role !== 'engine-thread';
  const logger = options.logger ?? createLogger(config);
  const driver = options.driver ?? (await openDriver({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, backgroundWriteGate: options.writeGate }));
  try {
    // The server that starts an engine thread has migrated the database just before.
    const { applied } = chores ? await migrate(driver) : { applied: [] };
    if (applied.length > 0) logger.info({ db: driver.label, applied: applied.map((m) => m.version) }, 'database migrated');
    const store = new Store(driver);
    const blobStores = new BlobStores({ ...config.storages }, { dataDir: config.dataDir });
    // A location unreachable now (an S3 outage) does not stop the start: /readyz reports it.
    const orphans = chores
      ? await blobStores.removeOrphanTempFiles({ olderThanMs: ORPHAN_TEMP_AGE_MS }).catch((error: unknown) => {
          logger.warn({ err: error }, 'temp file sweep failed');
          return 0;
        })
      : 0;
    if (orphans > 0) logger.info({ orphans }, 'removed temp files left by interrupted uploads');
    const auth = new AuthService(store);
    const users = new UserService(store, auth);
    const libraries = new LibraryService(store, blobStores);
    const items = new ItemService(store, libraries, blobStores, config.maxUploadBytes);
    const uploads = new UploadService(store, libraries, new UploadFiles(path.join(config.dataDir, 'uploads'), config.uploadTtlMs), {
      maxBytes: config.tusMaxBytes,
      ttlMs: config.uploadTtlMs,
    });
    const operations = createOperationRegistry({
      enableBenchJobs: config.enableBenchJobs,
      importSources: { importRoots: config.importRoots, uploads, archiveLimits: config.archiveLimits },
    });
    const jobs = new JobService(store, libraries, operations, { enableBenchJobs: config.enableBenchJobs });
    const artifacts = new ArtifactService(store, jobs, blobStores, auth);
    const sessions = new SessionService(store, auth, config.sessionTtlMs);
    const savedViews = new SavedViewService(store);
    const webhooks = new WebhookService(store, parseWebhookAllowList(config.webhookAllowHosts.join(',')));
    const jobActions = new JobActionService(store, jobs, libraries, operations);
    const events = new EventFeedService(store, jobs, (stall) =>
      logger.warn(
        { waitedMs: stall.forMs, oldestRunningXid: stall.xmin },
        'job event streams are held back by a transaction open on the database server (see pg_stat_activity.backend_xid)',
      ),
    );
    const resumed = chores ? await libraries.resumeUnfinished() : 0;
    if (resumed > 0) logger.info({ resumed }, 'finished library creations/deletions interrupted by a crash');
    const engineInfo = new EngineService(store);
    const timeline = new JobTimelineService(store, jobs);
    const schedules = new ScheduleService(store, jobs, { minIntervalMs: config.scheduleMinIntervalMs });
    const scheduleFiring = new ScheduleFiring(store, jobs, logger.child({ component: 'schedules' }));
    const readiness = new Readiness(driver, blobStores, {
      onChange: (change) =>
        change.ok ? logger.info({ component: change.name }, 'ready again: the check passes') : logger.warn({ component: change.name, cause: change.cause }, 'not ready: GET /readyz answers 503'),
    });
    return { config, driver, store, blobStores, operations, logger, auth, users, libraries, items, jobs, events, uploads, artifacts, engineInfo, timeline, sessions, savedViews, webhooks, jobActions, schedules, scheduleFiring, readiness, close: () => driver.close() };
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

/** What the HTTP server takes from the configuration: where the dashboard's build is, whether to believe a proxy. */
export function serverSettings(config: Pick<Config, 'webDir' | 'trustProxy'>): { webDir: string | undefined; trustProxy: Config['trustProxy'] } {
  return { webDir: config.webDir, trustProxy: config.trustProxy };
}

export interface RunningServer {
  app: App;
  /** This process's workers (on their own thread for SQLite); undefined when started without them. */
  engine: EngineHandle | undefined;
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
async function drainAndClose(http: FastifyInstance, app: App, engine: EngineHandle | undefined, graceMs: number): Promise<void> {
  const stopped = engine?.stop(graceMs);
  const closed = http.close();
  await Promise.race([closed, sleep(graceMs)]);
  http.server.closeAllConnections();
  await closed;
  await Promise.race([http.inFlight.idle(), sleep(graceMs)]);
  if (http.inFlight.running > 0) app.logger.warn({ running: http.inFlight.running }, 'closing storage under running requests');
  await stopped;
  await app.close();
}

export async function startServer(
  config: Config,
  options: { logger?: Logger; driver?: Driver; print?: (line: string) => void; shutdownGraceMs?: number; engine?: EngineOverrides | false } = {},
): Promise<RunningServer> {
  const app = await openApp(config, options);
  let engine: EngineHandle | undefined;
  try {
    await bootstrap(app, options.print ?? ((line) => process.stdout.write(line + '\n')));
    // The HTTP layer (Fastify, the routes, the dialects) loads only here: a worker and the
    // engine thread never serve, and start in a fraction of the time without it.
    const { buildServer } = await import('./api/server.js');
    const http = await buildServer(app, { logger: app.logger, version: VERSION, ...serverSettings(config) });
    // Workers first: once /healthz answers, submitted jobs start at once (the engine
    // thread takes a few hundred ms to load and open its connection).
    if (options.engine !== false) {
      const overrides = options.engine ?? {};
      engine = useEngineThread(app, config, overrides, options.driver)
        ? await EngineThread.start(config, overrides, app.logger.child({ component: 'engine' }), app.driver.threadWriteGate)
        : await startEngine(app, overrides);
    }
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
      engine,
      http,
      url: address,
      close: () => {
        clearInterval(sweep);
        closing ??= drainAndClose(http, app, engine, options.shutdownGraceMs ?? SHUTDOWN_GRACE_MS);
        return closing;
      },
    };
  } catch (error) {
    await engine?.stop(0);
    await app.close();
    throw error;
  }
}

/**
 * A SQLite server runs its engine on a thread of its own (better-sqlite3 is
 * synchronous: on the API's thread every task would hold up responses). Not
 * when the caller handed in its own driver (tests: the thread could not share
 * it), with settings that cannot cross threads (test hooks), when running from
 * TypeScript sources (no built entry), or with BATCHYARD_ENGINE_THREAD=0.
 */
function useEngineThread(app: App, config: Config, overrides: EngineOverrides, injected: Driver | undefined): boolean {
  if (!config.engineThread || injected || app.driver.capabilities.concurrentWriters) return false;
  if (!fs.existsSync(fileURLToPath(ENGINE_THREAD_ENTRY))) return false;
  try {
    structuredClone(overrides);
    return true;
  } catch {
    return false;
  }
}

export interface RunningWorker {
  app: App;
  engine: Engine;
  close(): Promise<void>;
}

/** `batchyard worker`: job work only, no HTTP (several such processes share a PostgreSQL database). */
export async function startWorker(config: Config, options: { logger?: Logger; driver?: Driver; engine?: EngineOverrides } = {}): Promise<RunningWorker> {
  const app = await openApp(config, options);
  try {
    const engine = await startEngine(app, { kind: 'worker', ...options.engine });
    // The engine's timers do not hold the process open (a server's listener does); with no
    // HTTP listener and an embedded database nothing else would, so the worker holds itself.
    const keepAlive = setInterval(() => {}, 1 << 30);
    let closing: Promise<void> | undefined;
    return {
      app,
      engine,
      close: () => {
        clearInterval(keepAlive);
        closing ??= engine.stop(SHUTDOWN_GRACE_MS).then(() => app.close());
        return closing;
      },
    };
  } catch (error) {
    await app.close();
    throw error;
  }
}
