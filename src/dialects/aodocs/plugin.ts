/**
 * The AODocs dialect: AODocs' Job API (/api/job/v1) and Library API
 * (/api/library/v1/{libId}) over batchyard's services, in one encapsulated
 * scope with its own bearer authentication, Google-style errors and 404s.
 * Routes are hidden from the native OpenAPI document.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ApiContext } from '../../api/context.js';
import { installAodocsAuth } from './auth.js';
import { installAodocsErrors, installAodocsNotFound } from './errors.js';
import { aodocsJobRoutes } from './job-routes.js';
import { aodocsLibraryRoutes } from './library-routes.js';

export const aodocsPlugin: FastifyPluginAsync<{ ctx: ApiContext }> = async (app, { ctx }) => {
  installAodocsErrors(app);
  installAodocsAuth(app, ctx.auth);
  await app.register(
    async (jobs) => {
      installAodocsNotFound(jobs);
      await jobs.register(aodocsJobRoutes, { ctx });
    },
    { prefix: '/api/job/v1' },
  );
  await app.register(
    async (libraries) => {
      installAodocsNotFound(libraries);
      await libraries.register(aodocsLibraryRoutes, { ctx });
    },
    { prefix: '/api/library/v1' },
  );
};
