/**
 * tus uploads at /api/v1/uploads against a real listening server, driven by
 * tus-js-client (a real tus client, unchanged): an archive upload interrupted
 * at about half and resumed from its URL, then imported intact; ownership
 * (another user's HEAD, PATCH, DELETE are 404), the size limit, bearer auth,
 * READER refused, a missing or unfinished upload named in a 4xx, and the
 * upload deleted once its import has ended.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Upload } from 'tus-js-client';
import { driverFactories } from '../support/drivers.js';
import { ADMIN_TOKEN, startTestApp, type TestApp } from '../support/app.js';
import { FAST_ENGINE } from '../support/engine.js';
import { startEngine } from '../../src/app.js';
import type { Engine } from '../../src/engine/engine.js';
import { FINAL_STATUSES } from '../../src/domain/jobs.js';
import { gzip, tarOf, zipOf, type TarInput } from '../support/archives.js';
import { libraryTree } from '../support/source-trees.js';

const factories = await driverFactories();

const sha = (data: Buffer | string) => crypto.createHash('sha256').update(data).digest('hex');

/** A tar of folders and files with random bytes (about `bytes` in all), and what it should unpack to. */
function sampleEntries(bytes: number): { entries: TarInput[]; expected: Map<string, string> } {
  const entries: TarInput[] = [{ name: 'docs/' }, { name: 'docs/deep/' }];
  const expected = new Map<string, string>([
    ['docs', 'folder'],
    ['docs/deep', 'folder'],
  ]);
  const files = 8;
  for (let i = 0; i < files; i++) {
    const data = crypto.randomBytes(Math.floor(bytes / files));
    const name = i % 2 === 0 ? `docs/f${i}.bin` : `docs/deep/f${i}.bin`;
    entries.push({ name, data });
    expected.set(name, sha(data));
  }
  return { entries, expected };
}

for (const factory of factories) {
  describe(`tus uploads on ${factory.name}`, () => {
    let t: TestApp;
    let engine: Engine | undefined;
    let base: string;
    let lib: string;

    beforeEach(async () => {
      t = await startTestApp(factory, { BATCHYARD_TUS_MAX_SIZE: '4MiB' });
      base = await t.http.listen({ port: 0, host: '127.0.0.1' });
      engine = undefined;
      const created = await t.call('POST', '/api/v1/libraries', { json: { name: 'Inbox' } });
      lib = created.body.libraryId;
    });
    afterEach(async () => {
      await engine?.stop();
      await t.dispose();
    });

    async function userToken(email: string): Promise<string> {
      const user = await t.call('POST', '/api/v1/users', { json: { email } });
      const minted = await t.call('POST', '/api/v1/tokens', { json: { userId: user.body.id } });
      return minted.body.token as string;
    }

    async function grant(permissions: Array<[string, 'READER' | 'WRITER']>) {
      const res = await t.call('PUT', `/api/v1/libraries/${lib}/permissions`, {
        json: { permissions: [{ type: 'user', value: 'admin@example.com', role: 'ADMIN' }, ...permissions.map(([value, role]) => ({ type: 'user', value, role }))] },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
    }

    /** Uploads `data` with tus-js-client; `abortAt` (a fraction) stops it there and resolves with the URL so far. */
    function tusUpload(data: Buffer, o: { token?: string; abortAt?: number; uploadUrl?: string; metadata?: Record<string, string>; chunkSize?: number } = {}) {
      return new Promise<{ url: string; firstOffset: number | undefined }>((resolve, reject) => {
        let firstOffset: number | undefined;
        const upload: Upload = new Upload(data, {
          endpoint: `${base}/api/v1/uploads`,
          ...(o.uploadUrl ? { uploadUrl: o.uploadUrl } : {}),
          headers: { Authorization: `Bearer ${o.token ?? ADMIN_TOKEN}` },
          metadata: { filename: 'archive', ...(o.metadata ?? {}) },
          chunkSize: o.chunkSize ?? Math.ceil(data.length / 10),
          retryDelays: [],
          onChunkComplete: (_chunk, accepted) => {
            firstOffset ??= accepted;
            if (o.abortAt !== undefined && accepted >= data.length * o.abortAt) {
              void upload.abort().then(() => resolve({ url: upload.url!, firstOffset }));
            }
          },
          onSuccess: () => resolve({ url: upload.url!, firstOffset }),
          onError: reject,
        });
        upload.start();
      });
    }

    async function head(url: string, token = ADMIN_TOKEN) {
      const res = await fetch(new URL(url, base), { method: 'HEAD', headers: { Authorization: `Bearer ${token}`, 'Tus-Resumable': '1.0.0' } });
      return { status: res.status, offset: res.headers.get('upload-offset'), length: res.headers.get('upload-length') };
    }

    const idOf = (url: string) => url.split('/').at(-1)!;

    async function submitImport(uploadId: string, destination: string, token = ADMIN_TOKEN) {
      return t.call('POST', '/api/v1/jobs', { token, json: { type: 'import', libraryId: lib, params: { source: { type: 'upload', uploadId }, destination } } });
    }

    async function waitJob(id: number) {
      for (;;) {
        const res = await t.call('GET', `/api/v1/jobs/${id}`);
        if (FINAL_STATUSES.includes(res.body.status)) return res.body;
        await new Promise((r) => setTimeout(r, 25));
      }
    }

    it('an upload interrupted at half is resumed from its URL and imported intact; the upload is deleted after', async () => {
      const { entries, expected } = sampleEntries(2 * 1024 * 1024);
      const archive = await tarOf(entries);
      const partial = await tusUpload(archive, { abortAt: 0.5 });
      const midway = await head(partial.url);
      expect(midway.status).toBe(200);
      const offset = Number(midway.offset);
      expect(offset).toBeGreaterThanOrEqual(archive.length * 0.5);
      expect(offset).toBeLessThan(archive.length);
      expect(Number(midway.length)).toBe(archive.length);

      // An import of an unfinished upload is a 409 naming it.
      const early = await submitImport(idOf(partial.url), '/early');
      expect(early.status).toBe(409);
      expect(early.body.error.message).toContain(idOf(partial.url));

      const resumed = await tusUpload(archive, { uploadUrl: partial.url });
      expect(resumed.url).toBe(partial.url);
      expect(resumed.firstOffset).toBeGreaterThan(offset); // it went on from the server's offset, not from 0
      expect((await head(partial.url)).offset).toBe(String(archive.length));

      engine = await startEngine(t.app, FAST_ENGINE);
      const submitted = await submitImport(idOf(partial.url), '/in');
      expect(submitted.status, JSON.stringify(submitted.body)).toBe(202);
      const job = await waitJob(submitted.body.id);
      expect(job.status, JSON.stringify(job)).toBe('completed');
      expect(job.counts).toMatchObject({ total: expected.size, succeeded: expected.size, failed: 0 });
      expect([...(await libraryTree(t.app, lib, '/in'))].sort()).toEqual([...expected].sort());

      expect(await engine.sweepUploads()).toBe(1);
      expect((await head(partial.url)).status).toBe(404);
      expect(await t.app.uploads.files.state(idOf(partial.url))).toBeUndefined();
    });

    it('imports a zip and a tar.gz; entries that cannot be unpacked are per-item failures', async () => {
      engine = await startEngine(t.app, FAST_ENGINE);
      const zip = await zipOf([{ name: 'z/' }, { name: 'z/a.txt', data: 'zip a' }, { name: 'z/b.txt', data: 'zip b' }]);
      const zipped = await tusUpload(zip);
      const zipJob = await waitJob((await submitImport(idOf(zipped.url), '/fromzip')).body.id);
      expect(zipJob.status).toBe('completed');
      expect([...(await libraryTree(t.app, lib, '/fromzip'))].sort()).toEqual([
        ['z', 'folder'],
        ['z/a.txt', sha('zip a')],
        ['z/b.txt', sha('zip b')],
      ]);

      const tgz = gzip(
        await tarOf([
          { name: 'ok.txt', data: 'fine' },
          { name: '../evil.txt', data: 'escape' },
          { name: 'link', type: 'symlink', linkname: '/etc/passwd' },
          { name: 'dev', type: 'character-device' },
        ]),
      );
      const gzipped = await tusUpload(tgz);
      const tgzJob = await waitJob((await submitImport(idOf(gzipped.url), '/fromtgz')).body.id);
      expect(tgzJob.status).toBe('completed_with_errors');
      expect(tgzJob.counts).toMatchObject({ succeeded: 1, failed: 3 });
      const failures = await t.call('GET', `/api/v1/jobs/${tgzJob.id}/failures`);
      expect(failures.body.failures.map((f: { code: string }) => f.code).sort()).toEqual(['LINK_ENTRY', 'SPECIAL_FILE', 'UNSAFE_PATH']);
      expect([...(await libraryTree(t.app, lib, '/fromtgz'))]).toEqual([['ok.txt', sha('fine')]]);
      // Kept after failures (for a retry) until it expires; the fully imported zip is gone.
      expect(await engine.sweepUploads()).toBe(1);
      expect(await t.app.uploads.files.state(idOf(gzipped.url))).toBeDefined();
      // Its unpacked tar (beside it) goes with it.
      expect(fs.existsSync(`${t.app.uploads.files.pathOf(idOf(gzipped.url))}.tar`)).toBe(true);
      await t.app.uploads.files.remove(idOf(gzipped.url));
      expect(fs.readdirSync(t.app.uploads.files.dir).filter((n) => n.startsWith(idOf(gzipped.url)))).toEqual([]);
    });

    it('another user cannot see, resume or delete an upload (404), and cannot import it (404 naming it)', async () => {
      const other = await userToken('eve@example.com');
      await grant([['eve@example.com', 'WRITER']]);
      const data = crypto.randomBytes(64 * 1024);
      const partial = await tusUpload(data, { abortAt: 0.5 });
      expect((await head(partial.url, other)).status).toBe(404);
      const patch = await fetch(new URL(partial.url, base), {
        method: 'PATCH',
        headers: { Authorization: `Bearer ${other}`, 'Tus-Resumable': '1.0.0', 'Upload-Offset': (await head(partial.url)).offset!, 'Content-Type': 'application/offset+octet-stream' },
        body: Buffer.alloc(10),
      });
      expect(patch.status).toBe(404);
      const del = await fetch(new URL(partial.url, base), { method: 'DELETE', headers: { Authorization: `Bearer ${other}`, 'Tus-Resumable': '1.0.0' } });
      expect(del.status).toBe(404);
      // tus-js-client told 404 for the URL starts a new upload of its own: it never writes into the owner's.
      const fresh = await tusUpload(data, { uploadUrl: partial.url, token: other });
      expect(fresh.url).not.toBe(partial.url);
      expect((await head(fresh.url, other)).offset).toBe(String(data.length));
      // The owner's upload is untouched and still resumes.
      await tusUpload(data, { uploadUrl: partial.url });
      expect((await head(partial.url)).offset).toBe(String(data.length));
      const stolen = await submitImport(idOf(partial.url), '/x', other);
      expect(stolen.status).toBe(404);
      expect(stolen.body.error.message).toContain(idOf(partial.url));
      const missing = await submitImport('nosuchupload', '/x');
      expect(missing.status).toBe(404);
      expect(missing.body.error.message).toContain("'nosuchupload'");
      // The owner may delete it (tus termination).
      const own = await fetch(new URL(partial.url, base), { method: 'DELETE', headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, 'Tus-Resumable': '1.0.0' } });
      expect(own.status).toBe(204);
    });

    it('refuses an upload over the size limit (413), without a token (401), and an import by a READER (403)', async () => {
      const tooBig = await fetch(`${base}/api/v1/uploads`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, 'Tus-Resumable': '1.0.0', 'Upload-Length': String(5 * 1024 * 1024) },
      });
      expect(tooBig.status).toBe(413);
      const anonymous = await fetch(`${base}/api/v1/uploads`, { method: 'POST', headers: { 'Tus-Resumable': '1.0.0', 'Upload-Length': '10' } });
      expect(anonymous.status).toBe(401);
      const options = await fetch(`${base}/api/v1/uploads`, { method: 'OPTIONS' });
      expect(options.status).toBe(204);
      expect(options.headers.get('tus-max-size')).toBe(String(4 * 1024 * 1024));

      const reader = await userToken('rita@example.com');
      await grant([['rita@example.com', 'READER']]);
      // Naming the library in the metadata: refused at creation.
      await expect(tusUpload(Buffer.from('x'), { token: reader, metadata: { libraryId: lib } })).rejects.toThrow(/403/);
      const own = await tusUpload(await tarOf([{ name: 'a.txt', data: 'a' }]), { token: reader });
      const refused = await submitImport(idOf(own.url), '/r', reader);
      expect(refused.status).toBe(403);
    });
  });
}
