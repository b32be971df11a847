/**
 * A busy database is a 503 with Retry-After on every surface, never a 500:
 * another connection really holds the write lock (SQLite: BEGIN IMMEDIATE from
 * a second connection while the server's busy_timeout is short; PostgreSQL:
 * tables locked against writers while the server's lock_timeout is short), and
 * native writes (submit, cancel, upload) and dialect writes (KooDrive's create,
 * AODocs' cancel, VSP One's create, the OpenID Connect sign-in) answer 503 in
 * their own shapes; once the lock is gone the same requests succeed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driverFactories, TEST_DATABASE_URL, type DriverFactory } from '../support/drivers.js';
import { ADMIN_TOKEN, startTestApp, type TestApp } from '../support/app.js';
import { createSqliteDriver } from '../../src/store/drivers/sqlite/sqlite-driver.js';
import { createPostgresDriver } from '../../src/store/drivers/postgres/postgres-driver.js';
import { formatXDate } from '../../src/dialects/koodrive/auth.js';
import { DatabaseBusyError } from '../../src/domain/errors.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are checked field by field
type Json = any;

/** How long the server waits for a lock before giving up (short, so the test is quick). */
const LOCK_WAIT_MS = 200;

interface BusyDatabase {
  t: TestApp;
  /** Another connection takes the write lock and keeps it until release. */
  hold(): Promise<void>;
  release(): Promise<void>;
  close(): Promise<void>;
}

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'batchyard-busy-'));
}

async function busySqlite(): Promise<BusyDatabase> {
  const dir = tempDir();
  const file = path.join(dir, 'batchyard.sqlite');
  const driver = createSqliteDriver({ filename: file });
  const factory: DriverFactory = {
    name: 'sqlite',
    create: async () => ({ driver, dir, dispose: async () => { await driver.close(); fs.rmSync(dir, { recursive: true, force: true }); } }),
    // startTestApp's openApp migrates it.
    createMigrated: () => factory.create(),
  };
  const t = await startTestApp(factory);
  await sql.raw(`PRAGMA busy_timeout = ${LOCK_WAIT_MS}`).execute(driver.db);
  const other = new BetterSqlite3(file);
  return {
    t,
    hold: async () => void other.exec('BEGIN IMMEDIATE'),
    release: async () => void other.exec('ROLLBACK'),
    close: async () => {
      other.close();
      await t.dispose();
    },
  };
}

/** A server whose every wait for a lock ends after LOCK_WAIT_MS (its connections' lock_timeout). */
async function startWithShortLockWaits(schema: string): Promise<TestApp> {
  const url = new URL(TEST_DATABASE_URL);
  url.searchParams.set('lock_timeout', String(LOCK_WAIT_MS));
  for (let attempt = 1; ; attempt++) {
    const dir = tempDir();
    const driver = await createPostgresDriver({ connectionString: url.toString(), schema, poolSize: 4 });
    const factory: DriverFactory = {
      name: 'postgres',
      create: async () => ({
        driver,
        dir,
        dispose: async () => {
          await driver.close();
          fs.rmSync(dir, { recursive: true, force: true });
        },
      }),
      // startTestApp's openApp migrates it.
      createMigrated: () => factory.create(),
    };
    try {
      return await startTestApp(factory);
    } catch (error) {
      // Migrating takes the schema's migration lock, and DDL waits on the catalog: under load that may take longer than our lock_timeout.
      await driver.close();
      fs.rmSync(dir, { recursive: true, force: true });
      const lockWait = (error as { code?: unknown }).code === '55P03' || error instanceof DatabaseBusyError;
      if (!lockWait || attempt >= 50) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

async function busyPostgres(): Promise<BusyDatabase> {
  const schema = `by_busy_${crypto.randomBytes(6).toString('hex')}`;
  const t = await startWithShortLockWaits(schema);
  const other = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await other.connect();
  return {
    t,
    // EXCLUSIVE: readers go on, writers (and row locks) wait, as under SQLite's write lock.
    hold: async () => {
      await other.query('BEGIN');
      await other.query(`LOCK TABLE ${schema}.jobs, ${schema}.items, ${schema}.tokens IN EXCLUSIVE MODE`);
    },
    release: async () => void (await other.query('ROLLBACK')),
    close: async () => {
      await t.dispose();
      await other.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await other.end();
    },
  };
}

const available = new Set((await driverFactories()).map((f) => f.name));
const setups = [
  ['sqlite', busySqlite],
  ['postgres', busyPostgres],
] as const;

for (const [name, open] of setups.filter(([name]) => available.has(name))) {
  describe(`a busy database on ${name}`, () => {
    let db: BusyDatabase;
    let libraryId: string;
    let queuedJobId: number;
    let adminId: number;
    let xsrf: string;

    async function call(method: string, url: string, options: { json?: unknown; body?: string; headers?: Record<string, string>; token?: string | null } = {}) {
      return db.t.call(method, url, options);
    }

    /** Every request of `requests` answers 503 with Retry-After while the lock is held, and `then` once it is released. */
    async function whileHeld(requests: Array<{ label: string; send: () => Promise<{ status: number; body: Json; headers: Record<string, unknown> }>; body: (b: Json) => void; then: number }>) {
      await db.hold();
      try {
        for (const request of requests) {
          const res = await request.send();
          expect(res.status, `${request.label}: ${JSON.stringify(res.body)}`).toBe(503);
          expect(res.headers['retry-after'], request.label).toBe('1');
          request.body(res.body);
        }
      } finally {
        await db.release();
      }
      for (const request of requests) {
        const res = await request.send();
        expect(res.status, `${request.label} once released: ${JSON.stringify(res.body)}`).toBe(request.then);
      }
    }

    beforeAll(async () => {
      db = await open();
      adminId = (await call('GET', '/api/v1/me')).body.id;
      libraryId = (await call('POST', '/api/v1/libraries', { json: { name: 'busy' } })).body.libraryId;
      expect((await call('PUT', `/api/v1/libraries/${libraryId}/files/a.txt`, { body: 'a' })).status).toBe(201);
      queuedJobId = (await call('POST', '/api/v1/jobs', { json: { type: 'trash', libraryId, params: { paths: ['/a.txt'] } } })).body.id;
      const csrf = await call('GET', '/csrf', { token: null });
      xsrf = /XSRF-TOKEN=([^;]+)/.exec(String(csrf.headers['set-cookie']))![1]!;
      await call('POST', '/api/v1/users', { json: { email: 'ops@example.com', role: 'admin', password: 'correct horse battery' } });
    }, 60_000);

    afterAll(async () => {
      await db?.close();
    });

    const nativeError = (body: Json) => expect(body).toEqual({ error: { code: 'TRANSIENT', message: expect.stringContaining('busy') } });

    it('native submit, cancel and upload answer 503 with Retry-After, then succeed', async () => {
      await whileHeld([
        { label: 'POST /api/v1/jobs', send: () => call('POST', '/api/v1/jobs', { json: { type: 'trash', libraryId, params: { paths: ['/a.txt'] } } }), body: nativeError, then: 202 },
        { label: 'POST /api/v1/jobs/{id}/cancel', send: () => call('POST', `/api/v1/jobs/${queuedJobId}/cancel`), body: nativeError, then: 202 },
        { label: 'PUT /api/v1/libraries/{id}/files/b.txt', send: () => call('PUT', `/api/v1/libraries/${libraryId}/files/b.txt`, { body: 'b' }), body: nativeError, then: 201 },
      ]);
      // Reads go on meanwhile: only writers wait for the lock.
      await db.hold();
      try {
        expect((await call('GET', `/api/v1/jobs/${queuedJobId}`)).status).toBe(200);
      } finally {
        await db.release();
      }
    });

    it("KooDrive's create, AODocs' cancel, VSP One's create and sign-in answer 503 in their shapes, then succeed", async () => {
      const job = (await call('POST', '/api/v1/jobs', { json: { type: 'trash', libraryId, params: { paths: ['/a.txt'] } } })).body.id;
      const koo = { authorization: `Bearer ${ADMIN_TOKEN}`, 'x-user-id': String(adminId) };
      const vsp = { authorization: `Bearer ${ADMIN_TOKEN}`, 'x-xsrf-token': xsrf, cookie: `XSRF-TOKEN=${xsrf}` };
      const form = 'grant_type=password&client_id=c&username=ops%40example.com&password=correct%20horse%20battery';
      await whileHeld([
        {
          label: 'KooDrive POST /jobs',
          send: () =>
            call('POST', '/koodrive/ose/v1/jobs', { token: null, headers: { ...koo, 'x-date': formatXDate(Date.now()) }, json: { taskType: 2, taskInfo: { srcContainerId: libraryId, fileInfo: [{ filePath: '/a.txt' }] } } }),
          body: (b) => expect(b).toEqual({ code: '503', msg: expect.stringContaining('busy') }),
          then: 200,
        },
        {
          label: 'AODocs POST /api/job/v1/{id}/cancel',
          send: () => call('POST', `/api/job/v1/${job}/cancel`),
          body: (b) => expect(b).toEqual({ error: { errors: [{ domain: 'global', reason: 'backendError', message: expect.stringContaining('busy') }], code: 503, message: expect.stringContaining('busy') } }),
          then: 200,
        },
        {
          label: 'VSP One POST /v1/jobs/create',
          send: () => call('POST', '/v1/jobs/create', { token: null, headers: vsp, json: { jobType: 'BATCH_REPLICATE', bucketName: 'busy', jobParams: { sourcePrefix: 'a.txt', targetPrefix: `copy-${crypto.randomUUID()}` } } }),
          body: (b) => expect(b).toEqual({ code: 'TRANSIENT', message: expect.stringContaining('busy'), details: '' }),
          then: 200,
        },
        {
          label: 'VSP One sign-in',
          send: () => call('POST', '/ui/auth/realms/vsp-object/protocol/openid-connect/token', { token: null, body: form, headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
          body: (b) => expect(b).toEqual({ error: 'temporarily_unavailable', error_description: expect.stringContaining('busy') }),
          then: 200,
        },
      ]);
    });
  });
}
