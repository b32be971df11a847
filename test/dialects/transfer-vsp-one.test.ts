/**
 * VSP One's transfer jobs through `POST /v1/jobs/create`, on every driver:
 * BATCH_REPLICATE with `replicationMode` MIRROR is a native replicate (without
 * it, or COPY, still a copy), METRIC_RECONCILIATION a verify and
 * TRIGGER_RECONCILIATION a verify that repairs; every refused request is VSP's
 * `{code, message, details}` naming the jobParams key the client sent; and,
 * with the engine, a mirror that makes the target equal the source (a second
 * one changes nothing) and reconciliations that run to COMPLETE.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { ALPHA_FILES, transferWorld, type Json, type TransferWorld } from './support/transfer-world.js';

const factories = await driverFactories();

for (const factory of factories) {
  describe(`VSP One transfer jobs on ${factory.name}`, () => {
    let w: TransferWorld;

    beforeAll(async () => {
      w = await transferWorld(factory);
    });
    afterAll(async () => {
      await w?.dispose();
    });

    async function create(body: unknown): Promise<{ shown: Json; job: Json }> {
      const res = await w.vsp('/v1/jobs/create', body);
      expect(res.status, `${JSON.stringify(body)}: ${JSON.stringify(res.body)}`).toBe(200);
      const shown = res.body.jobStatus;
      return { shown, job: await w.native('GET', `/api/v1/jobs/${shown.jobId.id}`) };
    }

    async function refused(body: unknown, status: number, field: string): Promise<void> {
      const res = await w.vsp('/mapi/v1/jobs/create', body);
      expect(res.status, `${JSON.stringify(body)}: ${JSON.stringify(res.body)}`).toBe(status);
      expect(res.body).toEqual({ code: expect.any(String), message: expect.stringContaining(field), details: field });
    }

    const mirror = (jobParams: Record<string, unknown>) => ({ jobType: 'BATCH_REPLICATE', bucketName: 'alpha', jobParams: { replicationMode: 'MIRROR', ...jobParams } });

    it('creates a replicate from BATCH_REPLICATE with replicationMode MIRROR, and still a copy without it or with COPY', async () => {
      const { shown, job } = await create(mirror({ sourcePrefix: 'docs/', targetBucket: 'beta', targetPrefix: '/mirror/', deleteExtraneous: 'true', dryRun: 'TRUE' }));
      expect(job).toMatchObject({
        type: 'replicate',
        libraryId: w.alpha,
        targetLibraryId: w.beta,
        params: { targetLibraryId: w.beta, sourcePath: '/docs', targetPath: '/mirror', deleteExtraneous: true, dryRun: true },
      });
      expect(shown).toEqual({
        jobId: { id: job.id },
        jobState: 'EXAMINING',
        jobType: 'BATCH_REPLICATE',
        jobParams: { replicationMode: 'MIRROR', targetBucket: 'beta', sourcePrefix: 'docs', targetPrefix: 'mirror', deleteExtraneous: 'true', dryRun: 'true' },
        jobStats: { processed: 0, failed: 0 },
        bucketName: 'alpha',
      });
      // Lower case, JSON booleans, and the whole bucket by default.
      const whole = await create({ jobType: 'BATCH_REPLICATE', bucketName: 'alpha', jobParams: { replicationMode: 'mirror', targetBucket: 'beta', dryRun: true } });
      expect(whole.job).toMatchObject({ type: 'replicate', params: { targetLibraryId: w.beta, sourcePath: '/', targetPath: '/', dryRun: true } });
      for (const jobParams of [{ sourcePrefix: 'top.txt', targetPrefix: 'copies' }, { replicationMode: 'COPY', sourcePrefix: 'top.txt', targetPrefix: 'copies' }]) {
        const copy = await create({ jobType: 'BATCH_REPLICATE', bucketName: 'alpha', jobParams });
        expect(copy.job).toMatchObject({ type: 'copy', params: { paths: ['/top.txt'], destination: '/copies' } });
        expect(copy.shown.jobParams.replicationMode).toBeUndefined();
      }
      for (const created of [job.id, whole.job.id]) await w.native('POST', `/api/v1/jobs/${created}/cancel`);
      const copies = (await w.native('GET', `/api/v1/jobs?type=copy&libraryId=${w.alpha}`)).jobs as Json[];
      for (const copy of copies.filter((c) => c.status === 'queued')) await w.native('POST', `/api/v1/jobs/${copy.id}/cancel`);
    });

    it('creates METRIC_RECONCILIATION as a verify and TRIGGER_RECONCILIATION as a verify that repairs', async () => {
      const metric = await create({ jobType: 'METRIC_RECONCILIATION', bucketName: 'alpha' });
      expect(metric.job).toMatchObject({ type: 'verify', libraryId: w.alpha, params: { repair: false } });
      expect(metric.job.params.path ?? '/').toBe('/');
      expect(metric.shown).toMatchObject({ jobType: 'METRIC_RECONCILIATION', jobState: 'EXAMINING', bucketName: 'alpha' });
      const trigger = await create({ jobType: 'TRIGGER_RECONCILIATION', bucketName: 'alpha', jobParams: { prefix: 'docs/' } });
      expect(trigger.job).toMatchObject({ type: 'verify', params: { path: '/docs', repair: true } });
      expect(trigger.shown).toMatchObject({ jobType: 'TRIGGER_RECONCILIATION', jobParams: { prefix: 'docs', repair: 'true' } });
      const status = await w.vsp('/v1/jobs/status', { jobId: { id: trigger.job.id } });
      expect(status.body.status).toEqual(trigger.shown);
      for (const { job } of [metric, trigger]) await w.native('POST', `/api/v1/jobs/${job.id}/cancel`);
    });

    it('refuses what it cannot translate, naming the jobParams key the client sent', async () => {
      const count = async () => (await w.vsp('/v1/jobs/list', { pageSize: 1000 })).body.jobs.length as number;
      const before = await count();
      await refused(mirror({ replicationMode: 'SYNC' }), 400, 'jobParams.replicationMode');
      await refused(mirror({ replicationMode: 7 }), 400, 'jobParams.replicationMode');
      await refused(mirror({ sourcePrefixes: '["docs/"]', targetBucket: 'beta' }), 400, 'jobParams.sourcePrefixes');
      await refused(mirror({ onConflict: 'skip', targetBucket: 'beta' }), 400, 'jobParams.onConflict');
      await refused(mirror({ dryRun: 'maybe', targetBucket: 'beta' }), 400, 'jobParams.dryRun');
      await refused(mirror({ deleteExtraneous: 1, targetBucket: 'beta' }), 400, 'jobParams.deleteExtraneous');
      await refused(mirror({ color: 'red', targetBucket: 'beta' }), 400, 'jobParams.color');
      await refused(mirror({ replicationFilter: 'NEWER', targetBucket: 'beta' }), 400, 'jobParams.replicationFilter');
      await refused(mirror({ sourcePrefix: 'a/../b', targetBucket: 'beta' }), 400, 'jobParams.sourcePrefix');
      await refused(mirror({ targetPrefix: 'x//y', targetBucket: 'beta' }), 400, 'jobParams.targetPrefix');
      await refused(mirror({ targetBucket: '' }), 400, 'jobParams.targetBucket');
      await refused(mirror({ targetBucket: 'nope' }), 404, 'jobParams.targetBucket');
      // Same bucket, overlapping folders: the replicate's own rule, in VSP's words.
      await refused(mirror({ sourcePrefix: 'docs', targetPrefix: 'docs/inner' }), 422, 'jobParams.targetPrefix');
      await refused({ jobType: 'METRIC_RECONCILIATION', bucketName: 'alpha', jobParams: { repair: 'true' } }, 400, 'jobParams.repair');
      await refused({ jobType: 'METRIC_RECONCILIATION', bucketName: 'alpha', jobParams: { prefix: '../up' } }, 400, 'jobParams.prefix');
      await refused({ jobType: 'TRIGGER_RECONCILIATION', bucketName: 'alpha', jobParams: { path: '/docs' } }, 400, 'jobParams.path');
      await refused({ jobType: 'TRIGGER_RECONCILIATION', bucketName: 'nope' }, 404, 'bucketName');
      // LIFECYCLE_UPDATE is a retention job (retention-dialects.test.ts): the bucket's own policy, no jobParams.
      await refused({ jobType: 'LIFECYCLE_UPDATE', bucketName: 'alpha', jobParams: { keepLast: '3' } }, 400, 'jobParams.keepLast');
      // A user who may only read the target bucket cannot mirror into it.
      const reader = await w.userToken('reader@example.com');
      for (const [lib, role] of [
        [w.alpha, 'WRITER'],
        [w.beta, 'READER'],
      ] as const) {
        await w.native('PUT', `/api/v1/libraries/${lib}/permissions`, {
          permissions: [
            { type: 'user', value: 'admin@example.com', role: 'ADMIN' },
            { type: 'user', value: 'reader@example.com', role },
          ],
        });
      }
      const denied = await w.vsp('/v1/jobs/create', mirror({ targetBucket: 'beta' }), reader);
      expect(denied.status, JSON.stringify(denied.body)).toBe(403);
      expect(await count()).toBe(before);
    });

    it('runs a mirror to COMPLETE (the target then equals the source; a second run changes nothing) and both reconciliations', async () => {
      await w.runEngine();
      const docs = Object.entries(ALPHA_FILES).filter(([p]) => p.startsWith('/docs/'));
      const results: Json[] = [];
      for (let run = 0; run < 2; run++) {
        const { job } = await create(mirror({ sourcePrefix: 'docs', targetBucket: 'beta', targetPrefix: 'mirror' }));
        const done = await w.settled(job.id);
        expect(done.status, JSON.stringify(done)).toBe('completed');
        results.push(done.result);
        const shown = (await w.vsp('/v1/jobs/status', { jobId: { id: job.id } })).body.status;
        expect(shown).toMatchObject({ jobState: 'COMPLETE', jobType: 'BATCH_REPLICATE', jobStats: { failed: 0 } });
        expect(shown.startTime).toMatch(/Z$/);
        expect(shown.completeTime).toMatch(/Z$/);
      }
      for (const [p, content] of docs) {
        const file = await w.call('GET', `/api/v1/libraries/${w.beta}/files/mirror${p.slice('/docs'.length)}`);
        expect(file.raw.toString('utf8'), p).toBe(content);
      }
      expect(results[0]).toMatchObject({ created: docs.length, updated: 0, trashed: 0 });
      expect(results[1]).toMatchObject({ created: 0, updated: 0, trashed: 0 });

      for (const jobType of ['METRIC_RECONCILIATION', 'TRIGGER_RECONCILIATION']) {
        const { job } = await create({ jobType, bucketName: 'alpha' });
        const done = await w.settled(job.id);
        expect(done.status, `${jobType}: ${JSON.stringify(done)}`).toBe('completed');
        const shown = (await w.vsp('/v1/jobs/status', { jobId: { id: job.id } })).body.status;
        expect(shown).toMatchObject({ jobType, jobState: 'COMPLETE', jobStats: { failed: 0 } });
      }
    });
  });
}
