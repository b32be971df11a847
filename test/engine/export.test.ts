/**
 * The export job through the engine, on every driver: a tree (nested and
 * empty folders, a non-ASCII name, a file streamed past the small-file size)
 * packaged as a zip that the system `unzip` and yauzl read back byte for
 * byte; files past LARGE_FILE read from their own blobs, referenced until
 * the assembly; a missing blob fails its item alone; restrictedDownload refuses
 * readers; duplicate names are refused; a retry is refused; the result
 * expires after the TTL and its bytes are collected; a cancel leaves no
 * archive and its segments are cleaned up.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { engineFixture, type EngineFixture } from '../support/engine.js';
import type { Principal } from '../../src/domain/types.js';
import type { Job } from '../../src/domain/jobs.js';
import { HAS_UNZIP, readZip, treeDigest as sorted, walkTree as walk } from '../support/zip.js';
import { LARGE_FILE } from '../../src/operations/export-segment.js';

const factories = await driverFactories();
for (const factory of factories) {
  describe(`export jobs on ${factory.name}`, { timeout: 300_000 }, () => {
    let f: EngineFixture;
    let lib: string;
    let tmp: string;
    beforeEach(async () => {
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'by-export-'));
      f = await engineFixture(factory);
      lib = await f.library('Exports');
    });
    afterEach(async () => {
      await f.dispose();
      fs.rmSync(tmp, { recursive: true, force: true });
    });

    const put = (libraryId: string, p: string, content: Buffer | string) => f.app.items.putFile(f.admin, libraryId, p, Readable.from([Buffer.from(content)]));

    /** The job's archive, written to a file. */
    async function archiveOf(job: Job): Promise<string> {
      const artifact = (await f.app.store.artifactGet({ jobId: job.id }))!;
      expect(artifact).toBeDefined();
      const file = path.join(tmp, `job-${job.id}.zip`);
      const bytes: Buffer[] = [];
      for await (const chunk of await f.app.blobStores.get(artifact.storage).openRead(artifact.sha256)) bytes.push(chunk as Buffer);
      fs.writeFileSync(file, Buffer.concat(bytes));
      return file;
    }

    /** What the library holds under `prefix`, named as the export names it (relative to the prefix's parent). */
    async function expected(libraryId: string, roots: string[]): Promise<Map<string, Buffer | null>> {
      const library = (await f.app.store.libraryGetById(libraryId))!;
      const rows = await f.app.driver.db.selectFrom('items').selectAll().where('library_id', '=', libraryId).where('trashed_at', 'is', null).execute();
      const out = new Map<string, Buffer | null>();
      for (const root of roots) {
        const base = root.slice(0, root.lastIndexOf('/') + 1);
        for (const row of rows.filter((r) => r.path === root || r.path.startsWith(`${root}/`))) {
          const name = row.path.slice(base.length);
          if (row.kind === 'folder') out.set(`${name}/`, null);
          else {
            const chunks: Buffer[] = [];
            for await (const c of await f.app.blobStores.get(library.storage).openRead(row.sha256!)) chunks.push(c as Buffer);
            out.set(name, Buffer.concat(chunks));
          }
        }
      }
      return out;
    }

    it('packages folders (empty ones too), non-ASCII names and a large streamed file; unzip and yauzl read back the same tree', async () => {
      const count = await f.tree(lib, '/src', 2, 300);
      await f.app.items.createFolder(f.admin, lib, '/src/empty/deeper');
      await put(lib, '/src/naïve café/文件.txt', 'unicode names');
      const large = crypto.randomBytes(600 * 1024);
      await put(lib, '/a/b/large.bin', large);
      await put(lib, '/a/b/zeros.txt', Buffer.alloc(100_000));
      await f.startEngine();
      const job = await f.waitFor((await f.submit('export', lib, { paths: ['/src', '/a/b'], format: 'zip' })).id);
      expect(job.status).toBe('completed');
      const items = count + 2 + 2 + 3; // empty, deeper, café folder and its file, b, large, zeros
      expect(job.counts).toMatchObject({ total: items, succeeded: items, failed: 0 });
      expect(job.bytes.done).toBe(job.bytes.total);
      expect(job.result).toMatchObject({ artifact: { name: 'Exports.zip', mediaType: 'application/zip' }, entries: items, zip64: false });

      const file = await archiveOf(job);
      const want = await expected(lib, ['/src', '/a/b']);
      expect(sorted(await readZip(file))).toEqual(sorted(want));
      expect([...(await readZip(file)).keys()]).toContain('b/large.bin');
      if (HAS_UNZIP) {
        execFileSync('unzip', ['-tq', file]);
        const out = path.join(tmp, 'out');
        execFileSync('unzip', ['-q', file, '-d', out]);
        expect(sorted(walk(out))).toEqual(sorted(want));
      }
      // The segments went with the assembly; the archive holds one blob reference.
      expect(await f.app.store.artifactListParts({ jobId: job.id, limit: 10 })).toEqual([]);
      const artifact = (await f.app.store.artifactGet({ jobId: job.id }))!;
      expect(await f.app.store.blobGetRefcount({ storage: artifact.storage, sha256: artifact.sha256 })).toBe(1);
    });

    it('a single selected file is named after it; a missing blob fails that item alone and the rest is packaged', async () => {
      await put(lib, '/docs/keep.txt', 'kept');
      await put(lib, '/docs/lost.txt', 'this blob goes missing');
      await put(lib, '/docs/big-lost.bin', crypto.randomBytes(300 * 1024));
      const rows = await f.app.driver.db.selectFrom('items').select(['path', 'sha256']).where('library_id', '=', lib).execute();
      const root = (await f.app.store.libraryGetById(lib))!;
      for (const lost of ['/docs/lost.txt', '/docs/big-lost.bin']) await f.app.blobStores.get(root.storage).delete(rows.find((r) => r.path === lost)!.sha256!);
      await f.startEngine();
      const job = await f.waitFor((await f.submit('export', lib, { paths: ['/docs'] })).id);
      expect(job.status).toBe('completed_with_errors');
      expect(job.counts).toMatchObject({ total: 4, succeeded: 2, failed: 2 });
      const failures = (await f.app.jobs.failures(f.admin, job.id, { limit: 10 })).failures;
      expect(failures.map((x) => [x.path, x.code]).sort()).toEqual([['/docs/big-lost.bin', 'BLOB_MISSING'], ['/docs/lost.txt', 'BLOB_MISSING']]);
      expect(failures[0]!.message).toMatch(/missing from storage/);
      expect(sorted(await readZip(await archiveOf(job)))).toEqual(sorted(new Map([['docs/', null], ['docs/keep.txt', Buffer.from('kept')]])));
      expect(job.result).toMatchObject({ artifact: { name: 'docs.zip' } });

      const single = await f.waitFor((await f.submit('export', lib, { paths: ['/docs/keep.txt'] })).id);
      expect(single.result).toMatchObject({ artifact: { name: 'keep.txt.zip' }, entries: 1 });
      await expect(f.app.jobs.retry(f.admin, job.id)).rejects.toMatchObject({ code: 'UNPROCESSABLE', message: expect.stringMatching(/submit it again/) });
    });

    it('large files go into the archive from their own blobs: held by a part each until the assembly, a missing one fails alone', async () => {
      const one = crypto.randomBytes(LARGE_FILE + 123);
      const two = crypto.randomBytes(LARGE_FILE);
      await put(lib, '/L/one.bin', one);
      await put(lib, '/L/sub/two.bin', two);
      await put(lib, '/L/small.txt', 'small and deflated '.repeat(50));
      await put(lib, '/L/gone.bin', crypto.randomBytes(LARGE_FILE));
      const rows = await f.app.driver.db.selectFrom('items').select(['path', 'sha256']).where('library_id', '=', lib).execute();
      const sha = (p: string) => rows.find((r) => r.path === p)!.sha256!;
      const storage = (await f.app.store.libraryGetById(lib))!.storage;
      await f.app.blobStores.get(storage).delete(sha('/L/gone.bin'));
      let atAssembly: { parts: Array<{ sha256: string; mediaType: string }>; refcount: number | undefined } | undefined;
      await f.startEngine({
        hooks: {
          beforePrepare: async (task, job) => {
            if (task.phase !== 3) return;
            const parts = await f.app.store.artifactListParts({ jobId: job.id, limit: 100 });
            atAssembly = { parts: parts.map((p) => ({ sha256: p.sha256, mediaType: p.mediaType })), refcount: await f.app.store.blobGetRefcount({ storage, sha256: sha('/L/one.bin') }) };
          },
        },
      });
      const job = await f.waitFor((await f.submit('export', lib, { paths: ['/L'] })).id);
      expect(job.status).toBe('completed_with_errors');
      expect(job.counts).toMatchObject({ total: 6, succeeded: 5, failed: 1 });
      const failures = (await f.app.jobs.failures(f.admin, job.id, { limit: 10 })).failures;
      expect(failures.map((x) => [x.path, x.code])).toEqual([['/L/gone.bin', 'BLOB_MISSING']]);
      // At the assembly the large files were parts of the job, a reference each beside the items' own.
      const large = atAssembly!.parts.filter((p) => p.mediaType !== 'application/x-batchyard-zip-segment');
      expect(large.map((p) => p.sha256).sort()).toEqual([sha('/L/one.bin'), sha('/L/sub/two.bin')].sort());
      expect(atAssembly!.refcount).toBe(2);
      const file = await archiveOf(job);
      const got = await readZip(file);
      expect(sorted(got)).toEqual(sorted(new Map<string, Buffer | null>([['L/', null], ['L/sub/', null], ['L/one.bin', one], ['L/sub/two.bin', two], ['L/small.txt', Buffer.from('small and deflated '.repeat(50))]])));
      if (HAS_UNZIP) execFileSync('unzip', ['-tq', file]);
      // The parts went with the assembly's commit; the items keep their one reference.
      expect(await f.app.store.artifactListParts({ jobId: job.id, limit: 10 })).toEqual([]);
      expect(await f.app.store.blobGetRefcount({ storage, sha256: sha('/L/one.bin') })).toBe(1);
    });

    it('restrictedDownload refuses readers at submit (403 naming the rule); writers may export; clashing names are a 422', async () => {
      const restricted = await f.library('Restricted', { restrictedDownload: true });
      await put(restricted, '/x/a.txt', 'a');
      await put(restricted, '/y/a.txt', 'a');
      const principal = async (email: string, role: 'READER' | 'WRITER'): Promise<Principal> => {
        const { user } = await f.app.users.createUser(f.admin, { email });
        await f.app.libraries.setPermissions(f.admin, restricted, [
          { type: 'user', value: 'admin@example.com', role: 'ADMIN' },
          { type: 'user', value: email, role },
          ...(role === 'WRITER' ? [{ type: 'user', value: 'reader@example.com', role: 'READER' }] : []),
        ]);
        return f.app.auth.authenticateSecret((await f.app.auth.mint(f.admin, { userId: user.id })).secret);
      };
      const reader = await principal('reader@example.com', 'READER');
      await expect(f.submit('export', restricted, { paths: ['/x'] }, 0, reader)).rejects.toMatchObject({
        code: 'FORBIDDEN',
        message: expect.stringMatching(/^restrictedDownload: /),
        details: { rule: 'restrictedDownload' },
      });
      const writer = await principal('writer@example.com', 'WRITER');
      await expect(f.submit('export', restricted, { paths: ['/x/a.txt', '/y/a.txt'] }, 0, writer)).rejects.toMatchObject({ code: 'UNPROCESSABLE', details: { field: 'params.paths' } });
      await f.startEngine();
      const job = await f.waitFor((await f.submit('export', restricted, { paths: ['/x'] }, 0, writer)).id);
      expect(job.status).toBe('completed');
    });

    it('the archive expires after the TTL: the housekeeping deletes it and the collector reclaims its bytes', async () => {
      let ahead = 0; // how far the engine's clock runs ahead of the wall clock
      await put(lib, '/t/one.txt', 'one');
      const engine = await f.startEngine({ now: () => Date.now() + ahead, artifactTtlMs: 60_000 });
      const job = await f.waitFor((await f.submit('export', lib, { paths: ['/t'] })).id);
      const artifact = (await f.app.store.artifactGet({ jobId: job.id }))!;
      expect(artifact.expiresAt).toBe(artifact.createdAt + 60_000);
      const blobs = f.app.blobStores.get(artifact.storage);
      ahead = artifact.expiresAt! - 1_000 - Date.now();
      expect(await engine.expireArtifacts()).toBe(0);
      await engine.collect(); // the segments the assembly dropped
      expect(await blobs.stat(artifact.sha256)).not.toBeNull();
      ahead = artifact.expiresAt! - Date.now();
      expect(await engine.expireArtifacts()).toBe(1);
      expect(await f.app.store.artifactGet({ jobId: job.id })).toBeUndefined();
      expect(await f.app.store.blobGetRefcount({ storage: artifact.storage, sha256: artifact.sha256 })).toBe(0);
      expect(await engine.collect()).toBe(1);
      expect(await blobs.stat(artifact.sha256)).toBeNull();
      // The exported file's own content is untouched.
      expect(await f.livePaths(lib)).toContain('/t/one.txt');
    });

    it('a cancel stops it: no archive, and the segments already written are deleted with their references', async () => {
      await f.tree(lib, '/big', 4, 1_200);
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let seen = 0;
      await f.startEngine({
        concurrency: 2,
        hooks: {
          beforePrepare: async () => {
            // The first chunks run; then every task waits for the cancel.
            if (++seen <= 2) return;
            await held;
          },
        },
      });
      const submitted = await f.submit('export', lib, { paths: ['/big'] });
      for (let i = 0; i < 500 && (await f.app.store.artifactListParts({ jobId: submitted.id, limit: 10 })).length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      await f.app.jobs.cancel(f.admin, submitted.id);
      release();
      const job = await f.waitFor(submitted.id);
      expect(job.status).toBe('cancelled');
      expect(await f.app.store.artifactGet({ jobId: job.id })).toBeUndefined();
      const parts = await f.app.store.artifactListParts({ jobId: job.id, limit: 100 });
      expect(parts.length).toBeGreaterThan(0);
      expect(await f.engine!.expireArtifacts()).toBe(parts.length);
      expect(await f.app.store.artifactListParts({ jobId: job.id, limit: 100 })).toEqual([]);
      for (const part of parts) expect(await f.app.store.blobGetRefcount({ storage: part.storage, sha256: part.sha256 })).toBe(0);
    });
  });
}
