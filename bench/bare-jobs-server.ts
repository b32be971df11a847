/**
 * The ceiling for GET /api/v1/jobs on this machine: a bare Fastify route (no
 * auth, no visibility rules, no validation, no services) that reads the same
 * page from the same database with the same SQL text the store's jobList
 * sends (Kysely's compiled query for the created_desc order, a status or a
 * library filter, and a keyset cursor), and renders the same Job JSON.
 * Run as a child process by engine-bench.ts:
 * `node bare-jobs-server.js <port> <sqlite-file | postgres-url>`.
 *
 * GET /jobs?status=S | libraryId=L [&afterKey=K&afterId=I] [&limit=50]
 */
import Fastify from 'fastify';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';

const [portText, target, variant] = process.argv.slice(2) as [string, string, string | undefined];
/**
 * 'bounded': the same query plus a redundant `"created_at" <= ?` (the cursor's
 * key), which lets both databases start the index scan at the cursor instead
 * of walking down to it: the change proposed for the store's jobList.
 */
const bounded = variant === 'bounded';

// The text Kysely compiles jobList's builder to for these shapes (checked by compiling the same builder).
const CURSOR = bounded ? '"created_at" <= ? and ("created_at" < ? or' : '("created_at" < ? or';
const BARE_SQL = {
  status: `select * from "jobs" where "domain_id" = ? and "status" in (?) and ${CURSOR} ("created_at" = ? and "id" < ?)) order by "created_at" desc, "id" desc limit ?`,
  library: `select * from "jobs" where "domain_id" = ? and "library_id" = ? and ${CURSOR} ("created_at" = ? and "id" < ?)) order by "created_at" desc, "id" desc limit ?`,
  statusFirst: 'select * from "jobs" where "domain_id" = ? and "status" in (?) order by "created_at" desc, "id" desc limit ?',
  libraryFirst: 'select * from "jobs" where "domain_id" = ? and "library_id" = ? order by "created_at" desc, "id" desc limit ?',
} as const;

type Row = Record<string, unknown>;
type Query = (sql: keyof typeof BARE_SQL, params: unknown[]) => Promise<Row[]>;

const numbered = (text: string) => {
  let i = 0;
  return text.replace(/\?/g, () => `$${++i}`);
};

let query: Query;
let users: Map<number, { id: number; email: string; name: string }>;
let domainId: number;
if (target.startsWith('postgres')) {
  pg.types.setTypeParser(20, (v) => Number(v));
  const pool = new pg.Pool({ connectionString: target, max: 8 });
  query = async (sql, params) => (await pool.query(numbered(BARE_SQL[sql]), params)).rows as Row[];
  users = new Map((await pool.query<{ id: number; email: string; name: string }>('select id, email, name from users')).rows.map((u) => [Number(u.id), { id: Number(u.id), email: u.email, name: u.name }]));
  domainId = Number((await pool.query<{ id: number }>('select id from domains order by id limit 1')).rows[0]!.id);
} else {
  const db = new BetterSqlite3(target, { readonly: true });
  const statements = Object.fromEntries(Object.entries(BARE_SQL).map(([k, v]) => [k, db.prepare(v)])) as Record<keyof typeof BARE_SQL, BetterSqlite3.Statement>;
  query = async (sql, params) => statements[sql].all(...params) as Row[];
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
  const rows =
    q.afterKey === undefined
      ? await query(byStatus ? 'statusFirst' : 'libraryFirst', [domainId, filter, limit + 1])
      : await query(byStatus ? 'status' : 'library', [
          domainId,
          filter,
          ...(bounded ? [Number(q.afterKey)] : []),
          Number(q.afterKey),
          Number(q.afterKey),
          Number(q.afterId),
          limit + 1,
        ]);
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
