/**
 * The vendor dialects: each is a Fastify plugin under its vendor's own paths
 * that translates requests into the same service calls the native API makes
 * (JobService.list/get/submit/cancel…, LibraryService) and the results into
 * its vendor's shapes. A dialect holds no data and no logic beyond that.
 * Each is built on the kit (kit/): its vendor's ErrorSurface for every error
 * under its paths, its authentication as one installPrincipal step, and
 * renameField for service errors in its vendor's field names; all three are
 * encapsulated to its routes. Each also renders a job for the native
 * "seen by vendor APIs" view (vendor-views.ts).
 */
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { ApiContext } from '../api/context.js';
import { vspOnePlugin } from './vsp-one/plugin.js';
import { avepointDialect } from './avepoint/plugin.js';
import { aodocsPlugin } from './aodocs/plugin.js';
import { koodrivePlugin } from './koodrive/plugin.js';
import { vendorViewRoutes } from './vendor-views.js';

export async function registerDialects(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  // One line per dialect: await app.register(plugin, { ctx });
  await app.register(vspOnePlugin, { ctx });
  await app.register(avepointDialect, { ctx });
  await app.register(koodrivePlugin, { ctx });
  await app.register(aodocsPlugin, { ctx });
  void app;
  void ctx;
}

/**
 * Native routes the dialects serve, registered by src/api/server.ts inside the
 * native API's scope (its authentication, errors and OpenAPI document):
 * GET /api/v1/jobs/{jobId}/vendor-views, a job through every dialect's mapping.
 */
export const dialectNativeRoutes: FastifyPluginAsync<{ ctx: ApiContext }> = async (api, { ctx }) => {
  await api.register(vendorViewRoutes, { ctx });
};
