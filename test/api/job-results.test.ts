/**
 * A job's result over HTTP, on every driver: the export's zip as an
 * attachment (ETag, Range, If-None-Match, an RFC 6266 name for a non-ASCII
 * job name) to whoever may see the job and to no one else (404); 404 with a
 * reason when a job has no result or it expired; signed links that work
 * without a token, and 403 when altered or expired.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { FAST_ENGINE } from '../support/engine.js';
import { readZip, treeDigest } from '../support/zip.js';
import { startEngine } from '../../src/app.js';
import type { Engine } from '../../src/engine/engine.js';
import { FINAL_STATUSES } from '../../src/domain/jobs.js';
import { ArtifactService } from '../../src/services/artifact-service.js';

const factories = await driverFactories();

for (const factory of factories) {
  describe(`job results API on ${factory.name}`, { timeout: 180_000 }, () => {
    let t: TestApp;
    let engine: Engine;
    let lib: string;
    let tmp: string;

    beforeEach(async () => {
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'by-results-'));
      t = await startTestApp(factory);
      engine = await startEngine(t.app, FAST_ENGINE);
      const res = await t.call('POST', '/api/v1/libraries', { json: { name: 'Results' } });
      lib = res.body.libraryId;
    });
    afterEach(async () => {
      await engine.stop();
      await t.dispose();
      fs.rmSync(tmp, { recursive: true, force: true });
    });

    /** Runs the clock of the result service `aheadMs` ahead of the wall clock from now on. */
    function clockAhead(aheadMs: number) {
      t.app.artifacts = new ArtifactService(t.app.store, t.app.jobs, t.app.blobStores, t.app.auth, () => Date.now() + aheadMs);
    }

    async function finished(id: number) {
      for (;;) {
        const job = await t.call('GET', `/api/v1/jobs/${id}`);
        if (FINAL_STATUSES.includes(job.body.status)) return job.body;
        await new Promise((r) => setTimeout(r, 25));
      }
    }

    async function exportJob(paths: string[]) {
      const res = await t.call('POST', '/api/v1/jobs', { json: { type: 'export', libraryId: lib, params: { paths } } });
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      const job = await finished(res.body.id);
      expect(job.status).toBe('completed');
      return job;
    }

    it('GET /jobs/{id}/result: the zip as an attachment with ETag, Range and a UTF-8 file name; other users get 404', async () => {
      for (const [p, body] of [['Café ünï/a.txt', 'alpha'], ['Café ünï/sub/b.txt', 'beta'.repeat(1000)]] as const) {
        expect((await t.call('PUT', `/api/v1/libraries/${lib}/files/${encodeURI(p)}`, { body })).status).toBe(201);
      }
      const job = await exportJob(['/Café ünï']);
      const res = await t.call('GET', `/api/v1/jobs/${job.id}/result`);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/zip');
      expect(res.headers['content-disposition']).toBe(`attachment; filename="Caf_ _n_.zip"; filename*=UTF-8''Caf%C3%A9%20%C3%BCn%C3%AF.zip`);
      expect(res.headers.etag).toBe(`"${job.result.artifact.sha256}"`);
      expect(Number(res.headers['content-length'])).toBe(job.result.artifact.size);
      const file = path.join(tmp, 'result.zip');
      fs.writeFileSync(file, res.raw);
      expect(treeDigest(await readZip(file))).toEqual(
        treeDigest(new Map<string, Buffer | null>([['Café ünï/', null], ['Café ünï/a.txt', Buffer.from('alpha')], ['Café ünï/sub/', null], ['Café ünï/sub/b.txt', Buffer.from('beta'.repeat(1000))]])),
      );

      const range = await t.call('GET', `/api/v1/jobs/${job.id}/result`, { headers: { range: 'bytes=4-13' } });
      expect(range.status).toBe(206);
      expect(range.headers['content-range']).toBe(`bytes 4-13/${res.raw.length}`);
      expect(range.raw).toEqual(res.raw.subarray(4, 14));
      expect((await t.call('GET', `/api/v1/jobs/${job.id}/result`, { headers: { 'if-none-match': res.headers.etag as string } })).status).toBe(304);

      const user = await t.call('POST', '/api/v1/users', { json: { email: 'other@example.com' } });
      const token = (await t.call('POST', '/api/v1/tokens', { json: { userId: user.body.id } })).body.token as string;
      const hidden = await t.call('GET', `/api/v1/jobs/${job.id}/result`, { token });
      expect(hidden.status).toBe(404);
      expect(hidden.body.error.code).toBe('NOT_FOUND');
      expect((await t.call('POST', `/api/v1/jobs/${job.id}/result-link`, { token, json: {} })).status).toBe(404);
      expect((await t.call('GET', `/api/v1/jobs/${job.id}/result`, { token: null })).status).toBe(401);
    });

    it('404 naming the reason: a job without a result, and a result past its expiry', async () => {
      expect((await t.call('PUT', `/api/v1/libraries/${lib}/files/t/x.txt`, { body: 'x' })).status).toBe(201);
      const trash = await t.call('POST', '/api/v1/jobs', { json: { type: 'trash', libraryId: lib, params: { paths: ['/t/x.txt'] } } });
      await finished(trash.body.id);
      const none = await t.call('GET', `/api/v1/jobs/${trash.body.id}/result`);
      expect(none.status).toBe(404);
      expect(none.body.error).toMatchObject({ code: 'NOT_FOUND', details: { reason: 'NO_RESULT' } });
      expect(none.body.error.message).toMatch(/has no result/);
      expect((await t.call('GET', '/api/v1/jobs/999999/result')).status).toBe(404);

      expect((await t.call('PUT', `/api/v1/libraries/${lib}/files/e/y.txt`, { body: 'y' })).status).toBe(201);
      const job = await exportJob(['/e']);
      clockAhead(t.app.config.artifactTtlMs + 1_000);
      const expired = await t.call('GET', `/api/v1/jobs/${job.id}/result`);
      expect(expired.status).toBe(404);
      expect(expired.body.error).toMatchObject({ code: 'NOT_FOUND', details: { reason: 'RESULT_EXPIRED' } });
    });

    it('POST /jobs/{id}/result-link: a URL that works without a token; altered or expired it is 403 saying which', async () => {
      expect((await t.call('PUT', `/api/v1/libraries/${lib}/files/l/z.txt`, { body: 'zed' })).status).toBe(201);
      const job = await exportJob(['/l']);
      const direct = await t.call('GET', `/api/v1/jobs/${job.id}/result`);

      const bounds = [{ expiresInSeconds: 5 }, { expiresInSeconds: 8 * 86_400 }, { expiresInSeconds: 'soon' }, { other: 1 }];
      for (const json of bounds) {
        const bad = await t.call('POST', `/api/v1/jobs/${job.id}/result-link`, { json });
        expect(bad.status, JSON.stringify(json)).toBe(400);
      }
      const before = Date.now();
      const made = await t.call('POST', `/api/v1/jobs/${job.id}/result-link`, { json: { expiresInSeconds: 600 } });
      expect(made.status, JSON.stringify(made.body)).toBe(200);
      const expiresAt = Date.parse(made.body.expiresAt);
      expect(expiresAt).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 599_000);
      expect(expiresAt).toBeLessThanOrEqual(Date.now() + 600_000);
      const url = new URL(made.body.url);
      expect(url.pathname).toBe(`/api/v1/job-results/${job.id}`);
      const link = `${url.pathname}${url.search}`;
      const byLink = await t.call('GET', link, { token: null });
      expect(byLink.status).toBe(200);
      expect(byLink.raw).toEqual(direct.raw);
      expect(byLink.headers['content-disposition']).toMatch(/^attachment; filename="l\.zip"/);
      const ranged = await t.call('GET', link, { token: null, headers: { range: 'bytes=0-3' } });
      expect(ranged.status).toBe(206);
      expect(ranged.raw).toEqual(direct.raw.subarray(0, 4));
      // Without a body it is made too (one hour by default).
      expect((await t.call('POST', `/api/v1/jobs/${job.id}/result-link`)).status).toBe(200);

      const signature = url.searchParams.get('signature')!;
      const flipped = `${signature[0] === 'A' ? 'B' : 'A'}${signature.slice(1)}`;
      const altered = [
        `${url.pathname}?expires=${url.searchParams.get('expires')}&signature=${flipped}`,
        `${url.pathname}?expires=${Number(url.searchParams.get('expires')) + 3600}&signature=${signature}`,
        `/api/v1/job-results/${job.id + 1}${url.search}`,
        `${url.pathname}?signature=${signature}`,
        url.pathname,
      ];
      for (const bad of altered) {
        const res = await t.call('GET', bad, { token: null });
        expect(res.status, bad).toBe(403);
        expect(res.body.error, bad).toMatchObject({ code: 'FORBIDDEN', details: { reason: 'LINK_INVALID' } });
      }
      clockAhead(601_000);
      const late = await t.call('GET', link, { token: null });
      expect(late.status).toBe(403);
      expect(late.body.error).toMatchObject({ code: 'FORBIDDEN', details: { reason: 'LINK_EXPIRED' } });
      expect(late.body.error.message).toMatch(/expired at/);
    });
  });
}
