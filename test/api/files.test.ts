/** Files and folders over HTTP: uploads, downloads, names and paths, limits, listings. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import crypto from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { driverFactories } from '../support/drivers.js';
import { ADMIN_TOKEN, startTestApp, type TestApp } from '../support/app.js';
import { openApp, ORPHAN_TEMP_AGE_MS } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';

const factories = await driverFactories();

const sha256 = (data: string | Buffer) => crypto.createHash('sha256').update(data).digest('hex');

async function waitUntil(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`never happened: ${what}`);
}

for (const factory of factories) {
  describe(`files API on ${factory.name}`, () => {
    let t: TestApp;
    let lib: string;
    const files = (p: string) => `/api/v1/libraries/${lib}/files/${p}`;
    const tmpDir = () => path.join(t.t.dir, 'blobs', 'tmp');
    const tmpFiles = () => (fs.existsSync(tmpDir()) ? fs.readdirSync(tmpDir()) : []);

    beforeEach(async () => {
      t = await startTestApp(factory, { BATCHYARD_MAX_UPLOAD_SIZE: '64k' });
      const res = await t.call('POST', '/api/v1/libraries', { json: { name: 'Files' } });
      lib = res.body.libraryId;
    });
    afterEach(async () => {
      await t.dispose();
    });

    it('uploads into new parent folders and downloads the same bytes with an ETag', async () => {
      const put = await t.call('PUT', files('reports/2026/q1.txt'), { body: 'quarter one' });
      expect(put.status).toBe(201);
      expect(put.body).toMatchObject({ path: '/reports/2026/q1.txt', name: 'q1.txt', kind: 'file', size: 11, sha256: sha256('quarter one'), libraryId: lib });
      const get = await t.call('GET', files('reports/2026/q1.txt'));
      expect(get.status).toBe(200);
      expect(get.raw.toString()).toBe('quarter one');
      expect(get.headers.etag).toBe(`"${sha256('quarter one')}"`);
      const notModified = await t.call('GET', files('reports/2026/q1.txt'), { headers: { 'if-none-match': get.headers.etag as string } });
      expect(notModified.status).toBe(304);
      const folder = await t.call('GET', `/api/v1/libraries/${lib}/items?path=/reports`);
      expect(folder.body.items).toEqual([expect.objectContaining({ name: '2026', kind: 'folder', path: '/reports/2026' })]);
      const replaced = await t.call('PUT', files('reports/2026/q1.txt'), { body: 'revised' });
      expect(replaced.status).toBe(200);
      expect((await t.call('GET', files('reports/2026/q1.txt'))).raw.toString()).toBe('revised');
      const guarded = await t.call('PUT', files('reports/2026/q1.txt'), { body: 'again', headers: { 'if-none-match': '*' } });
      expect(guarded.status).toBe(412);
    });

    it('keeps the declared media type, guesses one when the upload says nothing, and serves content safely', async () => {
      const declared = await t.call('PUT', files('data.bin'), { body: '{}', headers: { 'content-type': 'application/json; charset=utf-8' } });
      expect(declared.body.contentType).toBe('application/json; charset=utf-8');
      const guessed = await t.call('PUT', files('report.pdf'), { body: '%PDF', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      expect(guessed.body.contentType).toBe('application/pdf');
      const page = await t.call('PUT', files('evil page.html'), { body: '<script>alert(1)</script>' });
      expect(page.body.contentType).toBe('text/html; charset=utf-8');
      const bad = await t.call('PUT', files('x.txt'), { body: 'x', headers: { 'content-type': 'not a type' } });
      expect(bad.status).toBe(415);
      expect(bad.body.error.message).toContain('not a type');
      const badParameter = await t.call('PUT', files('x.txt'), { body: 'x', headers: { 'content-type': 'text/plain; charset' } });
      expect(badParameter.status).toBe(400);
      expect(badParameter.body.error.details.field).toBe('Content-Type');

      const served = await t.call('GET', files('evil%20page.html'));
      expect(served.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(served.headers['x-content-type-options']).toBe('nosniff');
      expect(served.headers['content-security-policy']).toBe('sandbox');
      expect(served.headers['content-disposition']).toBe(`inline; filename="evil page.html"; filename*=UTF-8''evil%20page.html`);
      const saved = await t.call('GET', `${files('report.pdf')}?download=true`);
      expect(saved.headers['content-disposition']).toMatch(/^attachment; filename="report.pdf"/);
      expect((await t.call('GET', `${files('report.pdf')}?colour=red`)).status).toBe(400);
      const listing = await t.call('GET', `/api/v1/libraries/${lib}/items?path=/`);
      expect(listing.body.items.map((i: { name: string; contentType: string }) => `${i.name}=${i.contentType}`)).toEqual([
        'data.bin=application/json; charset=utf-8',
        'evil page.html=text/html; charset=utf-8',
        'report.pdf=application/pdf',
      ]);
      const head = await t.call('HEAD', files('report.pdf'));
      expect(head.status).toBe(200);
      expect(head.headers['content-length']).toBe('4');
      expect(head.raw.length).toBe(0);
    });

    it('addresses items by id as well as by path', async () => {
      const file = (await t.call('PUT', files('docs/a.txt'), { body: 'by id' })).body;
      const folder = (await t.call('GET', `/api/v1/libraries/${lib}/items?path=/`)).body.items[0];
      const byId = await t.call('GET', `/api/v1/libraries/${lib}/items/${file.id}`);
      expect(byId.body).toEqual(file);
      const content = await t.call('GET', `/api/v1/libraries/${lib}/items/${file.id}/content`, { headers: { range: 'bytes=3-4' } });
      expect(content.status).toBe(206);
      expect(content.raw.toString()).toBe('id');
      const children = await t.call('GET', `/api/v1/libraries/${lib}/items/${folder.id}/children`);
      expect(children.body.items.map((i: { id: number }) => i.id)).toEqual([file.id]);
      expect((await t.call('GET', `/api/v1/libraries/${lib}/items/${file.id}/children`)).status).toBe(400);
      expect((await t.call('GET', `/api/v1/libraries/${lib}/items/${folder.id}/content`)).status).toBe(400);
      expect((await t.call('GET', `/api/v1/libraries/${lib}/items/999999`)).status).toBe(404);
      expect((await t.call('GET', `/api/v1/libraries/${lib}/items/abc`)).status).toBe(400);
      // Another library's item id is not found through this library.
      const other = (await t.call('POST', '/api/v1/libraries', { json: { name: 'Other' } })).body.libraryId;
      expect((await t.call('GET', `/api/v1/libraries/${other}/items/${file.id}`)).status).toBe(404);
    });

    it('serves byte ranges and refuses unsatisfiable ones with 416', async () => {
      await t.call('PUT', files('abc.txt'), { body: '0123456789' });
      const part = await t.call('GET', files('abc.txt'), { headers: { range: 'bytes=2-5' } });
      expect(part.status).toBe(206);
      expect(part.raw.toString()).toBe('2345');
      expect(part.headers['content-range']).toBe('bytes 2-5/10');
      expect((await t.call('GET', files('abc.txt'), { headers: { range: 'bytes=-3' } })).raw.toString()).toBe('789');
      expect((await t.call('GET', files('abc.txt'), { headers: { range: 'bytes=7-' } })).raw.toString()).toBe('789');
      const bad = await t.call('GET', files('abc.txt'), { headers: { range: 'bytes=20-30' } });
      expect(bad.status).toBe(416);
      expect(bad.headers['content-range']).toBe('bytes */10');
    });

    it('reads Range as RFC 9110 says: empty files, suffixes and ends past the size, several ranges, malformed headers, If-Range', async () => {
      await t.call('PUT', files('ten.txt'), { body: '0123456789' });
      await t.call('PUT', files('empty.txt'), { body: '' });
      const get = (name: string, range: string, headers: Record<string, string> = {}) => t.call('GET', files(name), { headers: { range, ...headers } });
      const whole = (res: { status: number; headers: Record<string, unknown>; raw: Buffer }, body: string) => {
        expect(res.status).toBe(200);
        expect(res.headers['content-range']).toBeUndefined();
        expect(res.headers['content-length']).toBe(String(body.length));
        expect(res.raw.toString()).toBe(body);
      };
      const part = (res: { status: number; headers: Record<string, unknown>; raw: Buffer }, contentRange: string, body: string) => {
        expect(res.status).toBe(206);
        expect(res.headers['content-range']).toBe(contentRange);
        expect(res.headers['content-length']).toBe(String(body.length));
        expect(res.raw.toString()).toBe(body);
      };
      const unsatisfiable = (res: { status: number; headers: Record<string, unknown> }, size: number) => {
        expect(res.status).toBe(416);
        expect(res.headers['content-range']).toBe(`bytes */${size}`);
      };

      // An empty file: no range can be described, so the (empty) body is sent whole; never `bytes 0--1/0`.
      for (const range of ['bytes=-5', 'bytes=0-', 'bytes=0-0', 'bytes=-0']) whole(await get('empty.txt', range), '');

      // A suffix longer than the file is the whole file; an end past the size stops at the last byte.
      part(await get('ten.txt', 'bytes=-20'), 'bytes 0-9/10', '0123456789');
      part(await get('ten.txt', 'bytes=-99999999999999999999'), 'bytes 0-9/10', '0123456789');
      part(await get('ten.txt', 'bytes=5-100'), 'bytes 5-9/10', '56789');
      part(await get('ten.txt', 'BYTES=9-'), 'bytes 9-9/10', '9');
      unsatisfiable(await get('ten.txt', 'bytes=10-'), 10);
      unsatisfiable(await get('ten.txt', 'bytes=-0'), 10);
      unsatisfiable(await get('ten.txt', 'bytes=99999999999999999999-'), 10);
      unsatisfiable(await get('ten.txt', 'bytes=10-20,30-'), 10);

      // Several ranges: overlapping or adjacent ones are one range; disjoint ones get the whole body (no multipart).
      part(await get('ten.txt', 'bytes=0-3,2-5'), 'bytes 0-5/10', '012345');
      part(await get('ten.txt', 'bytes=0-1,2-3'), 'bytes 0-3/10', '0123');
      part(await get('ten.txt', 'bytes=0-1, 20-30'), 'bytes 0-1/10', '01');
      whole(await get('ten.txt', 'bytes=0-1,5-6'), '0123456789');
      whole(await get('ten.txt', 'bytes=-1,0-0'), '0123456789');

      // Another unit or a malformed header is ignored.
      for (const range of ['items=0-1', 'bytes', 'bytes=', 'bytes=a-b', 'bytes=0x1-2', 'bytes=1-2-3', 'bytes=--1', 'bytes=1.5-2']) {
        whole(await get('ten.txt', range), '0123456789');
      }

      // If-Range: the range only while the ETag still matches.
      const etag = (await t.call('GET', files('ten.txt'))).headers.etag as string;
      part(await get('ten.txt', 'bytes=0-1', { 'if-range': etag }), 'bytes 0-1/10', '01');
      whole(await get('ten.txt', 'bytes=0-1', { 'if-range': '"another"' }), '0123456789');
      whole(await get('ten.txt', 'bytes=20-', { 'if-range': '"another"' }), '0123456789');
    });

    it('stores identical content once', async () => {
      await t.call('PUT', files('one.txt'), { body: 'same bytes' });
      await t.call('PUT', files('two.txt'), { body: 'same bytes' });
      // Small content is a record in a pack: the store lists each address once.
      const stored = await t.app.blobStores.get('default').listObjects({ limit: 100 });
      expect(stored.map((o) => o.sha256)).toEqual([sha256('same bytes')]);
      expect(await t.app.store.blobGetRefcount({ storage: 'default', sha256: sha256('same bytes') })).toBe(2);
    });

    /** Sends a request with its path exactly as given (inject would normalize `..`). */
    async function rawPut(rawPath: string, body: string): Promise<{ status: number; body: { error: { code: string; message: string } } }> {
      if (!t.http.server.listening) await t.http.listen({ port: 0, host: '127.0.0.1' });
      const { port } = t.http.server.address() as AddressInfo;
      return new Promise((resolve, reject) => {
        const req = http.request({ port, host: '127.0.0.1', method: 'PUT', path: rawPath, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString() || '{}') }));
        });
        req.on('error', reject);
        req.end(body);
      });
    }

    it('refuses traversal, encoded slashes, NUL, control characters and over-long names', async () => {
      for (const bad of ['a/../b.txt', '..', '%2e%2e/b.txt', 'a/%2E%2E/b.txt', 'a%2Fb.txt', 'a%2fb.txt', 'a%5cb.txt', 'nul%00.txt', 'tab%09.txt', './x.txt', 'a/./x.txt', 'a//b.txt', `${'n'.repeat(256)}.txt`, 'bad%ZZ.txt']) {
        const res = await rawPut(files(bad), 'x');
        expect(res.status, bad).toBe(400);
        expect(res.body.error.code, bad).toBe('INVALID_ARGUMENT');
      }
      const listing = await t.call('GET', `/api/v1/libraries/${lib}/items?path=/`);
      expect(listing.body.items).toEqual([]);
      expect((await t.call('GET', `/api/v1/libraries/${lib}/items?path=/a/../b`)).status).toBe(400);
      expect((await t.call('POST', `/api/v1/libraries/${lib}/folders`, { json: { path: '/x/\u0000' } })).status).toBe(400);
    });

    it('normalizes names to NFC and reports clashes with 409', async () => {
      const decomposed = 'cafe\u0301.txt';
      const put = await t.call('PUT', files(encodeURIComponent(decomposed)), { body: 'x' });
      expect(put.body.name).toBe('café.txt');
      expect((await t.call('GET', files(encodeURIComponent('café.txt')))).raw.toString()).toBe('x');
      expect((await t.call('POST', `/api/v1/libraries/${lib}/folders`, { json: { path: '/café.txt' } })).status).toBe(409);
      await t.call('POST', `/api/v1/libraries/${lib}/folders`, { json: { path: '/dir' } });
      expect((await t.call('POST', `/api/v1/libraries/${lib}/folders`, { json: { path: '/dir' } })).status).toBe(409);
      expect((await t.call('PUT', files('dir'), { body: 'x' })).status).toBe(409);
      expect((await t.call('PUT', files('café.txt/inner.txt'), { body: 'x' })).status).toBe(409);
    });

    it('refuses an upload over the limit with 413 and leaves nothing behind', async () => {
      const big = Buffer.alloc(65 * 1024, 7);
      const res = await t.call('PUT', files('big.bin'), { body: big });
      expect(res.status).toBe(413);
      expect(res.body.error.code).toBe('PAYLOAD_TOO_LARGE');
      expect((await t.call('GET', files('big.bin'))).status).toBe(404);
      expect(tmpFiles()).toEqual([]);
      expect(await t.app.store.blobGetRefcount({ storage: 'default', sha256: sha256(big) })).toBeUndefined();
    });

    it('keeps no partial file when the client disconnects mid-upload, and cleans temp files on restart', async () => {
      await t.http.listen({ port: 0, host: '127.0.0.1' });
      const { port } = t.http.server.address() as AddressInfo;
      const closed = new Promise<void>((resolve) => {
        // Disconnect once the server is mid-upload: it has read the first bytes of the body.
        t.http.server.once('request', (incoming: http.IncomingMessage) => {
          incoming.once('data', () => req.destroy());
          incoming.once('close', () => resolve());
        });
        const req = http.request({ port, host: '127.0.0.1', method: 'PUT', path: files('partial.bin'), headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-length': 40000 } });
        req.on('error', () => undefined);
        req.write(Buffer.alloc(10000, 1));
      });
      await closed;
      await waitUntil(() => tmpFiles().length === 0, 'no temp file after the disconnect');
      expect((await t.call('GET', files('partial.bin'))).status).toBe(404);
      expect((await t.call('GET', `/api/v1/libraries/${lib}/items?path=/`)).body.items).toEqual([]);
      expect(await t.app.blobStores.get('default').listObjects({ limit: 10 })).toEqual([]);

      // A crash mid-upload leaves a temp file; the next start removes it once it is stale
      // (a fresh one may belong to another process's upload in progress).
      fs.mkdirSync(tmpDir(), { recursive: true });
      const stale = path.join(tmpDir(), 'upload-crashed.tmp');
      const fresh = path.join(tmpDir(), 'upload-in-progress-elsewhere.tmp');
      fs.writeFileSync(stale, 'half');
      fs.writeFileSync(fresh, 'busy');
      const longAgo = new Date(Date.now() - ORPHAN_TEMP_AGE_MS - 60_000);
      fs.utimesSync(stale, longAgo, longAgo);
      const config = loadConfig({ data: t.t.dir, port: 0 }, { LOG_LEVEL: 'silent', BATCHYARD_BOOTSTRAP_TOKEN: ADMIN_TOKEN });
      const restarted = await openApp(config, { driver: t.t.driver });
      expect(tmpFiles()).toEqual(['upload-in-progress-elsewhere.tmp']);
      expect(restarted.store).toBeDefined();
    });

    it('takes many concurrent uploads into one new folder tree without a spurious error', async () => {
      const results = await Promise.all(
        Array.from({ length: 24 }, (_, i) => t.call('PUT', files(`burst/a/b/f${String(i).padStart(2, '0')}.txt`), { body: `file ${i}` })),
      );
      expect(results.map((r) => r.status)).toEqual(Array(24).fill(201));
      const listing = await t.call('GET', `/api/v1/libraries/${lib}/items?path=/burst/a/b&limit=100`);
      expect(listing.body.items).toHaveLength(24);
      const folders = await t.call('GET', `/api/v1/libraries/${lib}/items?path=/burst`);
      expect(folders.body.items.map((i: { name: string }) => i.name)).toEqual(['a']);
    });

    it('pages a folder listing with a stable cursor', async () => {
      const names = Array.from({ length: 23 }, (_, i) => `f${String(i).padStart(2, '0')}.txt`);
      for (const name of names) await t.call('PUT', files(`many/${name}`), { body: name });
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const res: { body: { items: Array<{ name: string }>; nextCursor: string | null } } = await t.call('GET', `/api/v1/libraries/${lib}/items?path=/many&limit=5${cursor ? `&cursor=${cursor}` : ''}`);
        seen.push(...res.body.items.map((i) => i.name));
        cursor = res.body.nextCursor;
        if (cursor === names[7]) await t.call('PUT', files('many/f07b.txt'), { body: 'late' });
      } while (cursor);
      expect(seen.filter((n) => n !== 'f07b.txt')).toEqual(names);
      expect(new Set(seen).size).toBe(seen.length);
      expect((await t.call('GET', `/api/v1/libraries/${lib}/items?path=/many/f00.txt`)).status).toBe(400);
      expect((await t.call('GET', `/api/v1/libraries/${lib}/items?path=/nope`)).status).toBe(404);
      expect((await t.call('GET', `/api/v1/libraries/${lib}/trash`)).body).toEqual({ items: [], nextCursor: null });
    });

    it('refuses downloads to readers of a restricted-download library', async () => {
      await t.call('PUT', files('secret.txt'), { body: 's' });
      const user = await t.call('POST', '/api/v1/users', { json: { email: 'reader@example.com' } });
      const token = (await t.call('POST', '/api/v1/tokens', { json: { userId: user.body.id } })).body.token;
      await t.call('PUT', `/api/v1/libraries/${lib}/permissions`, {
        json: { permissions: [{ type: 'user', value: 'admin@example.com', role: 'ADMIN' }, { type: 'user', value: 'reader@example.com', role: 'READER' }] },
      });
      expect((await t.call('GET', files('secret.txt'), { token })).status).toBe(200);
      await t.call('PATCH', `/api/v1/libraries/${lib}`, { json: { restrictedDownload: true } });
      expect((await t.call('GET', files('secret.txt'), { token })).status).toBe(403);
      expect((await t.call('GET', `/api/v1/libraries/${lib}/items?path=/`, { token })).status).toBe(200);
    });
  });
}
