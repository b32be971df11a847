/**
 * A batchyard for the transfer-type dialect tests: a test app with an import
 * root, two libraries (`alpha` with files and a zip, `beta` empty), native
 * calls, the engine on demand, a wait for a job to end, and each vendor's
 * client as its own clients call it (KooDrive's app headers, VSP One's XSRF
 * flow with a batchyard token as access token).
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { startTestApp, type TestApp } from '../../support/app.js';
import { FAST_ENGINE } from '../../support/engine.js';
import { zipOf } from '../../support/archives.js';
import type { DriverFactory } from '../../support/drivers.js';
import { startEngine } from '../../../src/app.js';
import type { Engine } from '../../../src/engine/engine.js';
import { FINAL_STATUSES, type JobStatus } from '../../../src/domain/jobs.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are checked field by field
export type Json = any;

export interface Caller {
  token: string;
  id: number;
}

export interface Reply {
  status: number;
  body: Json;
  headers: Record<string, unknown>;
  raw: Buffer;
}

/** What `alpha` holds: two files under /docs, one at the root, and /arch.zip (a.txt and sub/b.txt). */
export const ALPHA_FILES: Record<string, string> = {
  '/docs/a.txt': 'alpha a',
  '/docs/b.txt': 'alpha b',
  '/top.txt': 'top',
};
export const ZIP_ENTRIES: Record<string, string> = { 'a.txt': 'zipped a', 'sub/b.txt': 'zipped b' };

export interface TransferWorld {
  t: TestApp;
  admin: Caller;
  alpha: string;
  beta: string;
  importRoot: string;
  call(method: string, url: string, options?: { json?: unknown; token?: string | null; body?: string | Buffer; headers?: Record<string, string> }): Promise<Reply>;
  native(method: string, url: string, json?: unknown, token?: string): Promise<Json>;
  userToken(email: string): Promise<Caller>;
  upload(libraryId: string, path: string, body: string | Buffer): Promise<Json>;
  /** Submits a native job as the admin; the job resource. */
  submit(type: string, libraryId: string, params: Record<string, unknown>): Promise<Json>;
  /** Whether this server runs jobs of `type` (its operation has landed). */
  available(type: string): boolean;
  runEngine(): Promise<void>;
  /** The job once it has ended (the engine must run). */
  settled(id: number | string, timeoutMs?: number): Promise<Json>;
  koo(method: string, path: string, options?: { as?: Caller; json?: unknown }): Promise<Reply>;
  vsp(path: string, json: unknown, as?: Caller): Promise<Reply>;
  dispose(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `yyyyMMdd'T'HHmmss'Z'`, KooDrive's X-Date. */
function xDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
}

export async function transferWorld(factory: DriverFactory): Promise<TransferWorld> {
  const importRoot = await fs.mkdtemp(path.join(os.tmpdir(), 'by-dialect-import-'));
  await fs.mkdir(path.join(importRoot, 'batch', 'deep'), { recursive: true });
  await fs.writeFile(path.join(importRoot, 'batch', 'one.txt'), 'one');
  await fs.writeFile(path.join(importRoot, 'batch', 'deep', 'two.txt'), 'two');
  const t = await startTestApp(factory, { BATCHYARD_IMPORT_ROOTS: importRoot });
  let engine: Engine | undefined;

  const call: TransferWorld['call'] = (method, url, options = {}) => t.call(method, url, options);
  const native: TransferWorld['native'] = async (method, url, json, token) => {
    const res = await t.call(method, url, { json, token });
    expect(res.status, `${method} ${url}: ${JSON.stringify(res.body)}`).toBeLessThan(300);
    return res.body;
  };
  const upload: TransferWorld['upload'] = async (libraryId, itemPath, body) => {
    const res = await t.call('PUT', `/api/v1/libraries/${libraryId}/files${itemPath}`, { body });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body;
  };
  const me = await native('GET', '/api/v1/me');
  const admin: Caller = { token: (await native('POST', '/api/v1/tokens', {})).token, id: me.id };
  const alpha = (await native('POST', '/api/v1/libraries', { name: 'alpha' })).libraryId as string;
  const beta = (await native('POST', '/api/v1/libraries', { name: 'beta' })).libraryId as string;
  for (const [file, content] of Object.entries(ALPHA_FILES)) await upload(alpha, file, content);
  await upload(alpha, '/arch.zip', await zipOf(Object.entries(ZIP_ENTRIES).map(([name, data]) => ({ name, data }))));

  const world: TransferWorld = {
    t,
    admin,
    alpha,
    beta,
    importRoot,
    call,
    native,
    async userToken(email) {
      const user = await native('POST', '/api/v1/users', { email, role: 'user' });
      const minted = await native('POST', '/api/v1/tokens', { userId: user.id });
      return { token: minted.token, id: user.id };
    },
    upload,
    async submit(type, libraryId, params) {
      return native('POST', '/api/v1/jobs', { type, libraryId, params }, admin.token);
    },
    available(type) {
      return t.app.jobs.isAvailable(type);
    },
    async runEngine() {
      engine ??= await startEngine(t.app, FAST_ENGINE);
    },
    async settled(id, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const job = await native('GET', `/api/v1/jobs/${id}`);
        if (FINAL_STATUSES.includes(job.status as JobStatus)) return job;
        if (Date.now() > deadline) throw new Error(`job ${id} still ${job.status} after ${timeoutMs} ms`);
        await sleep(25);
      }
    },
    koo(method, kooPath, options = {}) {
      const as = options.as ?? admin;
      const headers = { authorization: `Bearer ${as.token}`, 'x-user-id': String(as.id), 'x-date': xDate(Date.now()) };
      return t.call(method, `/koodrive/ose/v1${kooPath}`, { token: null, headers, json: options.json });
    },
    async vsp(vspPath, json, as = admin) {
      const csrf = await t.call('GET', '/csrf', { token: null });
      const cookies = ([] as unknown[]).concat(csrf.headers['set-cookie']).map((line) => String(line).split(';')[0]!);
      const cookie = cookies.find((c) => c.startsWith('XSRF-TOKEN='))!;
      const xsrf = cookie.slice('XSRF-TOKEN='.length);
      const headers = { authorization: `Bearer ${as.token}`, 'x-xsrf-token': xsrf, cookie, accept: 'application/json' };
      return t.call('POST', vspPath, { token: null, json, headers });
    },
    async dispose() {
      await engine?.stop();
      await t.dispose();
      await fs.rm(importRoot, { recursive: true, force: true });
    },
  };
  return world;
}
