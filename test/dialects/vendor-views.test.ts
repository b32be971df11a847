/**
 * "Seen by vendor APIs" on every driver: GET /api/v1/jobs/{id}/vendor-views
 * renders a job as each dialect's own route answers it. For each view the
 * test makes the request the view names, with that vendor's own client
 * (AODocs bearer, AvePoint's listing, KooDrive's app headers, VSP One's XSRF
 * flow), and expects the same body; where a view says the vendor cannot
 * name the job, the vendor's own read does not show it either.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { transferWorld, type Json, type TransferWorld } from './support/transfer-world.js';

const factories = await driverFactories();

const DIALECTS = ['aodocs', 'avepoint', 'koodrive', 'vsp-one'];
const KOO = '/koodrive/ose/v1';

interface Seed {
  key: string;
  type: string;
  params: (w: TransferWorld) => Record<string, unknown>;
  /** The dialects that can name it. */
  named: string[];
}

const SEEDS: Seed[] = [
  { key: 'copy', type: 'copy', params: () => ({ paths: ['/top.txt'], destination: '/copies' }), named: ['aodocs', 'koodrive', 'vsp-one'] },
  { key: 'trash', type: 'trash', params: () => ({ paths: ['/docs/b.txt'] }), named: ['aodocs', 'avepoint', 'koodrive'] },
  { key: 'export', type: 'export', params: () => ({ paths: ['/docs'], format: 'zip' }), named: ['aodocs', 'avepoint', 'koodrive'] },
  { key: 'inventory', type: 'report', params: () => ({ format: 'csv' }), named: ['avepoint'] },
  { key: 'repair', type: 'verify', params: () => ({ repair: true }), named: ['aodocs', 'vsp-one'] },
];

for (const factory of factories) {
  describe(`vendor views of a job on ${factory.name}`, () => {
    let w: TransferWorld;
    const jobs: Record<string, Json> = {};

    beforeAll(async () => {
      w = await transferWorld(factory);
      for (const seed of SEEDS) jobs[seed.key] = await w.submit(seed.type, w.alpha, seed.params(w));
    });
    afterAll(async () => {
      await w?.dispose();
    });

    /** What the vendor's own client gets for the request a view names (AvePoint: the job's entry in the listing). */
    async function vendorAnswer(view: Json, jobId: number): Promise<Json> {
      const res =
        view.dialect === 'koodrive'
          ? await w.koo(view.method, view.path.slice(KOO.length))
          : view.dialect === 'vsp-one'
            ? await w.vsp(view.path, view.requestBody)
            : await w.call(view.method, view.path);
      expect(res.status, `${view.dialect} ${view.path}: ${JSON.stringify(res.body)}`).toBe(200);
      if (view.dialect !== 'avepoint') return res.body;
      return (res.body.jobs as Json[]).find((j) => j.jobId === String(jobId));
    }

    /** Whether the vendor's own read shows the job at all. */
    async function vendorShows(dialect: string, jobId: number): Promise<boolean> {
      if (dialect === 'aodocs') return (await w.call('GET', `/api/job/v1/${jobId}`)).status === 200;
      if (dialect === 'koodrive') return (await w.koo('GET', `/${jobId}`)).status === 200;
      if (dialect === 'vsp-one') return (await w.vsp('/v1/jobs/status', { jobId: { id: jobId } })).status === 200;
      const all = await w.call('GET', '/backup/google/admin/jobs?pageSize=1000');
      const self = await w.call('GET', '/backup/google/admin/jobs?pageSize=1000&dataSource=2');
      return [...all.body.jobs, ...self.body.jobs].some((j: Json) => j.jobId === String(jobId));
    }

    async function expectViewsMatch(key: string) {
      const seed = SEEDS.find((s) => s.key === key)!;
      const job = jobs[key];
      const res = await w.call('GET', `/api/v1/jobs/${job.id}/vendor-views`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      const views: Json[] = res.body.views;
      expect(views.map((v) => v.dialect)).toEqual(DIALECTS);
      for (const view of views) {
        const named = seed.named.includes(view.dialect);
        expect(view.available, `${key} in ${view.dialect}: ${JSON.stringify(view)}`).toBe(named);
        if (!named) {
          expect(view.reason, `${key} in ${view.dialect}`).toEqual(expect.any(String));
          expect(await vendorShows(view.dialect, job.id), `${key} in ${view.dialect}`).toBe(false);
          continue;
        }
        expect(await vendorAnswer(view, job.id), `${key} in ${view.dialect}`).toEqual(view.body);
      }
    }

    for (const seed of SEEDS) {
      it(`renders a queued ${seed.key} job as each vendor's own read answers it`, async () => {
        await expectViewsMatch(seed.key);
      });
    }

    it("tells a user who is not a domain admin that AvePoint's API is not theirs, and shows the rest as their own calls would", async () => {
      const carol = await w.userToken('carol@example.com');
      await w.native('PUT', `/api/v1/libraries/${w.alpha}/permissions`, {
        permissions: [
          { type: 'user', value: 'admin@example.com', role: 'ADMIN' },
          { type: 'user', value: 'carol@example.com', role: 'WRITER' },
        ],
      });
      await w.upload(w.alpha, '/carol.txt', 'carol');
      const job = await w.native('POST', '/api/v1/jobs', { type: 'trash', libraryId: w.alpha, params: { paths: ['/carol.txt'] } }, carol.token);
      const res = await w.call('GET', `/api/v1/jobs/${job.id}/vendor-views`, { token: carol.token });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      const byDialect = Object.fromEntries((res.body.views as Json[]).map((v) => [v.dialect, v]));
      expect(byDialect.avepoint).toEqual({ dialect: 'avepoint', available: false, reason: expect.stringContaining('domain administrators') });
      expect((await w.call('GET', '/backup/google/admin/jobs', { token: carol.token })).status).toBe(403);
      const own = await w.call('GET', byDialect.aodocs.path, { token: carol.token });
      expect(own.status).toBe(200);
      expect(own.body).toEqual(byDialect.aodocs.body);
      const koo = await w.koo('GET', byDialect.koodrive.path.slice(KOO.length), { as: carol });
      expect(koo.body).toEqual(byDialect.koodrive.body);
      expect(byDialect['vsp-one']).toMatchObject({ available: false });
    });

    it('renders an ended copy as each vendor answers it, and is 404 to a user who may not see the job', async () => {
      await w.runEngine();
      expect((await w.settled(jobs.copy.id)).status).toBe('completed');
      await expectViewsMatch('copy');
      const bob = await w.userToken('bob@example.com');
      const hidden = await w.call('GET', `/api/v1/jobs/${jobs.copy.id}/vendor-views`, { token: bob.token });
      expect(hidden.status).toBe(404);
      expect(hidden.body.error.code).toBe('NOT_FOUND');
    });
  });
}
