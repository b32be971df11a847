/**
 * The HTTP server: Fastify with TypeBox schemas on every route, from which
 * come both validation and the OpenAPI 3.1 document at /api/v1/openapi.json.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { ApiContext } from './context.js';
import { errorBody, installErrorHandler } from './error-handler.js';
import { InFlight } from './in-flight.js';
import { installAuth } from './auth-hook.js';
import { registerWebSessions, SESSION_COOKIE } from './web-session.js';
import { collectRouteSegments, registerWebApp } from './web-app.js';
import type { NotFoundFallback } from './error-handler.js';
import { buildSerializerFactory } from './serializer-compiler.js';
import { buildValidatorFactory } from './validator-compiler.js';
import { ErrorBody } from './schemas/common.js';
import { UserBody } from './schemas/users.js';
import { ItemBody } from './schemas/items.js';
import { LibraryBody } from './schemas/libraries.js';
import { JobBody, withDocumentedJobParams } from './schemas/jobs.js';
import { accountRoutes } from './routes/accounts.js';
import { libraryRoutes } from './routes/libraries.js';
import { itemRoutes } from './routes/items.js';
import { fileRoutes } from './routes/files.js';
import { jobRoutes } from './routes/jobs.js';
import { eventRoutes } from './routes/events.js';
import { jobResultRoutes, signedResultRoutes } from './routes/job-results.js';
import { uploadRoutes } from './routes/uploads.js';
import { sessionRoutes } from './routes/session.js';
import { savedViewRoutes } from './routes/saved-views.js';
import { webhookRoutes } from './routes/webhooks.js';
import { engineRoutes } from './routes/engine.js';
import { jobTimelineRoutes } from './routes/job-timeline.js';
import { scheduleRoutes } from './routes/schedules.js';
import { snapshotRoutes } from './routes/snapshots.js';
import { dialectNativeRoutes, registerDialects } from '../dialects/index.js';

export interface ServerOptions {
  logger: FastifyBaseLogger | false;
  version: string;
  /** Heartbeat interval of event streams (default 15 s; tests shorten it). */
  sseHeartbeatMs?: number;
  /** The built dashboard (default: dist/web beside the compiled server). */
  webDir?: string | undefined;
  /** Whether X-Forwarded-* headers are believed (Fastify's trustProxy; config BATCHYARD_TRUST_PROXY). */
  trustProxy?: boolean | string[];
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Route handlers still running; shutdown waits for them before closing storage. */
    inFlight: InFlight;
  }
}

/** Node's default limit on a request's head (16 KiB): a longer path never arrives anyway. */
const MAX_PARAM_LENGTH = 16 * 1024;

export async function buildServer(ctx: ApiContext, options: ServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    ...(options.logger === false ? { logger: false } : { loggerInstance: options.logger }),
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024 * 1024,
    trustProxy: options.trustProxy ?? false,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // Requests the router itself refuses (a malformed URL, say) get our error shape too.
    frameworkErrors: (error, _request, reply) => {
      if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
        return (reply as FastifyReply).status(414).send(errorBody('INVALID_ARGUMENT', `a path parameter is longer than ${MAX_PARAM_LENGTH} characters`));
      }
      (reply as FastifyReply).status(400).send(errorBody('INVALID_ARGUMENT', `malformed request: ${error.message}`));
    },
    // No route has a regex parameter (what the router's default limit of 100 guards), so path
    // parameters reach their schemas, which name them in a 400 (in each dialect's shape too).
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // Strict JSON bodies, coerced query strings/params/headers, no non-finite numbers (validator-compiler.ts).
    // Compiled once per process and schema, whatever the number of servers (serializer-compiler.ts).
    schemaController: { compilersFactory: { buildValidator: buildValidatorFactory(), buildSerializer: buildSerializerFactory() } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  // Before any route: the dashboard's pages are the paths no route's first segment claims.
  const routeSegments = collectRouteSegments(app);
  const dashboard: { pages?: NotFoundFallback } = {};
  const inFlight = new InFlight();
  app.decorate('inFlight', inFlight);
  inFlight.install(app);
  installErrorHandler(app, (request, reply) => dashboard.pages?.(request, reply) ?? false);
  for (const schema of [ErrorBody, UserBody, ItemBody, LibraryBody, JobBody]) app.addSchema(schema);

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'batchyard', version: options.version, description: 'Document libraries and durable bulk jobs.' },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          session: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE, description: 'The dashboard’s session (POST /api/v1/session); unsafe methods also send x-csrf-token.' },
        },
      },
      security: [{ bearer: [] }, { session: [] }],
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
    // A job's params are documented per type; the Job schema the responses are written with keeps them free-form.
    transformObject: (document) => ('openapiObject' in document ? withDocumentedJobParams(document.openapiObject, ctx.jobs.paramSchemas()) : document.swaggerObject),
  });

  // The reference a browser reads, from the same document; its scripts and styles are served from here, no CDN.
  await app.register(swaggerUi, {
    routePrefix: '/api/v1/docs',
    theme: { title: 'batchyard API' },
    staticCSP: {
      'default-src': "'self'",
      'img-src': "'self' data:",
      'style-src': "'self' 'unsafe-inline'",
      'script-src': "'self'",
      'object-src': "'none'",
      'base-uri': "'self'",
      'frame-ancestors': "'self'",
    },
  });

  // Liveness: the process answers. Readiness: it can serve (the database and every storage location), for load balancers.
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
    const report = await ctx.readiness.probe();
    return reply
      .status(report.ready ? 200 : 503)
      .header('cache-control', 'no-store')
      .send({ status: report.ready ? 'ready' : 'unavailable', checks: report.checks });
  });
  app.get('/api/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  await app.register(
    async (native) => {
      // The session cookie and its CSRF tokens, for the native API only (the dialects keep their own authentication).
      await registerWebSessions(native, ctx.sessions);
      await native.register(async (api) => {
        installAuth(api, { auth: ctx.auth, sessions: ctx.sessions });
        await api.register(accountRoutes, { ctx });
        await api.register(libraryRoutes, { ctx });
        await api.register(itemRoutes, { ctx });
        await api.register(fileRoutes, { ctx });
        await api.register(jobRoutes, { ctx });
        await api.register(jobResultRoutes, { ctx });
        await api.register(eventRoutes, { ctx, heartbeatMs: options.sseHeartbeatMs });
        await api.register(savedViewRoutes, { ctx });
        await api.register(webhookRoutes, { ctx });
        await api.register(jobTimelineRoutes, { ctx });
        await api.register(engineRoutes, { ctx });
        await api.register(scheduleRoutes, { ctx });
        await api.register(snapshotRoutes, { ctx });
        // Served by the dialects (the job as each vendor shows it), in this scope: its authentication, errors and document.
        await api.register(dialectNativeRoutes, { ctx });
      });
      // Sign-in takes credentials, not a token: outside the authenticated scope.
      await native.register(sessionRoutes, { ctx });
      // tus uploads authenticate on their own (a CORS preflight carries no token) and parse no body.
      await native.register(uploadRoutes, { ctx });
      // A signed result link is its own credential: no bearer token.
      await native.register(signedResultRoutes, { ctx });
    },
    { prefix: '/api/v1' },
  );
  await registerDialects(app, ctx);
  dashboard.pages = await registerWebApp(app, { webDir: options.webDir, routeSegments });
  return app;
}
