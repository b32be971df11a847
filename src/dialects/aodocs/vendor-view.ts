/** The job as AODocs' `GET /api/job/v1/{jobId}` answers it (ApiJob, toApiJob), for the native vendor views. */
import { unavailable, type VendorRenderer } from '../kit/index.js';
import { aodocsTypeOf, REPORT_VARIANT, toApiJob } from './mapping.js';

export const aodocsVendorView: VendorRenderer = {
  dialect: 'aodocs',
  async render({ found: { job, requestor } }) {
    if (aodocsTypeOf(job) === undefined) {
      return unavailable(
        job.type === REPORT_VARIANT.type
          ? 'AODocs names only permission reports (LIBRARY_PERMISSION_EXTRACTION); an inventory report has no AODocs type'
          : `AODocs has no job type for '${job.type}' jobs`,
      );
    }
    return { available: true, method: 'GET', path: `/api/job/v1/${job.id}`, body: toApiJob(job, requestor) };
  },
};
