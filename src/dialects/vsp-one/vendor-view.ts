/** The job as VSP One's `POST /v1/jobs/status` answers it (`{status}`, renderVspJob), for the native vendor views. */
import { unavailable, type VendorRenderer } from '../kit/index.js';
import { vspJobTypeOf } from './mapping.js';
import { renderVspJob } from './job-view.js';

export const vspOneVendorView: VendorRenderer = {
  dialect: 'vsp-one',
  async render({ ctx, caller, found: { job } }) {
    if (vspJobTypeOf(job) === undefined) return unavailable(`VSP One has no jobType for '${job.type}' jobs`);
    return { available: true, method: 'POST', path: '/v1/jobs/status', requestBody: { jobId: { id: job.id } }, body: { status: await renderVspJob(ctx.libraries, caller, job) } };
  },
};
