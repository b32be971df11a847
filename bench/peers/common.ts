/** Helpers shared by the peer drain benchmarks (bench/peers/*.ts). */
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import pg from 'pg';
import type { DrainResult } from './types.js';

const require = createRequire(import.meta.url);

/** Base URL of the PostgreSQL server the PostgreSQL-backed peers use (its `postgres` database). */
export const adminDatabaseUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Upper bound on one drain, so a stuck peer fails the run instead of hanging it. */
export const drainTimeoutMs = Number(process.env.BENCH_PEER_TIMEOUT_S ?? 900) * 1000;

/** Drops (forcefully) and recreates `name` on the local server; returns its connection string. */
export async function freshDatabase(name: string): Promise<string> {
  await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await adminQuery(`CREATE DATABASE ${name}`);
  const url = new URL(adminDatabaseUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function dropDatabase(name: string): Promise<void> {
  await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}

async function adminQuery(sql: string) {
  const client = new pg.Client({ connectionString: adminDatabaseUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** The version of an installed package, read from its own package.json (works whatever its `exports` allow). */
export function installedVersion(pkg: string): string {
  let dir = path.dirname(require.resolve(pkg));
  for (;;) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) {
      const json = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (json.name === pkg && json.version) return json.version;
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find package.json of ${pkg}`);
    dir = parent;
  }
}

export function now(): bigint {
  return process.hrtime.bigint();
}

export function secondsSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

export function round(n: number, digits: number): number {
  return Math.round(n * 10 ** digits) / 10 ** digits;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` every `intervalMs` until it returns true; throws after `timeoutMs`. */
export async function waitUntil(what: string, check: () => Promise<boolean>, intervalMs: number, timeoutMs = drainTimeoutMs): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/**
 * A countdown of job executions: `tick(n)` from the handlers, `done` resolves
 * when `total` have run, and rejects if that takes longer than the drain timeout.
 */
export function countdown(total: number, what: string) {
  let count = 0;
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const done = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  const timer = setTimeout(() => reject(new Error(`timed out after ${drainTimeoutMs / 1000} s: ${count} of ${total} ${what}`)), drainTimeoutMs);
  timer.unref();
  done.catch(() => {}); // awaited by the caller; never an unhandled rejection if it was not reached
  if (total === 0) resolve();
  return {
    done: done.finally(() => clearTimeout(timer)),
    dispose() {
      clearTimeout(timer);
    },
    get count() {
      return count;
    },
    tick(n = 1) {
      count += n;
      if (count >= total) resolve();
    },
    fail(e: Error) {
      reject(e);
    },
  };
}

export function drainResult(p: { system: string; version: string; jobs: number; settings: Record<string, unknown>; enqueueSeconds: number; drainSeconds: number }): DrainResult {
  return {
    system: p.system,
    version: p.version,
    jobs: p.jobs,
    settings: p.settings,
    enqueueSeconds: round(p.enqueueSeconds, 3),
    drainSeconds: round(p.drainSeconds, 3),
    jobsPerSecond: Math.round(p.jobs / p.drainSeconds),
  };
}

/** Splits 0..total into chunks of at most `size`, as [start, end) pairs. */
export function* chunks(total: number, size: number): Generator<[number, number]> {
  for (let start = 0; start < total; start += size) yield [start, Math.min(start + size, total)];
}
