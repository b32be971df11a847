/**
 * The AODocs dialect: AODocs' Job API (/api/job/v1) and Library API
 * (/api/library/v1/{libId}) over batchyard's services, in one encapsulated
 * scope with its own bearer authentication, Google-style errors and 404s.
 * Routes are hidden from the native OpenAPI document.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ApiContext } from '../../api/context.js';
import { installErrorSurface, installNotFound, installPrincipal } from '../kit/index.js';
import { aodocsAuthentication } from './auth.js';
import { parseLenientBodies } from './body-parsers.js';
import { AODOCS_ERRORS } from './errors.js';
import { aodocsJobRoutes } from './job-routes.js';
import { aodocsLibraryRoutes } from './library-routes.js';

export const aodocsPlugin: FastifyPluginAsync<{ ctx: ApiContext }> = async (app, { ctx }) => {
  installErrorSurface(app, AODOCS_ERRORS);
  parseLenientBodies(app);
  installPrincipal(app, aodocsAuthentication(ctx.auth));
  await app.register(
    async (jobs) => {
      installNotFound(jobs, AODOCS_ERRORS);
      await jobs.register(aodocsJobRoutes, { ctx });
    },
    { prefix: '/api/job/v1' },
  );
  await app.register(
    async (libraries) => {
      installNotFound(libraries, AODOCS_ERRORS);
      await libraries.register(aodocsLibraryRoutes, { ctx });
    },
    { prefix: '/api/library/v1' },
  );
};
