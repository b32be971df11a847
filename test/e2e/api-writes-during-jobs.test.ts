/**
 * A SQLite server's API writes while its engine thread works without pause
 * (the built server in its own process). The engine thread commits task after
 * task; tasks here hold the write lock for 200 ms each (the test task delay),
 * the worst case. Every API write must still get its turn at once, not sleep
 * in SQLite's busy handler through each short gap until its 5 s timeout (a
 * 503): the engine thread lets the API's writes go first (the write gate).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServe, type Proc } from './processes.js';

const TOKEN = 'e2e-gate-token-0123456789abcdef';

describe('API writes while the engine thread writes back to back (SQLite)', () => {
  let dir: string;
  let server: Proc;
  let url: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchyard-e2e-gate-'));
    ({ proc: server, url } = await startServe(path.join(dir, 'data'), {
      DATABASE_URL: '',
      BATCHYARD_BOOTSTRAP_TOKEN: TOKEN,
      BATCHYARD_ENABLE_BENCH_JOBS: '1',
      BATCHYARD_TEST_TASK_DELAY_MS: '200',
    }));
  }, 90_000);

  afterAll(async () => {
    await server?.stop('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function call(method: string, apiPath: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(new URL(apiPath, url), {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  it('creates libraries and cancels the running jobs, every write answered 2xx', async () => {
    const library = await call('POST', '/api/v1/libraries', { name: 'Busy' });
    expect(library.status).toBe(201);
    const jobs: number[] = [];
    for (let i = 0; i < 3; i++) {
      const job = await call('POST', '/api/v1/jobs', { type: 'noop', libraryId: library.body.libraryId, params: { count: 500_000 } });
      expect(job.status, JSON.stringify(job.body)).toBe(202);
      jobs.push(job.body.id as number);
    }
    // Wait until the engine is working (items done), then write from the API again and again.
    for (;;) {
      const job = await call('GET', `/api/v1/jobs/${jobs[0]}`);
      if ((job.body.counts as { succeeded: number }).succeeded > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await call('POST', '/api/v1/libraries', { name: `During ${i}` })).status);
    for (const id of jobs) statuses.push((await call('POST', `/api/v1/jobs/${id}/cancel`)).status);
    expect(statuses).toEqual([...Array(8).fill(201), ...Array(3).fill(202)]);
  }, 90_000);
});
