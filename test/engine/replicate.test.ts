/**
 * Replicate through the engine on both drivers: a tree mirrored into an empty
 * library, the second run writing nothing; new, changed and removed files and
 * folders (content replaced in place, folder ⇄ file swaps, extras trashed only
 * with deleteExtraneous); a dry run that reports and changes nothing; another
 * storage location (bytes copied); same-library folders; rights; cancel; retry.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { engineFixture, type EngineFixture } from '../support/engine.js';
import type { Principal } from '../../src/domain/types.js';
import type { Job } from '../../src/domain/jobs.js';
import type { BlobStore } from '../../src/blobs/blob-store.js';
import { distinctTree, Gate } from './trees.js';
import { expectedRefs, refcounts, snapshot } from '../support/catalog-state.js';

const factories = await driverFactories();

interface Shaped {
  path: string;
  kind: string;
  sha256: string | null;
}

for (const factory of factories) {
  describe(`replicate on ${factory.name}`, () => {
    let f: EngineFixture;
    let lib: string;
    let other: string;
    let secondDir: string;

    beforeEach(async () => {
      secondDir = fs.mkdtempSync(path.join('/tmp', 'by-replicate-'));
      f = await engineFixture(factory, { BATCHYARD_STORAGES: `second=${secondDir}` });
      lib = await f.library('Main');
      other = await f.library('Other');
    });
    afterEach(async () => {
      await f.dispose();
      fs.rmSync(secondDir, { recursive: true, force: true });
    });

    const put = (library: string, p: string, text: string) => f.app.items.putFile(f.admin, library, p, Readable.from([Buffer.from(text)]));
    const replicate = async (params: Record<string, unknown>, library = lib): Promise<Job> => f.waitFor((await f.submit('replicate', library, params)).id);
    /** The live items under `root` as (relative path, kind, content), in path order. */
    const tree = async (library: string, root = '/'): Promise<Shaped[]> => {
      const prefix = root === '/' ? '/' : `${root}/`;
      return (await snapshot(f, library))
        .filter((r) => !r.trashed && r.path.startsWith(prefix) && r.path !== root)
        .map((r) => ({ path: r.path.slice(prefix.length - 1), kind: r.kind, sha256: r.sha256 }))
        .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    };
    const liveRefs = async (library: string) => expectedRefs((await snapshot(f, library)).filter((r) => !r.trashed || r.kind === 'file'));

    it('mirrors a library into an empty one; the second run writes nothing and says so', async () => {
      const count = (await distinctTree(f, lib, '/src', 3, 40)) + 1;
      await put(lib, '/top.txt', 'top');
      await f.startEngine();
      const first = await replicate({ targetLibraryId: other });
      expect(first.status).toBe('completed');
      expect(first.targetLibraryId).toBe(other);
      expect(first.counts).toMatchObject({ total: count, succeeded: count, failed: 0, skipped: 0 });
      expect(first.result).toMatchObject({ dryRun: false, created: count, updated: 0, trashed: 0, unchanged: 0 });
      expect(first.bytes.done).toBe(first.bytes.total);
      expect(first.bytes.total).toBeGreaterThan(0);
      expect(await tree(other)).toEqual(await tree(lib));
      expect(await refcounts(f, 'default')).toEqual(await liveRefs(lib).then(async (a) => {
        for (const [sha, n] of await liveRefs(other)) a.set(sha, (a.get(sha) ?? 0) + n);
        return a;
      }));

      const before = await snapshot(f, other);
      const refsBefore = await refcounts(f, 'default');
      const second = await replicate({ targetLibraryId: other });
      expect(second.status).toBe('completed');
      expect(second.counts).toMatchObject({ total: count, succeeded: 0, failed: 0, skipped: count });
      expect(second.result).toMatchObject({ created: 0, updated: 0, trashed: 0, unchanged: count, bytes: 0 });
      expect(second.bytes).toEqual({ total: 0, done: 0 });
      expect(await snapshot(f, other)).toEqual(before);
      expect(await refcounts(f, 'default')).toEqual(refsBefore);
    });

    it('creates, updates in place, swaps folders and files; trashes extras only with deleteExtraneous; a dry run reports and changes nothing', async () => {
      await put(lib, '/s/keep.txt', 'keep');
      await put(lib, '/s/change.txt', 'old');
      await put(lib, '/s/gone.txt', 'gone');
      await put(lib, '/s/becomes-file/inner.txt', 'inner');
      await put(lib, '/s/becomes-folder', 'a file first');
      await f.startEngine();
      expect((await replicate({ targetLibraryId: other, sourcePath: '/s', targetPath: '/mirror/s' })).status).toBe('completed');
      const changed = (await f.app.store.itemGetByPath({ libraryId: other, path: '/mirror/s/change.txt' }))!;

      // The source changes; the target gains an extra file and folder of its own.
      await put(lib, '/s/change.txt', 'new content');
      await put(lib, '/s/new/deep/file.txt', 'new');
      await f.app.items.trash(f.admin, lib, '/s/gone.txt');
      await f.app.items.trash(f.admin, lib, '/s/becomes-file');
      await put(lib, '/s/becomes-file', 'now a file');
      await f.app.items.trash(f.admin, lib, '/s/becomes-folder');
      await put(lib, '/s/becomes-folder/child.txt', 'now a folder');
      await put(other, '/mirror/s/extra.txt', 'extra');
      await put(other, '/mirror/s/extra-dir/x.txt', 'x');
      await put(other, '/outside.txt', 'not under the target folder');

      // A dry run: the would-be changes, listed; nothing written.
      const before = await snapshot(f, other);
      const dry = await replicate({ targetLibraryId: other, sourcePath: '/s', targetPath: '/mirror/s', deleteExtraneous: true, dryRun: true });
      expect(dry.status).toBe('completed');
      expect(dry.counts.succeeded).toBe(0);
      expect(dry.counts.skipped).toBe(dry.counts.total);
      expect(await snapshot(f, other)).toEqual(before);
      expect(dry.result).toMatchObject({ dryRun: true, created: 4, updated: 3, trashed: 3, unchanged: 1, changesTruncated: false });
      expect((dry.result as { changes: unknown[] }).changes).toEqual([
        { action: 'update', path: '/mirror/s/becomes-file', kind: 'file' },
        { action: 'update', path: '/mirror/s/becomes-folder', kind: 'folder' },
        { action: 'create', path: '/mirror/s/becomes-folder/child.txt', kind: 'file' },
        { action: 'update', path: '/mirror/s/change.txt', kind: 'file' },
        { action: 'trash', path: '/mirror/s/extra-dir', kind: 'folder' },
        { action: 'trash', path: '/mirror/s/extra.txt', kind: 'file' },
        { action: 'trash', path: '/mirror/s/gone.txt', kind: 'file' },
        { action: 'create', path: '/mirror/s/new', kind: 'folder' },
        { action: 'create', path: '/mirror/s/new/deep', kind: 'folder' },
        { action: 'create', path: '/mirror/s/new/deep/file.txt', kind: 'file' },
      ]);

      // Without deleteExtraneous: what the source lacks stays.
      const kept = await replicate({ targetLibraryId: other, sourcePath: '/s', targetPath: '/mirror/s' });
      expect(kept.status).toBe('completed');
      expect(kept.result).toMatchObject({ created: 4, updated: 3, trashed: 0, unchanged: 1 });
      expect(kept.counts).toMatchObject({ total: 8, succeeded: 7, skipped: 1 });
      const sourceTree = await tree(lib, '/s');
      const extras = ['/extra-dir', '/extra-dir/x.txt', '/extra.txt', '/gone.txt'];
      expect((await tree(other, '/mirror/s')).filter((r) => !extras.includes(r.path))).toEqual(sourceTree);
      const after = (await f.app.store.itemGetByPath({ libraryId: other, path: '/mirror/s/change.txt' }))!;
      expect(after.id).toBe(changed.id);
      expect(after.sha256).toBe((await f.app.store.itemGetByPath({ libraryId: lib, path: '/s/change.txt' }))!.sha256);
      const download = await f.app.items.openDownload(f.admin, other, { path: '/mirror/s/change.txt' });
      const chunks: Buffer[] = [];
      for await (const chunk of await download.blobStore.openRead(download.item.sha256!)) chunks.push(chunk as Buffer);
      expect(Buffer.concat(chunks).toString()).toBe('new content');

      // With it: the extras go to the trash (a folder whole), nothing outside the target folder is touched.
      const pruned = await replicate({ targetLibraryId: other, sourcePath: '/s', targetPath: '/mirror/s', deleteExtraneous: true });
      expect(pruned.status).toBe('completed');
      expect(pruned.result).toMatchObject({ created: 0, updated: 0, trashed: 3 });
      expect(await tree(other, '/mirror/s')).toEqual(sourceTree);
      const trash = await f.app.items.listTrash(f.admin, other, { limit: 50 });
      expect(trash.items.map((i) => i.path).sort()).toEqual(['/mirror/s/becomes-file', '/mirror/s/becomes-folder', '/mirror/s/extra-dir', '/mirror/s/extra.txt', '/mirror/s/gone.txt']);
      expect(await f.app.store.itemGetByPath({ libraryId: other, path: '/outside.txt' })).toBeDefined();
      const all = await snapshot(f, other);
      expect(await refcounts(f, 'default')).toEqual(expectedRefs([...all, ...(await snapshot(f, lib))]));

      const again = await replicate({ targetLibraryId: other, sourcePath: '/s', targetPath: '/mirror/s', deleteExtraneous: true });
      expect(again.result).toMatchObject({ created: 0, updated: 0, trashed: 0 });
      expect(again.counts.succeeded).toBe(0);
      expect(await snapshot(f, other)).toEqual(all);
    });

    it('moves the bytes into another storage location', async () => {
      const far = await f.library('Far', { objectStorageLocation: 'second' });
      const count = await distinctTree(f, lib, '/src', 2, 30);
      await f.startEngine();
      const job = await replicate({ targetLibraryId: far, sourcePath: '/src', targetPath: '/copy' });
      expect(job.status).toBe('completed');
      expect(job.counts.succeeded).toBe(count - 1);
      expect(await tree(far, '/copy')).toEqual(await tree(lib, '/src'));
      const second = f.app.blobStores.get('second');
      for (const row of await tree(far, '/copy')) if (row.sha256) expect(await second.stat(row.sha256)).not.toBeNull();
      expect(await refcounts(f, 'second')).toEqual(expectedRefs(await snapshot(f, far)));
      const again = await replicate({ targetLibraryId: far, sourcePath: '/src', targetPath: '/copy' });
      expect(again.result).toMatchObject({ created: 0, unchanged: count - 1 });
    });

    it('within one library between folders apart; overlapping folders are a 422', async () => {
      await put(lib, '/a/x.txt', 'x');
      for (const [sourcePath, targetPath] of [
        ['/a', '/a'],
        ['/a', '/a/b'],
        ['/a/b', '/a'],
        [undefined, '/b'],
        ['/a', undefined],
      ] as const) {
        await expect(f.submit('replicate', lib, { targetLibraryId: lib, ...(sourcePath ? { sourcePath } : {}), ...(targetPath ? { targetPath } : {}) })).rejects.toMatchObject({
          code: 'UNPROCESSABLE',
        });
      }
      await expect(f.submit('replicate', lib, { targetLibraryId: lib, sourcePath: 'a/../b' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      await f.startEngine();
      const job = await replicate({ targetLibraryId: lib, sourcePath: '/a', targetPath: '/ab' });
      expect(job.status).toBe('completed');
      expect(await tree(lib, '/ab')).toEqual(await tree(lib, '/a'));
    });

    it('needs READER on the source and WRITER on the target (403); a missing source folder fails the job', async () => {
      const { user } = await f.app.users.createUser(f.admin, { email: 'reader@example.com' });
      const grant = (library: string, role: 'READER' | 'WRITER') =>
        f.app.libraries.setPermissions(f.admin, library, [
          { type: 'user', value: 'admin@example.com', role: 'ADMIN' },
          { type: 'user', value: user.email, role },
        ]);
      await grant(lib, 'READER');
      await grant(other, 'READER');
      const minted = await f.app.auth.mint(f.admin, { userId: user.id });
      const reader: Principal = await f.app.auth.authenticateSecret(minted.secret);
      await expect(f.submit('replicate', lib, { targetLibraryId: other }, 0, reader)).rejects.toMatchObject({ code: 'FORBIDDEN' });
      await expect(f.submit('replicate', lib, { targetLibraryId: other, dryRun: true }, 0, reader)).rejects.toMatchObject({ code: 'FORBIDDEN' });
      const hidden = await f.library('Hidden');
      await expect(f.submit('replicate', hidden, { targetLibraryId: other }, 0, reader)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await grant(other, 'WRITER');
      await put(lib, '/r.txt', 'r');
      await f.startEngine();
      const allowed = await f.waitFor((await f.submit('replicate', lib, { targetLibraryId: other }, 0, reader)).id);
      expect(allowed.status).toBe('completed');
      expect(allowed.counts.succeeded).toBe(1);

      const missing = await replicate({ targetLibraryId: other, sourcePath: '/nowhere' });
      expect(missing.status).toBe('failed');
      expect(missing.result).toEqual({ dryRun: false, created: 0, updated: 0, trashed: 0, unchanged: 0, bytes: 0 });
      const failures = await f.app.jobs.failures(f.admin, missing.id, { limit: 10 });
      expect(failures.failures).toMatchObject([{ path: '/nowhere', code: 'NOT_FOUND' }]);
      const onFile = await replicate({ targetLibraryId: other, targetPath: '/r.txt' });
      expect(onFile.status).toBe('failed');
      expect((await f.app.jobs.failures(f.admin, onFile.id, { limit: 10 })).failures).toMatchObject([{ path: '/r.txt', code: 'CONFLICT' }]);
    });

    it('cancel stops it: the task in hand commits nothing, the rest is skipped', { timeout: 60_000 }, async () => {
      const count = await distinctTree(f, lib, '/big', 2, 1000);
      // The first items task waits before its work (outside its transaction) until the cancel is in.
      const gate = new Gate();
      gate.close();
      await f.startEngine({ concurrency: 1, hooks: { beforePrepare: () => gate.pass() } });
      const job = await f.submit('replicate', lib, { targetLibraryId: other });
      await gate.reached;
      await f.app.jobs.cancel(f.admin, job.id);
      gate.openNow();
      const ended = await f.waitFor(job.id);
      expect(ended.status).toBe('cancelled');
      expect(ended.counts.succeeded + ended.counts.failed + ended.counts.skipped).toBe(ended.counts.total);
      expect(ended.counts.total).toBeLessThanOrEqual(count);
      // The result is written by the tasks that commit: none may have (then it is null).
      const written = (ended.result as { created: number } | null)?.created ?? 0;
      expect(ended.counts.succeeded).toBe(written);
      expect((await tree(other)).length).toBe(written);
    });

    it('a retry replays the failed entries: a refused storage, then a working one', async () => {
      const far = await f.library('Far2', { objectStorageLocation: 'second' });
      const count = await distinctTree(f, lib, '/src', 2, 20);
      const refusing = (store: BlobStore): BlobStore =>
        store.name !== 'second'
          ? store
          : new Proxy(store, {
              get(target, prop, receiver) {
                if (prop === 'write') return async () => Promise.reject(Object.assign(new Error('injected: permission denied'), { code: 'EACCES' }));
                const value = Reflect.get(target, prop, receiver) as unknown;
                return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
              },
            });
      const engine = await f.startEngine({ blobs: { get: (name: string) => refusing(f.app.blobStores.get(name)) } });
      const original = await f.waitFor((await f.submit('replicate', lib, { targetLibraryId: far })).id);
      await engine.stop();
      expect(original.status).toBe('failed');
      expect(original.counts).toMatchObject({ total: count, failed: count });
      expect(await tree(far)).toEqual([]);
      await f.startEngine();
      const retried = await f.waitFor((await f.app.jobs.retry(f.admin, original.id)).job.id);
      expect(retried.status).toBe('completed');
      expect(retried.counts).toMatchObject({ total: count, succeeded: count });
      expect(retried.result).toMatchObject({ created: count });
      expect(await tree(far)).toEqual(await tree(lib));
      expect(await refcounts(f, 'second')).toEqual(expectedRefs(await snapshot(f, far)));
    });
  });
}
