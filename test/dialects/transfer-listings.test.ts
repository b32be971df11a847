/**
 * The transfer job types (export, import, extract, replicate, report, verify)
 * in each vendor's listing, on every driver: each job submitted natively is
 * listed under the vendor name of docs/dialects/README.md's table (and only
 * where the vendor can name it), with the vendor's fields and enums, found by
 * the vendor's type filter, and read back one by one. AODocs names only
 * permission reports (LIBRARY_PERMISSION_EXTRACTION): inventory reports are
 * neither listed nor shown there, and its pages stay full around them. No
 * engine runs: the jobs stay queued, so every field is known.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { exact } from './support/aodocs-schemas.js';
import { transferWorld, type Json, type TransferWorld } from './support/transfer-world.js';

const factories = await driverFactories();

/** docs/dialects/README.md, written out: each seeded job's name per vendor (undefined: not listed there). */
interface Expected {
  aodocs?: string;
  avepoint?: number;
  koodrive?: [number, number];
  vsp?: string;
}

interface Seed {
  key: string;
  type: string;
  params: (w: TransferWorld) => Record<string, unknown>;
  expected: Expected;
}

const SEEDS: Seed[] = [
  { key: 'copy', type: 'copy', params: () => ({ paths: ['/top.txt'], destination: '/copies' }), expected: { aodocs: 'COPY_FILE', koodrive: [1, 101], vsp: 'BATCH_REPLICATE' } },
  { key: 'export', type: 'export', params: () => ({ paths: ['/docs', '/top.txt'], format: 'zip' }), expected: { aodocs: 'EXPORT_FOLDER', avepoint: 3, koodrive: [6, 601] } },
  {
    key: 'import',
    type: 'import',
    params: (w) => ({ source: { type: 'server_path', path: `${w.importRoot}/batch` }, destination: '/in' }),
    expected: { aodocs: 'IMPORT_FOLDER' },
  },
  { key: 'extractAll', type: 'extract', params: () => ({ path: '/arch.zip', destination: '/out' }), expected: { aodocs: 'IMPORT', koodrive: [5, 502] } },
  { key: 'extractSome', type: 'extract', params: () => ({ path: '/arch.zip', destination: '/out2', entries: ['a.txt'] }), expected: { aodocs: 'IMPORT', koodrive: [5, 503] } },
  {
    key: 'replicate',
    type: 'replicate',
    params: (w) => ({ targetLibraryId: w.beta, sourcePath: '/docs', targetPath: '/mirror', dryRun: true }),
    expected: { aodocs: 'EXPORT_TO_LIBRARY', vsp: 'BATCH_REPLICATE' },
  },
  { key: 'inventory', type: 'report', params: () => ({ format: 'csv' }), expected: { avepoint: 6 } },
  { key: 'inventoryJson', type: 'report', params: () => ({ format: 'json', kind: 'inventory' }), expected: { avepoint: 6 } },
  { key: 'permissions', type: 'report', params: () => ({ format: 'json', kind: 'permissions' }), expected: { aodocs: 'LIBRARY_PERMISSION_EXTRACTION', avepoint: 6 } },
  { key: 'verify', type: 'verify', params: () => ({}), expected: { aodocs: 'REFRESH_INDEX_STAT', vsp: 'METRIC_RECONCILIATION' } },
  { key: 'verifyDocs', type: 'verify', params: () => ({ path: '/docs', repair: false }), expected: { aodocs: 'REFRESH_INDEX_STAT', vsp: 'METRIC_RECONCILIATION' } },
  { key: 'repair', type: 'verify', params: () => ({ repair: true }), expected: { aodocs: 'REFRESH_INDEX_STAT', vsp: 'TRIGGER_RECONCILIATION' } },
];

const idsOf = (list: Json[], key: string) => list.map((j) => Number(j[key])).sort((a, b) => a - b);

for (const factory of factories) {
  describe(`transfer types in the vendor listings on ${factory.name}`, () => {
    let w: TransferWorld;
    /** Seed key → native job. */
    const jobs: Record<string, Json> = {};
    const seedsWhere = (pred: (e: Expected) => boolean) => SEEDS.filter((s) => pred(s.expected));
    const idsWhere = (pred: (e: Expected) => boolean) => seedsWhere(pred).map((s) => Number(jobs[s.key].id)).sort((a, b) => a - b);

    beforeAll(async () => {
      w = await transferWorld(factory);
      for (const seed of SEEDS) jobs[seed.key] = await w.submit(seed.type, w.alpha, seed.params(w));
    });
    afterAll(async () => {
      await w?.dispose();
    });

    it('AODocs lists each under its type, inventory reports not at all, and validates against ApiJobList', async () => {
      const res = await w.call('GET', `/api/job/v1/libraries/${w.alpha}?pageSize=1000`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(exact.ApiJobList(res.body), JSON.stringify(exact.ApiJobList.errors)).toBe(true);
      const byId = new Map<number, Json>(res.body.jobList.map((j: Json) => [Number(j.jobId), j]));
      expect([...byId.keys()].sort((a, b) => a - b)).toEqual(idsWhere((e) => e.aodocs !== undefined));
      for (const seed of seedsWhere((e) => e.aodocs !== undefined)) {
        const job = jobs[seed.key];
        expect(byId.get(job.id), seed.key).toEqual({
          kind: 'aodocs#job',
          jobId: String(job.id),
          libraryId: w.alpha,
          type: seed.expected.aodocs,
          status: 'IN_PROGRESS',
          completed: false,
          requestor: 'admin@example.com',
          lastActivityAt: Date.parse(job.lastActivityAt),
          succeededTasks: 0,
          failedTasks: 0,
          remainingTasks: job.counts.remaining,
          taskRetries: 0,
        });
      }
    });

    it('AODocs filters by each type; LIBRARY_PERMISSION_EXTRACTION is the permissions report alone', async () => {
      for (const type of ['EXPORT_FOLDER', 'IMPORT_FOLDER', 'IMPORT', 'EXPORT_TO_LIBRARY', 'LIBRARY_PERMISSION_EXTRACTION', 'REFRESH_INDEX_STAT']) {
        const res = await w.call('GET', `/api/job/v1/libraries/${w.alpha}?type=${type}`);
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        expect(idsOf(res.body.jobList, 'jobId'), type).toEqual(idsWhere((e) => e.aodocs === type));
      }
      const permissions = await w.call('GET', `/api/job/v1/libraries/${w.alpha}?type=LIBRARY_PERMISSION_EXTRACTION`);
      expect(permissions.body.jobList.map((j: Json) => j.jobId)).toEqual([String(jobs.permissions.id)]);
    });

    it('AODocs pages of one stay full around the reports it cannot name, to the end', async () => {
      const seen: number[] = [];
      let token: string | undefined;
      for (let page = 0; page < 50; page++) {
        const res = await w.call('GET', `/api/job/v1/libraries/${w.alpha}?pageSize=1&orderBy=started%20asc${token ? `&pageToken=${encodeURIComponent(token)}` : ''}`);
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        seen.push(...res.body.jobList.map((j: Json) => Number(j.jobId)));
        token = res.body.nextPageToken;
        if (token === undefined) break;
        expect(res.body.jobList).toHaveLength(1);
      }
      expect(seen.sort((a, b) => a - b)).toEqual(idsWhere((e) => e.aodocs !== undefined));
    });

    it('AODocs shows a permissions report and no inventory report by id, events or cancel', async () => {
      const one = await w.call('GET', `/api/job/v1/${jobs.permissions.id}`);
      expect(one.status).toBe(200);
      expect(exact.ApiJob(one.body)).toBe(true);
      expect(one.body).toMatchObject({ jobId: String(jobs.permissions.id), type: 'LIBRARY_PERMISSION_EXTRACTION' });
      for (const key of ['inventory', 'inventoryJson']) {
        for (const [method, url] of [
          ['GET', `/api/job/v1/${jobs[key].id}`],
          ['GET', `/api/job/v1/events/${jobs[key].id}`],
          ['POST', `/api/job/v1/${jobs[key].id}/cancel`],
        ] as const) {
          const res = await w.call(method, url);
          expect(res.status, `${method} ${url}`).toBe(404);
          expect(res.body.error, JSON.stringify(res.body)).toMatchObject({ code: 404 });
        }
      }
      // The refused cancel left it queued.
      expect((await w.native('GET', `/api/v1/jobs/${jobs.inventory.id}`)).status).toBe('queued');
    });

    it('AvePoint lists export as 3 and every report as 6, and nothing else of these', async () => {
      const all = await w.call('GET', '/backup/google/admin/jobs?pageSize=1000');
      expect(all.status, JSON.stringify(all.body)).toBe(200);
      expect(idsOf(all.body.jobs, 'jobId')).toEqual(idsWhere((e) => e.avepoint !== undefined));
      for (const job of all.body.jobs as Json[]) {
        const seed = SEEDS.find((s) => jobs[s.key].id === Number(job.jobId))!;
        expect(job).toEqual({ jobId: String(jobs[seed.key].id), appType: 2, jobType: seed.expected.avepoint, dataSource: 1, status: 0, progress: 0, startTime: null, finishTime: null, operator: expect.any(String) });
      }
      for (const code of [3, 6]) {
        for (const query of [`jobType=${code}`, `jobtype=${code}&status=0`]) {
          const res = await w.call('GET', `/backup/google/admin/jobs?${query}`);
          expect(res.status).toBe(200);
          expect(idsOf(res.body.jobs, 'jobId'), query).toEqual(idsWhere((e) => e.avepoint === code));
        }
      }
      const finished = await w.call('GET', '/backup/google/admin/jobs?jobType=6&jobStatus=2');
      expect(finished.body.jobs).toEqual([]);
    });

    it('KooDrive lists decompression as 5/502 or 5/503 and package download as 6/601, one file each requested', async () => {
      const all = await w.koo('GET', '/jobs?offset=0&limit=100');
      expect(all.status, JSON.stringify(all.body)).toBe(200);
      const byId = new Map<number, Json>(all.body.data.map((j: Json) => [Number(j.taskId), j]));
      expect([...byId.keys()].sort((a, b) => a - b)).toEqual(idsWhere((e) => e.koodrive !== undefined));
      for (const seed of seedsWhere((e) => e.koodrive !== undefined)) {
        const info = byId.get(jobs[seed.key].id);
        const [taskType, actionType] = seed.expected.koodrive!;
        const requested = seed.type === 'extract' ? 1 : (jobs[seed.key].params.paths as string[]).length;
        expect(info, seed.key).toMatchObject({ taskType, actionType, status: 0, contentNum: requested, containerId: w.alpha, tenantId: 'example.com' });
        expect(info.endTime).toBeUndefined();
        expect(info.downloadUrl).toBeUndefined();
      }
      for (const type of [5, 6]) {
        const res = await w.koo('GET', `/jobs?type=${type}&offset=0&limit=100`);
        expect(idsOf(res.body.data, 'taskId'), `type ${type}`).toEqual(idsWhere((e) => e.koodrive?.[0] === type));
      }
    });

    it('KooDrive reads one back with its taskInfos: the files it was asked for, not done yet', async () => {
      const cases: Array<[string, string[]]> = [
        ['export', ['/docs', '/top.txt']],
        ['extractAll', ['/arch.zip']],
        ['extractSome', ['/arch.zip']],
      ];
      for (const [key, files] of cases) {
        const res = await w.koo('GET', `/${jobs[key].id}`);
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        expect(res.body.data.jobInfo).toMatchObject({ taskId: String(jobs[key].id), status: 0, userId: String(w.admin.id), progress: 0 });
        expect(res.body.data.jobInfo.downloadUrl).toBeUndefined();
        expect(res.body.data.taskInfos, key).toEqual(files.map((filePath) => ({ filePath, srcContainerId: w.alpha, status: '0' })));
      }
      for (const key of ['import', 'replicate', 'inventory', 'verify']) expect((await w.koo('GET', `/${jobs[key].id}`)).status, key).toBe(404);
    });

    it('VSP One lists replicate and copy as BATCH_REPLICATE (replicationMode MIRROR tells them apart) and verify as METRIC_ or TRIGGER_RECONCILIATION', async () => {
      const res = await w.vsp('/v1/jobs/list', { bucketName: 'alpha', pageSize: 1000 });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      const byId = new Map<number, Json>(res.body.jobs.map((j: Json) => [j.jobId.id, j]));
      expect([...byId.keys()].sort((a, b) => a - b)).toEqual(idsWhere((e) => e.vsp !== undefined));
      for (const seed of seedsWhere((e) => e.vsp !== undefined)) {
        const job = jobs[seed.key];
        const shown = byId.get(job.id);
        expect(shown, seed.key).toEqual({ jobId: { id: job.id }, jobState: 'EXAMINING', jobType: seed.expected.vsp, jobParams: expect.any(Object), jobStats: { processed: 0, failed: 0 }, bucketName: 'alpha' });
        for (const value of Object.values(shown.jobParams)) expect(typeof value).toBe('string');
      }
      // The flags as the job holds them (the operation may store its defaults), as VSP's strings.
      const flags = Object.fromEntries(['deleteExtraneous', 'dryRun'].filter((k) => k in jobs.replicate.params).map((k) => [k, String(jobs.replicate.params[k])]));
      expect(byId.get(jobs.replicate.id).jobParams).toEqual({ replicationMode: 'MIRROR', targetBucket: 'beta', sourcePrefix: 'docs', targetPrefix: 'mirror', ...flags });
      expect(flags.dryRun).toBe('true');
      const onConflict = typeof jobs.copy.params.onConflict === 'string' ? { onConflict: jobs.copy.params.onConflict } : {};
      expect(byId.get(jobs.copy.id).jobParams).toEqual({ sourcePrefix: 'top.txt', targetBucket: 'alpha', targetPrefix: 'copies', ...onConflict });
      for (const key of ['verify', 'verifyDocs', 'repair']) {
        const params = jobs[key].params as Record<string, unknown>;
        expect(byId.get(jobs[key].id).jobParams, key).toEqual({
          ...(typeof params.path === 'string' ? { prefix: params.path.slice(1) } : {}),
          ...(typeof params.repair === 'boolean' ? { repair: String(params.repair) } : {}),
        });
      }
      for (const key of ['verify', 'repair', 'replicate']) {
        const one = await w.vsp('/v1/jobs/status', { jobId: { id: jobs[key].id } });
        expect(one.body.status, key).toEqual(byId.get(jobs[key].id));
      }
      const gone = await w.vsp('/v1/jobs/status', { jobId: { id: jobs.export.id } });
      expect(gone.status).toBe(404);
    });
  });
}
