/**
 * What an offset page of the job listing costs at depth, statement only: seeds
 * the list benchmark's 1M jobs (engine-bench.ts seedJobs) in a fresh server's
 * database, stops the server, then times the store's own `jobList` (the SQL the
 * dialects send through JobService.list) for
 *  - KooDrive's shape: the caller's own tasks (requestorId, the types KooDrive
 *    names), oldest first, LIMIT 51 OFFSET d; without the type filter; and a
 *    keyset page at the same depth;
 *  - AvePoint's pageIndex shape: the domain, Delete types, Finished, origins
 *    admin/system, newest first, LIMIT 51 OFFSET d; and a keyset page there;
 * then again after adding an index that carries `type` (does skipping rows stop
 * needing a table lookup per row?). Prints the plans and the median of 5 runs.
 *
 *   node dist-bench/bench/probes/list-offset-probe.js <sqlite|postgres>
 */
import fs from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { Kysely, PostgresDialect, SqliteDialect, type LogEvent } from 'kysely';
import { jobList, type JobListParams } from '../../src/store/queries/jobs.js';
import type { Database } from '../../src/store/schema.js';
import { NAMEABLE_TYPES as KOO_TYPES } from '../../src/dialects/koodrive/mapping.js';
import { startTarget, type DbKind } from '../lib/engine-target.js';
import { createLibrary, seedJobs } from '../engine-bench.js';
import { dropDatabase, now, round, secondsSince } from '../peers/common.js';

const db: DbKind = process.argv[2] === 'postgres' ? 'postgres' : 'sqlite';
const t = await startTarget(db);
const requestors = [((await t.api<{ id: number }>('GET', '/api/v1/me')).body).id];
for (let u = 0; u < 20; u++) requestors.push((await t.api<{ id: number }>('POST', '/api/v1/users', { email: `user${u}@example.com`, name: `User ${u}` })).body.id);
const libraries: string[] = [];
for (let l = 0; l < 50; l++) libraries.push(await createLibrary(t, `jobs-${l}`));
process.stderr.write(`seeding… ${await seedJobs(t, libraries, requestors)} s\n`);
await t.stop();

let lastSql = '';
let lastParams: unknown[] = [];
const log = (event: LogEvent) => {
  lastSql = event.query.sql;
  lastParams = [...event.query.parameters];
};
let pool: pg.Pool | undefined;
let sqlite: BetterSqlite3.Database | undefined;
if (db === 'postgres') pool = new pg.Pool({ connectionString: t.database, max: 1 });
else sqlite = new BetterSqlite3(t.database);
const kysely = new Kysely<Database>({ dialect: pool ? new PostgresDialect({ pool }) : new SqliteDialect({ database: sqlite! }), log });
const raw = async (text: string): Promise<Array<Record<string, unknown>>> => (pool ? (await pool.query(text)).rows : (sqlite!.prepare(text).all() as Array<Record<string, unknown>>));
const exec = async (text: string): Promise<void> => {
  if (pool) await pool.query(text);
  else sqlite!.exec(text);
};
const domainId = Number((await raw('select id from domains order by id limit 1'))[0]!.id);
const admin = requestors[0]!;

async function time(p: Omit<JobListParams, 'visibility'>): Promise<number> {
  const params = { visibility: { domainId, all: true as const }, ...p };
  await jobList(kysely, params);
  const runs: number[] = [];
  for (let k = 0; k < 5; k++) {
    const started = now();
    await jobList(kysely, params);
    runs.push(secondsSince(started) * 1000);
  }
  return round(runs.sort((a, b) => a - b)[2]!, 1);
}

/** The plan of the statement jobList sends for these parameters. */
async function explain(p: Omit<JobListParams, 'visibility'>): Promise<string> {
  await jobList(kysely, { visibility: { domainId, all: true }, ...p });
  if (!pool) return (sqlite!.prepare(`EXPLAIN QUERY PLAN ${lastSql}`).all(...lastParams) as Array<{ detail: string }>).map((r) => r.detail).join('; ');
  const rows = await pool.query(`EXPLAIN ${lastSql}`, lastParams);
  return (rows.rows as Array<Record<string, string>>).map((r) => r['QUERY PLAN']!.trim()).join(' | ');
}

const koo = (offset: number, withTypes = true): Omit<JobListParams, 'visibility'> => ({
  filterInDomain: true,
  requestorId: admin,
  ...(withTypes ? { types: [...KOO_TYPES] } : {}),
  order: 'created_asc',
  offset,
  limit: 51,
});
const ave = (offset: number): Omit<JobListParams, 'visibility'> => ({
  types: ['trash', 'purge', 'empty_trash'],
  statuses: ['completed'],
  origins: ['admin', 'system'],
  order: 'created_desc',
  offset,
  limit: 51,
});
/** The keyset position `depth` rows into a listing (the row before it). */
async function cursorAt(p: Omit<JobListParams, 'visibility'>, depth: number): Promise<{ key: number; id: number }> {
  const [row] = await jobList(kysely, { visibility: { domainId, all: true }, ...p, offset: depth - 1, limit: 1 });
  return { key: row!.createdAt, id: row!.id };
}

const kooTotal = Number((await raw(`select count(*) as n from jobs where requestor_id = ${admin}`))[0]!.n);
const aveTotal = Number((await raw(`select count(*) as n from jobs where status = 'completed' and type in ('trash', 'purge', 'empty_trash')`))[0]!.n);
const out: Record<string, unknown> = { db, kooTotal, aveTotal };

async function measure(tag: string) {
  const rows: Array<Record<string, unknown>> = [];
  for (const depth of [0, 10_000, Math.floor(kooTotal / 2), kooTotal - 100]) {
    const { offset: _o, ...keyset } = koo(0);
    rows.push({
      shape: 'KooDrive (requestor, 8 types, created_asc)',
      depth,
      offsetMs: await time(koo(depth)),
      offsetNoTypesMs: await time(koo(depth, false)),
      keysetMs: depth === 0 ? null : await time({ ...keyset, after: await cursorAt(koo(0), depth) }),
    });
  }
  for (const depth of [0, 100_000, Math.floor(aveTotal / 2), aveTotal - 100]) {
    const { offset: _o, ...keyset } = ave(0);
    rows.push({
      shape: 'AvePoint pageIndex (domain, 3 types, completed, 2 origins, created_desc)',
      depth,
      offsetMs: await time(ave(depth)),
      keysetMs: depth === 0 ? null : await time({ ...keyset, after: await cursorAt(ave(0), depth) }),
    });
  }
  out[tag] = { plans: { koodrive: await explain(koo(20_000)), avepoint: await explain(ave(100_000)) }, rows };
  process.stdout.write(`${tag}\n${JSON.stringify(out[tag], null, 1)}\n`);
}

try {
  await measure('as migrated');
  // An index that carries `type`: rows skipped by OFFSET are then rejected (or counted) from the index alone.
  await exec('CREATE INDEX probe_jobs_requestor_created_type ON jobs(requestor_id, created_at, id, type)');
  await exec('CREATE INDEX probe_jobs_domain_created_cover ON jobs(domain_id, created_at, id, type, status, origin)');
  await exec(pool ? 'VACUUM ANALYZE jobs' : 'ANALYZE');
  await measure('with covering indexes (probe only)');
} finally {
  await kysely.destroy();
  fs.rmSync(t.dataDir, { recursive: true, force: true });
  if (db === 'postgres') await dropDatabase(new URL(t.database).pathname.slice(1));
}
