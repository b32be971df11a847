/** Saved views: the caller's named job-list queries (`/views`). */
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ApiContext } from '../context.js';
import type { SavedView } from '../../services/saved-view-service.js';
import { principalOf } from '../auth-hook.js';
import { errorResponses } from '../schemas/common.js';
import { CreateSavedViewBody, SavedViewBody, SavedViewList, ViewIdParams } from '../schemas/saved-views.js';
import { iso } from '../views.js';

const view = (v: SavedView) => ({ id: v.id, name: v.name, query: v.query, createdAt: iso(v.createdAt) });

export const savedViewRoutes: FastifyPluginAsyncTypebox<{ ctx: ApiContext }> = async (app, { ctx }) => {
  app.get(
    '/views',
    { schema: { tags: ['views'], summary: 'Your saved views (job-list queries), oldest first', response: { 200: SavedViewList, ...errorResponses } } },
    async (request) => ({ views: (await ctx.savedViews.list(principalOf(request))).map(view) }),
  );

  app.post(
    '/views',
    {
      schema: {
        tags: ['views'],
        summary: 'Save a view: a name (unique among yours; 409 otherwise) and the query-bar text',
        body: CreateSavedViewBody,
        response: { 201: SavedViewBody, ...errorResponses },
      },
    },
    async (request, reply) => reply.status(201).send(view(await ctx.savedViews.create(principalOf(request), request.body))),
  );

  app.delete(
    '/views/:viewId',
    { schema: { tags: ['views'], summary: 'Delete one of your views (anyone else’s is a 404)', params: ViewIdParams, response: { 204: Type.Null(), ...errorResponses } } },
    async (request, reply) => {
      await ctx.savedViews.delete(principalOf(request), request.params.viewId);
      return reply.status(204).send(null);
    },
  );
};
