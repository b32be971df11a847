/**
 * Scale-out with real processes: two `batchyard serve` and three
 * `batchyard worker` processes share one PostgreSQL and one S3 location
 * (a real S3-compatible server), each with its own data directory, as
 * separate hosts would. Copy, export and purge jobs run across them; one API
 * process and one worker holding tasks are killed with SIGKILL mid-job. Every
 * job must end once, with each item done once; every byte must be readable
 * from every API process (a restarted one included); and an SSE client of
 * the surviving API process must see the progress of work done by any worker.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { postgresFactory, driverFactories } from '../support/drivers.js';
import { ADMIN_TOKEN } from '../support/app.js';
import { readZip } from '../support/zip.js';
import { s3Suites, s3TestServer, type S3TestLocation } from '../support/s3-server.js';
import { FINAL_STATUSES } from '../../src/domain/jobs.js';
import { database, spawnBatchyard, startServe, type Database, type Proc } from './processes.js';
import { readEvents, until, type SseEvent } from './sse-client.js';

const hasPostgres = (await driverFactories()).includes(postgresFactory);
const hasS3 = (await s3Suites()) === 'run';
/** Files uploaded, each with its own content. */
const DISTINCT_FILES = 120;
/** Copy jobs that each double the tree: 120 × 2^5 = 3,840 files, some 8 tasks a copy on PostgreSQL. */
const DOUBLINGS = 5;

interface Job {
  id: number;
  status: string;
  counts: { total: number; succeeded: number; failed: number; skipped: number; remaining: number };
}

describe.runIf(hasPostgres && hasS3)('two API and three worker processes on one PostgreSQL and one S3 location', { timeout: 300_000 }, () => {
  let db: Database;
  let s3: S3TestLocation;
  let root: string;
  const procs: Proc[] = [];
  let env: Record<string, string>;

  beforeAll(async () => {
    db = await database('postgres');
    s3 = await s3TestServer().location(`many-hosts-${crypto.randomBytes(4).toString('hex')}`);
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'batchyard-hosts-'));
    env = {
      ...s3.env,
      DATABASE_URL: db.url,
      BATCHYARD_BOOTSTRAP_TOKEN: ADMIN_TOKEN,
      // A killed process's tasks are taken over once its lease runs out.
      BATCHYARD_LEASE_SECONDS: '3',
      // Slow tasks, so the kills land mid-job.
      BATCHYARD_TEST_TASK_DELAY_MS: '400',
      BATCHYARD_WORKER_CONCURRENCY: '1',
      LOG_LEVEL: 'info',
    };
  });
  afterAll(async () => {
    for (const p of procs.splice(0)) await p.stop('SIGKILL');
    await db?.dispose();
    await s3?.dispose();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  /** A host's own data directory (its SQLite-free local state: temp files, the pack index of nothing). */
  const hostDir = (name: string) => path.join(root, name);

  async function serve(name: string) {
    const started = await startServe(hostDir(name), env);
    procs.push(started.proc);
    return started;
  }

  async function worker(name: string) {
    const proc = spawnBatchyard(['worker', '--data', hostDir(name)], env);
    procs.push(proc);
    const line = await proc.waitForLog((l) => l.msg === 'batchyard worker is running', 60_000);
    return { proc, workerId: String(line.workerId) };
  }

  const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
  async function call<T>(base: string, method: string, url: string, body?: unknown): Promise<T> {
    const response = await fetch(`${base}/api/v1${url}`, {
      method,
      headers: body === undefined ? auth : { ...auth, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${url} → ${response.status}: ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }
  const submit = (base: string, libraryId: string, type: string, params: unknown) => call<Job>(base, 'POST', '/jobs', { type, libraryId, params });
  const waitEnded = (base: string, id: number) =>
    until(`job ${id} to end`, async () => {
      const job = await call<Job>(base, 'GET', `/jobs/${id}`);
      return FINAL_STATUSES.includes(job.status as never) ? job : undefined;
    }, 240_000);

  /** Every file under `base` + each of `roots`: its path below `base` → sha256. */
  async function filesUnder(api: string, libraryId: string, base: string, roots: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const prefix = base === '/' ? '' : base;
    const walk = async (p: string) => {
      let cursor: string | null = null;
      do {
        const q: string = `/libraries/${libraryId}/items?path=${encodeURIComponent(p)}&limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        const page: { items: Array<{ path: string; kind: string; sha256: string | null }>; nextCursor: string | null } = await call(api, 'GET', q);
        for (const item of page.items) {
          if (item.kind === 'folder') await walk(item.path);
          else out.set(item.path.slice(prefix.length), item.sha256!);
        }
        cursor = page.nextCursor;
      } while (cursor);
    };
    for (const r of roots) await walk(prefix + r);
    return out;
  }

  async function download(base: string, url: string): Promise<Buffer> {
    const response = await fetch(`${base}/api/v1${url}`, { headers: auth });
    if (response.status !== 200) throw new Error(`GET ${url} from ${base} → ${response.status}: ${await response.text()}`);
    return Buffer.from(await response.arrayBuffer());
  }

  it('copy, export and purge finish exactly once through SIGKILLs, every byte is readable from every API process, and SSE shows any worker\'s progress', async () => {
    const [a, b, ...workers] = await Promise.all([serve('api-a'), serve('api-b'), worker('worker-1'), worker('worker-2'), worker('worker-3')]);

    // Distinct content written through A, into the shared S3 location.
    const { libraryId } = await call<{ libraryId: string }>(a.url, 'POST', '/libraries', { name: 'Shared' });
    const contents = new Map<string, Buffer>();
    for (let i = 0; i < DISTINCT_FILES; i++) {
      // Every 20th file is large enough to be stored on its own rather than packed with small ones.
      contents.set(`/src/d${i % 4}/file-${i}.bin`, crypto.randomBytes(i % 20 === 0 ? 300 * 1024 : 1024 + i));
    }
    const entries = [...contents];
    for (let i = 0; i < entries.length; i += 8) {
      await Promise.all(
        entries.slice(i, i + 8).map(async ([name, body]) => {
          const response = await fetch(`${a.url}/api/v1/libraries/${libraryId}/files${name}`, { method: 'PUT', headers: auth, body });
          expect(response.status, await response.text()).toBe(201);
        }),
      );
    }
    // Written by A, read by B: the bytes are in the shared location, not in A's directory.
    const sample = entries[7]!;
    expect(await download(b.url, `/libraries/${libraryId}/files${sample[0]}`)).toEqual(sample[1]);

    // Doubled by copy jobs (run by whichever processes claim them) into a tree of many tasks.
    const roots = ['/src'];
    for (let d = 0; d < DOUBLINGS; d++) {
      const job = await submit(b.url, libraryId, 'copy', { paths: [...roots], destination: `/g${d}` });
      expect((await waitEnded(b.url, job.id)).status).toBe('completed');
      roots.push(`/g${d}`);
    }
    const source = await filesUnder(b.url, libraryId, '/', roots);
    expect(source.size).toBe(DISTINCT_FILES * 2 ** DOUBLINGS);

    for (let i = 0; i < 40; i++) {
      const response = await fetch(`${a.url}/api/v1/libraries/${libraryId}/files/doomed/old-${i}.txt`, { method: 'PUT', headers: auth, body: `old ${i}` });
      expect(response.status).toBe(201);
    }
    const trash = await waitEnded(b.url, (await submit(b.url, libraryId, 'trash', { paths: ['/doomed'] })).id);
    expect(trash.status).toBe('completed');
    const trashed = await call<{ items: Array<{ id: string; path: string }> }>(b.url, 'GET', `/libraries/${libraryId}/trash`);
    const doomed = trashed.items.find((i) => i.path === '/doomed')!;

    // The three jobs, submitted through both API processes.
    const copy = await submit(a.url, libraryId, 'copy', { paths: roots, destination: '/copy' });
    const exported = await submit(b.url, libraryId, 'export', { paths: roots });
    const purge = await submit(a.url, libraryId, 'purge', { itemIds: [doomed.id] });

    // B's SSE client on the copy, from before the kills to its end.
    const stream = await fetch(`${b.url}/api/v1/jobs/${copy.id}/events`, { headers: auth });
    expect(stream.status).toBe(200);
    const seen = readEvents(stream, (e) => e.event === 'status' && FINAL_STATUSES.includes(e.data.status as never));

    // Mid-job: A dies, and so does a worker process that holds copy tasks right now.
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    try {
      const holder = await until('a worker process to hold a task of the copy', async () => {
        const { rows } = await admin.query<{ lease_owner: string }>(`SELECT lease_owner FROM job_tasks WHERE job_id = $1 AND lease_owner IS NOT NULL`, [copy.id]);
        return workers.find((w) => rows.some((r) => r.lease_owner === w.workerId));
      });
      await a.proc.stop('SIGKILL');
      await holder.proc.stop('SIGKILL');
    } finally {
      await admin.end();
    }

    const events = await seen;
    const ended = await Promise.all([copy.id, exported.id, purge.id].map((id) => waitEnded(b.url, id)));
    for (const job of ended) {
      expect(job.status, JSON.stringify(job)).toBe('completed');
      expect(job.counts.failed).toBe(0);
      expect(job.counts.remaining).toBe(0);
      expect(job.counts.succeeded + job.counts.skipped).toBe(job.counts.total);
    }

    // SSE: progress while it ran, then one final status, all of it from work done by other processes.
    expect(events.at(-1)).toMatchObject({ event: 'status', data: { jobId: copy.id, status: 'completed' } });
    const progress = events.filter((e: SseEvent) => e.event === 'progress').map((e) => (e.data.counts as { succeeded: number }).succeeded);
    expect(progress.some((n) => n > 0 && n < ended[0]!.counts.total), JSON.stringify(events.slice(0, 20))).toBe(true);
    expect(events.filter((e) => e.event === 'status' && FINAL_STATUSES.includes(e.data.status as never))).toHaveLength(1);

    // A comes back as a new process with a new host directory (nothing local survives); every byte is read through it and B.
    const a2 = await serve('api-a-restarted');
    const distinct = new Map([...contents.values()].map((body) => [crypto.createHash('sha256').update(body).digest('hex'), body]));
    for (const base of [a2.url, b.url]) {
      const copied = await filesUnder(base, libraryId, '/copy', roots);
      expect(copied).toEqual(source);
      // Each distinct content once, by a path of the copy that holds it.
      const byHash = new Map([...copied].map(([p, sha]) => [sha, p]));
      expect(byHash.size).toBe(distinct.size);
      for (const [sha, p] of byHash) expect(await download(base, `/libraries/${libraryId}/files/copy${p}`), p).toEqual(distinct.get(sha));
      const zipFile = path.join(root, `export-${crypto.randomBytes(3).toString('hex')}.zip`);
      fs.writeFileSync(zipFile, await download(base, `/jobs/${exported.id}/result`));
      const files = [...(await readZip(zipFile))].filter(([, bytes]) => bytes !== null);
      expect(files).toHaveLength(source.size);
      for (const [name, bytes] of files) expect(crypto.createHash('sha256').update(bytes!).digest('hex'), name).toBe(source.get(`/${name}`));
    }
    // The purge took the doomed folder out of the trash for good.
    const after = await call<{ items: Array<{ path: string }> }>(b.url, 'GET', `/libraries/${libraryId}/trash`);
    expect(after.items.map((i) => i.path)).not.toContain('/doomed');
  });
});
