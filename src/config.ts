/**
 * Configuration: read and validated once at start (env and flags), defaults
 * filled in, then passed down frozen. Nothing below this module reads process.env.
 */
import path from 'node:path';
import { InvalidArgumentError } from './domain/errors.js';
import { parseWebhookAllowList } from './domain/webhook-address.js';
import { parseStorageLocations } from './blobs/blob-stores.js';

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  /** postgres://… selects PostgreSQL; undefined selects SQLite at `<dataDir>/batchyard.sqlite`. */
  readonly databaseUrl: string | undefined;
  /** Storage location name → where: a directory, or an s3:// URL as written (no credentials in it). Always contains `default`. */
  readonly storages: Readonly<Record<string, string>>;
  readonly maxUploadBytes: number;
  readonly bootstrapToken: string | undefined;
  readonly domain: string;
  readonly logLevel: string;
  readonly workerConcurrency: number;
  readonly leaseSeconds: number;
  readonly enableBenchJobs: boolean;
  /** SQLite servers run the engine on its own thread (BATCHYARD_ENGINE_THREAD, default on; 0 runs it on the API's thread). */
  readonly engineThread: boolean;
  /**
   * Test-only (BATCHYARD_TEST_TASK_DELAY_MS): every task waits this long inside
   * its transaction, so crash tests can kill a process in the middle of a job.
   */
  readonly testTaskDelayMs: number;
  /** Directories an import may read (BATCHYARD_IMPORT_ROOTS, comma-separated absolute paths); none by default. */
  readonly importRoots: readonly string[];
  /** Private destinations webhooks may reach (BATCHYARD_WEBHOOK_ALLOW_HOSTS: host names, addresses and CIDR ranges, comma-separated); none by default. */
  readonly webhookAllowHosts: readonly string[];
  /** How long a job's artifact (an export's zip, a report) is kept after the job ends (BATCHYARD_ARTIFACT_TTL, default 7d). */
  readonly artifactTtlMs: number;
  /** The shortest interval a schedule's cron may fire at (BATCHYARD_SCHEDULE_MIN_INTERVAL, default 60s): a denser expression is refused. */
  readonly scheduleMinIntervalMs: number;
  /** How long an unfinished tus upload is kept (BATCHYARD_UPLOAD_TTL, default 24h). */
  readonly uploadTtlMs: number;
  /** The largest tus upload (an archive to import) accepted (BATCHYARD_TUS_MAX_SIZE, default 64GiB; single-file PUTs keep maxUploadBytes). */
  readonly tusMaxBytes: number;
  /** What an archive may unpack to (extract, import of an upload): a zip bomb stops at the first limit it passes. */
  readonly archiveLimits: ArchiveLimits;
  /** How long a dashboard sign-in lasts, from sign-in (BATCHYARD_SESSION_TTL, default 12h; absolute, not sliding). */
  readonly sessionTtlMs: number;
  /** The built dashboard (BATCHYARD_WEB_DIR); undefined: dist/web beside the compiled server. */
  readonly webDir: string | undefined;
  /**
   * Whether to believe X-Forwarded-For/-Proto/-Host (BATCHYARD_TRUST_PROXY: true, or the
   * comma-separated addresses/CIDRs of the proxies; default false). Behind a TLS-terminating proxy,
   * the session cookie is Secure only when the proxy is trusted to say the request was https.
   */
  readonly trustProxy: boolean | string[];
}

export interface ArchiveLimits {
  /** Total uncompressed bytes of one archive (BATCHYARD_ARCHIVE_MAX_BYTES, default 64GiB). */
  readonly maxTotalBytes: number;
  /** Entries of one archive (BATCHYARD_ARCHIVE_MAX_ENTRIES, default 1000000). */
  readonly maxEntries: number;
  /** Uncompressed bytes per compressed byte of an entry, checked past 1 MiB (BATCHYARD_ARCHIVE_MAX_RATIO, default 200). */
  readonly maxRatio: number;
}

/** Flags given on the command line; each overrides its environment variable. */
export interface ConfigFlags {
  port?: string | number;
  host?: string;
  data?: string;
  databaseUrl?: string;
  maxUploadSize?: string;
  logLevel?: string;
  concurrency?: string | number;
  leaseSeconds?: string | number;
}

type Env = Readonly<Record<string, string | undefined>>;

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3 };

/** Parses `1048576`, `512k`, `100MiB`, `2g` into bytes. */
export function parseByteSize(text: string, what: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  const unit = match ? SIZE_UNITS[match[2]!.toLowerCase()] : undefined;
  if (!match || unit === undefined) {
    throw new InvalidArgumentError(`${what}: '${text}' is not a size (e.g. 1048576, 512k, 100MiB)`);
  }
  const bytes = Math.floor(Number(match[1]) * unit);
  if (bytes < 1) throw new InvalidArgumentError(`${what}: must be at least 1 byte`);
  return bytes;
}

const DURATION_UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses `3600` (seconds), `90s`, `30m`, `12h`, `7d` into milliseconds. */
export function parseDuration(text: string, what: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$/i.exec(text);
  if (!match) throw new InvalidArgumentError(`${what}: '${text}' is not a duration (e.g. 3600, 90s, 30m, 12h, 7d)`);
  const ms = Math.round(Number(match[1]) * DURATION_UNITS[(match[2] || 's').toLowerCase()]!);
  if (ms < 1000 || ms > 3650 * 86_400_000) throw new InvalidArgumentError(`${what}: '${text}' must be from 1 second to 3650 days`);
  return ms;
}

/** BATCHYARD_IMPORT_ROOTS: absolute directories, comma-separated. */
/** BATCHYARD_WEBHOOK_ALLOW_HOSTS: each entry a host name, an address or a CIDR range (400-style error naming the bad one). */
export function parseWebhookAllowHosts(text: string | undefined): string[] {
  try {
    return [...parseWebhookAllowList(text ?? '').entries];
  } catch (error) {
    throw new InvalidArgumentError(`BATCHYARD_WEBHOOK_ALLOW_HOSTS: ${(error as Error).message}`);
  }
}

export function parseImportRoots(text: string | undefined): string[] {
  if (text === undefined || text.trim() === '') return [];
  return text.split(',').map((raw) => {
    const dir = raw.trim();
    if (!path.isAbsolute(dir)) throw new InvalidArgumentError(`BATCHYARD_IMPORT_ROOTS: '${dir}' is not an absolute path`);
    return path.resolve(dir);
  });
}

/** BATCHYARD_TRUST_PROXY: false (default), true (any proxy), or the proxies' addresses/CIDRs. */
export function parseTrustProxy(text: string | undefined): boolean | string[] {
  const value = (text ?? '').trim().toLowerCase();
  if (value === '' || value === 'false' || value === '0' || value === 'off') return false;
  if (value === 'true' || value === '1' || value === 'on') return true;
  const list = value.split(',').map((part) => part.trim());
  if (list.some((part) => !/^[0-9a-f.:]+(\/\d{1,3})?$/.test(part))) {
    throw new InvalidArgumentError(`BATCHYARD_TRUST_PROXY: '${text}' must be true, false or the proxies' comma-separated addresses (CIDR allowed)`);
  }
  return list;
}

function parseInteger(value: string | number, what: string, min: number, max: number): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new InvalidArgumentError(`${what}: '${value}' must be an integer from ${min} to ${max}`);
  }
  return n;
}

export function loadConfig(flags: ConfigFlags = {}, env: Env = process.env): Config {
  const dataDir = path.resolve(flags.data ?? env.BATCHYARD_DATA_DIR ?? './data');
  const databaseUrl = flags.databaseUrl ?? env.DATABASE_URL ?? undefined;
  if (databaseUrl !== undefined && databaseUrl !== '' && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new InvalidArgumentError(`DATABASE_URL: '${databaseUrl}' must start with postgres:// (or be unset for SQLite)`);
  }
  const domain = env.BATCHYARD_DOMAIN ?? 'example.com';
  if (!/^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/i.test(domain)) {
    throw new InvalidArgumentError(`BATCHYARD_DOMAIN: '${domain}' is not a domain name`);
  }
  return Object.freeze({
    port: parseInteger(flags.port ?? env.PORT ?? 8080, '--port', 0, 65535),
    host: flags.host ?? env.HOST ?? '127.0.0.1',
    dataDir,
    databaseUrl: databaseUrl === '' ? undefined : databaseUrl,
    storages: Object.freeze(parseStorageLocations(env.BATCHYARD_STORAGES, dataDir)),
    maxUploadBytes: parseByteSize(flags.maxUploadSize ?? env.BATCHYARD_MAX_UPLOAD_SIZE ?? '1GiB', '--max-upload-size'),
    bootstrapToken: env.BATCHYARD_BOOTSTRAP_TOKEN || undefined,
    domain: domain.toLowerCase(),
    logLevel: flags.logLevel ?? env.LOG_LEVEL ?? 'info',
    workerConcurrency: parseInteger(flags.concurrency ?? env.BATCHYARD_WORKER_CONCURRENCY ?? 8, 'BATCHYARD_WORKER_CONCURRENCY', 1, 1024),
    leaseSeconds: parseInteger(flags.leaseSeconds ?? env.BATCHYARD_LEASE_SECONDS ?? 30, 'BATCHYARD_LEASE_SECONDS', 1, 3600),
    enableBenchJobs: env.BATCHYARD_ENABLE_BENCH_JOBS === '1',
    engineThread: !['0', 'false', 'off'].includes((env.BATCHYARD_ENGINE_THREAD ?? '1').toLowerCase()),
    testTaskDelayMs: parseInteger(env.BATCHYARD_TEST_TASK_DELAY_MS ?? 0, 'BATCHYARD_TEST_TASK_DELAY_MS', 0, 60_000),
    importRoots: Object.freeze(parseImportRoots(env.BATCHYARD_IMPORT_ROOTS)),
    webhookAllowHosts: Object.freeze(parseWebhookAllowHosts(env.BATCHYARD_WEBHOOK_ALLOW_HOSTS)),
    artifactTtlMs: parseDuration(env.BATCHYARD_ARTIFACT_TTL ?? '7d', 'BATCHYARD_ARTIFACT_TTL'),
    scheduleMinIntervalMs: parseDuration(env.BATCHYARD_SCHEDULE_MIN_INTERVAL ?? '60s', 'BATCHYARD_SCHEDULE_MIN_INTERVAL'),
    uploadTtlMs: parseDuration(env.BATCHYARD_UPLOAD_TTL ?? '24h', 'BATCHYARD_UPLOAD_TTL'),
    tusMaxBytes: parseByteSize(env.BATCHYARD_TUS_MAX_SIZE ?? '64GiB', 'BATCHYARD_TUS_MAX_SIZE'),
    sessionTtlMs: parseDuration(env.BATCHYARD_SESSION_TTL ?? '12h', 'BATCHYARD_SESSION_TTL'),
    webDir: env.BATCHYARD_WEB_DIR ? path.resolve(env.BATCHYARD_WEB_DIR) : undefined,
    trustProxy: parseTrustProxy(env.BATCHYARD_TRUST_PROXY),
    archiveLimits: Object.freeze({
      maxTotalBytes: parseByteSize(env.BATCHYARD_ARCHIVE_MAX_BYTES ?? '64GiB', 'BATCHYARD_ARCHIVE_MAX_BYTES'),
      maxEntries: parseInteger(env.BATCHYARD_ARCHIVE_MAX_ENTRIES ?? 1_000_000, 'BATCHYARD_ARCHIVE_MAX_ENTRIES', 1, 100_000_000),
      maxRatio: parseInteger(env.BATCHYARD_ARCHIVE_MAX_RATIO ?? 200, 'BATCHYARD_ARCHIVE_MAX_RATIO', 2, 1_000_000),
    }),
  });
}
