/**
 * The ceiling for listing on this machine: a bare Fastify route (no auth, no
 * access checks, no validation) that reads the same page from the same
 * database with the driver directly and returns it as JSON. Run as a child
 * process by platform-bench.ts: `node bare-list-server.js <port> <sqlite-file | postgres-url>`.
 */
import Fastify from 'fastify';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';

const [portText, target] = process.argv.slice(2) as [string, string];
const PAGE_SQL =
  'SELECT id, name, kind, size, sha256, created_at, modified_at FROM items WHERE parent_id = $1 AND trashed_at IS NULL AND name > $2 ORDER BY name LIMIT 51';

let readPage: (parentId: number, after: string) => Promise<Array<Record<string, unknown>>>;
if (target.startsWith('postgres')) {
  const pool = new pg.Pool({ connectionString: target, max: 8 });
  readPage = async (parentId, after) => (await pool.query(PAGE_SQL, [parentId, after])).rows;
} else {
  const db = new BetterSqlite3(target, { readonly: true });
  const statement = db.prepare(PAGE_SQL.replace('$1', '?').replace('$2', '?'));
  readPage = async (parentId, after) => statement.all(parentId, after) as Array<Record<string, unknown>>;
}

const app = Fastify({ logger: false });
app.get<{ Querystring: { parent: string; after?: string } }>('/page', async (request) => {
  const rows = await readPage(Number(request.query.parent), request.query.after ?? '');
  const items = rows.slice(0, 50).map((row) => ({
    id: Number(row.id),
    name: row.name,
    kind: row.kind,
    size: Number(row.size),
    sha256: row.sha256,
    createdAt: new Date(Number(row.created_at)).toISOString(),
    modifiedAt: new Date(Number(row.modified_at)).toISOString(),
  }));
  return { items, nextCursor: rows.length > 50 ? String(items.at(-1)?.name) : null };
});
await app.listen({ port: Number(portText), host: '127.0.0.1' });
process.stdout.write('ready\n');
process.on('SIGTERM', () => {
  void app.close().then(() => process.exit(0));
});
