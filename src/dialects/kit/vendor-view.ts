/**
 * How a dialect shows one job to the native API's "seen by vendor APIs"
 * view (src/dialects/vendor-views.ts): the request its vendor's client would
 * make for the job and the body that dialect's own route answers it with,
 * rendered by the same mapping code; or why the vendor cannot show it.
 */
import type { ApiContext } from '../../api/context.js';
import type { Principal } from '../../domain/types.js';
import type { JobWithRequestor } from '../../services/job-service.js';

export type VendorView =
  | { available: true; method: 'GET' | 'POST'; path: string; requestBody?: unknown; body: unknown }
  | { available: false; reason: string };

export interface VendorViewInput {
  ctx: ApiContext;
  /** The caller, who may see the job. */
  caller: Principal;
  found: JobWithRequestor;
  /** Where the client reached this server (signed links are built on it). */
  baseUrl: string;
}

export interface VendorRenderer {
  dialect: string;
  render(input: VendorViewInput): Promise<VendorView>;
}

export const unavailable = (reason: string): VendorView => ({ available: false, reason });
