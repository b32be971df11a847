/**
 * A SQLite server runs its engine on a thread of its own (from the built code,
 * which `npm test` builds first): jobs submitted on the API's thread wake it,
 * its progress reaches the API's event streams, a crashed thread is restarted
 * and its work resumed, and shutdown stops it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import type { Worker } from 'node:worker_threads';
import type * as ConfigModule from '../../src/config.js';
import type * as AppModule from '../../src/app.js';
import type * as ThreadModule from '../../src/engine-thread/engine-thread.js';
import type { RunningServer } from '../../src/app.js';

// The built code: the thread's entry exists only there.
const built = (file: string): Promise<unknown> => import(new URL(`../../dist/${file}`, import.meta.url).href);
const { loadConfig } = (await built('config.js')) as typeof ConfigModule;
const { startServer } = (await built('app.js')) as typeof AppModule;
const { EngineThread } = (await built('engine-thread/engine-thread.js')) as typeof ThreadModule;
type EngineThread = ThreadModule.EngineThread;

const TOKEN = 'engine-thread-token-0123456789';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('engine thread (SQLite server)', () => {
  let dir: string;
  let server: RunningServer;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchyard-thread-'));
    const config = loadConfig({ data: dir, port: 0 }, { BATCHYARD_BOOTSTRAP_TOKEN: TOKEN, LOG_LEVEL: 'silent', BATCHYARD_ENABLE_BENCH_JOBS: '1' });
    server = await startServer(config, { logger: pino({ level: 'silent' }), print: () => {}, engine: { pollMs: 50, leaseMs: 2_000 } });
  });
  afterEach(async () => {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function call(method: string, url: string, json?: unknown) {
    const response = await fetch(server.url + url, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, ...(json === undefined ? {} : { 'content-type': 'application/json' }) },
      body: json === undefined ? undefined : JSON.stringify(json),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  async function waitForEnd(id: number) {
    for (;;) {
      const { body } = await call('GET', `/api/v1/jobs/${id}`);
      if (['completed', 'completed_with_errors', 'failed', 'cancelled'].includes(String(body.status))) return body;
      await sleep(50);
    }
  }

  it('runs jobs off the API thread and streams their events to the API', async () => {
    expect(server.engine).toBeInstanceOf(EngineThread);
    const lib = await call('POST', '/api/v1/libraries', { name: 'Thread' });
    const libraryId = String(lib.body.libraryId);
    const job = await call('POST', '/api/v1/jobs', { type: 'noop', libraryId, params: { count: 20_000 } });
    expect(job.status).toBe(202);
    const id = Number(job.body.id);

    const stream = await fetch(`${server.url}/api/v1/jobs/${id}/events`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const reader = stream.body!.getReader();
    let text = '';
    while (!text.includes('"status":"completed"')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += Buffer.from(value).toString('utf8');
    }
    await reader.cancel();
    expect(text).toContain('"status":"completed"');
    const done = await waitForEnd(id);
    expect(done).toMatchObject({ status: 'completed', counts: { total: 20_000, succeeded: 20_000, failed: 0 } });
  });

  it('restarts a thread that died and finishes its job', async () => {
    const thread = server.engine as EngineThread;
    const lib = await call('POST', '/api/v1/libraries', { name: 'Crash' });
    const job = await call('POST', '/api/v1/jobs', { type: 'noop', libraryId: String(lib.body.libraryId), params: { count: 2_000_000 } });
    const id = Number(job.body.id);
    for (;;) {
      const { body } = await call('GET', `/api/v1/jobs/${id}`);
      if ((body.counts as { succeeded: number }).succeeded > 0) break;
      await sleep(20);
    }
    // The thread dies as a process would under kill -9: no release of its leases.
    const worker = (thread as unknown as { worker: Worker }).worker;
    await worker.terminate();
    const done = await waitForEnd(id);
    expect(done).toMatchObject({ status: 'completed', counts: { total: 2_000_000, succeeded: 2_000_000, failed: 0 } });
  }, 120_000);
});
