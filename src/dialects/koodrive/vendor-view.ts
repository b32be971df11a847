/** The job as KooDrive's `GET /koodrive/ose/v1/{jobId}` answers it (kooTaskDetail), for the native vendor views. */
import { unavailable, type VendorRenderer } from '../kit/index.js';
import { kooTaskDetail } from './job-detail.js';
import { KOODRIVE_PREFIX } from './plugin.js';

export const koodriveVendorView: VendorRenderer = {
  dialect: 'koodrive',
  async render({ ctx, caller, found: { job }, baseUrl }) {
    const detail = await kooTaskDetail(ctx, caller, baseUrl, job);
    if (!detail) return unavailable(`KooDrive has no task type for '${job.type}' jobs`);
    return { available: true, method: 'GET', path: `${KOODRIVE_PREFIX}/${job.id}`, body: detail };
  },
};
