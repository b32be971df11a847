/**
 * backup through the engine, on every driver: the snapshot's trees equal the
 * library's live tree (paths, kinds, sizes, hashes, media types, times; names
 * that sort between a folder and its children); a purge in the library never
 * reclaims bytes a snapshot holds; a second backup stores only the trees that
 * changed and counts what was added, changed and removed; a backup into
 * another storage location copies the blobs it lacks and holds them there; a
 * missing path fails the job, an unknown location is refused at submission. Forgetting releases it all.
 * Writes that commit while the backup reads (through another connection) are
 * not in the snapshot: it is the library as of one instant.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { engineFixture, type EngineFixture } from '../support/engine.js';
import type { Job } from '../../src/domain/jobs.js';
import type { Snapshot } from '../../src/store/queries/snapshots.js';
import { Store } from '../../src/store/store.js';
import { createSqliteDriver } from '../../src/store/drivers/sqlite/sqlite-driver.js';

const factories = await driverFactories();
const sha256 = (text: string) => crypto.createHash('sha256').update(text).digest('hex');

interface Row {
  path: string;
  kind: string;
  size: number;
  sha256: string | null;
  contentType: string | null;
  createdAt: number;
  modifiedAt: number;
}

for (const factory of factories) {
  describe(`backup on ${factory.name}`, { timeout: 60_000 }, () => {
    let f: EngineFixture;
    let lib: string;
    let second: string;
    beforeEach(async () => {
      second = fs.mkdtempSync(path.join(os.tmpdir(), 'by-backup-second-'));
      f = await engineFixture(factory, { BATCHYARD_STORAGES: `second=${second}` });
      lib = await f.library('backup');
      await f.startEngine();
    });
    afterEach(async () => {
      await f.dispose();
      fs.rmSync(second, { recursive: true, force: true });
    });

    const put = (p: string, text: string) => f.app.items.putFile(f.admin, lib, p, Readable.from([Buffer.from(text)]));
    async function run(type: string, params: Record<string, unknown>): Promise<Job> {
      const job = await f.waitFor((await f.submit(type, lib, params)).id);
      expect(job.status, JSON.stringify(job)).toBe('completed');
      return job;
    }
    async function backup(params: Record<string, unknown> = {}): Promise<{ job: Job; snapshot: Snapshot; newTrees: number }> {
      const job = await run('backup', params);
      const result = job.result as { snapshot: { id: number; newTrees: number } };
      return { job, snapshot: (await f.app.store.snapshotGetById({ id: result.snapshot.id }))!, newTrees: result.snapshot.newTrees };
    }
    /** Every entry of a snapshot, walked from its root tree, with paths under `base`. */
    async function snapshotRows(s: Snapshot): Promise<Row[]> {
      const out: Row[] = [];
      const walk = async (hash: string, dir: string) => {
        const tree = await f.app.store.snapshotTreeGet({ storage: s.storage, hash });
        expect(tree, `tree ${hash} of snapshot ${s.id}`).toBeDefined();
        for (const e of tree!.entries) {
          const p = dir === '/' ? `/${e.name}` : `${dir}/${e.name}`;
          out.push({ path: p, kind: e.kind, size: e.size, sha256: e.sha256, contentType: e.contentType, createdAt: e.createdAt, modifiedAt: e.modifiedAt });
          if (e.tree) await walk(e.tree, p);
        }
      };
      await walk(s.rootTree, s.path);
      return out.sort((a, b) => (a.path < b.path ? -1 : 1));
    }
    async function liveRows(under = '/'): Promise<Row[]> {
      const rows = await f.app.store.itemListForSnapshot({ libraryId: lib, prefix: under === '/' ? '/' : `${under}/`, limit: 100_000 });
      return rows.map(({ name: _name, ...r }) => r).sort((a, b) => (a.path < b.path ? -1 : 1));
    }

    it('a snapshot equals the live tree as it was; a purge keeps the bytes a snapshot holds; forgetting releases them', async () => {
      await put('/top.txt', 'top');
      await put('/a/x.txt', 'x');
      await put('/a b.txt', 'between a and a/'); // sorts between '/a' and '/a/x.txt'
      await put('/a/deep/y.md', '# y');
      await put('/a/deep/same.txt', 'x'); // same content as /a/x.txt
      await f.app.items.createFolder(f.admin, lib, '/empty');
      const before = await liveRows();
      const { job, snapshot } = await backup({ label: 'first' });
      expect(await snapshotRows(snapshot)).toEqual(before);
      expect(snapshot).toMatchObject({ libraryId: lib, jobId: job.id, label: 'first', path: '/', storage: 'default', files: 5, folders: 3, added: 8, changed: 0, removed: 0 });
      expect(snapshot.bytes).toBe(['top', 'x', 'between a and a/', '# y', 'x'].reduce((n, t) => n + t.length, 0));
      expect(job.counts).toMatchObject({ total: 9, succeeded: 9, failed: 0 }); // the root and what is under it

      // Purge /a: the blob of x.txt keeps the snapshot's references (two entries) and its bytes.
      await run('purge', { paths: ['/a'] });
      expect(await f.app.store.blobGetRefcount({ storage: 'default', sha256: sha256('x') })).toBe(2);
      expect(await f.app.store.blobGetRefcount({ storage: 'default', sha256: sha256('# y') })).toBe(1);
      expect(await f.engine!.collect()).toBe(0); // every blob of /a is a snapshot's
      const chunks: Buffer[] = [];
      for await (const c of await f.app.blobStores.get('default').openRead(sha256('# y'))) chunks.push(c as Buffer);
      expect(Buffer.concat(chunks).toString()).toBe('# y');

      const gone = await f.app.store.snapshotDelete({ id: snapshot.id });
      expect(gone?.trees).toBe(4);
      expect(await f.app.store.blobGetRefcount({ storage: 'default', sha256: sha256('# y') })).toBe(0);
      expect(await f.app.store.blobGetRefcount({ storage: 'default', sha256: sha256('top') })).toBe(1); // the live file's
      expect(await f.engine!.collect()).toBe(2); // x and # y: nothing holds them any more
      expect(await f.app.blobStores.get('default').absent([sha256('x'), sha256('# y'), sha256('top')])).toEqual([sha256('x'), sha256('# y')]);
    });

    it('a second backup stores only the changed trees and counts added, changed and removed; an unchanged one stores nothing', async () => {
      for (let i = 0; i < 4; i++) for (let j = 0; j < 3; j++) await put(`/d${i}/sub/f${j}.txt`, `content ${i} ${j}`);
      const first = await backup();
      expect(first.newTrees).toBe(9); // root, d0..d3, d0/sub..d3/sub
      const same = await backup();
      expect(same.newTrees).toBe(0);
      expect(same.snapshot.rootTree).toBe(first.snapshot.rootTree);
      expect(same.snapshot).toMatchObject({ added: 0, changed: 0, removed: 0 });

      await put('/d1/sub/f0.txt', 'changed content'); // replaces the file
      await put('/d2/new.txt', 'new');
      await run('trash', { paths: ['/d3'] });
      const next = await backup();
      // Changed: d1/sub, d1, d2 and the root; d0 is shared with the first snapshot.
      expect(next.newTrees).toBe(4);
      expect(next.snapshot).toMatchObject({ files: 10, folders: 6, added: 1, changed: 1, removed: 5 });
      expect(await snapshotRows(next.snapshot)).toEqual(await liveRows());
      expect(await snapshotRows(first.snapshot)).toHaveLength(4 + 4 + 12);
    });

    it('a folder backup; a backup into another storage location copies the blobs it lacks there and holds them', async () => {
      await put('/keep/a.txt', 'alpha');
      await put('/keep/b.txt', 'beta');
      await put('/other.txt', 'other');
      const { snapshot } = await backup({ path: '/keep', storage: 'second' });
      expect(snapshot).toMatchObject({ path: '/keep', storage: 'second', files: 2, folders: 0 });
      expect(await snapshotRows(snapshot)).toEqual(await liveRows('/keep'));
      expect(await f.app.blobStores.get('second').absent([sha256('alpha'), sha256('beta'), sha256('other')])).toEqual([sha256('other')]);
      expect(await f.app.store.blobGetRefcount({ storage: 'second', sha256: sha256('alpha') })).toBe(1);
      expect(await f.app.store.blobGetRefcount({ storage: 'default', sha256: sha256('alpha') })).toBe(1); // the live file's only
      await f.app.store.snapshotDelete({ id: snapshot.id });
      expect(await f.app.store.blobGetRefcount({ storage: 'second', sha256: sha256('alpha') })).toBe(0);
    });

    it('a path that is missing or a file fails the job and records nothing; an unknown storage location is a 400 naming params.storage', async () => {
      await put('/file.txt', 'f');
      const unknown = await f.submit('backup', lib, { storage: 'nowhere' }).then(() => undefined, (e: Error & { details?: { field?: string } }) => e);
      expect(unknown?.message).toBe("params.storage: no storage location 'nowhere' (known: default, second)");
      expect(unknown?.details?.field).toBe('params.storage');
      for (const params of [{ path: '/missing' }, { path: '/file.txt' }]) {
        const job = await f.waitFor((await f.submit('backup', lib, params)).id);
        expect(job.status, JSON.stringify(params)).not.toBe('completed');
      }
      const missing = await f.app.jobs.failures(f.admin, (await f.waitFor((await f.submit('backup', lib, { path: '/missing' })).id)).id, { limit: 10 });
      expect(JSON.stringify(missing)).toContain('NOT_FOUND');
      expect(await f.app.store.snapshotListByLibrary({ libraryId: lib, order: 'asc', limit: 10 })).toEqual([]);
    });
    it('writes committed while the backup reads are not in the snapshot: one instant', async () => {
      await put('/stay.txt', 'stay');
      const gone = await put('/gone.txt', 'gone');
      const root = (await f.app.store.itemGetByPath({ libraryId: lib, path: '/' }))!;
      // Another connection, as the API's beside the engine's (SQLite: the same file; PostgreSQL: another pooled connection).
      const otherDriver = factory.name === 'sqlite' ? createSqliteDriver({ filename: path.join(f.t.dir, 'batchyard.sqlite') }) : undefined;
      const writer = otherDriver ? new Store(otherDriver) : f.app.store;
      const original = Store.prototype.readSnapshot;
      const spy = vi.spyOn(Store.prototype, 'readSnapshot').mockImplementation(function (this: Store, fn) {
        return original.call(this, async (view) => {
          await view.itemGetByPath({ libraryId: lib, path: '/' }); // the read's instant is taken here
          await writer.itemInsertIfAbsent({ libraryId: lib, parentId: root.id, name: 'during', path: '/during', kind: 'folder', size: 0, sha256: null, contentType: null, now: Date.now() });
          await writer.itemTrashMany({ ids: [gone.item.id], rootId: gone.item.id, now: Date.now() });
          return fn(view);
        }) as never;
      });
      try {
        const { snapshot } = await backup();
        expect(spy).toHaveBeenCalled();
        expect((await snapshotRows(snapshot)).map((r) => r.path)).toEqual(['/gone.txt', '/stay.txt']);
        expect((await liveRows()).map((r) => r.path)).toEqual(['/during', '/stay.txt']);
      } finally {
        spy.mockRestore();
        await otherDriver?.close();
      }
    });
    it('records the snapshot.created webhook event in the snapshot’s commit, with the snapshot’s summary', async () => {
      await put('/a.txt', 'a');
      const library = (await f.app.store.libraryGetById(lib))!;
      // A loopback destination: refused at delivery (no allowance), so nothing is sent; the outbox row is what counts here.
      const hook = await f.app.store.webhookCreate({ domainId: library.domainId, url: 'http://127.0.0.1:9/hook', events: ['snapshot.created'], secret: `whsec_${'A'.repeat(32)}`, enabled: true, createdBy: null, now: Date.now() });
      const { job, snapshot } = await backup({ label: 'hooked' });
      const deliveries = await f.app.store.webhookDeliveryList({ webhookId: hook.id, limit: 10 });
      expect(deliveries.map((d) => d.eventType)).toEqual(['snapshot.created']);
      const payload = JSON.parse(deliveries[0]!.payload) as { type: string; data: { libraryId: string; jobId: number; snapshot: { id: number; label: string; counts: unknown } } };
      expect(payload.type).toBe('snapshot.created');
      expect(payload.data).toMatchObject({ libraryId: lib, jobId: job.id, snapshot: { id: snapshot.id, label: 'hooked', counts: { files: 1, folders: 0 } } });
    });
  });
}
