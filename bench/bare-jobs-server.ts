/**
 * The ceiling for GET /api/v1/jobs on this machine: a bare Fastify route (no
 * auth, no visibility rules, no validation, no services) that reads the same
 * page from the same database with the same SQL text the store's jobList
 * sends (captured from jobList itself at start, for the created_desc order,
 * a status or a library filter, with and without a keyset cursor), run
 * through the driver directly, and renders the same Job JSON.
 * Run as a child process by engine-bench.ts:
 * `node bare-jobs-server.js <port> <sqlite-file | postgres-url>`.
 *
 * GET /jobs?status=S | libraryId=L [&afterKey=K&afterId=I] [&limit=50]
 */
import Fastify from 'fastify';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import { jobList, type JobListParams } from '../src/store/queries/jobs.js';
import type { Database } from '../src/store/schema.js';

const [portText, target, variant] = process.argv.slice(2) as [string, string, string | undefined];
const isPostgres = target.startsWith('postgres');
/**
 * 'bounded': the captured query plus a redundant `"created_at" <= ?` (the
 * cursor's key) ahead of the keyset condition: what an OR-form keyset needs
 * to start its index scan at the cursor (see BENCHMARKS.md); a no-op for a
 * row-value keyset, which already starts there.
 */
const bounded = variant === 'bounded';

/**
 * The SQL text and parameter order the store's own jobList sends for a shape,
 * captured by running jobList against a Kysely whose connection records the
 * query instead of executing it. Values are sentinels, so each parameter's
 * position tells which input it is.
 */
type Input = 'domainId' | 'filter' | 'afterKey' | 'afterId' | 'limit';
const SENTINEL: Record<Input, number | string> = { domainId: 900001, filter: 'sentinel-filter', afterKey: 900002, afterId: 900003, limit: 900004 };
async function capture(shape: { byStatus: boolean; cursor: boolean }): Promise<{ sql: string; inputs: Input[] }> {
  let captured: { sql: string; parameters: readonly unknown[] } | undefined;
  const record = (sql: string, parameters: readonly unknown[]) => {
    captured = { sql, parameters };
  };
  const dialect = isPostgres
    ? new PostgresDialect({
        pool: {
          connect: async () => ({
            query: async (sql: string, parameters: unknown[]) => (record(sql, parameters), { rows: [], command: 'SELECT', rowCount: 0 }),
            release: () => {},
          }),
          end: async () => {},
        } as never,
      })
    : new SqliteDialect({
        database: {
          close: () => {},
          prepare: (sql: string) => ({ reader: true, all: (parameters: readonly unknown[]) => (record(sql, parameters), []), run: () => ({ changes: 0, lastInsertRowid: 0 }), iterate: () => [][Symbol.iterator]() }),
        } as never,
      });
  const db = new Kysely<Database>({ dialect });
  const params: JobListParams = {
    visibility: { domainId: SENTINEL.domainId as number, all: true },
    filterInDomain: !shape.byStatus, // what JobService passes for a library of the caller's domain
    ...(shape.byStatus ? { statuses: [SENTINEL.filter as 'completed'] } : { libraryId: SENTINEL.filter as string }),
    order: 'created_desc',
    ...(shape.cursor ? { after: { key: SENTINEL.afterKey as number, id: SENTINEL.afterId as number } } : {}),
    limit: SENTINEL.limit as number,
  };
  await jobList(db, params);
  await db.destroy();
  const inputs = captured!.parameters.map((value) => {
    const input = (Object.keys(SENTINEL) as Input[]).find((k) => SENTINEL[k] === value);
    if (!input) throw new Error(`bare jobs server: unexpected parameter ${String(value)} in ${captured!.sql}`);
    return input;
  });
  let sql = captured!.sql;
  if (bounded && shape.cursor) {
    // Insert `created_at <= ?` before the first keyset term (after the filters).
    const at = sql.search(/\(\s*"created_at"\s*,\s*"id"\s*\)|\("created_at" [<>]/);
    const marker = isPostgres ? '$0' : '?';
    sql = `${sql.slice(0, at)}"created_at" <= ${marker} and ${sql.slice(at)}`;
    const before = (sql.slice(0, at).match(isPostgres ? /\$\d+/g : /\?/g) ?? []).length;
    inputs.splice(before, 0, 'afterKey');
    if (isPostgres) {
      let i = 0;
      sql = sql.replace(/\$\d+/g, () => `$${++i}`);
    }
  }
  return { sql, inputs };
}

const shapes = {
  status: await capture({ byStatus: true, cursor: true }),
  library: await capture({ byStatus: false, cursor: true }),
  statusFirst: await capture({ byStatus: true, cursor: false }),
  libraryFirst: await capture({ byStatus: false, cursor: false }),
};
process.stderr.write(`bare jobs server${bounded ? ' (bounded)' : ''}: ${shapes.status.sql}\n  ${shapes.library.sql}\n`);

type Row = Record<string, unknown>;
type Query = (shape: keyof typeof shapes, params: unknown[]) => Promise<Row[]>;

let query: Query;
let users: Map<number, { id: number; email: string; name: string }>;
let domainId: number;
if (isPostgres) {
  pg.types.setTypeParser(20, (v) => Number(v));
  const pool = new pg.Pool({ connectionString: target, max: 8 });
  query = async (shape, params) => (await pool.query(shapes[shape].sql, params)).rows as Row[];
  users = new Map((await pool.query<{ id: number; email: string; name: string }>('select id, email, name from users')).rows.map((u) => [Number(u.id), { id: Number(u.id), email: u.email, name: u.name }]));
  domainId = Number((await pool.query<{ id: number }>('select id from domains order by id limit 1')).rows[0]!.id);
} else {
  const db = new BetterSqlite3(target, { readonly: true });
  const statements = Object.fromEntries(Object.entries(shapes).map(([k, v]) => [k, db.prepare(v.sql)])) as Record<keyof typeof shapes, BetterSqlite3.Statement>;
  query = async (shape, params) => statements[shape].all(...params) as Row[];
  users = new Map((db.prepare('select id, email, name from users').all() as Array<{ id: number; email: string; name: string }>).map((u) => [u.id, u]));
  domainId = (db.prepare('select id from domains order by id limit 1').get() as { id: number }).id;
}

const iso = (ms: unknown) => (ms === null || ms === undefined || Number(ms) === 0 ? null : new Date(Number(ms)).toISOString());

function view(row: Row) {
  const total = Number(row.total);
  const succeeded = Number(row.succeeded);
  const failed = Number(row.failed);
  const skipped = Number(row.skipped);
  return {
    id: Number(row.id),
    type: row.type,
    status: row.status,
    libraryId: row.library_id,
    targetLibraryId: row.target_library_id ?? null,
    requestor: users.get(Number(row.requestor_id)) ?? { id: Number(row.requestor_id), email: '', name: '' },
    origin: row.origin,
    params: JSON.parse(String(row.params)) as unknown,
    priority: Number(row.priority),
    counts: { total, succeeded, failed, skipped, remaining: Math.max(0, total - succeeded - failed - skipped), retries: Number(row.retries) },
    bytes: { total: Number(row.bytes_total), done: Number(row.bytes_done) },
    progress: 100,
    retryOf: row.retry_of === null ? null : Number(row.retry_of),
    createdAt: iso(row.created_at),
    startedAt: iso(row.started_at),
    lastActivityAt: iso(row.last_activity_at),
    finishedAt: iso(row.finished_at),
    error: row.error === null ? null : (JSON.parse(String(row.error)) as unknown),
    result: row.result === null ? null : (JSON.parse(String(row.result)) as unknown),
  };
}

const app = Fastify({ logger: false });
app.get<{ Querystring: { status?: string; libraryId?: string; afterKey?: string; afterId?: string; limit?: string } }>('/jobs', async (request) => {
  const q = request.query;
  const limit = Number(q.limit ?? 50);
  const byStatus = q.status !== undefined;
  const filter = byStatus ? q.status : q.libraryId;
  const shape = q.afterKey === undefined ? (byStatus ? 'statusFirst' : 'libraryFirst') : byStatus ? 'status' : 'library';
  const value: Record<Input, unknown> = { domainId, filter, afterKey: Number(q.afterKey), afterId: Number(q.afterId), limit: limit + 1 };
  const rows = await query(shape, shapes[shape].inputs.map((input) => value[input]));
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    jobs: page.map(view),
    nextCursor: rows.length > limit && last ? Buffer.from(JSON.stringify({ k: 'jobs:created_desc', key: Number(last.created_at), id: Number(last.id) })).toString('base64url') : null,
  };
});
await app.listen({ port: Number(portText), host: '127.0.0.1' });
process.stdout.write('ready\n');
process.on('SIGTERM', () => {
  void app.close().then(() => process.exit(0));
});
