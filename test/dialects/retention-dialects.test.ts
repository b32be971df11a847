/**
 * The retention job in the vendor dialects, on every driver: AvePoint's page
 * sample (a Retention job of a Gmail library, from the admin portal, run by
 * System, one Finished, one Failed) made for real — a schedule fires a
 * retention job on an appType 1 library, the engine runs it, and AvePoint's
 * listing renders it as the sample does; another fires on a library archived
 * before the job runs, which fails at 100% as the sample's second job (times
 * are the jobs' own: test/dialects/avepoint.test.ts renders the sample's exact
 * times from stored jobs); VSP One's `jobs/create` makes
 * LIFECYCLE_UPDATE a retention job that runs to COMPLETE; AODocs has no
 * retention type and lists one as UNKNOWN (DESIGN.md's table).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { FAST_ENGINE } from '../support/engine.js';
import { startEngine } from '../../src/app.js';
import type { Engine } from '../../src/engine/engine.js';
import { FINAL_STATUSES } from '../../src/domain/jobs.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { transferWorld, type TransferWorld } from './support/transfer-world.js';

const factories = await driverFactories();

/** The AvePoint page's response sample: two Retention jobs of Gmail run by System, one Finished, one Failed. */
const AVEPOINT_SAMPLE_FAILED = {
  jobId: 'GDIG20240909071817',
  appType: 1,
  jobType: 5,
  dataSource: 1,
  status: 3,
  progress: 100.0,
  startTime: '2024-09-09T07:18:17+00:00',
  finishTime: '2024-09-09T07:22:34.984+00:00',
  operator: 'System',
};
const AVEPOINT_SAMPLE_RETENTION = {
  jobId: 'GDIG20241009053431',
  appType: 1,
  jobType: 5,
  dataSource: 1,
  status: 2,
  progress: 100.0,
  startTime: '2024-10-09T05:34:31+00:00',
  finishTime: '2024-10-09T05:50:36.008+00:00',
  operator: 'System',
};

for (const factory of factories) {
  describe(`retention in AvePoint on ${factory.name}: the page's sample, for real`, () => {
    let t: TestApp;
    let engine: Engine | undefined;
    beforeAll(async () => {
      t = await startTestApp(factory);
    });
    afterAll(async () => {
      await engine?.stop();
      await t?.dispose();
    });

    it('scheduled retention jobs of Gmail libraries render as the sample: Retention, Gmail, admin portal, Finished (and Failed), 100, by System', async () => {
      const lib = await t.call('POST', '/api/v1/libraries', { json: { name: 'Gmail', appType: 1, retention: { keepDaily: 7 } } });
      expect(lib.status).toBe(201);
      const libraryId: string = lib.body.libraryId;
      // Every day at 05:34:31 UTC: the sample's start time.
      const schedule = await t.call('POST', '/api/v1/schedules', { json: { libraryId, type: 'retention', params: {}, cron: '31 34 5 * * *', timeZone: 'UTC' } });
      expect(schedule.status, JSON.stringify(schedule.body)).toBe(201);
      // Due now (the tick passed while no engine ran): the engine fires it once, as the system.
      await t.app.driver.db.updateTable('schedules').set({ next_fire_at: Date.now() - 1000 }).where('id', '=', schedule.body.id).execute();
      engine = await startEngine(t.app, { ...FAST_ENGINE, scheduleTickMs: 20 });

      async function settled(id: number) {
        for (let waited = 0; ; waited += 20) {
          const job = (await t.call('GET', `/api/v1/jobs/${id}`)).body;
          if (FINAL_STATUSES.includes(job.status)) return job;
          if (waited > 20_000) throw new Error(`job ${id} did not end: ${JSON.stringify(job)}`);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }

      let jobId: number | undefined;
      for (let waited = 0; ; waited += 20) {
        const listed = await t.call('GET', `/api/v1/jobs?libraryId=${libraryId}&type=retention`);
        const job = listed.body.jobs?.[0];
        if (job && FINAL_STATUSES.includes(job.status)) {
          jobId = job.id;
          expect(job).toMatchObject({ type: 'retention', status: 'completed', origin: 'system' });
          break;
        }
        if (waited > 20_000) throw new Error(`no retention job ended: ${JSON.stringify(listed.body)}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }

      const res = await t.call('GET', '/backup/google/admin/jobs?appType=1&jobType=5');
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.jobs).toHaveLength(1);
      const [rendered] = res.body.jobs;
      // The sample's every field, with its type; its values wherever the situation decides them.
      expect(Object.keys(rendered).sort()).toEqual(Object.keys(AVEPOINT_SAMPLE_RETENTION).sort());
      const { jobId: _sampleId, startTime: _sampleStart, finishTime: _sampleFinish, ...sampleFields } = AVEPOINT_SAMPLE_RETENTION;
      const { jobId: renderedId, startTime, finishTime, ...fields } = rendered;
      expect(fields).toEqual(sampleFields);
      expect(renderedId).toBe(String(jobId));
      // Its own times, written as the sample writes them (UTC, +00:00, milliseconds when there are some).
      const native = (await t.call('GET', `/api/v1/jobs/${jobId}`)).body;
      const aveTime = (iso: string) => iso.replace(/\.000Z$/, 'Z').replace(/Z$/, '+00:00');
      expect(startTime).toBe(aveTime(native.startedAt));
      expect(finishTime).toBe(aveTime(native.finishedAt));
      for (const time of [startTime, finishTime, _sampleStart, _sampleFinish]) expect(time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,3})?\+00:00$/);
      // The sample's second job, Failed at 100%: the schedule of another Gmail library fires, then
      // the library is archived before the job runs, so its old trash cannot be purged.
      const lib2 = (await t.call('POST', '/api/v1/libraries', { json: { name: 'Gmail archive', appType: 1, daysBeforeDelete: 0 } })).body.libraryId as string;
      expect((await t.call('PUT', `/api/v1/libraries/${lib2}/files/old.txt`, { body: 'old' })).status).toBe(201);
      const trash = await t.call('POST', '/api/v1/jobs', { json: { type: 'trash', libraryId: lib2, params: { paths: ['/old.txt'] } } });
      expect((await settled(trash.body.id)).status).toBe('completed');
      await engine.stop();
      engine = undefined;
      const schedule2 = await t.call('POST', '/api/v1/schedules', { json: { libraryId: lib2, type: 'retention', params: {}, cron: '17 18 7 * * *', timeZone: 'UTC' } });
      expect(schedule2.status, JSON.stringify(schedule2.body)).toBe(201);
      await t.app.driver.db.updateTable('schedules').set({ next_fire_at: Date.now() - 1000 }).where('id', '=', schedule2.body.id).execute();
      const fired = await t.app.scheduleFiring.fireDue(Date.now());
      expect(fired).toHaveLength(1);
      expect((await t.call('PATCH', `/api/v1/libraries/${lib2}`, { json: { state: 'ARCHIVED' } })).status).toBe(200);
      engine = await startEngine(t.app, { ...FAST_ENGINE, scheduleTickMs: 0 });
      const failedId = (await t.call('GET', `/api/v1/jobs?libraryId=${lib2}&type=retention`)).body.jobs[0].id as number;
      const failed = await settled(failedId);
      expect(failed).toMatchObject({ status: 'failed', origin: 'system', counts: { total: 1, failed: 1 } });
      const both = (await t.call('GET', '/backup/google/admin/jobs?appType=1&jobType=5')).body.jobs;
      expect(both.map((j: { jobId: string }) => j.jobId)).toEqual([String(failedId), String(jobId)]);
      const { jobId: _id2, startTime: start2, finishTime: finish2, ...failedFields } = both[0];
      const { jobId: _s2, startTime: _ss2, finishTime: _sf2, ...sampleFailed } = AVEPOINT_SAMPLE_FAILED;
      expect(failedFields).toEqual(sampleFailed);
      expect([start2, finish2]).toEqual([aveTime(failed.startedAt), aveTime(failed.finishedAt)]);

      // AODocs has no retention type: its job listing of the library shows the job as UNKNOWN.
      const aodocs = await t.call('GET', `/api/job/v1/libraries/${libraryId}`);
      expect(aodocs.status, JSON.stringify(aodocs.body)).toBe(200);
      expect(aodocs.body.jobList.map((j: { type: string }) => j.type)).toEqual(['UNKNOWN']);
    });
  });

  describe(`retention in VSP One on ${factory.name}: LIFECYCLE_UPDATE`, () => {
    let w: TransferWorld;
    beforeAll(async () => {
      w = await transferWorld(factory);
    });
    afterAll(async () => {
      await w?.dispose();
    });

    it('jobs/create makes a retention job of the bucket, which runs to COMPLETE and is listed as LIFECYCLE_UPDATE', async () => {
      const res = await w.vsp('/v1/jobs/create', { jobType: 'LIFECYCLE_UPDATE', bucketName: 'alpha' });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      const shown = res.body.jobStatus;
      expect(shown).toMatchObject({ jobType: 'LIFECYCLE_UPDATE', bucketName: 'alpha', jobState: 'EXAMINING', jobStats: { processed: 0, failed: 0 } });
      const job = await w.native('GET', `/api/v1/jobs/${shown.jobId.id}`);
      expect(job).toMatchObject({ type: 'retention', libraryId: w.alpha, params: {} });
      await w.runEngine();
      expect((await w.settled(job.id)).status).toBe('completed');
      const status = await w.vsp('/mapi/v1/jobs/status', { jobId: { id: job.id } });
      expect(status.body.status).toMatchObject({ jobId: { id: job.id }, jobType: 'LIFECYCLE_UPDATE', jobState: 'COMPLETE' });
      const listed = await w.vsp('/v1/jobs/list', { bucketName: 'alpha' });
      expect(listed.body.jobs.map((j: { jobId: { id: number }; jobType: string }) => [j.jobId.id, j.jobType])).toContainEqual([job.id, 'LIFECYCLE_UPDATE']);
      // The policy is the bucket's own: jobParams has nothing to say.
      const refused = await w.vsp('/v1/jobs/create', { jobType: 'LIFECYCLE_UPDATE', bucketName: 'alpha', jobParams: { keepLast: '3' } });
      expect(refused.status).toBe(400);
      expect(refused.body).toEqual({ code: expect.any(String), message: expect.stringContaining('jobParams.keepLast'), details: 'jobParams.keepLast' });
    });
  });
}
