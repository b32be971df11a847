/** The blobs jobs produce (job_artifacts): results and the parts they are assembled from, on every driver. */
import { describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { useSharedStore } from './shared-store.js';
import { SHA_A, SHA_B, SHA_C, seedJob } from './seed.js';
import type { JobArtifact } from '../../src/store/queries/job-artifacts.js';

const factories = await driverFactories();

function artifact(jobId: number, over: Partial<JobArtifact> = {}): JobArtifact {
  return { jobId, part: 0, storage: 'default', sha256: SHA_A, size: 123, name: `export-${jobId}.zip`, mediaType: 'application/zip', meta: null, createdAt: 1_000, expiresAt: 5_000, ...over };
}

for (const factory of factories) {
  describe(`job artifact store on ${factory.name}`, () => {
    const db = useSharedStore(factory);

    it('artifactPut records a result, replaces it on a second put and returns the replaced row; artifactGet reads it back', async () => {
      const { store } = db;
      const job = await seedJob(store);
      expect(await store.artifactGet({ jobId: job.id })).toBeUndefined();
      expect(await store.artifactPut(artifact(job.id))).toBeUndefined();
      expect(await store.artifactGet({ jobId: job.id })).toEqual(artifact(job.id));
      const replaced = await store.artifactPut(artifact(job.id, { sha256: SHA_B, size: 5_000_000_000, createdAt: 2_000, expiresAt: 9_000 }));
      expect(replaced).toEqual(artifact(job.id));
      expect(await store.artifactGet({ jobId: job.id })).toEqual(artifact(job.id, { sha256: SHA_B, size: 5_000_000_000, createdAt: 2_000, expiresAt: 9_000 }));
      expect(await store.artifactGet({ jobId: job.id, part: 1 })).toBeUndefined();
    });

    it('artifactListParts lists a job\'s parts (not its result) in order, with their meta, a page at a time', async () => {
      const { store } = db;
      const job = await seedJob(store);
      const other = await seedJob(store);
      await store.artifactPut(artifact(job.id));
      for (const part of [3, 1, 2]) await store.artifactPut(artifact(job.id, { part, sha256: SHA_C, expiresAt: null, meta: { dataSize: part * 10, entries: part } }));
      await store.artifactPut(artifact(other.id, { part: 1, expiresAt: null }));
      const first = await store.artifactListParts({ jobId: job.id, limit: 2 });
      expect(first.map((p) => [p.part, p.meta])).toEqual([[1, { dataSize: 10, entries: 1 }], [2, { dataSize: 20, entries: 2 }]]);
      const rest = await store.artifactListParts({ jobId: job.id, afterPart: 2, limit: 2 });
      expect(rest.map((p) => p.part)).toEqual([3]);
    });

    it('artifactListExpired finds results past their expiry and parts of ended jobs; artifactDelete removes a row only while it holds the given blob', async () => {
      const { store } = db;
      const ended = await seedJob(store);
      const running = await seedJob(store);
      await store.jobSetStatus({ id: ended.id, status: 'cancelled', from: ['queued'], now: 3_000, finished: true });
      await store.artifactPut(artifact(ended.id, { expiresAt: 5_000 }));
      await store.artifactPut(artifact(ended.id, { part: 1, sha256: SHA_B, expiresAt: null }));
      await store.artifactPut(artifact(running.id, { expiresAt: 4_000 }));
      await store.artifactPut(artifact(running.id, { part: 1, sha256: SHA_C, expiresAt: null }));

      const at = async (now: number) => (await store.artifactListExpired({ now, limit: 10 })).map((a) => [a.jobId, a.part]);
      expect(await at(3_999)).toEqual([[ended.id, 1]]);
      expect(await at(4_000)).toEqual([[ended.id, 1], [running.id, 0]].sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!));
      expect((await at(5_000)).length).toBe(3);

      expect(await store.artifactDelete({ jobId: ended.id, part: 1, sha256: SHA_A })).toBe(false);
      expect(await store.artifactDelete({ jobId: ended.id, part: 1, sha256: SHA_B })).toBe(true);
      expect(await store.artifactDelete({ jobId: ended.id, part: 1, sha256: SHA_B })).toBe(false);
      expect(await at(3_999)).toEqual([]);
      expect(await store.artifactGet({ jobId: running.id, part: 1 })).toBeDefined();
    });
  });
}
