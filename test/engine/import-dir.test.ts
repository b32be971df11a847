/**
 * import from a server directory through the engine: the library ends up
 * holding exactly the source tree (every folder and file, the bytes re-hashed
 * from storage); paths outside the import roots (directly, by `..`, by a
 * symbolic link) are 403 at submit; links inside the tree are per-item
 * failures, never followed, also when swapped in after planning (nothing
 * outside is read); onConflict; cancel and retry; READER is 403.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { engineFixture, type EngineFixture } from '../support/engine.js';
import { libraryTree, makeSourceTree, sorted, walkTree } from '../support/source-trees.js';
import type { Principal } from '../../src/domain/types.js';

const factories = await driverFactories();

for (const factory of factories) {
  describe(`import from a server directory on ${factory.name}`, () => {
    let f: EngineFixture;
    let lib: string;
    let base: string;
    let root: string;
    let outside: string;
    beforeEach(async () => {
      base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'by-import-')));
      root = path.join(base, 'in');
      outside = path.join(base, 'outside');
      fs.mkdirSync(root);
      fs.mkdirSync(outside);
      fs.writeFileSync(path.join(outside, 'secret.txt'), `secret ${crypto.randomUUID()}`);
      f = await engineFixture(factory, { BATCHYARD_IMPORT_ROOTS: `${root},/nonexistent-root-${crypto.randomUUID()}` });
      lib = await f.library();
    });
    afterEach(async () => {
      await f.dispose();
      fs.rmSync(base, { recursive: true, force: true });
    });

    const secretSha = () => crypto.createHash('sha256').update(fs.readFileSync(path.join(outside, 'secret.txt'))).digest('hex');

    async function failures(jobId: number) {
      return (await f.app.jobs.failures(f.admin, jobId, { limit: 100 })).failures.map((x) => ({ path: x.path, code: x.code }));
    }

    it('imports a tree equal to a walk of the directory (folders, files, bytes and SHA-256), with items and bytes progress', async () => {
      const source = path.join(root, 'tree');
      makeSourceTree(source, 6, 40);
      await f.startEngine();
      const job = await f.waitFor((await f.submit('import', lib, { source: { type: 'server_path', path: source }, destination: '/imported/here' })).id);
      const expected = walkTree(source);
      expect(job.status, JSON.stringify(job)).toBe('completed');
      expect(job.counts).toMatchObject({ total: expected.size, succeeded: expected.size, failed: 0 });
      const bytes = [...expected.keys()].filter((k) => expected.get(k) !== 'folder').reduce((n, k) => n + fs.statSync(path.join(source, k)).size, 0);
      expect(job.bytes).toEqual({ total: bytes, done: bytes });
      expect(sorted(await libraryTree(f.app, lib, '/imported/here'))).toEqual(sorted(expected));
      expect(job.params).toMatchObject({ source: { type: 'server_path', path: source }, destination: '/imported/here', onConflict: 'fail' });
    });

    it('refuses a directory outside the roots, by `..` or by a symbolic link, with 403 naming the rule; a missing one is 404', async () => {
      fs.symlinkSync(outside, path.join(root, 'link-out'));
      const submit = (p: string) => f.submit('import', lib, { source: { type: 'server_path', path: p }, destination: '/x' });
      for (const p of [outside, path.join(root, '..', 'outside'), path.join(root, 'link-out'), '/']) {
        await expect(submit(p), p).rejects.toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('BATCHYARD_IMPORT_ROOTS') });
      }
      await expect(submit(path.join(root, 'missing'))).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('missing') });
      fs.writeFileSync(path.join(root, 'plain-file'), 'x');
      await expect(submit(path.join(root, 'plain-file'))).rejects.toMatchObject({ code: 'UNPROCESSABLE' });
      await expect(submit('relative/dir')).rejects.toMatchObject({ code: 'UNPROCESSABLE' });
      const none = await engineFixture(factory, {});
      try {
        const other = await none.library();
        await expect(none.submit('import', other, { source: { type: 'server_path', path: root }, destination: '/x' })).rejects.toMatchObject({
          code: 'FORBIDDEN',
          message: expect.stringContaining('BATCHYARD_IMPORT_ROOTS is empty'),
        });
      } finally {
        await none.dispose();
      }
    });

    it('records links and FIFOs inside the tree as per-item failures and never follows them', async () => {
      const source = path.join(root, 'links');
      makeSourceTree(source, 1, 3);
      fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(source, 'to-secret'));
      fs.symlinkSync(outside, path.join(source, 'to-outside-dir'));
      fs.symlinkSync('top.txt', path.join(source, 'inside-link'));
      await f.startEngine();
      const job = await f.waitFor((await f.submit('import', lib, { source: { type: 'server_path', path: source }, destination: '/l' })).id);
      expect(job.status).toBe('completed_with_errors');
      expect(await failures(job.id)).toEqual(
        expect.arrayContaining([
          { path: '/l/to-secret', code: 'SYMLINK' },
          { path: '/l/to-outside-dir', code: 'SYMLINK' },
          { path: '/l/inside-link', code: 'SYMLINK' },
        ]),
      );
      expect(job.counts.failed).toBe(3);
      expect(sorted(await libraryTree(f.app, lib, '/l'))).toEqual(sorted(walkTree(source)));
      expect(await f.app.blobStores.get('default').stat(secretSha())).toBeNull();
    });

    it('a folder swapped for a link out of the root after planning: its files fail, nothing outside is read', async () => {
      const source = path.join(root, 'swap');
      fs.mkdirSync(path.join(source, 'a'), { recursive: true });
      fs.writeFileSync(path.join(source, 'a', 'secret.txt'), 'planned content');
      fs.writeFileSync(path.join(source, 'keep.txt'), 'kept');
      let swapped = false;
      await f.startEngine({
        hooks: {
          beforePrepare: () => {
            if (swapped) return;
            swapped = true;
            // The planned folder becomes a link to a directory outside every root, holding a file of the same name.
            fs.renameSync(path.join(source, 'a'), path.join(base, 'a-moved'));
            fs.symlinkSync(outside, path.join(source, 'a'));
          },
        },
      });
      const job = await f.waitFor((await f.submit('import', lib, { source: { type: 'server_path', path: source }, destination: '/s' })).id);
      expect(swapped).toBe(true);
      expect(job.status).toBe('completed_with_errors');
      expect(await failures(job.id)).toEqual([{ path: '/s/a/secret.txt', code: 'OUTSIDE_IMPORT_ROOT' }]);
      const tree = await libraryTree(f.app, lib, '/s');
      expect(tree.get('keep.txt')).toBe(crypto.createHash('sha256').update('kept').digest('hex'));
      expect(tree.has('a/secret.txt')).toBe(false);
      expect(await f.app.blobStores.get('default').stat(secretSha())).toBeNull();
    });

    it('a file swapped for a link after planning fails as SYMLINK (O_NOFOLLOW)', async () => {
      const source = path.join(root, 'swapfile');
      fs.mkdirSync(source);
      fs.writeFileSync(path.join(source, 'f.txt'), 'planned');
      await f.startEngine({
        hooks: {
          beforePrepare: () => {
            if (fs.lstatSync(path.join(source, 'f.txt')).isSymbolicLink()) return;
            fs.rmSync(path.join(source, 'f.txt'));
            fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(source, 'f.txt'));
          },
        },
      });
      const job = await f.waitFor((await f.submit('import', lib, { source: { type: 'server_path', path: source }, destination: '/sf' })).id);
      expect(await failures(job.id)).toEqual([{ path: '/sf/f.txt', code: 'SYMLINK' }]);
      expect(await f.app.blobStores.get('default').stat(secretSha())).toBeNull();
    });

    it('follows onConflict like copy: fail, skip, rename, overwrite (the item in the way goes to the trash)', async () => {
      const source = path.join(root, 'conf');
      fs.mkdirSync(path.join(source, 'd'), { recursive: true });
      fs.writeFileSync(path.join(source, 'd', 'a.txt'), 'new a');
      fs.writeFileSync(path.join(source, 'b.txt'), 'new b');
      await f.startEngine();
      const run = async (onConflict?: string) =>
        f.waitFor((await f.submit('import', lib, { source: { type: 'server_path', path: source }, destination: '/c', ...(onConflict ? { onConflict } : {}) })).id);
      expect((await run()).status).toBe('completed');
      const failed = await run();
      expect(failed.status).toBe('completed_with_errors');
      expect(await failures(failed.id)).toEqual(expect.arrayContaining([{ path: '/c/d/a.txt', code: 'CONFLICT' }, { path: '/c/b.txt', code: 'CONFLICT' }]));
      expect(failed.counts).toMatchObject({ succeeded: 1, failed: 2 }); // the folder d merges
      const skipped = await run('skip');
      expect(skipped.counts).toMatchObject({ succeeded: 1, skipped: 2, failed: 0 });
      const renamed = await run('rename');
      expect(renamed.counts).toMatchObject({ succeeded: 3, failed: 0 });
      expect((await f.livePaths(lib)).filter((p) => p.startsWith('/c/'))).toEqual(['/c/b (1).txt', '/c/b.txt', '/c/d', '/c/d/a (1).txt', '/c/d/a.txt']);
      fs.writeFileSync(path.join(source, 'b.txt'), 'newer b');
      const overwritten = await run('overwrite');
      expect(overwritten.counts).toMatchObject({ succeeded: 3, failed: 0 });
      const tree = await libraryTree(f.app, lib, '/c');
      expect(tree.get('b.txt')).toBe(crypto.createHash('sha256').update('newer b').digest('hex'));
      const trashed = await f.app.driver.db.selectFrom('items').select('path').where('library_id', '=', lib).where('trashed_at', 'is not', null).execute();
      expect(trashed.map((r) => r.path).sort()).toEqual(['/c/b.txt', '/c/d/a.txt']);
    });

    it('names a library refuses are per-item failures (INVALID_NAME); the rest imports', async () => {
      const source = path.join(root, 'names');
      fs.mkdirSync(source);
      fs.writeFileSync(path.join(source, 'ok.txt'), 'ok');
      fs.writeFileSync(path.join(source, ' leading-space'), 'x');
      fs.writeFileSync(path.join(source, 'back\\slash'), 'x');
      await f.startEngine();
      const job = await f.waitFor((await f.submit('import', lib, { source: { type: 'server_path', path: source }, destination: '/n' })).id);
      expect(job.counts).toMatchObject({ succeeded: 1, failed: 2 });
      expect((await failures(job.id)).map((x) => x.code)).toEqual(['INVALID_NAME', 'INVALID_NAME']);
      expect(await f.livePaths(lib)).toContain('/n/ok.txt');
    });

    it('a READER of the library gets 403 at submit; a retry of a job with failures imports what was fixed', async () => {
      const { user } = await f.app.users.createUser(f.admin, { email: 'reader@example.com' });
      await f.app.libraries.setPermissions(f.admin, lib, [
        { type: 'user', value: 'admin@example.com', role: 'ADMIN' },
        { type: 'user', value: user.email, role: 'READER' },
      ]);
      const minted = await f.app.auth.mint(f.admin, { userId: user.id });
      const reader: Principal = await f.app.auth.authenticateSecret(minted.secret);
      const source = path.join(root, 'r');
      fs.mkdirSync(source);
      fs.writeFileSync(path.join(source, 'a.txt'), 'a');
      await expect(f.submit('import', lib, { source: { type: 'server_path', path: source }, destination: '/r' }, 0, reader)).rejects.toMatchObject({ code: 'FORBIDDEN' });

      fs.symlinkSync('a.txt', path.join(source, 'b.txt'));
      await f.startEngine();
      const first = await f.waitFor((await f.submit('import', lib, { source: { type: 'server_path', path: source }, destination: '/r' })).id);
      expect(first.counts).toMatchObject({ succeeded: 1, failed: 1 });
      fs.rmSync(path.join(source, 'b.txt'));
      fs.writeFileSync(path.join(source, 'b.txt'), 'b now');
      const retried = await f.waitFor((await f.app.jobs.retry(f.admin, first.id)).job.id);
      expect(retried.status).toBe('completed');
      expect(retried.counts).toMatchObject({ total: 1, succeeded: 1 });
      expect(sorted(await libraryTree(f.app, lib, '/r'))).toEqual(sorted(walkTree(source)));
    });
  });
}
