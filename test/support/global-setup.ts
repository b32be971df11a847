/**
 * Once per `vitest run`: names the run (BATCHYARD_TEST_RUN, inherited by the
 * test processes) so that the migrated PostgreSQL schemas its processes reuse
 * (test/support/drivers.ts) can be dropped when it ends; drops those a killed
 * run left behind (older than six hours) on the way in.
 */
import pg from 'pg';

const URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const STALE_MS = 6 * 3600_000;

async function dropSchemas(which: (run: string) => boolean): Promise<void> {
  const client = new pg.Client({ connectionString: URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
  } catch {
    return; // no PostgreSQL here: drivers.ts says what that means for the run
  }
  try {
    const schemas = await client.query<{ nspname: string }>(`SELECT nspname FROM pg_namespace WHERE nspname LIKE 'by\\_pool\\_%'`);
    for (const { nspname } of schemas.rows) {
      const run = nspname.split('_')[2] ?? '';
      if (which(run)) await client.query(`DROP SCHEMA IF EXISTS ${nspname} CASCADE`);
    }
  } finally {
    await client.end();
  }
}

export default async function setup(): Promise<() => Promise<void>> {
  const run = Date.now().toString(36);
  process.env.BATCHYARD_TEST_RUN = run;
  await dropSchemas((other) => {
    const started = parseInt(other, 36);
    return Number.isFinite(started) && Date.now() - started > STALE_MS;
  });
  return () => dropSchemas((other) => other === run);
}
