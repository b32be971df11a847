/**
 * KooDrive's transfer tasks over HTTP, on every driver: package download
 * (6/601 → export) and cloud decompression (5/502 all, 5/503 the
 * `uncompressFilePaths` → extract) created through `POST /koodrive/ose/v1/jobs`
 * by path or file id, every bad request a KooDrive `{code, msg}` naming the
 * field the client sent, and, with the engine: a package download that ends
 * with a `downloadUrl` serving its zip to a client without the token, that zip
 * decompressed into another space, and a task's `taskInfos` telling which of
 * its files failed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { ALPHA_FILES, transferWorld, ZIP_ENTRIES, type Json, type TransferWorld } from './support/transfer-world.js';

const factories = await driverFactories();

for (const factory of factories) {
  describe(`KooDrive transfer tasks on ${factory.name}`, () => {
    let w: TransferWorld;
    /** Path → item id in alpha. */
    const ids: Record<string, number> = {};

    beforeAll(async () => {
      w = await transferWorld(factory);
      for (const folder of ['/', '/docs']) {
        const page = await w.native('GET', `/api/v1/libraries/${w.alpha}/items?path=${encodeURIComponent(folder)}`);
        for (const item of page.items as Json[]) ids[item.path] = item.id;
      }
    });
    afterAll(async () => {
      await w?.dispose();
    });

    async function create(body: unknown): Promise<Json> {
      const res = await w.koo('POST', '/jobs', { json: body });
      expect(res.status, `${JSON.stringify(body)}: ${JSON.stringify(res.body)}`).toBe(200);
      expect(res.body).toEqual({ code: 0, msg: 'OK', data: expect.stringMatching(/^\d+$/) });
      return w.native('GET', `/api/v1/jobs/${res.body.data}`);
    }

    async function refused(body: unknown, status: number, field: string): Promise<void> {
      const res = await w.koo('POST', '/jobs', { json: body });
      expect(res.status, `${JSON.stringify(body)}: ${JSON.stringify(res.body)}`).toBe(status);
      expect(res.body).toEqual({ code: String(status), msg: expect.stringContaining(field) });
    }

    /** Files under `folder` (recursively) of a library: path → content. */
    async function filesUnder(libraryId: string, folder: string): Promise<Record<string, string>> {
      const out: Record<string, string> = {};
      const page = await w.native('GET', `/api/v1/libraries/${libraryId}/items?limit=1000&path=${encodeURIComponent(folder)}`);
      for (const item of page.items as Json[]) {
        if (item.kind === 'folder') Object.assign(out, await filesUnder(libraryId, item.path));
        else out[item.path] = (await w.call('GET', `/api/v1/libraries/${libraryId}/files${item.path}`)).raw.toString('utf8');
      }
      return out;
    }

    it('creates package downloads (6/601) by path or by file id: an export of those items as a zip', async () => {
      const byPath = await create({ taskType: 6, actionType: 601, taskInfo: { srcContainerId: w.alpha, fileInfo: [{ filePath: '/docs' }, { filePath: '/top.txt' }] } });
      expect(byPath).toMatchObject({ type: 'export', libraryId: w.alpha, targetLibraryId: null, status: 'queued', params: { paths: ['/docs', '/top.txt'], format: 'zip' } });
      const byId = await create({ taskType: 6, taskInfo: { srcContainerId: w.alpha, fileInfo: [{ fileId: String(ids['/docs/a.txt']) }, { fileId: ids['/top.txt'] }] }, dstContainerId: w.alpha });
      expect(byId).toMatchObject({ type: 'export', params: { paths: ['/docs/a.txt', '/top.txt'], format: 'zip' } });
      const listed = await w.koo('GET', '/jobs?type=6&offset=0&limit=100');
      expect(listed.body.data.map((j: Json) => [j.taskId, j.taskType, j.actionType, j.contentNum])).toEqual([
        [String(byPath.id), 6, 601, 2],
        [String(byId.id), 6, 601, 2],
      ]);
      // The ids became the paths the export packs: its files show by path.
      const detail = await w.koo('GET', `/${byId.id}`);
      expect(detail.body.data.taskInfos).toEqual([
        { filePath: '/docs/a.txt', srcContainerId: w.alpha, status: '0' },
        { filePath: '/top.txt', srcContainerId: w.alpha, status: '0' },
      ]);
      for (const job of [byPath, byId]) await w.native('POST', `/api/v1/jobs/${job.id}/cancel`);
    });

    it('creates cloud decompressions: 502 the whole archive (into newFilePath, or its own folder), 503 the listed entries', async () => {
      const all = await create({ taskType: 5, actionType: 502, taskInfo: { srcContainerId: w.alpha, fileInfo: [{ filePath: '/arch.zip' }], newFilePath: '/unzipped' }, dstContainerId: w.alpha });
      expect(all).toMatchObject({ type: 'extract', libraryId: w.alpha, params: { path: '/arch.zip', destination: '/unzipped' } });
      expect(all.params.entries).toBeUndefined();
      const here = await create({ taskType: 5, taskInfo: { srcContainerId: w.alpha, fileInfo: [{ fileId: ids['/arch.zip'] }] } });
      expect(here).toMatchObject({ type: 'extract', params: { path: '/arch.zip', destination: '/' } });
      const some = await create({ taskType: 5, actionType: 503, taskInfo: { srcContainerId: w.alpha, fileInfo: [{ filePath: 'arch.zip' }], newFilePath: '/part', uncompressFilePaths: ['sub/b.txt'] } });
      expect(some).toMatchObject({ type: 'extract', params: { path: '/arch.zip', destination: '/part', entries: ['sub/b.txt'] } });
      const listed = await w.koo('GET', '/jobs?type=5&offset=0&limit=100');
      expect(listed.body.data.map((j: Json) => [j.taskId, j.actionType, j.contentNum])).toEqual([
        [String(all.id), 502, 1],
        [String(here.id), 502, 1],
        [String(some.id), 503, 1],
      ]);
      for (const job of [all, here, some]) await w.native('POST', `/api/v1/jobs/${job.id}/cancel`);
    });

    it('refuses bad decompression and package requests, naming the KooDrive field', async () => {
      const before = (await w.koo('GET', '/jobs?offset=0&limit=100')).body.data.length;
      const archive = { srcContainerId: w.alpha, fileInfo: [{ filePath: '/arch.zip' }] };
      const docs = { srcContainerId: w.alpha, fileInfo: [{ filePath: '/docs' }] };
      await refused({ taskType: 5, actionType: 501, taskInfo: archive }, 400, 'actionType');
      await refused({ taskType: 5, actionType: 601, taskInfo: archive }, 400, 'actionType');
      await refused({ taskType: 6, actionType: 502, taskInfo: docs }, 400, 'actionType');
      await refused({ taskType: 5, taskInfo: { srcContainerId: w.alpha } }, 400, 'taskInfo.fileInfo');
      await refused({ taskType: 5, taskInfo: { ...archive, fileInfo: [{ filePath: '/arch.zip' }, { filePath: '/top.txt' }] } }, 400, 'taskInfo.fileInfo');
      await refused({ taskType: 5, taskInfo: { srcContainerId: w.alpha, fileInfo: [{}] } }, 400, 'taskInfo.fileInfo[0]');
      await refused({ taskType: 5, taskInfo: { srcContainerId: w.alpha, fileInfo: [{ filePath: '../arch.zip' }] } }, 400, 'taskInfo.fileInfo[0].filePath');
      await refused({ taskType: 5, taskInfo: { srcContainerId: w.alpha, fileInfo: [{ fileId: '99999999' }] } }, 404, 'taskInfo.fileInfo[0].fileId');
      await refused({ taskType: 5, taskInfo: { ...archive, newFilePath: '/a/../b' } }, 400, 'taskInfo.newFilePath');
      await refused({ taskType: 5, actionType: 502, taskInfo: { ...archive, uncompressFilePaths: ['a.txt'] } }, 400, 'taskInfo.uncompressFilePaths');
      await refused({ taskType: 5, actionType: 503, taskInfo: archive }, 400, 'taskInfo.uncompressFilePaths');
      await refused({ taskType: 5, actionType: 503, taskInfo: { ...archive, uncompressFilePaths: [] } }, 400, 'taskInfo.uncompressFilePaths');
      await refused({ taskType: 5, actionType: 503, taskInfo: { ...archive, uncompressFilePaths: [''] } }, 400, 'taskInfo.uncompressFilePaths[0]');
      await refused({ taskType: 5, actionType: 503, taskInfo: { ...archive, uncompressFilePaths: 'a.txt' } }, 400, 'taskInfo.uncompressFilePaths');
      await refused({ taskType: 5, taskInfo: archive, dstContainerId: w.beta }, 400, 'dstContainerId');
      await refused({ taskType: 5, taskInfo: archive, password: 'secret' }, 400, 'password');
      await refused({ taskType: 6, taskInfo: { ...docs, newFilePath: '/x' } }, 400, 'taskInfo.newFilePath');
      await refused({ taskType: 6, taskInfo: { ...docs, uncompressFilePaths: ['a.txt'] } }, 400, 'taskInfo.uncompressFilePaths');
      await refused({ taskType: 6, taskInfo: { srcContainerId: w.alpha, fileInfo: [] } }, 400, 'taskInfo.fileInfo');
      await refused({ taskType: 6, taskInfo: { srcContainerId: w.alpha, fileInfo: [{ filePath: '/ok' }, { filePath: 'a//b' }] } }, 400, 'taskInfo.fileInfo[1].filePath');
      await refused({ taskType: 6, taskInfo: { srcContainerId: w.alpha, fileInfo: [{ fileId: ids['/top.txt'] }, { fileId: '88888888' }] } }, 404, 'taskInfo.fileInfo[1].fileId');
      await refused({ taskType: 6, taskInfo: { srcContainerId: w.alpha, fileInfo: [{ fileId: 'x1' }] } }, 400, 'taskInfo.fileInfo[0].fileId');
      await refused({ taskType: 6, taskInfo: docs, dstContainerId: w.beta }, 400, 'dstContainerId');
      await refused({ taskType: 6, taskInfo: { ...docs, srcContainerId: 'nosuchspace' } }, 404, 'nosuchspace');
      // Someone who may only read the space: a package download is a read, a decompression writes.
      const reader = await w.userToken('reader@example.com');
      await w.native('PUT', `/api/v1/libraries/${w.alpha}/permissions`, {
        permissions: [
          { type: 'user', value: 'admin@example.com', role: 'ADMIN' },
          { type: 'user', value: 'reader@example.com', role: 'READER' },
        ],
      });
      const write = await w.koo('POST', '/jobs', { as: reader, json: { taskType: 5, taskInfo: archive } });
      expect(write.status, JSON.stringify(write.body)).toBe(403);
      expect(write.body).toEqual({ code: '403', msg: expect.any(String) });
      // Nothing above created a task.
      expect((await w.koo('GET', '/jobs?offset=0&limit=100')).body.data).toHaveLength(before);
    });

    it('tells in taskInfos which named files failed once a task has ended', async () => {
      await w.runEngine();
      const res = await w.koo('POST', '/jobs', {
        json: { taskType: 1, taskInfo: { srcContainerId: w.alpha, fileInfo: [{ filePath: '/docs' }, { filePath: '/missing.txt' }, { filePath: '/top.txt' }], newFilePath: '/copies' }, dstContainerId: w.beta },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      const job = await w.settled(res.body.data);
      expect(job.status).toBe('completed_with_errors');
      const detail = await w.koo('GET', `/${job.id}`);
      expect(detail.body.data.jobInfo).toMatchObject({ status: 2, taskResultCode: 2 });
      expect(detail.body.data.taskInfos).toEqual([
        { filePath: '/docs', srcContainerId: w.alpha, status: '1' },
        { filePath: '/missing.txt', srcContainerId: w.alpha, status: '2' },
        { filePath: '/top.txt', srcContainerId: w.alpha, status: '1' },
      ]);
    });

    it('ends a package download with a downloadUrl that serves its zip without a token; decompressing that zip elsewhere gives the files back', async () => {
      await w.runEngine();
      const exported = await create({ taskType: 6, taskInfo: { srcContainerId: w.alpha, fileInfo: [{ filePath: '/docs' }] } });
      const done = await w.settled(exported.id);
      expect(done.status, JSON.stringify(done)).toBe('completed');
      const detail = await w.koo('GET', `/${exported.id}`);
      expect(detail.status).toBe(200);
      const info = detail.body.data.jobInfo;
      expect(info).toMatchObject({ taskType: 6, actionType: 601, status: 2, taskResultCode: 1, resultCode: 0, progress: 100 });
      expect(detail.body.data.taskInfos).toEqual([{ filePath: '/docs', srcContainerId: w.alpha, status: '1' }]);
      expect(info.downloadUrl).toMatch(/^https?:\/\/[^/]+\/api\/v1\/job-results\/\d+\?/);
      // The listing shows the same link's target.
      const listed = (await w.koo('GET', '/jobs?type=6&offset=0&limit=100')).body.data.find((j: Json) => j.taskId === String(exported.id));
      expect(listed.downloadUrl).toMatch(/\/api\/v1\/job-results\//);
      const url = new URL(info.downloadUrl);
      const zip = await w.call('GET', url.pathname + url.search, { token: null });
      expect(zip.status, zip.raw.toString('utf8').slice(0, 200)).toBe(200);
      expect(zip.raw.subarray(0, 4).toString('latin1')).toBe('PK\u0003\u0004');
      // A tampered link is refused.
      const tampered = await w.call('GET', `${url.pathname}?${url.searchParams.toString().replace(/signature=./, 'signature=A')}`, { token: null });
      expect(tampered.status).toBe(403);

      await w.upload(w.beta, '/incoming/docs.zip', zip.raw);
      const unpacked = await create({ taskType: 5, actionType: 502, taskInfo: { srcContainerId: w.beta, fileInfo: [{ filePath: '/incoming/docs.zip' }], newFilePath: '/unpacked' } });
      expect((await w.settled(unpacked.id)).status).toBe('completed');
      const files = await filesUnder(w.beta, '/unpacked');
      const docs = Object.entries(ALPHA_FILES).filter(([p]) => p.startsWith('/docs/'));
      expect(Object.keys(files)).toHaveLength(docs.length);
      for (const [p, content] of docs) {
        const found = Object.entries(files).find(([q]) => q.endsWith(p));
        expect(found?.[1], p).toBe(content);
      }
      const unpackedDetail = await w.koo('GET', `/${unpacked.id}`);
      expect(unpackedDetail.body.data.jobInfo).toMatchObject({ taskType: 5, actionType: 502, status: 2, taskResultCode: 1, contentNum: 1, containerId: w.beta });
      expect(unpackedDetail.body.data.jobInfo.downloadUrl).toBeUndefined();
      expect(unpackedDetail.body.data.taskInfos).toEqual([{ filePath: '/incoming/docs.zip', srcContainerId: w.beta, status: '1' }]);

      // 503: only the listed entry, into the archive's own folder.
      const part = await create({ taskType: 5, actionType: 503, taskInfo: { srcContainerId: w.alpha, fileInfo: [{ fileId: ids['/arch.zip'] }], newFilePath: '/part', uncompressFilePaths: ['sub/b.txt'] } });
      expect((await w.settled(part.id)).status).toBe('completed');
      expect(await filesUnder(w.alpha, '/part')).toEqual({ '/part/sub/b.txt': ZIP_ENTRIES['sub/b.txt'] });
    });
  });
}
