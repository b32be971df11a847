/**
 * "Seen by vendor APIs": `GET /api/v1/jobs/{jobId}/vendor-views` renders one
 * job the caller may see through each dialect's own mapping code, as that
 * dialect's job read (or listing, for AvePoint) would answer it, beside the
 * request its vendor's client would make; or says why that vendor cannot
 * show the job. A native route (src/api/server.ts registers it in the native
 * scope: its authentication, errors and OpenAPI document), defined here
 * because the API's routes may not import the dialects; each dialect
 * contributes its renderer (its vendor-view.ts).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { ApiContext } from '../api/context.js';
import { principalOf } from '../api/auth-hook.js';
import { errorResponses } from '../api/schemas/common.js';
import { JobIdParams } from '../api/schemas/jobs.js';
import type { VendorRenderer, VendorView } from './kit/index.js';
import { aodocsVendorView } from './aodocs/vendor-view.js';
import { avepointVendorView } from './avepoint/vendor-view.js';
import { koodriveVendorView } from './koodrive/vendor-view.js';
import { vspOneVendorView } from './vsp-one/vendor-view.js';

/** One per dialect, in the order the views are listed. */
export const VENDOR_RENDERERS: readonly VendorRenderer[] = [aodocsVendorView, avepointVendorView, koodriveVendorView, vspOneVendorView];

const VendorViews = Type.Object({
  views: Type.Array(
    Type.Object({
      dialect: Type.Unsafe<string>({ type: 'string', enum: VENDOR_RENDERERS.map((r) => r.dialect) }),
      available: Type.Boolean(),
      reason: Type.Optional(Type.String({ description: 'Why the vendor cannot show this job (no name for its type; AvePoint: not a domain administrator).' })),
      method: Type.Optional(Type.String({ description: 'The request a vendor client would make for the job.' })),
      path: Type.Optional(Type.String()),
      requestBody: Type.Optional(Type.Unknown({ description: 'Its body, where the vendor reads a job by POST (VSP One).' })),
      body: Type.Optional(Type.Unknown({ description: 'What that dialect answers: the whole response of a one-job read; for AvePoint, which has none, the job’s entry in its listing.' })),
    }),
  ),
});

export const vendorViewRoutes: FastifyPluginAsyncTypebox<{ ctx: ApiContext; renderers?: readonly VendorRenderer[] }> = async (app, { ctx, renderers = VENDOR_RENDERERS }) => {
  app.get(
    '/jobs/:jobId/vendor-views',
    {
      schema: {
        tags: ['jobs'],
        summary: 'The job as each vendor dialect (AODocs, AvePoint, KooDrive, VSP One) shows it, and the request its client would make',
        params: JobIdParams,
        response: { 200: VendorViews, ...errorResponses },
      },
    },
    async (request) => {
      const caller = principalOf(request);
      const found = await ctx.jobs.get(caller, request.params.jobId);
      const baseUrl = `${request.protocol}://${request.host}`;
      const views: Array<{ dialect: string } & VendorView> = [];
      for (const renderer of renderers) views.push({ dialect: renderer.dialect, ...(await renderer.render({ ctx, caller, found, baseUrl })) });
      return { views };
    },
  );
};
