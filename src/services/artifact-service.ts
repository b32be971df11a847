/**
 * Job results (the artifacts jobs write: an export's zip, a report) for
 * callers: to whoever may see the job (JobService's visibility: its
 * requestor, the library's ADMINs, the domain's admins; 404 to anyone else),
 * and through signed, expiring links that need no bearer token.
 *
 * A link is `<baseUrl>/api/v1/job-results/<jobId>?expires=<epoch s>&signature=<HMAC>`,
 * the HMAC-SHA256 of `<jobId>.<expires>` under the deployment's
 * `job-result-links` signing key (AuthService.signingKey: every API process
 * checks what another signed). A link lives `expiresInSeconds` (default one
 * hour, at most seven days) and never past the result's own expiry. A
 * tampered or expired link is a 403 saying which; a link to a result that
 * expired or was never written is a 404 like the authenticated route.
 *
 * Dialects make the same links: `resultLink(caller, jobId, {baseUrl})`
 * (KooDrive's `downloadUrl`).
 */
import crypto from 'node:crypto';
import type { Store } from '../store/store.js';
import type { Principal } from '../domain/types.js';
import type { BlobStore } from '../blobs/blob-store.js';
import type { JobArtifact } from '../store/queries/job-artifacts.js';
import { ForbiddenError, InvalidArgumentError, NotFoundError } from '../domain/errors.js';
import type { JobService } from './job-service.js';
import type { AuthService } from './auth-service.js';
import { systemClock, type Clock } from './clock.js';

export const RESULT_LINK_PATH = '/api/v1/job-results';
export const DEFAULT_LINK_SECONDS = 3_600;
export const MAX_LINK_SECONDS = 7 * 86_400;
export const MIN_LINK_SECONDS = 10;
const KEY_NAME = 'job-result-links';

export interface JobResult {
  artifact: JobArtifact;
  blobStore: BlobStore;
}

export interface ResultLink {
  url: string;
  /** Epoch ms. */
  expiresAt: number;
}

export class ArtifactService {
  private key: Promise<Buffer> | undefined;

  constructor(
    private readonly store: Store,
    private readonly jobs: JobService,
    private readonly blobs: { get(name: string): BlobStore },
    private readonly auth: Pick<AuthService, 'signingKey'>,
    private readonly clock: Clock = systemClock,
  ) {}

  /** The job's result, if the caller may see the job (404 otherwise, or when it has none). */
  async result(caller: Principal, jobId: number): Promise<JobResult> {
    await this.jobs.visibleJob(caller, jobId);
    return this.current(jobId);
  }

  /** A signed link to the job's result for clients without the token. */
  async resultLink(caller: Principal, jobId: number, p: { baseUrl: string; expiresInSeconds?: number }): Promise<ResultLink> {
    const seconds = p.expiresInSeconds ?? DEFAULT_LINK_SECONDS;
    if (!Number.isInteger(seconds) || seconds < MIN_LINK_SECONDS || seconds > MAX_LINK_SECONDS) {
      throw new InvalidArgumentError(`expiresInSeconds: must be a whole number from ${MIN_LINK_SECONDS} to ${MAX_LINK_SECONDS} (7 days)`, { field: 'expiresInSeconds' });
    }
    const { artifact } = await this.result(caller, jobId);
    const limit = artifact.expiresAt ?? Number.MAX_SAFE_INTEGER;
    const expires = Math.floor(Math.min(this.clock() + seconds * 1000, limit) / 1000);
    const signature = await this.sign(jobId, expires);
    const base = p.baseUrl.replace(/\/+$/, '');
    return { url: `${base}${RESULT_LINK_PATH}/${jobId}?expires=${expires}&signature=${signature}`, expiresAt: expires * 1000 };
  }

  /** The result a signed link names: 403 when the signature does not match or the link has expired. */
  async resultBySignature(jobId: number, expires: string | undefined, signature: string | undefined): Promise<JobResult> {
    if (expires === undefined || signature === undefined || !/^\d{1,15}$/.test(expires) || !/^[A-Za-z0-9_-]{43}$/.test(signature)) {
      throw new ForbiddenError('this result link is incomplete or altered (expires and signature are required as issued); ask for a new link', { reason: 'LINK_INVALID' });
    }
    const expected = Buffer.from(await this.sign(jobId, Number(expires)));
    if (!crypto.timingSafeEqual(expected, Buffer.from(signature))) {
      throw new ForbiddenError('this result link has been altered: its signature does not match; ask for a new link', { reason: 'LINK_INVALID' });
    }
    if (Number(expires) * 1000 <= this.clock()) {
      throw new ForbiddenError(`this result link expired at ${new Date(Number(expires) * 1000).toISOString()}; ask for a new link`, { reason: 'LINK_EXPIRED' });
    }
    return this.current(jobId);
  }

  private async current(jobId: number): Promise<JobResult> {
    const artifact = await this.store.artifactGet({ jobId });
    if (!artifact) {
      throw new NotFoundError(`job ${jobId} has no result (yet): only export and report jobs make one, once they have finished, and it is kept for a limited time`, {
        reason: 'NO_RESULT',
      });
    }
    if (artifact.expiresAt !== null && artifact.expiresAt <= this.clock()) {
      throw new NotFoundError(`the result of job ${jobId} expired at ${new Date(artifact.expiresAt).toISOString()}`, { reason: 'RESULT_EXPIRED' });
    }
    return { artifact, blobStore: this.blobs.get(artifact.storage) };
  }

  private async sign(jobId: number, expires: number): Promise<string> {
    this.key ??= this.auth.signingKey(KEY_NAME).catch((error: unknown) => {
      this.key = undefined; // a busy database: ask again next time
      throw error;
    });
    return crypto.createHmac('sha256', await this.key).update(`${jobId}.${expires}`).digest('base64url');
  }
}
