/**
 * Incremental backups through the engine, on every driver: after random
 * sequences of changes of every kind (uploads adding and replacing files,
 * folders created, renamed and moved one at a time, trashed in the request;
 * copy, move, trash, restore, purge and empty_trash jobs), each backup's root
 * tree equals the one a whole walk of the same instant builds, and its
 * added/changed/removed equal a tree-by-tree comparison with the previous
 * snapshot; every backup after the first is incremental and reads only the
 * changed folders. Fallbacks: another storage location, a folder backup whose
 * folder was replaced, a log pruned past the base. On PostgreSQL, a write
 * committing after a backup's read (begun before it) is in the next backup.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { driverFactories } from '../support/drivers.js';
import { engineFixture, type EngineFixture } from '../support/engine.js';
import type { Job } from '../../src/domain/jobs.js';
import type { Snapshot } from '../../src/store/queries/snapshots.js';
import { walkFolder } from '../../src/operations/backup-walk.js';
import { diffTrees, type TreeLoader } from '../../src/operations/backup-trees.js';
import type { BackupWalk } from '../../src/operations/backup.js';

const factories = await driverFactories();

/** A small seeded PRNG (mulberry32): a failing sequence can be replayed from its seed. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n: number) => Math.floor(next() * n), pick: <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]! };
}

const NAMES = ['a', 'b', 'c', 'd.txt', 'e.txt', 'f.md'];

for (const factory of factories) {
  describe(`incremental backup on ${factory.name}`, { timeout: 240_000 }, () => {
    let f: EngineFixture;
    let lib: string;
    let second: string;
    beforeEach(async () => {
      second = fs.mkdtempSync(path.join(os.tmpdir(), 'by-backup-incr-'));
      f = await engineFixture(factory, { BATCHYARD_STORAGES: `second=${second}` });
      lib = await f.library('incr');
      await f.startEngine();
    });
    afterEach(async () => {
      await f.dispose();
      fs.rmSync(second, { recursive: true, force: true });
    });

    const put = (p: string, text: string) => f.app.items.putFile(f.admin, lib, p, Readable.from([Buffer.from(text)]));
    async function job(type: string, params: Record<string, unknown>): Promise<Job> {
      return f.waitFor((await f.submit(type, lib, params)).id);
    }
    /** A job of the random sequence: refused at submission (a folder into itself) is a change that did not happen. */
    async function tryJob(type: string, params: Record<string, unknown>): Promise<void> {
      const submitted = await f.submit(type, lib, params).catch(() => undefined);
      if (submitted) await f.waitFor(submitted.id);
    }
    async function backup(params: Record<string, unknown> = {}): Promise<{ snapshot: Snapshot; walk: BackupWalk }> {
      const done = await job('backup', params);
      expect(done.status, JSON.stringify(done)).toBe('completed');
      const result = done.result as { snapshot: { id: number; walk: BackupWalk } };
      return { snapshot: (await f.app.store.snapshotGetById({ id: result.snapshot.id }))!, walk: result.snapshot.walk };
    }
    /** The root tree a whole walk of the folder builds now. */
    async function wholeWalk(at = '/', storage = 'default'): Promise<string> {
      return f.app.store.readSnapshot(async (view) => {
        const folder = (await view.itemGetByPath({ libraryId: lib, path: at }))!;
        return (await walkFolder(view, { folder, storage })).root.hash;
      });
    }
    const loader = (storage: string): TreeLoader => async (hash) => (await f.app.store.snapshotTreeGet({ storage, hash }))!;
    async function live(): Promise<Array<{ path: string; kind: string }>> {
      return f.app.store.itemListForSnapshot({ libraryId: lib, prefix: '/', limit: 100_000 });
    }
    const parentOf = (p: string) => p.slice(0, Math.max(1, p.lastIndexOf('/')));
    const join = (folder: string, name: string) => (folder === '/' ? `/${name}` : `${folder}/${name}`);

    /** One random change of one of the kinds a library sees; a refusal (a name taken, a folder into itself) is part of the game. */
    async function randomChange(r: ReturnType<typeof prng>): Promise<string> {
      const items = await live();
      const folders = ['/', ...items.filter((i) => i.kind === 'folder').map((i) => i.path)];
      const files = items.filter((i) => i.kind === 'file').map((i) => i.path);
      const any = items.map((i) => i.path);
      const kind = r.int(12);
      const ignore = () => undefined;
      switch (kind) {
        case 0:
        case 1: {
          const p = join(r.pick(folders), r.pick(NAMES));
          await put(p, `new ${r.next()}`).catch(ignore);
          return `put ${p}`;
        }
        case 2: {
          if (files.length === 0) return 'none';
          const p = r.pick(files);
          await put(p, `changed ${r.next()}`);
          return `replace ${p}`;
        }
        case 3: {
          const p = join(r.pick(folders), r.pick(NAMES));
          await f.app.items.createFolder(f.admin, lib, p).catch(ignore);
          return `mkdir ${p}`;
        }
        case 4: {
          if (any.length === 0) return 'none';
          const p = r.pick(any);
          await f.app.items.move(f.admin, lib, p, { name: r.pick(NAMES) }).catch(ignore);
          return `rename ${p}`;
        }
        case 5: {
          if (any.length === 0) return 'none';
          const p = r.pick(any);
          const to = join(r.pick(folders), p.slice(p.lastIndexOf('/') + 1));
          await f.app.items.move(f.admin, lib, p, { path: to }).catch(ignore);
          return `move ${p} → ${to}`;
        }
        case 6: {
          if (any.length === 0) return 'none';
          const p = r.pick(any);
          await f.app.items.trash(f.admin, lib, p).catch(ignore);
          return `trash ${p}`;
        }
        case 7: {
          const trash = await f.app.items.listTrash(f.admin, lib, { limit: 50 });
          if (trash.items.length === 0) return 'none';
          const root = r.pick(trash.items);
          await tryJob('restore', { itemIds: [root.id], onConflict: 'rename' });
          return `restore job ${root.path}`;
        }
        case 8: {
          if (any.length === 0) return 'none';
          const p = r.pick(any);
          await tryJob(r.next() < 0.5 ? 'purge' : 'trash', { paths: [p] });
          return `purge/trash job ${p}`;
        }
        case 9: {
          await tryJob('empty_trash', {});
          return 'empty_trash job';
        }
        default: {
          if (any.length === 0) return 'none';
          const p = r.pick(any);
          const to = r.pick(folders);
          const type = kind === 10 ? 'copy' : 'move';
          if (type === 'move' && parentOf(p) === to) return 'none';
          await tryJob(type, { paths: [p], destination: to, onConflict: 'rename' });
          return `${type} job ${p} → ${to}`;
        }
      }
    }

    it('after random changes of every kind, each incremental backup equals a whole walk and counts the same difference', async () => {
      for (const d of ['/a', '/a/b', '/c']) await f.app.items.createFolder(f.admin, lib, d);
      for (const p of ['/a/d.txt', '/a/b/e.txt', '/c/f.md', '/top.txt']) await put(p, p);
      let previous = (await backup()).snapshot;
      const r = prng(factory.name === 'sqlite' ? 12 : 34);
      for (let round = 0; round < 20; round++) {
        const steps: string[] = [];
        for (let k = 1 + r.int(5); k > 0; k--) steps.push(await randomChange(r));
        const { snapshot, walk } = await backup();
        const context = `round ${round}: ${steps.join('; ')}`;
        expect(walk, context).toMatchObject({ kind: 'incremental', base: previous.id });
        expect(snapshot.rootTree, context).toBe(await wholeWalk());
        const diff = await diffTrees(previous.rootTree, snapshot.rootTree, loader('default'), loader('default'));
        expect({ added: snapshot.added, changed: snapshot.changed, removed: snapshot.removed }, context).toEqual(diff);
        previous = snapshot;
      }
    });

    it('between the chunks of a subtree trashed, restored and purged, each incremental backup equals a whole walk (the log skips members whose folder is out of the live tree, and a bulk restore logs its root for its members)', async () => {
      for (const d of ['/big/s1/t', '/big/s2', '/other']) await f.app.items.createFolder(f.admin, lib, d);
      for (const p of ['/big/s1/a.txt', '/big/s1/t/b.txt', '/big/s2/c.txt', '/big/s2/d.txt', '/big/top.txt', '/other/e.txt']) await put(p, p);
      const { store } = f.app;
      const id = async (p: string) => (await store.itemGetByPath({ libraryId: lib, path: p }))!.id;
      const big = await id('/big');
      const [s1, t, a, b, s2, c, d, top] = await Promise.all(['/big/s1', '/big/s1/t', '/big/s1/a.txt', '/big/s1/t/b.txt', '/big/s2', '/big/s2/c.txt', '/big/s2/d.txt', '/big/top.txt'].map(id));
      let previous = (await backup()).snapshot;
      const check = async (step: string) => {
        const { snapshot, walk } = await backup();
        expect(walk, step).toMatchObject({ kind: 'incremental', base: previous.id });
        expect(snapshot.rootTree, step).toBe(await wholeWalk());
        previous = snapshot;
      };
      const steps: Array<[string, () => Promise<unknown>]> = [
        // Trash of /big: members in chunks (folders before their contents), the root last.
        ['trash chunk: s1 and its subtree', () => store.transaction((tx) => tx.itemTrashMany({ ids: [s1!, t!, a!, b!, s2!], rootId: big, now: 5 }))],
        ['trash chunk: the rest of s2, whose folder went in an earlier chunk', () => store.transaction((tx) => tx.itemTrashMany({ ids: [c!, d!, top!], rootId: big, now: 5 }))],
        ['trash root', () => store.transaction((tx) => tx.itemTrashMany({ ids: [big], rootId: big, now: 5 }))],
        // Restore: the root first, then its members in chunks.
        ['restore root', () => store.transaction((tx) => tx.itemSetPlace({ id: big, parentId: previousRoot, name: 'big', path: '/big', now: 6 }))],
        ['restore chunk: s2 and a file of it', () => store.transaction((tx) => tx.itemRestoreMany({ ids: [s2!, c!], rootId: big, oldPrefix: '/big/', newPrefix: '/big/' }))],
        ['restore chunk: the rest', () => store.transaction((tx) => tx.itemRestoreMany({ ids: [s1!, t!, a!, b!, d!, top!], rootId: big, oldPrefix: '/big/', newPrefix: '/big/' }))],
        // Purge of the live /big: members in chunks (a folder with its contents, then contents whose folder went before).
        ['purge chunk: s1 with its subtree', () => store.transaction((tx) => tx.itemDeleteMany({ ids: [b!, t!, a!, s1!] }))],
        ['purge chunk: a file of s2', () => store.transaction((tx) => tx.itemDeleteMany({ ids: [c!] }))],
        ['purge root and the rest', () => store.transaction((tx) => tx.itemDeleteMany({ ids: [d!, s2!, top!, big] }))],
      ];
      const previousRoot = (await store.itemGetByPath({ libraryId: lib, path: '/' }))!.id;
      for (const [step, run] of steps) {
        await run();
        await check(step);
      }
      expect((await live()).map((i) => i.path)).toEqual(['/other', '/other/e.txt']);
    });

    it('reads only the changed folders; nothing changed: the same root, no folder read', async () => {
      for (let i = 0; i < 20; i++) await f.app.items.createFolder(f.admin, lib, `/f${i}/inner`);
      await put('/f3/inner/x.txt', 'x');
      await backup();
      const same = await backup();
      expect(same.walk).toMatchObject({ kind: 'incremental', changes: 0, foldersRead: 0 });
      await put('/f7/inner/y.txt', 'y');
      const one = await backup();
      // The root, /f7 and /f7/inner: not the other 19 folders.
      expect(one.walk).toMatchObject({ kind: 'incremental', changes: 1, foldersRead: 3 });
      expect(one.snapshot).toMatchObject({ added: 1, changed: 0, removed: 0, rootTree: await wholeWalk() });
    });

    it('walks whole with no previous snapshot of that path and storage, when the folder backed up was replaced, and when the log was pruned past the base', async () => {
      await f.app.items.createFolder(f.admin, lib, '/p/q');
      await put('/p/q/x.txt', 'x');
      expect((await backup()).walk).toEqual({ kind: 'whole', reason: 'no-previous-snapshot' });
      // Another location: its own first snapshot.
      const elsewhere = await backup({ storage: 'second' });
      expect(elsewhere.walk).toEqual({ kind: 'whole', reason: 'no-previous-snapshot' });
      expect(elsewhere.snapshot.rootTree).toBe(await wholeWalk('/', 'second'));
      await put('/p/q/y.txt', 'y');
      expect((await backup({ storage: 'second' })).walk).toMatchObject({ kind: 'incremental', base: elsewhere.snapshot.id });

      // A folder backup whose folder is renamed away and another made in its place: the base's tree is another folder's.
      const first = await backup({ path: '/p' });
      expect(first.walk).toEqual({ kind: 'whole', reason: 'no-previous-snapshot' });
      await f.app.items.move(f.admin, lib, '/p', { name: 'old-p' });
      await f.app.items.createFolder(f.admin, lib, '/p/other');
      const replaced = await backup({ path: '/p' });
      expect(replaced.walk).toEqual({ kind: 'whole', reason: 'root-changed', base: first.snapshot.id });
      expect(replaced.snapshot.rootTree).toBe(await wholeWalk('/p'));

      // Pruned past the base: the newest snapshot of '/' is forgotten after a prune moved on to it.
      const base = await backup();
      await put('/z.txt', 'z');
      const newer = await backup();
      expect(newer.walk).toMatchObject({ kind: 'incremental', base: base.snapshot.id });
      // The other paths' and location's snapshots would hold the prune back (it keeps what the oldest usable base has not seen).
      for (const s of await f.app.store.snapshotListByLibrary({ libraryId: lib, order: 'asc', limit: 100 })) {
        if (s.id !== base.snapshot.id && s.id !== newer.snapshot.id) await f.app.store.snapshotDelete({ id: s.id });
      }
      await f.app.store.itemChangesPrune({ libraryId: lib, limit: 1_000 });
      await f.app.store.snapshotDelete({ id: newer.snapshot.id });
      const after = await backup();
      expect(after.walk).toEqual({ kind: 'whole', reason: 'pruned', base: base.snapshot.id });
      expect(after.snapshot.rootTree).toBe(await wholeWalk());
    });

    it.runIf(factory.name === 'postgres')('a write begun before a backup and committed after its read is in the next backup (commits out of order)', async () => {
      await put('/seen.txt', 'seen');
      await backup();
      const root = (await f.app.store.itemGetByPath({ libraryId: lib, path: '/' }))!;
      // A transaction of its own writes an item (its change is logged with its xid) and stays open across a backup.
      const db = f.app.driver.db;
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let wrote!: () => void;
      const written = new Promise<void>((resolve) => (wrote = resolve));
      const writer = db.transaction().execute(async (trx) => {
        await sql`INSERT INTO items (library_id, parent_id, name, path, kind, size, sha256, content_type, created_at, modified_at)
          VALUES (${lib}, ${root.id}, 'late.txt', '/late.txt', 'file', 0, NULL, 'text/plain', 1, 1)`.execute(trx);
        wrote();
        await held;
      });
      await written;
      // Meanwhile a later write commits (it may well take a higher xid, and is seen).
      await put('/early.txt', 'early');
      const during = await backup();
      expect(during.walk.kind).toBe('incremental');
      const names = async (s: Snapshot) => (await f.app.store.snapshotTreeGet({ storage: 'default', hash: s.rootTree }))!.entries.map((e) => e.name);
      expect(await names(during.snapshot)).toEqual(['early.txt', 'seen.txt']);
      release();
      await writer;
      const next = await backup();
      expect(next.walk).toMatchObject({ kind: 'incremental', base: during.snapshot.id });
      expect(await names(next.snapshot)).toEqual(['early.txt', 'late.txt', 'seen.txt']);
      expect(next.snapshot.rootTree).toBe(await wholeWalk());
    });
  });
}
