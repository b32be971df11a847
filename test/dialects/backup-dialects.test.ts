/**
 * backup and restore_backup in the vendor dialects, on every driver, with real
 * jobs run by the engine: AvePoint lists them as jobType 1 and 2 with their
 * library's appType (a Gmail library: 1) and filters by both; AODocs names them
 * BACKUP and REVERT (docs/dialects/README.md).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { FAST_ENGINE } from '../support/engine.js';
import { startEngine } from '../../src/app.js';
import type { Engine } from '../../src/engine/engine.js';
import { FINAL_STATUSES } from '../../src/domain/jobs.js';

const factories = await driverFactories();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

for (const factory of factories) {
  describe(`backup jobs in the dialects on ${factory.name}`, () => {
    let t: TestApp;
    let engine: Engine;
    beforeEach(async () => {
      t = await startTestApp(factory);
      engine = await startEngine(t.app, FAST_ENGINE);
    });
    afterEach(async () => {
      await engine.stop();
      await t.dispose();
    });

    async function run(type: string, libraryId: string, params: Record<string, unknown>): Promise<{ id: number }> {
      const res = await t.call('POST', '/api/v1/jobs', { json: { type, libraryId, params } });
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      for (let i = 0; i < 3000; i++) {
        const job = await t.call('GET', `/api/v1/jobs/${res.body.id}`);
        if (FINAL_STATUSES.includes(job.body.status)) {
          expect(job.body.status).toBe('completed');
          return job.body;
        }
        await sleep(20);
      }
      throw new Error(`job ${res.body.id} never ended`);
    }

    it('AvePoint: jobType 1 (backup) and 2 (restore_backup) with the library’s appType; AODocs: BACKUP and REVERT', async () => {
      const gmail = (await t.call('POST', '/api/v1/libraries', { json: { name: 'Mail', appType: 1 } })).body.libraryId;
      const drive = (await t.call('POST', '/api/v1/libraries', { json: { name: 'Drive' } })).body.libraryId;
      expect((await t.call('PUT', `/api/v1/libraries/${gmail}/files/inbox/m1.eml`, { body: 'mail' })).status).toBeLessThan(300);
      const backup = await run('backup', gmail, {});
      const driveBackup = await run('backup', drive, {});
      const snapshotId = ((await t.call('GET', `/api/v1/jobs/${backup.id}`)).body.result as { snapshot: { id: number } }).snapshot.id;
      const restore = await run('restore_backup', gmail, { snapshotId, destination: '/restored' });

      const ave = async (query: string) => {
        const res = await t.call('GET', `/backup/google/admin/jobs?${query}`);
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        return res.body.jobs as Array<{ jobId: string | number; appType: number; jobType: number; status: number; dataSource: number }>;
      };
      const backups = await ave('jobType=1&appType=1');
      expect(backups.map((j) => String(j.jobId))).toEqual([String(backup.id)]);
      expect(backups[0]).toMatchObject({ appType: 1, jobType: 1, status: 2, dataSource: 1 });
      expect((await ave('jobType=1&appType=2')).map((j) => String(j.jobId))).toEqual([String(driveBackup.id)]);
      const restores = await ave('jobType=2');
      expect(restores.map((j) => String(j.jobId))).toEqual([String(restore.id)]);
      expect(restores[0]).toMatchObject({ appType: 1, jobType: 2, status: 2 });

      const aodocs = async (id: number) => {
        const res = await t.call('GET', `/api/job/v1/${id}`);
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        return res.body as { type: string; status: string; completed: boolean };
      };
      expect(await aodocs(backup.id)).toMatchObject({ type: 'BACKUP', status: 'COMPLETED', completed: true });
      expect(await aodocs(restore.id)).toMatchObject({ type: 'REVERT', status: 'COMPLETED', completed: true });
      const listed = await t.call('GET', `/api/job/v1/libraries/${gmail}?type=REVERT`);
      expect(listed.status, JSON.stringify(listed.body)).toBe(200);
      expect(listed.body.jobList.map((j: { jobId: string }) => j.jobId)).toEqual([String(restore.id)]);
    });
  });
}
