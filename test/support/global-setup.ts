/**
 * Once per `vitest run`: names the run (BATCHYARD_TEST_RUN, inherited by the
 * test processes) so that the migrated PostgreSQL schemas its processes reuse
 * (test/support/drivers.ts) can be dropped when it ends; drops those a killed
 * run left behind (older than six hours) on the way in. Starts the run's S3
 * server (test/support/s3-server.ts: Swift + s3api) in the background and
 * tells the test processes where (BATCHYARD_TEST_S3_ENDPOINT and _DIR); the
 * tests that use it wait for it, so a run without them does not. Stops it
 * when the run ends, and those of killed runs on the way in.
 */
import pg from 'pg';
import { reapStaleS3Servers, startS3Server } from './s3-server.js';

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
  let s3: Awaited<ReturnType<typeof startS3Server>> | undefined;
  if (process.env.BATCHYARD_TEST_S3 === 'off') {
    // No server (a run of files that need none, on a busy machine): their S3 suites skip, or fail in CI.
    process.env.BATCHYARD_TEST_S3_UNAVAILABLE = 'BATCHYARD_TEST_S3=off';
  } else {
    try {
      await reapStaleS3Servers();
      s3 = await startS3Server();
      process.env.BATCHYARD_TEST_S3_ENDPOINT = s3.endpoint;
      process.env.BATCHYARD_TEST_S3_DIR = s3.dir;
      s3.ready.catch(() => {}); // the tests that need it report it (s3Suites)
    } catch (error) {
      process.env.BATCHYARD_TEST_S3_UNAVAILABLE = `the S3 test server could not be started: ${(error as Error).message}`;
    }
  }
  return async () => {
    await s3?.stop();
    await dropSchemas((other) => other === run);
  };
}
