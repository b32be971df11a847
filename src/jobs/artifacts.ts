/**
 * A job's artifacts, written by operations through `ctx.artifacts`
 * (OperationContext):
 *
 *     const artifact = await ctx.artifacts.write(job, { name: 'report-12.csv', mediaType: 'text/csv' }, readable);
 *
 * streams `readable` into the blob store of the job's library (hashed on the
 * way, never held in memory), then in one transaction records it as the job's
 * result (`GET /api/v1/jobs/{id}/result`) and takes one reference on its blob
 * — so the blob counts in storage and the collector never takes it while the
 * row exists. Writing again for the same job (a task re-run after a crash, a
 * stale holder of a lost lease) replaces the artifact and releases the old
 * blob's reference: a job has one result, never two. A result expires
 * `ttlMs` after it is written (the last step of the jobs that make one, so
 * when the job ends); the engine's housekeeping then deletes it
 * (engine/artifact-expiry.ts) and the collector reclaims the bytes.
 *
 * `part: n` (n ≥ 1) records instead a piece the job assembles its result from
 * (an export's zip segments) with `meta` describing it; parts do not expire
 * by time: the job deletes them with their references once assembled (the
 * export's assembly task, in its commit), or the housekeeping once the job
 * has ended (a cancelled or failed job's). `reference` records as parts blobs
 * that are stored already (an export's large files, read by its assembly
 * from where they are instead of copied into a segment): each part's
 * reference keeps its blob from the collector until the part is deleted.
 */
import type { Readable } from 'node:stream';
import type { Store } from '../store/store.js';
import type { BlobStore } from '../blobs/blob-store.js';
import type { Job } from '../domain/jobs.js';
import type { JobArtifact } from '../store/queries/job-artifacts.js';
import { BlobCollectedError, NotFoundError } from '../domain/errors.js';

export type { JobArtifact };

/** A week: BATCHYARD_ARTIFACT_TTL's default. */
export const DEFAULT_ARTIFACT_TTL_MS = 7 * 86_400_000;
/** How long a write keeps trying when the collector is removing identical content. */
const COLLECTED_RETRIES = 5;

export interface ArtifactDescription {
  /** The file name clients get (Content-Disposition), e.g. `export-12.zip`. */
  name: string;
  mediaType: string;
  /** A part (≥ 1) the job assembles its result from; default 0, the result itself. */
  part?: number;
  /** What the operation needs to assemble a part (JSON). */
  meta?: unknown;
}

/** A blob stored already, to record as a part of a job. */
export interface ArtifactReference {
  description: ArtifactDescription & { part: number };
  blob: { sha256: string; size: number };
}

export interface ArtifactWriter {
  /** Streams `source` into the job's storage and records it (replacing what the job had at that part). */
  write(job: Pick<Job, 'id' | 'libraryId'>, description: ArtifactDescription, source: Readable): Promise<JobArtifact>;
  /**
   * Records blobs already in the job's storage as parts (replacing what the job had at those
   * parts), in one transaction, each part a reference on its blob. BlobCollectedError when
   * one of them had lost its last reference and is gone (or going) from storage.
   */
  reference(job: Pick<Job, 'id' | 'libraryId'>, references: readonly ArtifactReference[]): Promise<JobArtifact[]>;
}

export interface ArtifactDeps {
  store: Store;
  blobs: { get(name: string): BlobStore };
  now(): number;
  ttlMs: number;
}

/** Records `artifact` under the job's row lock (so concurrent writers of one job serialize), moving the blob reference. */
async function record(tx: Store, blobs: BlobStore, artifact: JobArtifact): Promise<void> {
  await tx.jobGetForUpdate(artifact.jobId);
  const refcount = await tx.blobAddRef({ storage: artifact.storage, sha256: artifact.sha256, size: artifact.size, now: artifact.createdAt });
  if (refcount === 1 && !(await blobs.stat(artifact.sha256))) {
    throw new BlobCollectedError(`blob ${artifact.sha256.slice(0, 12)}… was collected before it was referenced; retry`);
  }
  const previous = await tx.artifactPut(artifact);
  if (previous) await tx.blobRelease({ storage: previous.storage, sha256: previous.sha256 });
}

export class JobArtifacts implements ArtifactWriter {
  constructor(private readonly deps: ArtifactDeps) {}

  async reference(job: Pick<Job, 'id' | 'libraryId'>, references: readonly ArtifactReference[]): Promise<JobArtifact[]> {
    if (references.length === 0) return [];
    const { store, now } = this.deps;
    const library = await store.libraryGetById(job.libraryId);
    if (!library) throw new NotFoundError(`library '${job.libraryId}' not found`);
    const blobs = this.deps.blobs.get(library.storage);
    const createdAt = now();
    const artifacts: JobArtifact[] = references.map(({ description, blob }) => {
      if (!(Number.isSafeInteger(description.part) && description.part >= 1)) throw new Error(`a referenced blob is recorded as a part (≥ 1), not part ${description.part}`);
      return { jobId: job.id, part: description.part, storage: library.storage, sha256: blob.sha256, size: blob.size, name: description.name, mediaType: description.mediaType, meta: description.meta ?? null, createdAt, expiresAt: null };
    });
    // Blob rows in hash order, the order every bulk reference change takes (no deadlock between them).
    const ordered = [...artifacts].sort((a, b) => (a.sha256 < b.sha256 ? -1 : a.sha256 > b.sha256 ? 1 : a.part - b.part));
    await store.transaction(async (tx) => {
      for (const artifact of ordered) await record(tx, blobs, artifact);
    });
    return artifacts;
  }

  async write(job: Pick<Job, 'id' | 'libraryId'>, description: ArtifactDescription, source: Readable): Promise<JobArtifact> {
    const { store, now } = this.deps;
    const library = await store.libraryGetById(job.libraryId);
    if (!library) throw new NotFoundError(`library '${job.libraryId}' not found`);
    const blobs = this.deps.blobs.get(library.storage);
    const part = description.part ?? 0;
    const written = await blobs.write(source, { maxBytes: Number.MAX_SAFE_INTEGER, pin: true });
    try {
      for (let attempt = 1; ; attempt++) {
        const createdAt = now();
        const artifact: JobArtifact = {
          jobId: job.id,
          part,
          storage: library.storage,
          sha256: written.sha256,
          size: written.size,
          name: description.name,
          mediaType: description.mediaType,
          meta: description.meta ?? null,
          createdAt,
          expiresAt: part === 0 ? createdAt + this.deps.ttlMs : null,
        };
        try {
          await store.transaction((tx) => record(tx, blobs, artifact));
          return artifact;
        } catch (error) {
          // Identical bytes whose last reference had gone were collected meanwhile: put ours back, commit again.
          if (!(error instanceof BlobCollectedError) || !written.pin || attempt >= COLLECTED_RETRIES) throw error;
          await written.pin.restore();
        }
      }
    } finally {
      await written.pin?.release();
    }
  }
}
