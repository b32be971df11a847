/**
 * Issue 2's platform benchmarks, on SQLite and PostgreSQL, against a server
 * in its own process:
 *  - upload 10k files of 4 KiB through the API into one library (target ≥ 2,000 files/s on SQLite);
 *  - list pages of 50 of a 100k-item folder at random depths, 8 connections (target p99 < 5 ms).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import crypto from 'node:crypto';
import autocannon from 'autocannon';
import pg from 'pg';
import { spawn } from 'node:child_process';
import fsp from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { startServerProcess } from './lib/server-process.js';
import { createSqliteDriver } from '../src/store/drivers/sqlite/sqlite-driver.js';
import { createPostgresDriver } from '../src/store/drivers/postgres/postgres-driver.js';
import { encodeCursor } from '../src/domain/cursor.js';
import type { Driver } from '../src/store/driver.js';

const TOKEN = 'bench-bootstrap-token-0123456789abcdef';
const UPLOADS = Number(process.env.BENCH_UPLOADS ?? 10_000);
const UPLOAD_CONCURRENCY = Number(process.env.BENCH_UPLOAD_CONCURRENCY ?? 16);
const FOLDER_ITEMS = Number(process.env.BENCH_FOLDER_ITEMS ?? 100_000);
const LIST_SECONDS = Number(process.env.BENCH_LIST_SECONDS ?? 10);

interface ApiResult {
  status: number;
  body: string;
}

function request(agent: http.Agent, url: string, method: string, pathname: string, body?: Buffer | string): Promise<ApiResult> {
  return new Promise((resolve, reject) => {
    const target = new URL(pathname, url);
    const headers: Record<string, string | number> = { authorization: `Bearer ${TOKEN}` };
    if (typeof body === 'string') headers['content-type'] = 'application/json';
    if (body !== undefined) headers['content-length'] = Buffer.byteLength(body);
    const req = http.request({ agent, host: target.hostname, port: target.port, method, path: target.pathname + target.search, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function uploadBench(url: string, agent: http.Agent, libraryId: string) {
  const files = Array.from({ length: UPLOADS }, () => crypto.randomBytes(4096));
  let next = 0;
  let failures = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: UPLOAD_CONCURRENCY }, async () => {
      while (next < files.length) {
        const i = next++;
        const res = await request(agent, url, 'PUT', `/api/v1/libraries/${libraryId}/files/upload/d${i % 100}/f${i}.bin`, files[i]);
        if (res.status !== 201) failures++;
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { files: UPLOADS, bytesEach: 4096, concurrency: UPLOAD_CONCURRENCY, seconds: round(seconds, 3), filesPerSecond: Math.round(UPLOADS / seconds), failures };
}

/**
 * The disk's ceiling for the same work: the bare open/write/fsync/close/
 * rename/fsync-dir sequence of a durable content-addressed write, same
 * count and concurrency, no HTTP and no database.
 */
async function bareFsCeiling(dir: string) {
  const files = Array.from({ length: UPLOADS }, () => crypto.randomBytes(4096));
  await fsp.mkdir(path.join(dir, 'tmp'), { recursive: true });
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: UPLOAD_CONCURRENCY }, async () => {
      while (next < files.length) {
        const i = next++;
        const tmp = path.join(dir, 'tmp', `${i}.tmp`);
        const handle = await fsp.open(tmp, 'wx');
        await handle.write(files[i]!);
        await handle.sync();
        await handle.close();
        const objectDir = path.join(dir, 'objects', String(i % 256));
        await fsp.mkdir(objectDir, { recursive: true });
        await fsp.rename(tmp, path.join(objectDir, String(i)));
        const dirHandle = await fsp.open(objectDir, 'r');
        await dirHandle.sync();
        await dirHandle.close();
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { seconds: round(seconds, 3), writesPerSecond: Math.round(UPLOADS / seconds) };
}

/** Seeds a folder of FOLDER_ITEMS files straight into the catalog (all sharing one real blob). */
async function seedFolder(driver: Driver, p: { libraryId: string; folderId: number; sha256: string }) {
  const now = Date.now();
  await driver.db.transaction().execute(async (trx) => {
    for (let start = 0; start < FOLDER_ITEMS; start += 1000) {
      const rows = [];
      for (let i = start; i < Math.min(start + 1000, FOLDER_ITEMS); i++) {
        const name = `item-${String(i).padStart(6, '0')}.txt`;
        rows.push({ library_id: p.libraryId, parent_id: p.folderId, name, path: `/big/${name}`, kind: 'file' as const, size: 1, sha256: p.sha256, created_at: now, modified_at: now, trashed_at: null, trash_root_id: null });
      }
      await trx.insertInto('items').values(rows).execute();
    }
    await trx.updateTable('blobs').set((eb) => ({ refcount: eb('refcount', '+', FOLDER_ITEMS) })).where('sha256', '=', p.sha256).execute();
  });
}

async function listBench(url: string, libraryId: string, folderId: number, bare = false) {
  const names = Array.from({ length: FOLDER_ITEMS }, (_, i) => `item-${String(i).padStart(6, '0')}.txt`);
  const paths = Array.from({ length: 4096 }, () => {
    const after = names[Math.floor(Math.random() * (FOLDER_ITEMS - 50))]!;
    return bare
      ? `/page?parent=${folderId}&after=${after}`
      : `/api/v1/libraries/${libraryId}/items?path=%2Fbig&limit=50&cursor=${encodeCursor(`items:${folderId}`, { name: after })}`;
  });
  let i = 0;
  const result = await autocannon({
    url,
    connections: 8,
    duration: LIST_SECONDS,
    headers: { authorization: `Bearer ${TOKEN}` },
    requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: paths[i++ % paths.length]! }) }],
  });
  return {
    connections: 8,
    seconds: LIST_SECONDS,
    pageSize: 50,
    folderItems: FOLDER_ITEMS,
    requests: result.requests.total,
    pagesPerSecond: Math.round(result.requests.average),
    latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

function round(n: number, digits: number) {
  return Math.round(n * 10 ** digits) / 10 ** digits;
}

async function freshPostgresDatabase(): Promise<string> {
  const base = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const client = new pg.Client({ connectionString: base });
  await client.connect();
  await client.query('DROP DATABASE IF EXISTS batchyard_bench WITH (FORCE)');
  await client.query('CREATE DATABASE batchyard_bench');
  await client.end();
  const url = new URL(base);
  url.pathname = '/batchyard_bench';
  return url.toString();
}

async function withBareListServer<T>(target: string, fn: (url: string) => Promise<T>): Promise<T> {
  const port = 17000 + Math.floor(Math.random() * 1000);
  const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'bare-list-server.js');
  const child = spawn(process.execPath, [script, String(port), target], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`bare list server exited with ${code}`)));
  });
  try {
    return await fn(`http://127.0.0.1:${port}`);
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
}

export async function runPlatformBench(dbKind: 'sqlite' | 'postgres') {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `batchyard-bench-${dbKind}-`));
  const databaseUrl = dbKind === 'postgres' ? await freshPostgresDatabase() : undefined;
  const server = await startServerProcess({ dataDir, port: 18000 + Math.floor(Math.random() * 1000), token: TOKEN, databaseUrl });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  let driver: Driver | undefined;
  try {
    const lib = JSON.parse((await request(agent, server.url, 'POST', '/api/v1/libraries', JSON.stringify({ name: 'bench' }))).body) as { libraryId: string };
    const upload = await uploadBench(server.url, agent, lib.libraryId);
    const big = JSON.parse((await request(agent, server.url, 'POST', `/api/v1/libraries/${lib.libraryId}/folders`, JSON.stringify({ path: '/big' }))).body) as { id: number };
    const blob = JSON.parse((await request(agent, server.url, 'PUT', `/api/v1/libraries/${lib.libraryId}/files/big-seed/x.txt`, 'x')).body) as { sha256: string };
    driver = databaseUrl ? await createPostgresDriver({ connectionString: databaseUrl, poolSize: 1 }) : createSqliteDriver({ filename: path.join(dataDir, 'batchyard.sqlite') });
    const seedStart = process.hrtime.bigint();
    await seedFolder(driver, { libraryId: lib.libraryId, folderId: big.id, sha256: blob.sha256 });
    const seedSeconds = Number(process.hrtime.bigint() - seedStart) / 1e9;
    const list = await listBench(server.url, lib.libraryId, big.id);
    await server.stop();
    const bareList = await withBareListServer(databaseUrl ?? path.join(dataDir, 'batchyard.sqlite'), (url) => listBench(url, lib.libraryId, big.id, true));
    const fsCeiling = await bareFsCeiling(path.join(dataDir, 'fs-ceiling'));
    return { db: dbKind, upload: { ...upload, bareFsCeiling: fsCeiling }, list: { ...list, seedSeconds: round(seedSeconds, 2) }, bareList };
  } finally {
    agent.destroy();
    await driver?.close();
    await server.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
