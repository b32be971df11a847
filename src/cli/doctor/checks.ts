/**
 * What `batchyard doctor` checks, each a pass/warn/fail/skip line: the
 * settings, the data directory and import roots, the database (answers,
 * migrations), each storage location (reachable and writable: the check
 * GET /readyz runs), the engines' clocks against the database's, and the
 * versions the engines run. A check that cannot run because an earlier one
 * failed is skipped, saying why. Nothing is changed but a probe file
 * written and removed in each directory.
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig, type Config, type ConfigFlags } from '../../config.js';
import type { Driver } from '../../store/driver.js';
import type { BlobStores } from '../../blobs/blob-stores.js';
import { checkDirectory } from '../../blobs/directory-check.js';
import { networkFilesystemOf } from './filesystem-kind.js';
import { runCheck } from '../../services/health-checks.js';
import type { ClockReport } from '../../services/clock-skew.js';
import { VERSION } from '../../version.js';

export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip';

export interface DoctorCheck {
  name: string;
  status: CheckStatus;
  detail: string;
  /** What the check found, for `--json`. */
  data?: Record<string, unknown>;
}

export interface DoctorOptions {
  /** How long the clock check watches the engines' heartbeats at most (default: a third of the longest lease, plus 1.5 s). */
  clockWaitMs?: number;
}

/** A database or storage call taking longer than this is reported as not answering. */
export const DOCTOR_DEADLINE_MS = 10_000;
/** Engines whose clocks are this far apart, or this far from the database's, are worth a look. */
export const CLOCK_WARN_MS = 1000;

const seconds = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Opened lazily so a configuration error is reported before any module loads. */
interface Opened {
  config: Config;
  driver?: Driver;
  stores?: BlobStores;
}

export async function runDoctor(flags: ConfigFlags, options: DoctorOptions, report: (check: DoctorCheck) => void): Promise<{ hung: boolean; close(): Promise<void> }> {
  const opened: Partial<Opened> = {};
  let hung = false;
  const close = async () => {
    opened.stores?.close();
    await opened.driver?.close();
  };

  try {
    opened.config = loadConfig(flags);
  } catch (error) {
    report({ name: 'config', status: 'fail', detail: errorText(error) });
    return { hung, close };
  }
  const config = opened.config;
  report({ name: 'config', status: 'pass', detail: `settings read; data directory ${config.dataDir}, storage locations ${Object.keys(config.storages).sort().join(', ')}` });
  report(settingsCheck(config));
  report(await dataDirectory(config));
  for (const check of importRoots(config)) report(check);

  const sqliteFile = path.join(config.dataDir, 'batchyard.sqlite');
  if (config.databaseUrl === undefined && !fs.existsSync(sqliteFile)) {
    report({ name: 'database', status: 'warn', detail: `no database at ${sqliteFile} yet (serve makes it at its first start; is --data right?)` });
  } else {
    const { openDriver } = await import('../../store/open-driver.js');
    opened.driver = await openDriver({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 2 });
  }
  const driver = opened.driver;
  let databaseUp = false;
  if (driver) {
    // As GET /readyz checks it, with a longer deadline.
    const outcome = await runCheck({ name: 'database', run: () => driver.ping() }, DOCTOR_DEADLINE_MS);
    if (!outcome.ok && outcome.timedOut) hung = true;
    databaseUp = outcome.ok;
    report(outcome.ok ? { name: 'database', status: 'pass', detail: `${driver.label} answers (${outcome.ms} ms)` } : { name: 'database', status: 'fail', detail: `${driver.label}: ${outcome.cause}` });
  }
  const migrated = driver && databaseUp ? await migrations(driver) : undefined;
  if (migrated) report(migrated.check);
  else report({ name: 'migrations', status: 'skip', detail: driver ? 'the database does not answer' : 'no database yet' });

  // Storage: a local location whose directory is missing is reported, never made here (opening a
  // store makes its directory: a volume not mounted would look fine). It is a failure when the
  // database records blobs there (or cannot say), and expected before the first start otherwise.
  const missing = Object.entries(config.storages).filter(([, where]) => path.isAbsolute(where) && !fs.existsSync(where));
  for (const [name, where] of missing) {
    const canTell = !driver || (migrated !== undefined && migrated.applied.length === 0) || migrated?.applied.includes(1) === true;
    const held = driver && migrated?.applied.includes(1) ? await driver.db.selectFrom('blobs').select('sha256').where('storage', '=', name).limit(1).executeTakeFirst() : undefined;
    report(
      canTell && held === undefined
        ? { name: `storage:${name}`, status: 'warn', detail: `directory ${where} does not exist yet (no blob is stored there; serve and worker make it at their start)` }
        : { name: `storage:${name}`, status: 'fail', detail: `directory ${where} does not exist${held ? ', yet the database records blobs there' : ''}: is a volume not mounted?` },
    );
  }
  const { BlobStores } = await import('../../blobs/blob-stores.js');
  const stores = new BlobStores(Object.fromEntries(Object.entries(config.storages).filter(([name]) => !missing.some(([m]) => m === name))));
  opened.stores = stores;
  for (const name of stores.names()) {
    const outcome = await runCheck({ name, run: (signal) => stores.get(name).check({ signal }) }, DOCTOR_DEADLINE_MS);
    if (!outcome.ok && outcome.timedOut) hung = true;
    const where = config.storages[name]!;
    const network = outcome.ok && path.isAbsolute(where) ? networkFilesystemOf(where) : undefined;
    if (!outcome.ok) report({ name: `storage:${name}`, status: 'fail', detail: outcome.cause });
    else if (network) report({ name: `storage:${name}`, status: fuseOrNetwork(network), detail: `${where} is on ${network}: a directory location keeps a SQLite index whose locks a network filesystem does not keep; use a local filesystem or an S3 location` });
    else report({ name: `storage:${name}`, status: 'pass', detail: `reachable and writable (${outcome.ms} ms)` });
  }

  if (!driver || !migrated) {
    const why = driver ? 'the database does not answer' : 'no database yet';
    for (const name of ['clock', 'engines']) report({ name, status: 'skip', detail: why });
    return { hung, close };
  }
  // The registry of engines (engine_workers) came with migration 12.
  if (!migrated.applied.includes(12)) {
    for (const name of ['clock', 'engines']) report({ name, status: 'skip', detail: 'the database is not migrated yet' });
    return { hung, close };
  }
  const { Store } = await import('../../store/store.js');
  const store = new Store(driver);
  if (driver.serverNow) {
    const { measureClockSkew } = await import('../../services/clock-skew.js');
    const clocks = await measureClockSkew(store, { serverNow: () => driver.serverNow!(), ...(options.clockWaitMs === undefined ? {} : { maxWaitMs: options.clockWaitMs }) });
    report(clockCheck(clocks));
    report(enginesCheck(clocks.engines.filter((e) => e.offsetMs !== null)));
  } else {
    report({ name: 'clock', status: 'skip', detail: 'one host: the database is embedded (SQLite) and every process on it reads this host’s clock' });
    // One host, one clock: an engine is live when it beat within its lease.
    const engines = (await store.engineWorkerList()).filter((e) => e.stoppedAt === null && Date.now() - e.lastHeartbeatAt < e.leaseMs);
    report(enginesCheck(engines));
  }
  return { hung, close };
}

const HOUR_MS = 3_600_000;

/** Settings that load but are likely mistakes: each a reason, for one warning. */
function settingsCheck(config: Config): DoctorCheck {
  const odd: string[] = [];
  const hours = (ms: number) => `${(ms / HOUR_MS).toFixed(2)} h`;
  if (config.artifactTtlMs < HOUR_MS) odd.push(`BATCHYARD_ARTIFACT_TTL is ${hours(config.artifactTtlMs)}: a job's result is deleted within the hour after its job ends, perhaps before anyone downloads it`);
  if (config.uploadTtlMs < HOUR_MS) odd.push(`BATCHYARD_UPLOAD_TTL is ${hours(config.uploadTtlMs)}: an upload not finished and imported within it is dropped (a large archive on a slow link takes longer)`);
  if (config.leaseSeconds < 10) odd.push(`BATCHYARD_LEASE_SECONDS is ${config.leaseSeconds}: an engine that stalls for a third of it (a long pause, a slow commit) loses its tasks to another engine, which runs them again`);
  const own = [config.dataDir, ...Object.values(config.storages).filter((where) => path.isAbsolute(where))];
  for (const root of config.importRoots) {
    const inside = own.filter((dir) => dir === root || dir.startsWith(root.endsWith(path.sep) ? root : root + path.sep));
    if (inside.length > 0) odd.push(`the import root ${root} holds batchyard's own files (${inside.join(', ')}): an import could read the database or stored content`);
  }
  const data = { artifactTtlMs: config.artifactTtlMs, uploadTtlMs: config.uploadTtlMs, leaseSeconds: config.leaseSeconds, importRoots: config.importRoots };
  if (odd.length === 0) return { name: 'settings', status: 'pass', detail: 'no setting looks like a mistake', data };
  return { name: 'settings', status: 'warn', detail: odd.join('; '), data };
}

/** A network filesystem fails; a FUSE one (sshfs, s3fs, but also local encrypting ones) is worth a warning. */
const fuseOrNetwork = (name: string): CheckStatus => (name.startsWith('FUSE') ? 'warn' : 'fail');

async function dataDirectory(config: Config): Promise<DoctorCheck> {
  if (!fs.existsSync(config.dataDir)) {
    return { name: 'data directory', status: 'warn', detail: `${config.dataDir} does not exist yet (serve and worker make it at their start)` };
  }
  const network = config.databaseUrl === undefined ? networkFilesystemOf(config.dataDir) : undefined;
  if (network) return { name: 'data directory', status: fuseOrNetwork(network), detail: `${config.dataDir} is on ${network}: the SQLite database needs a local filesystem (its locks)` };
  try {
    await checkDirectory(config.dataDir, config.dataDir);
    return { name: 'data directory', status: 'pass', detail: `${config.dataDir} is writable (uploads${config.databaseUrl ? '' : ', the SQLite database'})` };
  } catch (error) {
    return { name: 'data directory', status: 'fail', detail: errorText(error) };
  }
}

function importRoots(config: Config): DoctorCheck[] {
  if (config.importRoots.length === 0) return [{ name: 'import roots', status: 'skip', detail: 'none set (BATCHYARD_IMPORT_ROOTS): imports from server directories are off' }];
  return config.importRoots.map((root) => {
    try {
      if (!fs.statSync(root).isDirectory()) return { name: `import root ${root}`, status: 'fail', detail: 'not a directory' };
      fs.accessSync(root, fs.constants.R_OK | fs.constants.X_OK);
      return { name: `import root ${root}`, status: 'pass', detail: 'a readable directory' };
    } catch (error) {
      return { name: `import root ${root}`, status: 'fail', detail: `not readable (${(error as NodeJS.ErrnoException).code ?? errorText(error)})` };
    }
  });
}

async function migrations(driver: Driver): Promise<{ check: DoctorCheck; applied: number[] }> {
  const { migrationStatus } = await import('../../store/migrate.js');
  const status = await migrationStatus(driver);
  const latest = driver.migrations.at(-1)?.version ?? 0;
  const names = status.pending.map((m) => `${String(m.version).padStart(4, '0')}-${m.name}`);
  const data = { applied: status.applied, pending: names, unknown: status.unknown, latest };
  if (status.unknown.length > 0) {
    return {
      check: { name: 'migrations', status: 'fail', detail: `the database has migrations this batchyard (${VERSION}) does not know: ${status.unknown.join(', ')}; a newer version migrated it`, data },
      applied: status.applied,
    };
  }
  const later = 'applied at the next start of serve or worker, or by batchyard migrate';
  if (!status.recorded) {
    return { check: { name: 'migrations', status: 'warn', detail: `a new database: all ${names.length} pending (${later})`, data }, applied: [] };
  }
  if (names.length > 0) {
    return { check: { name: 'migrations', status: 'warn', detail: `${names.length} pending: ${names.join(', ')} (${later})`, data }, applied: status.applied };
  }
  return { check: { name: 'migrations', status: 'pass', detail: `up to date (version ${latest})`, data }, applied: status.applied };
}

function clockCheck(report: ClockReport): DoctorCheck {
  const measured = report.engines.filter((e) => e.offsetMs !== null);
  const silent = report.engines.filter((e) => e.offsetMs === null);
  const data = { self: report.self, engines: report.engines, watchedMs: report.watchedMs };
  const who = (e: ClockReport['engines'][number]) => `${e.kind} ${e.id} on ${e.host} (pid ${e.pid})`;
  const lines = measured.map((e) => `${who(e)}: ${e.offsetMs! >= 0 ? '+' : ''}${seconds(e.offsetMs!)} ±${seconds(e.withinMs!)}`);
  const selfLine = `this host: ${report.self.offsetMs >= 0 ? '+' : ''}${seconds(report.self.offsetMs)}`;
  if (report.engines.length === 0) {
    const status: CheckStatus = Math.abs(report.self.offsetMs) >= CLOCK_WARN_MS ? 'warn' : 'pass';
    return { name: 'clock', status, detail: `no engine is running; against the database server's clock, ${selfLine}`, data };
  }
  const offsets = measured.map((e) => e.offsetMs!);
  const spread = offsets.length > 0 ? Math.max(...offsets) - Math.min(...offsets) : 0;
  // An engine ahead of another by more than the slack of a lease (renewed every third of it) rescues tasks still held.
  const failAt = Math.min(...report.engines.map((e) => e.leaseMs)) / 3;
  const far = [report.self.offsetMs, ...offsets].some((o) => Math.abs(o) >= CLOCK_WARN_MS);
  let status: CheckStatus = 'pass';
  let verdict = `engines agree to within ${seconds(spread)}`;
  if (spread >= failAt) {
    status = 'fail';
    verdict = `engines' clocks are ${seconds(spread)} apart, more than a third of the lease (${seconds(failAt * 3)}): leases held would be rescued; fix the hosts' time sync (NTP)`;
  } else if (spread >= CLOCK_WARN_MS || far) {
    status = 'warn';
    verdict = `clocks ${seconds(spread)} apart, or ${seconds(CLOCK_WARN_MS)} or more from the database's: job times and schedules drift; check the hosts' time sync (NTP)`;
  }
  const notHeard = silent.length > 0 ? `; not heard from in ${seconds(report.watchedMs)}: ${silent.map(who).join(', ')}` : '';
  if (silent.length > 0 && status === 'pass') status = 'warn';
  return { name: 'clock', status, detail: `${verdict}. Against the database server's clock: ${[...lines, selfLine].join('; ')}${notHeard}`, data };
}

function enginesCheck(engines: ReadonlyArray<{ kind: string; version: string }>): DoctorCheck {
  if (engines.length === 0) return { name: 'engines', status: 'skip', detail: 'no engine is running' };
  const versions = [...new Set(engines.map((e) => e.version))].sort();
  const kinds = ['serve', 'worker'].map((k) => `${engines.filter((e) => e.kind === k).length} ${k}`).join(', ');
  const data = { running: engines.length, versions, doctorVersion: VERSION };
  if (versions.length > 1) return { name: 'engines', status: 'warn', detail: `${kinds}; they run different versions (${versions.join(', ')}): an upgrade under way?`, data };
  const other = versions[0] !== VERSION ? ` (this doctor is ${VERSION})` : '';
  return { name: 'engines', status: 'pass', detail: `${kinds}, version ${versions[0]}${other}`, data };
}
