/**
 * `batchyard doctor` through the built CLI (npm run build first), on SQLite
 * and PostgreSQL: a new install (warnings only, exit 0), a migrated database
 * (passes), settings that look like mistakes (warnings), what fails (a storage location that takes no file, an import
 * root that is not there, migrations from a newer batchyard, a database that
 * does not answer: exit 1, the rest skipped), --json; and on PostgreSQL the
 * clock check against real engines, one of them with a clock 5 s ahead.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEngine } from '../../src/app.js';
import type { Engine } from '../../src/engine/engine.js';
import { postgresFactory } from '../support/drivers.js';
import { engineFixture, FAST_ENGINE, type EngineFixture } from '../support/engine.js';
import { childEnv } from '../support/worker-process.js';
import { backends, cli, database, main, type Database } from '../e2e/processes.js';

interface Report {
  ok: boolean;
  checks: Array<{ name: string; status: string; detail: string; data?: Record<string, unknown> }>;
}

const statuses = (report: Report) => Object.fromEntries(report.checks.map((c) => [c.name, c.status]));

for (const backend of await backends()) {
  describe(`batchyard doctor on ${backend}`, { timeout: 120_000 }, () => {
    let dir: string;
    let data: string;
    let db: Database;
    let env: Record<string, string>;

    beforeAll(async () => {
      expect(fs.existsSync(main), 'dist/cli/main.js exists (npm run build)').toBe(true);
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchyard-doctor-'));
      data = path.join(dir, 'data');
      db = await database(backend);
      env = { DATABASE_URL: db.url };
    });
    afterAll(async () => {
      await db?.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    const doctor = async (args: string[] = [], extra: Record<string, string> = {}) => {
      const ran = await cli(['doctor', '--data', data, '--json', ...args], { ...env, ...extra });
      return { status: ran.status, report: JSON.parse(ran.stdout) as Report, stderr: ran.stderr };
    };

    it('a new install: only warnings (nothing made yet), exit 0; the text form has a line per check', async () => {
      const { status, report } = await doctor();
      expect(status).toBe(0);
      expect(report.ok).toBe(true);
      expect(statuses(report)).toMatchObject({
        config: 'pass',
        'data directory': 'warn',
        'import roots': 'skip',
        'storage:default': 'warn',
        ...(backend === 'sqlite' ? { database: 'warn', migrations: 'skip' } : { database: 'pass', migrations: 'warn' }),
        clock: 'skip',
        engines: 'skip',
      });
      if (backend === 'postgres') expect(report.checks.find((c) => c.name === 'migrations')!.detail).toMatch(/^a new database: all \d+ pending/);
      expect(fs.existsSync(path.join(data, 'blobs')), 'the doctor makes no location').toBe(false);
      const text = await cli(['doctor', '--data', data], env);
      expect(text.status).toBe(0);
      expect(text.stdout).toMatch(/^PASS {2}config {12}settings read/m);
      expect(text.stdout).toMatch(/^WARN {2}storage:default {3}directory .* does not exist yet/m);
    });

    it('after migrate: the database and its migrations pass, the location is writable, no engine runs', async () => {
      expect((await cli(['migrate', '--data', data], env)).status).toBe(0);
      fs.mkdirSync(path.join(data, 'blobs'), { recursive: true });
      const { status, report } = await doctor();
      expect(status).toBe(0);
      expect(statuses(report)).toMatchObject({
        'data directory': 'pass',
        database: 'pass',
        migrations: 'pass',
        'storage:default': 'pass',
        clock: backend === 'sqlite' ? 'skip' : 'pass',
        engines: 'skip',
      });
      if (backend === 'sqlite') expect(report.checks.find((c) => c.name === 'clock')!.detail).toContain('one host');
      expect(fs.readdirSync(path.join(data, 'blobs', 'tmp')), 'no probe left').toEqual([]);
    });

    it('warns of settings that load but look like mistakes, and still exits 0', async () => {
      const { status, report } = await doctor([], { BATCHYARD_ARTIFACT_TTL: '10m', BATCHYARD_LEASE_SECONDS: '3', BATCHYARD_IMPORT_ROOTS: dir });
      expect(status).toBe(0);
      const settings = report.checks.find((c) => c.name === 'settings')!;
      expect(settings.status).toBe('warn');
      expect(settings.detail).toContain('BATCHYARD_ARTIFACT_TTL is 0.17 h');
      expect(settings.detail).toContain('BATCHYARD_LEASE_SECONDS is 3');
      expect(settings.detail).toContain(`the import root ${dir} holds batchyard's own files (${data}, ${path.join(data, 'blobs')})`);
      expect(statuses(await doctor().then((r) => r.report)).settings).toBe('pass');
    });

    it('fails, exit 1, on a location that takes no file, a missing import root and migrations of a newer batchyard', async () => {
      const archive = path.join(dir, 'archive');
      fs.mkdirSync(archive);
      fs.writeFileSync(path.join(archive, 'tmp'), 'a file where the probe directory goes');
      const missingRoot = path.join(dir, 'no-such-root');
      const extra = { BATCHYARD_STORAGES: `archive=${archive}`, BATCHYARD_IMPORT_ROOTS: missingRoot };
      const { status, report, stderr } = await doctor([], extra);
      expect(status).toBe(1);
      expect(report.ok).toBe(false);
      expect(statuses(report)).toMatchObject({ 'storage:archive': 'fail', 'storage:default': 'pass', [`import root ${missingRoot}`]: 'fail' });
      expect(report.checks.find((c) => c.name === 'storage:archive')!.detail).toMatch(new RegExp(`^directory ${archive} is not writable \\((EEXIST|ENOTDIR)\\)$`));
      expect(stderr).toContain(`2 checks failed: import root ${missingRoot}, storage:archive`);

      // A location gone that the database records blobs in: a volume not mounted, not a new install.
      const gone = path.join(dir, 'gone');
      await recordBlob(backend, data, env, 'gone');
      const lost = await doctor([], { BATCHYARD_STORAGES: `gone=${gone}` });
      expect(lost.status).toBe(1);
      expect(lost.report.checks.find((c) => c.name === 'storage:gone')).toEqual({
        name: 'storage:gone',
        status: 'fail',
        detail: `directory ${gone} does not exist, yet the database records blobs there: is a volume not mounted?`,
      });

      await onDatabase(backend, data, env, (run) => run(`INSERT INTO batchyard_migrations (version, name, applied_at) VALUES (9999, 'from-the-future', 0)`));
      const newer = await doctor();
      expect(newer.status).toBe(1);
      expect(newer.report.checks.find((c) => c.name === 'migrations')).toMatchObject({ status: 'fail', detail: expect.stringContaining('does not know: 9999') });
      await onDatabase(backend, data, env, (run) => run(`DELETE FROM batchyard_migrations WHERE version = 9999`));
    });

    if (backend === 'postgres') {
      it('a database that does not answer fails, and what needs it is skipped', async () => {
        const url = new URL(db.url);
        url.port = '1'; // nothing listens there
        const ran = await cli(['doctor', '--data', data, '--json'], { DATABASE_URL: url.toString() });
        expect(ran.status).toBe(1);
        const report = JSON.parse(ran.stdout) as Report;
        expect(statuses(report)).toMatchObject({ database: 'fail', migrations: 'skip', clock: 'skip', engines: 'skip', 'storage:default': 'pass' });
        expect(report.checks.find((c) => c.name === 'database')!.detail).toMatch(/^postgres:127\.0\.0\.1:1\/test: .*ECONNREFUSED/);
      });
    }
  });
}

/** A statement on the CLI's database (the SQLite file under `data`, or the PostgreSQL schema). */
async function onDatabase(backend: string, data: string, env: Record<string, string>, fn: (run: (statement: string) => Promise<unknown>) => Promise<unknown>): Promise<void> {
  const { openDriver } = await import('../../src/store/open-driver.js');
  const driver = await openDriver({ databaseUrl: backend === 'postgres' ? env.DATABASE_URL : undefined, dataDir: data, poolSize: 1 });
  try {
    await fn((statement) => sql.raw(statement).execute(driver.db));
  } finally {
    await driver.close();
  }
}

function recordBlob(backend: string, data: string, env: Record<string, string>, storage: string): Promise<void> {
  return onDatabase(backend, data, env, (run) => run(`INSERT INTO blobs (storage, sha256, size, refcount, created_at) VALUES ('${storage}', '${'a'.repeat(64)}', 1, 1, 0)`));
}

const pg = (await backends()).includes('postgres');
describe.runIf(pg)('batchyard doctor: the clocks of engines on PostgreSQL', { timeout: 120_000 }, () => {
  let f: EngineFixture;
  const engines: Engine[] = [];
  beforeAll(async () => {
    f = await engineFixture(postgresFactory);
  });
  afterAll(async () => {
    for (const engine of engines) await engine.stop(1000);
    await f?.dispose();
  });

  it('measures each engine against the database clock and fails when they are more than a third of a lease apart', async () => {
    // Real engines beating every second (3 s leases): one on this host's clock, one 5 s ahead.
    engines.push(await startEngine(f.app, { ...FAST_ENGINE, leaseMs: 3000 }));
    engines.push(await startEngine(f.app, { ...FAST_ENGINE, leaseMs: 3000, now: () => Date.now() + 5000 }));
    const [onTime, ahead] = engines.map((e) => e.workerId);
    const env = await childEnv(f.t);
    const ran = await cli(['doctor', '--json'], env);
    expect(ran.status, ran.stderr).toBe(1);
    const report = JSON.parse(ran.stdout) as Report;
    const clock = report.checks.find((c) => c.name === 'clock')!;
    expect(clock.status).toBe('fail');
    expect(clock.detail).toMatch(/^engines' clocks are \d+\.\d+ s apart, more than a third of the lease \(3\.00 s\)/);
    const measured = (clock.data!.engines as Array<{ id: string; offsetMs: number | null; withinMs: number | null }>).filter((e) => e.id === onTime || e.id === ahead);
    expect(measured).toHaveLength(2);
    const offsetOf = (id: string) => measured.find((e) => e.id === id)!;
    // Each offset is known to within its bound (plus the heartbeat's own write, well under a second here).
    for (const [id, expected] of [[onTime!, 0], [ahead!, 5000]] as const) {
      const m = offsetOf(id);
      expect(m.offsetMs, `engine ${id}`).not.toBeNull();
      expect(Math.abs(m.offsetMs! - expected), `engine ${id}: ${m.offsetMs} ±${m.withinMs}`).toBeLessThanOrEqual(m.withinMs! + 1000);
    }
    expect(report.checks.find((c) => c.name === 'engines')).toMatchObject({ status: 'pass', detail: expect.stringMatching(/^0 serve, 2 worker|^2 serve, 0 worker/) });
  });
});
