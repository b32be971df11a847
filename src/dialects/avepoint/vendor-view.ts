/**
 * The job as AvePoint's listing shows it (`GET /backup/google/admin/jobs`,
 * filtered to its jobType and dataSource: AvePoint has no one-job read), for
 * the native vendor views. The API is for domain administrators only.
 */
import { isDomainAdmin } from '../../domain/user-rules.js';
import { unavailable, type VendorRenderer } from '../kit/index.js';
import { dataSourceOf, jobTypeOf } from './mapping.js';
import { JOBS_PATH } from './next-link.js';
import { appTypesOf, aveJob } from './render.js';

export const avepointVendorView: VendorRenderer = {
  dialect: 'avepoint',
  async render({ ctx, caller, found }) {
    const { job } = found;
    const jobType = jobTypeOf(job.type);
    if (jobType === undefined) return unavailable(`AvePoint has no jobType for '${job.type}' jobs`);
    if (!isDomainAdmin(caller.user)) return unavailable("AvePoint's job API is for domain administrators only (it answers others 403)");
    const appTypes = await appTypesOf(ctx.libraries, caller, [job.libraryId]);
    return { available: true, method: 'GET', path: `${JOBS_PATH}?jobType=${jobType}&dataSource=${dataSourceOf(job.origin)}`, body: aveJob(found, appTypes) };
  },
};
