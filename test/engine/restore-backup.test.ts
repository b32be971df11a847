/**
 * restore_backup through the engine, on every driver:
 * - the round trip: back up a library, change, trash and purge a third of it,
 *   restore the snapshot into another library (on another storage location):
 *   the tree equals the snapshot byte for byte (paths, kinds, sizes, SHA-256
 *   of the bytes read back, media types, times) and verify finds no mismatch;
 * - point-in-time: one deleted (purged) folder brought back by `at`;
 * - conflicts in place (fail, skip, overwrite, rename); a blob missing in the
 *   backup's location is a per-item failure naming the hash, and verify of the
 *   library finds it too; bad params 400.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { engineFixture, type EngineFixture } from '../support/engine.js';
import { libraryTree } from '../support/source-trees.js';
import { distinctTree } from './trees.js';
import { ITEMS_PER_STEP } from '../../src/operations/subtree-planner.js';
import { restoreBackupOperation } from '../../src/operations/restore-backup.js';
import type { Job } from '../../src/domain/jobs.js';
import type { Snapshot } from '../../src/store/queries/snapshots.js';

const factories = await driverFactories();
const sha256 = (data: Buffer | string) => crypto.createHash('sha256').update(data).digest('hex');

function bytes(n: number, seed: string): Buffer {
  const out = Buffer.alloc(n);
  for (let at = 0; at < n; at += 64) crypto.createHash('sha512').update(`${seed}:${at}`).digest().copy(out, at);
  return out;
}

/** 3 top folders × 2 subfolders × 4 files, plus odd names, an empty file and an empty folder. */
function sampleFiles(): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (let a = 0; a < 3; a++) for (let b = 0; b < 2; b++) for (let c = 0; c < 4; c++) files.set(`p${a}/s${b}/f${c}.bin`, bytes(100 + a * 1000 + b * 100 + c, `${a}${b}${c}`));
  files.set('top.txt', Buffer.from('top\n'));
  files.set('zero bytes.txt', Buffer.alloc(0));
  files.set('média/résumé – été.txt', Buffer.from('ü 日本 ✓\n'));
  files.set('p0 b.txt', Buffer.from('between p0 and p0/'));
  return files;
}

interface Row {
  path: string;
  kind: string;
  size: number;
  sha256: string | null;
  contentType: string | null;
  createdAt: number;
  modifiedAt: number;
}
const byPath = (a: { path: string }, b: { path: string }) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

for (const factory of factories) {
  describe(`restore_backup on ${factory.name}`, { timeout: 60_000 }, () => {
    let f: EngineFixture;
    let lib: string;
    let second: string;
    beforeEach(async () => {
      second = fs.mkdtempSync(path.join(os.tmpdir(), 'by-restore-second-'));
      f = await engineFixture(factory, { BATCHYARD_STORAGES: `second=${second}` });
      lib = await f.library('source');
      await f.startEngine();
    });
    afterEach(async () => {
      await f.dispose();
      fs.rmSync(second, { recursive: true, force: true });
    });

    async function run(type: string, libraryId: string, params: Record<string, unknown>, status = 'completed'): Promise<Job> {
      const job = await f.waitFor((await f.submit(type, libraryId, params)).id);
      expect(job.status, JSON.stringify(job)).toBe(status);
      return job;
    }
    async function backup(params: Record<string, unknown> = {}): Promise<Snapshot> {
      const job = await run('backup', lib, params);
      return (await f.app.store.snapshotGetById({ id: (job.result as { snapshot: { id: number } }).snapshot.id }))!;
    }
    async function fill(libraryId: string, prefix = ''): Promise<void> {
      for (const [rel, data] of sampleFiles()) await f.app.items.putFile(f.admin, libraryId, `${prefix}/${rel}`, Readable.from([data]));
      await f.app.items.createFolder(f.admin, libraryId, `${prefix}/empty`);
    }
    /** A snapshot's entries under `from` (relative paths), from its trees. */
    async function snapshotRows(s: Snapshot, from = s.path): Promise<Row[]> {
      const out: Row[] = [];
      const walk = async (hash: string, dir: string) => {
        for (const e of (await f.app.store.snapshotTreeGet({ storage: s.storage, hash }))!.entries) {
          const p = dir === '' ? e.name : `${dir}/${e.name}`;
          out.push({ path: p, kind: e.kind, size: e.size, sha256: e.sha256, contentType: e.contentType, createdAt: e.createdAt, modifiedAt: e.modifiedAt });
          if (e.tree) await walk(e.tree, p);
        }
      };
      expect(from).toBe(s.path);
      await walk(s.rootTree, '');
      return out.sort(byPath);
    }
    /** A library's live items under `folder` (relative paths), each file's SHA-256 being that of the bytes its storage returns. */
    async function liveRows(libraryId: string, folder = '/'): Promise<Row[]> {
      const prefix = folder === '/' ? '/' : `${folder}/`;
      const rows = await f.app.store.itemListForSnapshot({ libraryId, prefix, limit: 100_000 });
      const read = await libraryTree(f.app, libraryId, folder === '/' ? '' : folder);
      return rows
        .map(({ name: _n, ...r }) => {
          const rel = r.path.slice(prefix.length);
          return { ...r, path: rel, sha256: r.kind === 'file' ? (read.get(rel) ?? 'unread') : null };
        })
        .sort(byPath);
    }
    async function expectVerified(libraryId: string): Promise<void> {
      const job = await run('verify', libraryId, {});
      const result = job.result as { checked: { files: number }; mismatches: Record<string, number> };
      expect(result.mismatches).toEqual({});
      expect(result.checked.files).toBeGreaterThan(0);
    }

    it('round trip: back up, change, trash and purge a third, restore elsewhere: the same tree byte for byte, and verify finds no mismatch', async () => {
      await fill(lib);
      const snap = await backup();
      const expected = await snapshotRows(snap);
      expect(await liveRows(lib)).toEqual(expected);
      // A third of it: p0 purged, p1 trashed, p2's files rewritten.
      await run('purge', lib, { paths: ['/p0'] });
      await run('trash', lib, { paths: ['/p1'] });
      for (let b = 0; b < 2; b++) for (let c = 0; c < 4; c++) await f.app.items.putFile(f.admin, lib, `/p2/s${b}/f${c}.bin`, Readable.from([Buffer.from('changed')]));
      expect(await f.engine!.collect()).toBe(0); // nothing of the snapshot's may go

      const far = await f.library('far', { objectStorageLocation: 'second' });
      const job = await run('restore_backup', lib, { snapshotId: snap.id, targetLibraryId: far, destination: '/restored' });
      expect(job.counts).toMatchObject({ failed: 0, total: expected.length + 1, succeeded: expected.length + 1 });
      expect(await liveRows(far, '/restored')).toEqual(expected);
      await expectVerified(far);
      await expectVerified(lib);
      // Into its own place, over what changed: overwrite puts the snapshot's files back (the changed ones go to the trash).
      await run('restore_backup', lib, { snapshotId: snap.id, onConflict: 'overwrite' });
      expect(await liveRows(lib)).toEqual(expected);
    });

    it('point in time: a purged folder comes back by `at`, in its place, as it was', async () => {
      await fill(lib);
      const before = await backup();
      const docs = (await snapshotRows(before)).filter((r) => r.path.startsWith('p1/')).map((r) => ({ ...r, path: r.path.slice('p1/'.length) }));
      await run('purge', lib, { paths: ['/p1'] });
      await f.app.items.putFile(f.admin, lib, '/later.txt', Readable.from([Buffer.from('later')]));
      const after = await backup();
      expect(after.createdAt).toBeGreaterThanOrEqual(before.createdAt);
      expect(after).toMatchObject({ removed: 11, added: 1 }); // p1, 2 subfolders, 8 files; later.txt
      await run('restore_backup', lib, { at: new Date(before.createdAt).toISOString(), paths: ['/p1'] });
      expect(await liveRows(lib, '/p1')).toEqual(docs);
      expect((await f.app.store.itemGetByPath({ libraryId: lib, path: '/later.txt' }))?.kind).toBe('file');
      const none = await run('restore_backup', lib, { at: new Date(before.createdAt - 60_000).toISOString() }, 'failed');
      expect(JSON.stringify(await f.app.jobs.failures(f.admin, none.id, { limit: 5 }))).toContain('no snapshot');
    });

    it('conflicts in place follow onConflict: fail, skip, overwrite (into the trash), rename', async () => {
      await f.app.items.putFile(f.admin, lib, '/d/a.txt', Readable.from([Buffer.from('old a')]));
      await f.app.items.putFile(f.admin, lib, '/d/b.txt', Readable.from([Buffer.from('old b')]));
      const snap = await backup();
      await f.app.items.putFile(f.admin, lib, '/d/a.txt', Readable.from([Buffer.from('new a')]));
      await run('purge', lib, { paths: ['/d/b.txt'] });
      const read = async (p: string) => (await liveRows(lib, '/d')).find((r) => r.path === p)?.sha256;

      const failed = await run('restore_backup', lib, { snapshotId: snap.id, paths: ['/d'] }, 'completed_with_errors');
      expect(failed.counts).toMatchObject({ failed: 1, succeeded: 2 }); // /d merged, b.txt back; a.txt in the way
      expect((await f.app.jobs.failures(f.admin, failed.id, { limit: 5 })).failures.map((x: { path: string; code: string }) => [x.path, x.code])).toEqual([['/d/a.txt', 'CONFLICT']]);
      expect(await read('b.txt')).toBe(sha256('old b'));
      expect((await run('restore_backup', lib, { snapshotId: snap.id, paths: ['/d/a.txt'], onConflict: 'skip' })).counts).toMatchObject({ skipped: 1 });
      await run('restore_backup', lib, { snapshotId: snap.id, paths: ['/d/a.txt'], onConflict: 'rename' });
      expect(await read('a (1).txt')).toBe(sha256('old a'));
      expect(await read('a.txt')).toBe(sha256('new a'));
      await run('restore_backup', lib, { snapshotId: snap.id, paths: ['/d/a.txt'], onConflict: 'overwrite' });
      expect(await read('a.txt')).toBe(sha256('old a'));
      const trashed = await f.app.store.itemListTrashRoots({ libraryId: lib, after: undefined, limit: 10 });
      expect(trashed.map((i: { name: string }) => i.name)).toContain('a.txt');
    });

    it('a blob missing in the backup storage fails its item, naming the hash; the rest is restored; verify finds it', async () => {
      await f.app.items.putFile(f.admin, lib, '/k/keep.txt', Readable.from([Buffer.from('keep')]));
      await f.app.items.putFile(f.admin, lib, '/k/lost.txt', Readable.from([Buffer.from('lost')]));
      const snap = await backup({ storage: 'second' });
      await f.app.blobStores.get('second').delete(sha256('lost'));
      const other = await f.library('other');
      const job = await run('restore_backup', lib, { snapshotId: snap.id, targetLibraryId: other }, 'completed_with_errors');
      const failures = (await f.app.jobs.failures(f.admin, job.id, { limit: 5 })).failures;
      expect(failures.map((x: { path: string; code: string; message: string }) => [x.path, x.code, x.message])).toEqual([
        ['/k/lost.txt', 'BLOB_MISSING', `blob ${sha256('lost')} is missing in storage 'second'`],
      ]);
      expect((await liveRows(other)).map((r) => [r.path, r.sha256])).toEqual([['k', null], ['k/keep.txt', sha256('keep')]]);
      // verify of the library finds it too: the snapshot lists a blob its location lacks.
      const verify = await run('verify', lib, {}, 'completed_with_errors');
      expect(verify.result).toMatchObject({ checked: { snapshots: 1 }, mismatches: { BLOB_MISSING: 1 } });
      const found = (await f.app.jobs.failures(f.admin, verify.id, { limit: 5 })).failures;
      expect(found.map((x: { path: string; code: string }) => [x.path, x.code])).toEqual([[`snapshot ${snap.id}`, 'BLOB_MISSING']]);
      expect(found[0]?.message).toContain(`${sha256('lost')} (/k/lost.txt)`);
      // A verify of a folder leaves snapshots alone.
      expect((await run('verify', lib, { path: '/k' })).result).not.toHaveProperty('checked.snapshots');
    });

    it('a retry replays the items that failed in a tree task (by path, read from the tree again) and restores them once the bytes are back', async () => {
      for (let i = 0; i < 4; i++) await f.app.items.putFile(f.admin, lib, `/r/s/f${i}.txt`, Readable.from([Buffer.from(`file ${i}`)]));
      const snap = await backup({ storage: 'second' });
      await f.app.blobStores.get('second').delete(sha256('file 2'));
      const other = await f.library('other');
      const first = await run('restore_backup', lib, { snapshotId: snap.id, targetLibraryId: other }, 'completed_with_errors');
      const failures = (await f.app.jobs.failures(f.admin, first.id, { limit: 5 })).failures;
      expect(failures.map((x: { path: string; code: string }) => [x.path, x.code])).toEqual([['/r/s/f2.txt', 'BLOB_MISSING']]);
      await f.app.blobStores.get('second').write(Readable.from([Buffer.from('file 2')]), { maxBytes: 1024 });
      const retry = await f.waitFor((await f.app.jobs.retry(f.admin, first.id)).job.id);
      expect(retry.status, JSON.stringify(retry)).toBe('completed');
      expect(retry.counts).toMatchObject({ total: 1, succeeded: 1, failed: 0 });
      expect((await liveRows(other)).map((r) => [r.path, r.sha256])).toEqual([
        ['r', null], ['r/s', null], ...[0, 1, 2, 3].map((i) => [`r/s/f${i}.txt`, sha256(`file ${i}`)]),
      ]);
    });

    it('refuses bad params with a 400 naming the field', async () => {
      const cases: Array<[Record<string, unknown>, string]> = [
        [{}, 'params.snapshotId'],
        [{ snapshotId: 1, at: '2026-01-01T00:00:00Z' }, 'params.snapshotId'],
        [{ at: 'yesterday' }, 'params.at'],
        [{ snapshotId: 1, paths: ['/a/../..'] }, 'params.paths[0]'],
        [{ snapshotId: 1, onConflict: 'merge' }, 'params.onConflict'],
      ];
      for (const [params, field] of cases) {
        const error = await f.submit('restore_backup', lib, params).then(() => undefined, (e: Error) => e);
        expect(error?.message, JSON.stringify(params)).toContain(field);
      }
    });
    it('a snapshot larger than one planning step is planned in steps and restored whole', async () => {
      const items = await distinctTree(f, lib, '/big', 3, 2_100, (_p, d, i) => `content ${(d * 7 + i) % 5}`);
      expect(items).toBeGreaterThan(ITEMS_PER_STEP);
      const snap = await backup({ path: '/big' });
      const other = await f.library('other');
      const steps = vi.spyOn(restoreBackupOperation, 'plan');
      try {
        const job = await run('restore_backup', lib, { snapshotId: snap.id, targetLibraryId: other, destination: '/copy' });
        expect(job.counts).toMatchObject({ total: items, succeeded: items, failed: 0 });
        // Several steps, none planning more than a step's worth (a folder's tree read counts too, so there may be one more than items / step).
        expect(steps.mock.calls.length).toBeGreaterThanOrEqual(Math.ceil(items / ITEMS_PER_STEP));
        for (const result of steps.mock.results) {
          const step = (await result.value) as { tasks: Array<{ entries: unknown[] }> };
          expect(step.tasks.reduce((n, t) => n + t.entries.length, 0)).toBeLessThanOrEqual(ITEMS_PER_STEP);
        }
      } finally {
        steps.mockRestore();
      }
      expect(await liveRows(other, '/copy/big')).toEqual(await liveRows(lib, '/big'));
    });
  });
}
