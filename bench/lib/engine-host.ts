/**
 * A stand-in for `batchyard serve` while the jobs HTTP routes do not exist
 * yet: the real server (startServer: the same HTTP API, the same engine in
 * the same process and event loop), plus a second listener on `shimPort`
 * that serves POST /api/v1/jobs, GET /api/v1/jobs/{id} and GET /api/v1/jobs
 * by calling JobService exactly as a route would (bearer auth through
 * AuthService, the job rendered as the native Job). engine-bench.ts uses it
 * only when the real server answers 404 on /api/v1/jobs.
 *
 * `node engine-host.js <port> <shimPort>`; everything else from the
 * environment, as `batchyard serve` reads it (BATCHYARD_DATA_DIR, DATABASE_URL, …).
 */
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Fastify from 'fastify';
import type * as ConfigModule from '../../src/config.js';
import type * as AppModule from '../../src/app.js';
import type * as ErrorHandlerModule from '../../src/api/error-handler.js';
import type * as IsoTimeModule from '../../src/api/iso-time.js';
import type * as JobsModule from '../../src/domain/jobs.js';
import type { JobWithRequestor } from '../../src/services/job-service.js';
import type { Principal } from '../../src/domain/types.js';

// The engine benchmarks' snapshot of the server build (see serverBuild in engine-target.ts).
const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../engine-server/src');
const load = async <T>(file: string) => (await import(pathToFileURL(path.join(dist, file)).href)) as T;
const { loadConfig } = await load<typeof ConfigModule>('config.js');
const { createLogger, startServer } = await load<typeof AppModule>('app.js');
const { installErrorHandler } = await load<typeof ErrorHandlerModule>('api/error-handler.js');
const { isoTime } = await load<typeof IsoTimeModule>('api/iso-time.js');
const { progressOf } = await load<typeof JobsModule>('domain/jobs.js');

const [portText, shimPortText] = process.argv.slice(2) as [string, string];
const config = loadConfig({ port: portText });
const logger = createLogger(config);
const server = await startServer(config, { logger, print: () => {} });
const app = server.app;

const iso = (ms: number | null) => (ms === null ? null : isoTime(ms));

function jobView({ job, requestor }: JobWithRequestor) {
  return {
    id: job.id,
    type: job.type,
    status: job.status,
    libraryId: job.libraryId,
    targetLibraryId: job.targetLibraryId,
    requestor,
    origin: job.origin,
    params: job.params,
    priority: job.priority,
    counts: job.counts,
    bytes: job.bytes,
    progress: progressOf(job),
    createdAt: isoTime(job.createdAt),
    startedAt: iso(job.startedAt),
    lastActivityAt: isoTime(job.lastActivityAt),
    finishedAt: iso(job.finishedAt),
    error: job.error,
    result: job.result,
  };
}

const shim = Fastify({ logger: false });
installErrorHandler(shim);
shim.decorateRequest('principal', undefined);
shim.addHook('onRequest', async (request) => {
  request.principal = await app.auth.authenticate(request.headers.authorization);
});
const principal = (request: { principal: Principal | undefined }) => request.principal!;

shim.post<{ Body: { type: string; libraryId: string; params?: Record<string, unknown>; priority?: number } }>('/api/v1/jobs', async (request, reply) => {
  const created = await app.jobs.submit(principal(request), request.body);
  return reply.status(202).send(jobView(created));
});

shim.get<{ Params: { id: string } }>('/api/v1/jobs/:id', async (request) => jobView(await app.jobs.get(principal(request), Number(request.params.id))));

shim.post<{ Params: { id: string } }>('/api/v1/jobs/:id/cancel', async (request, reply) =>
  reply.status(202).send(jobView(await app.jobs.cancel(principal(request), Number(request.params.id)))),
);

shim.get<{ Querystring: Record<string, string | undefined> }>('/api/v1/jobs', async (request) => {
  const q = request.query;
  const page = await app.jobs.list(principal(request), {
    libraryId: q.libraryId,
    status: q.status === undefined ? undefined : q.status.split(','),
    type: q.type,
    requestor: q.requestor,
    createdAfter: q.createdAfter === undefined ? undefined : Date.parse(q.createdAfter),
    createdBefore: q.createdBefore === undefined ? undefined : Date.parse(q.createdBefore),
    order: q.order,
    limit: q.limit === undefined ? 100 : Number(q.limit),
    cursor: q.cursor,
  });
  return { jobs: page.jobs.map(jobView), nextCursor: page.nextCursor };
});

await shim.listen({ port: Number(shimPortText), host: '127.0.0.1' });
process.stdout.write('ready\n');

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  void shim
    .close()
    .then(() => server.close())
    .then(
      () => process.exit(0),
      () => process.exit(1),
    );
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
