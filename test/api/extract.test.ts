/** extract over HTTP: an archive uploaded as a file, hostile entries refused one by one, bad params a 400 naming the field, the server serving on. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { startEngine } from '../../src/app.js';
import type { Engine } from '../../src/engine/engine.js';
import { FAST_ENGINE } from '../support/engine.js';
import { FINAL_STATUSES } from '../../src/domain/jobs.js';
import { rawZip, tarOf } from '../support/archives.js';

const factories = await driverFactories();

for (const factory of factories) {
  describe(`extract over HTTP on ${factory.name}`, () => {
    let t: TestApp;
    let engine: Engine;
    let lib: string;
    beforeEach(async () => {
      t = await startTestApp(factory);
      engine = await startEngine(t.app, FAST_ENGINE);
      const res = await t.call('POST', '/api/v1/libraries', { json: { name: 'Extract' } });
      lib = res.body.libraryId;
    });
    afterEach(async () => {
      await engine.stop();
      await t.dispose();
    });

    async function finished(id: number) {
      for (;;) {
        const job = await t.call('GET', `/api/v1/jobs/${id}`);
        if (FINAL_STATUSES.includes(job.body.status)) return job.body;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }

    it('unpacks what is safe from a hostile zip and answers every request after it', async () => {
      const zip = rawZip([
        { name: '../../escape.txt', data: Buffer.from('evil') },
        { name: 'link', data: Buffer.from('/etc/passwd'), mode: 0o120777 },
        { name: 'ok/file.txt', data: Buffer.from('fine') },
      ]);
      expect((await t.call('PUT', `/api/v1/libraries/${lib}/files/in/hostile.zip`, { body: zip })).status).toBe(201);
      const submitted = await t.call('POST', '/api/v1/jobs', { json: { type: 'extract', libraryId: lib, params: { path: '/in/hostile.zip', destination: '/out' } } });
      expect(submitted.status, JSON.stringify(submitted.body)).toBe(202);
      const job = await finished(submitted.body.id);
      expect(job.status).toBe('completed_with_errors');
      const failures = await t.call('GET', `/api/v1/jobs/${job.id}/failures`);
      expect(failures.body.failures.map((f: { path: string; code: string }) => [f.path, f.code])).toEqual([
        ['../../escape.txt', 'UNSAFE_PATH'],
        ['/out/link', 'LINK_ENTRY'],
      ]);
      const file = await t.call('GET', `/api/v1/libraries/${lib}/files/out/ok/file.txt`);
      expect(file.status).toBe(200);
      expect(file.raw.toString()).toBe('fine');
      expect((await t.call('GET', `/api/v1/libraries/${lib}/files/escape.txt`)).status).toBe(404);
      expect((await t.call('GET', '/healthz')).status).toBe(200);
    });

    it('answers bad extract params with a 400 or 422 naming the field', async () => {
      const post = (params: Record<string, unknown>) => t.call('POST', '/api/v1/jobs', { json: { type: 'extract', libraryId: lib, params } });
      const slip = await post({ path: '/a.tar', destination: '/out', entries: ['ok', '../x'] });
      expect(slip.status).toBe(400);
      expect(slip.body.error.message).toMatch(/params\.entries\[1\]/);
      expect((await post({ path: '/a.tar' })).status).toBe(400);
      const inside = await post({ path: '/a.tar', destination: '/a.tar/x' });
      expect(inside.status).toBe(422);
      expect(inside.body.error.message).toMatch(/params\.destination/);
      await t.call('PUT', `/api/v1/libraries/${lib}/files/a.tar`, { body: await tarOf([{ name: 'x.txt', data: 'x' }]) });
      const ok = await post({ path: '/a.tar', destination: '/out' });
      expect(ok.status).toBe(202);
      expect((await finished(ok.body.id)).status).toBe('completed');
    });
  });
}
