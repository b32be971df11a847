/**
 * One item to the trash (`DELETE …/files/{path}`) and one item moved or renamed
 * (`PATCH …/files/{path}`): in the request for a file or a small folder, as a
 * job (202) for a folder past INLINE_SUBTREE_LIMIT items; rights, states and
 * conflicts; restorable afterwards; both routes in the OpenAPI document.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { FAST_ENGINE } from '../support/engine.js';
import { startEngine } from '../../src/app.js';
import type { Engine } from '../../src/engine/engine.js';
import { INLINE_SUBTREE_LIMIT } from '../../src/services/item-service.js';
import { FINAL_STATUSES } from '../../src/domain/jobs.js';

const factories = await driverFactories();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

for (const factory of factories) {
  describe(`single-item trash and move on ${factory.name}`, () => {
    let t: TestApp;
    let lib: string;
    let engine: Engine | undefined;
    const files = (p: string) => `/api/v1/libraries/${lib}/files/${p}`;

    beforeEach(async () => {
      t = await startTestApp(factory);
      engine = undefined;
      const res = await t.call('POST', '/api/v1/libraries', { json: { name: 'Changes' } });
      lib = res.body.libraryId;
    });
    afterEach(async () => {
      await engine?.stop();
      await t.dispose();
    });

    async function put(p: string, content = 'x') {
      const res = await t.call('PUT', files(p), { body: content });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body;
    }
    async function children(folder: string): Promise<string[]> {
      const names: string[] = [];
      let cursor = '';
      do {
        const res = await t.call('GET', `/api/v1/libraries/${lib}/items?path=${encodeURIComponent(folder)}&limit=1000${cursor ? `&cursor=${cursor}` : ''}`);
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        names.push(...res.body.items.map((i: { name: string }) => i.name));
        cursor = res.body.nextCursor ?? '';
      } while (cursor !== '');
      return names;
    }
    async function waitFor(id: number) {
      engine ??= await startEngine(t.app, FAST_ENGINE);
      for (let i = 0; i < 3000; i++) {
        const res = await t.call('GET', `/api/v1/jobs/${id}`);
        if (FINAL_STATUSES.includes(res.body.status)) return res.body;
        await sleep(20);
      }
      throw new Error(`job ${id} never ended`);
    }
    /** `/big` with INLINE_SUBTREE_LIMIT + 1 child folders, as catalog rows. */
    async function bigFolder(): Promise<number> {
      const library = (await t.app.store.libraryGetById(lib))!;
      const now = Date.now();
      const [big] = await t.app.store.itemInsertMany([
        { libraryId: lib, parentId: library.rootFolderId, name: 'big', path: '/big', kind: 'folder', size: 0, sha256: null, contentType: null, createdAt: now, modifiedAt: now },
      ]);
      const rows = Array.from({ length: INLINE_SUBTREE_LIMIT + 1 }, (_, i) => {
        const name = `d${String(i).padStart(5, '0')}`;
        return { libraryId: lib, parentId: big!.id, name, path: `/big/${name}`, kind: 'folder' as const, size: 0, sha256: null, contentType: null, createdAt: now, modifiedAt: now };
      });
      for (let i = 0; i < rows.length; i += 500) await t.app.store.itemInsertMany(rows.slice(i, i + 500));
      return big!.id;
    }

    it('DELETE trashes a file at once: 200 with the item, gone from its folder, listed in the trash, restorable', async () => {
      const file = await put('docs/a.txt', 'alpha');
      const res = await t.call('DELETE', files('docs/a.txt'));
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body).toMatchObject({ id: file.id, path: '/docs/a.txt', kind: 'file' });
      expect(res.body.trashedAt).toEqual(expect.any(String));
      expect(await children('/docs')).toEqual([]);
      expect((await t.call('GET', files('docs/a.txt'))).status).toBe(404);
      const trash = await t.call('GET', `/api/v1/libraries/${lib}/trash`);
      expect(trash.body.items.map((i: { id: number }) => i.id)).toEqual([file.id]);
      const restore = await t.call('POST', '/api/v1/jobs', { json: { type: 'restore', libraryId: lib, params: { itemIds: [file.id] } } });
      expect(restore.status, JSON.stringify(restore.body)).toBe(202);
      expect((await waitFor(restore.body.id)).status).toBe('completed');
      expect((await t.call('GET', files('docs/a.txt'))).raw.toString()).toBe('alpha');
    });

    it('DELETE trashes a small folder with its subtree under one trash root, and a restore brings all of it back', async () => {
      await put('proj/a.txt');
      await put('proj/sub/b.txt');
      await put('keep.txt');
      const res = await t.call('DELETE', files('proj'));
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body).toMatchObject({ path: '/proj', kind: 'folder' });
      expect(await children('/')).toEqual(['keep.txt']);
      const trash = await t.call('GET', `/api/v1/libraries/${lib}/trash`);
      expect(trash.body.items.map((i: { path: string }) => i.path)).toEqual(['/proj']);
      const restore = await t.call('POST', '/api/v1/jobs', { json: { type: 'restore', libraryId: lib, params: { paths: ['/proj'] } } });
      expect((await waitFor(restore.body.id)).status).toBe('completed');
      expect(await children('/proj')).toEqual(['a.txt', 'sub']);
      expect(await children('/proj/sub')).toEqual(['b.txt']);
    });

    it(`DELETE of a folder of more than ${INLINE_SUBTREE_LIMIT} items answers 202 with a trash job that trashes all of it`, async () => {
      const bigId = await bigFolder();
      const res = await t.call('DELETE', files('big'));
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      expect(res.body).toMatchObject({ type: 'trash', libraryId: lib, params: { itemIds: [bigId] } });
      expect(res.headers.location).toBe(`/api/v1/jobs/${res.body.id}`);
      const done = await waitFor(res.body.id);
      expect(done.status).toBe('completed');
      expect(done.counts.succeeded).toBe(INLINE_SUBTREE_LIMIT + 2);
      expect(await children('/')).toEqual([]);
      const trash = await t.call('GET', `/api/v1/libraries/${lib}/trash`);
      expect(trash.body.items.map((i: { id: number }) => i.id)).toEqual([bigId]);
    });

    it('DELETE: 404 for no live item, 400 for the root or a bad path, 403 below WRITER, 409 in an archived library', async () => {
      expect((await t.call('DELETE', files('nothing.txt'))).status).toBe(404);
      await put('a.txt');
      expect((await t.call('DELETE', files('a.txt'))).status).toBe(200);
      expect((await t.call('DELETE', files('a.txt'))).status).toBe(404); // already in the trash
      const root = await t.call('DELETE', `/api/v1/libraries/${lib}/files/`);
      expect(root.status).toBe(400);
      expect(root.body.error.details.field).toBe('path');
      expect((await t.call('DELETE', files('a/..'))).status).toBe(400);
      expect((await t.call('DELETE', `/api/v1/libraries/nolib/files/a.txt`)).status).toBe(404);

      await put('b.txt');
      const user = await t.call('POST', '/api/v1/users', { json: { email: 'rita@example.com' } });
      const token = (await t.call('POST', '/api/v1/tokens', { json: { userId: user.body.id } })).body.token as string;
      expect((await t.call('DELETE', files('b.txt'), { token })).status).toBe(404); // not visible
      const grant = await t.call('PUT', `/api/v1/libraries/${lib}/permissions`, {
        json: { permissions: [{ type: 'user', value: 'admin@example.com', role: 'ADMIN' }, { type: 'user', value: 'rita@example.com', role: 'READER' }] },
      });
      expect(grant.status).toBe(200);
      expect((await t.call('DELETE', files('b.txt'), { token })).status).toBe(403);
      expect((await t.call('DELETE', files('b.txt'), { token: null })).status).toBe(401);

      expect((await t.call('PATCH', `/api/v1/libraries/${lib}`, { json: { state: 'ARCHIVED' } })).status).toBe(200);
      const archived = await t.call('DELETE', files('b.txt'));
      expect(archived.status).toBe(409);
      expect(archived.body.error.code).toBe('CONFLICT');
    });

    it('PATCH renames a file ({name}) and moves one into new parents ({path}), keeping its id and bytes', async () => {
      const file = await put('in/a.txt', 'alpha');
      const renamed = await t.call('PATCH', files('in/a.txt'), { json: { name: 'b.txt' } });
      expect(renamed.status, JSON.stringify(renamed.body)).toBe(200);
      expect(renamed.body).toMatchObject({ id: file.id, path: '/in/b.txt', name: 'b.txt' });
      const moved = await t.call('PATCH', files('in/b.txt'), { json: { path: '/out/deep/c.txt' } });
      expect(moved.status, JSON.stringify(moved.body)).toBe(200);
      expect(moved.body).toMatchObject({ id: file.id, path: '/out/deep/c.txt', name: 'c.txt' });
      expect((await t.call('GET', files('out/deep/c.txt'))).raw.toString()).toBe('alpha');
      expect(await children('/in')).toEqual([]);
      const same = await t.call('PATCH', files('out/deep/c.txt'), { json: { path: '/out/deep/c.txt' } });
      expect(same.status).toBe(200);
      expect(same.body.path).toBe('/out/deep/c.txt');
    });

    it('PATCH moves a small folder with its subtree; children follow and are reachable by their new paths', async () => {
      await put('old/a.txt', 'A');
      await put('old/sub/b.txt', 'B');
      const res = await t.call('PATCH', files('old'), { json: { path: '/archive/new' } });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body).toMatchObject({ path: '/archive/new', kind: 'folder' });
      expect(await children('/archive/new')).toEqual(['a.txt', 'sub']);
      expect((await t.call('GET', files('archive/new/sub/b.txt'))).raw.toString()).toBe('B');
      expect((await t.call('GET', files('old/a.txt'))).status).toBe(404);
      const byParent = await t.call('GET', `/api/v1/libraries/${lib}/items/${res.body.id}/children`);
      expect(byParent.body.items.map((i: { path: string }) => i.path)).toEqual(['/archive/new/a.txt', '/archive/new/sub']);
    });

    it('PATCH: 409 when the new path is taken, 422 into itself, 400 naming the field for bad bodies, 404 for no item', async () => {
      await put('a.txt');
      await put('b.txt');
      await put('f/x.txt');
      const taken = await t.call('PATCH', files('a.txt'), { json: { name: 'b.txt' } });
      expect(taken.status).toBe(409);
      const inside = await t.call('PATCH', files('f'), { json: { path: '/f/g' } });
      expect(inside.status).toBe(422);
      const underFile = await t.call('PATCH', files('f'), { json: { path: '/a.txt/g' } });
      expect(underFile.status).toBe(409);
      const badName = await t.call('PATCH', files('a.txt'), { json: { name: 'x/y' } });
      expect(badName.status).toBe(400);
      expect(badName.body.error.details.field).toBe('name');
      const both = await t.call('PATCH', files('a.txt'), { json: { name: 'c.txt', path: '/c.txt' } });
      expect(both.status).toBe(400);
      expect(both.body.error).toMatchObject({ message: expect.stringContaining('not both'), details: { field: 'name' } });
      const neither = await t.call('PATCH', files('a.txt'), { json: {} });
      expect(neither.status).toBe(400);
      expect(neither.body.error).toMatchObject({ message: 'path: give path (to move the item) or name (to rename it)', details: { field: 'path' } });
      const unknown = await t.call('PATCH', files('a.txt'), { json: { to: '/c.txt' } });
      expect(unknown.status).toBe(400);
      expect(unknown.body.error.details.field).toBe('to');
      const toRoot = await t.call('PATCH', files('a.txt'), { json: { path: '/' } });
      expect(toRoot.status).toBe(400);
      expect(toRoot.body.error.details.field).toBe('path');
      const numeric = await t.call('PATCH', files('a.txt'), { json: { name: 7 } });
      expect(numeric.status).toBe(400);
      expect((await t.call('PATCH', files('zzz.txt'), { json: { name: 'y.txt' } })).status).toBe(404);
      expect(await children('/')).toEqual(['a.txt', 'b.txt', 'f']);
    });

    it(`PATCH of a folder of more than ${INLINE_SUBTREE_LIMIT} items: moving it (same name) is a move job (202); renaming it is a 422`, async () => {
      const bigId = await bigFolder();
      const rename = await t.call('PATCH', files('big'), { json: { name: 'huge' } });
      expect(rename.status).toBe(422);
      expect(rename.body.error.details).toMatchObject({ field: 'path', limit: INLINE_SUBTREE_LIMIT });
      const res = await t.call('PATCH', files('big'), { json: { path: '/into/big' } });
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      expect(res.body).toMatchObject({ type: 'move', params: { itemIds: [bigId], destination: '/into' } });
      expect(res.headers.location).toBe(`/api/v1/jobs/${res.body.id}`);
      expect((await waitFor(res.body.id)).status).toBe('completed');
      expect(await children('/')).toEqual(['into']);
      expect((await children('/into/big')).length).toBe(INLINE_SUBTREE_LIMIT + 1);
    });

    it('documents DELETE and PATCH of …/files/{path} in the OpenAPI document, with 200 item and 202 job responses', async () => {
      const doc = (await t.call('GET', '/api/v1/openapi.json')).body;
      const route = Object.entries(doc.paths as Record<string, Record<string, { responses: Record<string, unknown>; requestBody?: unknown }>>).find(([p]) =>
        p.startsWith('/api/v1/libraries/{libraryId}/files/'),
      )?.[1];
      expect(route).toBeDefined();
      expect(Object.keys(route!.delete!.responses)).toEqual(expect.arrayContaining(['200', '202', '403', '404', '409']));
      expect(Object.keys(route!.patch!.responses)).toEqual(expect.arrayContaining(['200', '202', '409', '422']));
      expect(JSON.stringify(route!.patch!.requestBody)).toContain('"name"');
    });
  });
}
