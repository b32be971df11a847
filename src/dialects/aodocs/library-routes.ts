/**
 * AODocs Library API route (aodocs-library.json), under /api/library/v1:
 * GET /{libId} — the ApiLibrary resource from LibraryService.get (the native
 * GET /api/v1/libraries/{id} call), its sections limited by `include`,
 * `lastAccessed` updated on `updateLastAccessed=true`.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ApiContext } from '../../api/context.js';
import { toLibraryResource } from '../../services/library-resource.js';
import { pickSections } from '../../domain/library/library-config.js';
import { callerIn } from './auth.js';
import { GetLibraryQuery, LibraryParams } from './schemas.js';

export const aodocsLibraryRoutes: FastifyPluginAsyncTypebox<{ ctx: ApiContext }> = async (app, { ctx }) => {
  app.get('/:libId', { schema: { hide: true, params: LibraryParams, querystring: GetLibraryQuery } }, async (request) => {
    const q = request.query;
    const caller = callerIn(request, q.domain);
    pickSections({}, q.include); // a bad `include` is refused before lastAccessed changes
    const view = await ctx.libraries.get(caller, request.params.libId, { updateLastAccessed: q.updateLastAccessed ?? false });
    // `appType`, `usage` and `retention` are batchyard's own fields, not ApiLibrary's.
    const { appType: _appType, usage: _usage, retention: _retention, ...resource } = toLibraryResource(view);
    return pickSections(resource, q.include);
  });
};
