/**
 * Snapshots over HTTP, on every driver: listed newest first in keyset pages,
 * read one by one, browsed like a folder (the folder listing's item fields,
 * paged by name), forgotten by library admins only; readers list and browse,
 * taking one (a backup job) needs WRITER; bad input is a 4xx naming the field.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { startEngine } from '../../src/app.js';
import type { Engine } from '../../src/engine/engine.js';
import { FAST_ENGINE } from '../support/engine.js';
import { FINAL_STATUSES } from '../../src/domain/jobs.js';

const factories = await driverFactories();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

for (const factory of factories) {
  describe(`snapshots API on ${factory.name}`, () => {
    let t: TestApp;
    let engine: Engine | undefined;
    let lib: string;
    beforeEach(async () => {
      t = await startTestApp(factory);
      engine = undefined;
      const res = await t.call('POST', '/api/v1/libraries', { json: { name: 'Snaps' } });
      lib = res.body.libraryId;
      for (const [p, body] of [['docs/a.txt', 'alpha'], ['docs/b.txt', 'beta'], ['docs/c.txt', 'gamma'], ['top.txt', 'top']]) {
        expect((await t.call('PUT', `/api/v1/libraries/${lib}/files/${p}`, { body })).status).toBeLessThan(300);
      }
    });
    afterEach(async () => {
      await engine?.stop();
      await t.dispose();
    });

    async function backup(params: Record<string, unknown> = {}, token?: string): Promise<{ status: number; job: { id: number; status: string; result: { snapshot: { id: number } } } }> {
      const res = await t.call('POST', '/api/v1/jobs', { token, json: { type: 'backup', libraryId: lib, params } });
      if (res.status !== 202) return { status: res.status, job: res.body };
      engine ??= await startEngine(t.app, FAST_ENGINE);
      for (let i = 0; i < 3000; i++) {
        const job = await t.call('GET', `/api/v1/jobs/${res.body.id}`);
        if (FINAL_STATUSES.includes(job.body.status)) return { status: 202, job: job.body };
        await sleep(20);
      }
      throw new Error(`backup ${res.body.id} never ended`);
    }
    async function userToken(email: string, role?: 'READER' | 'WRITER' | 'ADMIN'): Promise<string> {
      const user = await t.call('POST', '/api/v1/users', { json: { email } });
      if (role) {
        const current = (await t.call('GET', `/api/v1/libraries/${lib}`)).body.permissions as unknown[];
        const put = await t.call('PUT', `/api/v1/libraries/${lib}/permissions`, { json: { permissions: [...current, { type: 'user', value: email, role }] } });
        expect(put.status, JSON.stringify(put.body)).toBe(200);
      }
      return (await t.call('POST', '/api/v1/tokens', { json: { userId: user.body.id } })).body.token;
    }

    it('lists snapshots newest first in pages, reads one, and browses it like a folder as it was', async () => {
      const first = await backup({ label: 'nightly' });
      expect(first.job.status).toBe('completed');
      expect((await t.call('PUT', `/api/v1/libraries/${lib}/files/docs/a.txt`, { body: 'changed' })).status).toBeLessThan(300);
      const second = await backup();
      const sid = first.job.result.snapshot.id;
      const list = await t.call('GET', `/api/v1/libraries/${lib}/snapshots?limit=1`);
      expect(list.status).toBe(200);
      expect(list.body.snapshots.map((s: { id: number }) => s.id)).toEqual([second.job.result.snapshot.id]);
      expect(list.body.nextCursor).toEqual(expect.any(String));
      const next = await t.call('GET', `/api/v1/libraries/${lib}/snapshots?limit=1&cursor=${list.body.nextCursor}`);
      expect(next.body.snapshots.map((s: { id: number }) => s.id)).toEqual([sid]);
      expect(next.body.nextCursor).toBeNull();
      expect(list.body.snapshots[0]).toMatchObject({ added: 0, changed: 1, removed: 0 });

      const one = await t.call('GET', `/api/v1/libraries/${lib}/snapshots/${sid}`);
      expect(one.status).toBe(200);
      expect(one.body).toEqual({
        id: sid, libraryId: lib, label: 'nightly', path: '/', storage: 'default', createdAt: expect.stringMatching(ISO), jobId: first.job.id,
        counts: { files: 4, folders: 1 }, bytes: 'alphabetagammatop'.length, added: 5, changed: 0, removed: 0, rootTree: expect.stringMatching(/^[0-9a-f]{64}$/),
      });
      expect(next.body.snapshots[0]).toEqual(one.body);

      const root = await t.call('GET', `/api/v1/libraries/${lib}/snapshots/${sid}/items`);
      expect(root.status).toBe(200);
      expect(root.body.path).toBe('/');
      expect(root.body.items.map((i: { path: string; kind: string }) => [i.path, i.kind])).toEqual([['/docs', 'folder'], ['/top.txt', 'file']]);
      // The same fields as the live folder listing's items (but id and trashedAt, which a snapshot does not keep).
      const live = (await t.call('GET', `/api/v1/libraries/${lib}/items?path=/docs`)).body.items as Array<Record<string, unknown>>;
      const page1 = await t.call('GET', `/api/v1/libraries/${lib}/snapshots/${sid}/items?path=/docs&limit=2`);
      expect(page1.body.items.map((i: { name: string }) => i.name)).toEqual(['a.txt', 'b.txt']);
      const { id: _id, trashedAt: _trashed, ...liveB } = live.find((i) => i.name === 'b.txt')!;
      expect(page1.body.items[1]).toEqual(liveB);
      expect(page1.body.items[0].sha256).not.toBe(live.find((i) => i.name === 'a.txt')!.sha256); // as it was, before the change
      const page2 = await t.call('GET', `/api/v1/libraries/${lib}/snapshots/${sid}/items?path=/docs&limit=2&cursor=${page1.body.nextCursor}`);
      expect(page2.body).toEqual({ path: '/docs', items: [expect.objectContaining({ name: 'c.txt', size: 5 })], nextCursor: null });
    });

    it('answers bad input and what is not there with a 4xx naming the field', async () => {
      const { job } = await backup({ path: '/docs' });
      const sid = job.result.snapshot.id;
      const base = `/api/v1/libraries/${lib}/snapshots/${sid}`;
      expect((await t.call('GET', `${base}/items`)).body.path).toBe('/docs');
      const outside = await t.call('GET', `${base}/items?path=/top.txt`);
      expect(outside.status).toBe(404);
      expect(outside.body.error.details.field).toBe('path');
      const file = await t.call('GET', `${base}/items?path=/docs/a.txt`);
      expect(file.status).toBe(400);
      expect(file.body.error.details.field).toBe('path');
      expect((await t.call('GET', `${base}/items?path=/docs/nothing`)).status).toBe(404);
      const badCursor = await t.call('GET', `${base}/items?cursor=nope!`);
      expect(badCursor.status).toBe(400);
      expect(badCursor.body.error.details.field).toBe('cursor');
      const badId = await t.call('GET', `/api/v1/libraries/${lib}/snapshots/abc`);
      expect(badId.status).toBe(400);
      expect(badId.body.error.message).toContain('snapshotId');
      expect((await t.call('GET', `/api/v1/libraries/${lib}/snapshots?limit=0`)).status).toBe(400);
      expect((await t.call('GET', `/api/v1/libraries/${lib}/snapshots/${sid + 1000}`)).status).toBe(404);
      const other = (await t.call('POST', '/api/v1/libraries', { json: { name: 'Other' } })).body.libraryId;
      expect((await t.call('GET', `/api/v1/libraries/${other}/snapshots/${sid}`)).status).toBe(404); // another library's
      expect((await t.call('DELETE', `/api/v1/libraries/${other}/snapshots/${sid}`)).status).toBe(404);
      const badParam = await t.call('POST', '/api/v1/jobs', { json: { type: 'backup', libraryId: lib, params: { label: 'x'.repeat(201) } } });
      expect(badParam.status).toBe(400);
      expect(badParam.body.error.message).toContain('params.label');
    });

    it('readers list and browse; a backup needs WRITER; only library admins forget a snapshot', async () => {
      const reader = await userToken('reader@example.com', 'READER');
      const writer = await userToken('writer@example.com', 'WRITER');
      const stranger = await userToken('stranger@example.com');
      expect((await backup({}, reader)).status).toBe(403);
      const { job } = await backup({}, writer);
      expect(job.status).toBe('completed');
      const sid = job.result.snapshot.id;
      expect((await t.call('GET', `/api/v1/libraries/${lib}/snapshots`, { token: reader })).body.snapshots).toHaveLength(1);
      expect((await t.call('GET', `/api/v1/libraries/${lib}/snapshots/${sid}/items?path=/docs`, { token: reader })).status).toBe(200);
      expect((await t.call('GET', `/api/v1/libraries/${lib}/snapshots`, { token: stranger })).status).toBe(404);
      expect((await t.call('DELETE', `/api/v1/libraries/${lib}/snapshots/${sid}`, { token: reader })).status).toBe(403);
      expect((await t.call('DELETE', `/api/v1/libraries/${lib}/snapshots/${sid}`, { token: writer })).status).toBe(403);
      expect((await t.call('DELETE', `/api/v1/libraries/${lib}/snapshots/${sid}`)).status).toBe(204);
      expect((await t.call('GET', `/api/v1/libraries/${lib}/snapshots/${sid}`)).status).toBe(404);
      expect((await t.call('GET', `/api/v1/libraries/${lib}/snapshots`)).body).toEqual({ snapshots: [], nextCursor: null });
    });
    it('deleting the library forgets its snapshots and releases what they held', async () => {
      const { job } = await backup();
      const sid = job.result.snapshot.id;
      const snap = (await t.app.store.snapshotGetById({ id: sid }))!;
      const sha = (await t.app.store.itemGetByPath({ libraryId: lib, path: '/top.txt' }))!.sha256!;
      expect(await t.app.store.blobGetRefcount({ storage: 'default', sha256: sha })).toBe(2); // the file's and the snapshot's
      expect((await t.call('DELETE', `/api/v1/libraries/${lib}`)).status).toBe(204);
      expect(await t.app.store.snapshotGetById({ id: sid })).toBeUndefined();
      expect(await t.app.store.snapshotTreeGet({ storage: 'default', hash: snap.rootTree })).toBeUndefined();
      expect(await t.app.store.blobGetRefcount({ storage: 'default', sha256: sha })).toBe(0);
    });
  });
}
