/**
 * verify through the engine, on every driver: a sound library has no
 * mismatch; real corruption (blob bytes overwritten, truncated or deleted, a
 * reference count or a blob row changed by SQL, an orphan and a misplaced
 * row, a duplicate path behind a dropped index, the usage broken) gives each
 * its code; repair fixes what the catalog can and says so; once the bytes are
 * put back, verify finds nothing.
 */
import fs from 'node:fs';
import nodePath from 'node:path';
import { Readable } from 'node:stream';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { engineFixture, type EngineFixture } from '../support/engine.js';
import type { LocalBlobStore } from '../../src/blobs/local-blob-store.js';
import type { BlobStore } from '../../src/blobs/blob-store.js';
import type { Job } from '../../src/domain/jobs.js';
import type { Principal } from '../../src/domain/types.js';

const factories = await driverFactories();

for (const factory of factories) {
  describe(`verify on ${factory.name}`, () => {
    let f: EngineFixture;
    let lib: string;
    beforeEach(async () => {
      f = await engineFixture(factory);
      lib = await f.library('verify');
      await f.startEngine();
    });
    afterEach(async () => {
      await f.dispose();
    });

    const db = () => f.app.driver.db;
    const put = async (path: string, text: string) => (await f.app.items.putFile(f.admin, lib, path, Readable.from([Buffer.from(text)]))).item;
    const blobFile = (sha256: string) => (f.app.blobStores.get('default') as LocalBlobStore).objectPath(sha256);
    /** Other bytes stored under a blob's address (a loose object in the place of its record in a pack). */
    async function replaceBlob(sha256: string, text: string): Promise<void> {
      await f.app.blobStores.get('default').delete(sha256);
      fs.mkdirSync(nodePath.dirname(blobFile(sha256)), { recursive: true });
      fs.writeFileSync(blobFile(sha256), text);
    }
    async function verify(params: Record<string, unknown> = {}): Promise<{ job: Job; failures: Map<string, string[]> }> {
      const job = await f.waitFor((await f.submit('verify', lib, params)).id);
      const failures = new Map<string, string[]>();
      for (let cursor: string | undefined; ; ) {
        const page = await f.app.jobs.failures(f.admin, job.id, { limit: 1000, cursor });
        for (const x of page.failures) failures.set(x.path, [...(failures.get(x.path) ?? []), x.code]);
        if (!page.nextCursor) break;
        cursor = page.nextCursor;
      }
      return { job, failures };
    }
    async function itemId(path: string): Promise<number> {
      const row = await db().selectFrom('items').select('id').where('library_id', '=', lib).where('path', '=', path).where('trashed_at', 'is', null).executeTakeFirstOrThrow();
      return Number(row.id);
    }

    it('finds nothing wrong in a sound library, trash included, and counts what it read', async () => {
      const count = await f.tree(lib, '/tree', 3, 40);
      await put('/a.txt', 'alpha');
      await put('/b/c.txt', 'gamma!');
      await f.waitFor((await f.submit('trash', lib, { paths: ['/tree/d0001'] })).id);
      const { job, failures } = await verify();
      expect(failures).toEqual(new Map());
      expect(job.status).toBe('completed');
      const hashes = await db().selectFrom('items').select('sha256').distinct().where('library_id', '=', lib).where('sha256', 'is not', null).execute();
      const items = 1 + count + 3; // root, the tree, /a.txt, /b and /b/c.txt
      expect(job.counts).toMatchObject({ total: items + hashes.length + 1, succeeded: items + hashes.length + 1, failed: 0 });
      expect(job.result).toMatchObject({ checked: { items, files: 120 + 2, blobs: hashes.length, usage: 1 }, mismatches: {}, repaired: {} });
      expect(job.bytes.done).toBe(job.bytes.total);
      expect((job.result as { checked: { bytes: number } }).checked.bytes).toBe(job.bytes.total);

      const sub = await verify({ path: '/b' });
      expect(sub.job.status).toBe('completed');
      expect(sub.job.result).toMatchObject({ checked: { items: 2, files: 1, blobs: 1, bytes: 6 } });
      const missing = await verify({ path: '/nope' });
      expect(missing.failures).toEqual(new Map([['/nope', ['NOT_FOUND']]]));
    });

    it('gives every corruption its code, repairs what the catalog can, and finds nothing once the bytes are back', async () => {
      await f.tree(lib, '/tree', 2, 10);
      const hashed = await put('/docs/hashed.txt', 'original bytes');
      const sized = await put('/docs/sized.txt', 'some more bytes');
      const gone = await put('/docs/gone.txt', 'bytes that will vanish');
      const counted = await put('/docs/counted.txt', 'counted twice');
      const rowless = await put('/docs/rowless.txt', 'no blob row');
      await put('/docs/placed.txt', 'misplaced');
      await put('/docs/under-file.txt', 'wrong parent');
      await put('/dup/one.txt', 'duplicated');
      await put('/trashed/child.txt', 'left behind');
      const storage = 'default';

      // Bytes: same length but other content; other length; gone.
      await replaceBlob(hashed.sha256!, 'ORIGINAL BYTES');
      await replaceBlob(sized.sha256!, 'short');
      await f.app.blobStores.get('default').delete(gone.sha256!);
      // Reference counts: one off by five, one row deleted.
      await db().updateTable('blobs').set({ refcount: sql`refcount + 5` }).where('storage', '=', storage).where('sha256', '=', counted.sha256!).execute();
      await db().deleteFrom('blobs').where('storage', '=', storage).where('sha256', '=', rowless.sha256!).execute();
      // Parents: a row whose folder does not exist, one whose folder is in the trash, one under a file.
      const now = Date.now();
      // (Items have had no parent foreign key since migration 3: jobs delete subtrees in chunks, in any order.)
      await db().insertInto('items').values({ library_id: lib, parent_id: 987_654_321, name: 'orphan.txt', path: '/lost/orphan.txt', kind: 'file', size: 11, sha256: rowless.sha256, content_type: 'text/plain', created_at: now, modified_at: now, trashed_at: null, trash_root_id: null }).execute();
      const trashedFolder = await itemId('/trashed');
      await db().updateTable('items').set({ trashed_at: now, trash_root_id: trashedFolder }).where('id', '=', trashedFolder).execute();
      await db().updateTable('items').set({ parent_id: await itemId('/docs/hashed.txt') }).where('id', '=', await itemId('/docs/under-file.txt')).execute();
      // A path that is not its folder's path and its name.
      await db().updateTable('items').set({ path: '/elsewhere/placed.txt' }).where('id', '=', await itemId('/docs/placed.txt')).execute();
      // Two live items with one path (the unique indexes dropped first).
      await sql`DROP INDEX items_live_path`.execute(db());
      await sql`DROP INDEX items_live_child`.execute(db());
      const dupFolder = await itemId('/dup');
      const [dupRow] = await db().selectFrom('items').selectAll().where('path', '=', '/dup/one.txt').execute();
      const { id: _id, ...copy } = dupRow!;
      await db().insertInto('items').values({ ...copy, parent_id: dupFolder }).execute();
      await db().updateTable('blobs').set({ refcount: sql`refcount + 1` }).where('storage', '=', storage).where('sha256', '=', copy.sha256!).execute();
      // Usage: a delta no item accounts for (the duplicate and orphan rows did count: the triggers saw them).
      await sql`insert into library_usage (library_id, items, bytes) values (${lib}, 2, 100)`.execute(db());

      const expected = new Map([
        ['/docs/hashed.txt', ['HASH_MISMATCH']],
        ['/docs/sized.txt', ['SIZE_MISMATCH']],
        ['/docs/gone.txt', ['BLOB_MISSING']],
        [`blob ${counted.sha256}`, ['REFCOUNT_MISMATCH']],
        [`blob ${rowless.sha256}`, ['BLOB_ROW_MISSING']],
        ['/lost/orphan.txt', ['PARENT_MISSING']],
        ['/trashed/child.txt', ['PARENT_MISSING']],
        ['/docs/under-file.txt', ['PARENT_NOT_FOLDER']],
        ['/elsewhere/placed.txt', ['PATH_MISMATCH']],
        ['/dup/one.txt', ['DUPLICATE_PATH', 'DUPLICATE_PATH']],
        ['/', ['USAGE_MISMATCH']],
      ]);
      const found = await verify();
      expect(found.job.status).toBe('completed_with_errors');
      expect(found.failures).toEqual(expected);
      expect(found.job.result).toMatchObject({
        mismatches: { HASH_MISMATCH: 1, SIZE_MISMATCH: 1, BLOB_MISSING: 1, REFCOUNT_MISMATCH: 1, BLOB_ROW_MISSING: 1, PARENT_MISSING: 2, PARENT_NOT_FOLDER: 1, PATH_MISMATCH: 1, DUPLICATE_PATH: 2, USAGE_MISMATCH: 1 },
        repaired: {},
      });
      // Checking changed nothing.
      expect(await f.app.store.blobGetRefcount({ storage, sha256: rowless.sha256! })).toBeUndefined();

      // A duplicate needs a person: one of the two goes (and the unique indexes come back) before the repair.
      const dups = await db().selectFrom('items').select(['id', 'sha256']).where('path', '=', '/dup/one.txt').orderBy('id').execute();
      await f.app.store.transaction(async (tx) => {
        await tx.itemDeleteMany({ ids: [Number(dups[1]!.id)] });
        await tx.blobRelease({ storage, sha256: dups[1]!.sha256! });
      });
      await sql`CREATE UNIQUE INDEX items_live_child ON items(parent_id, name) WHERE trashed_at IS NULL`.execute(db());
      await sql`CREATE UNIQUE INDEX items_live_path ON items(library_id, path) WHERE trashed_at IS NULL`.execute(db());
      const repaired = await verify({ repair: true });
      expect(repaired.job.result).toMatchObject({ repaired: { REFCOUNT_MISMATCH: 1, BLOB_ROW_MISSING: 1, PARENT_MISSING: 2, USAGE_MISMATCH: 1 } });
      const fixes = (repaired.job.result as { fixes: Array<{ code: string; path: string }> }).fixes.map((x) => `${x.code} ${x.path}`).sort();
      expect(fixes).toEqual(
        [`BLOB_ROW_MISSING blob ${rowless.sha256}`, `REFCOUNT_MISMATCH blob ${counted.sha256}`, 'PARENT_MISSING /lost/orphan.txt', 'PARENT_MISSING /trashed/child.txt', 'USAGE_MISMATCH /'].sort(),
      );
      // What the catalog cannot fix stays a failure.
      expect(repaired.failures).toEqual(
        new Map([...expected].filter(([path]) => ['/docs/hashed.txt', '/docs/sized.txt', '/docs/gone.txt', '/docs/under-file.txt', '/elsewhere/placed.txt'].includes(path))),
      );
      expect(await f.app.store.blobGetRefcount({ storage, sha256: counted.sha256! })).toBe(1);
      expect(await f.app.store.blobGetRefcount({ storage, sha256: rowless.sha256! })).toBe(2); // rowless.txt and the orphan
      expect(await itemId('/lost')).toBeGreaterThan(0);
      const usage = await f.app.store.libraryUsageCheck({ libraryId: lib });
      expect(usage.recorded).toEqual(usage.actual);

      // Put the bytes back and undo what only a person can decide; then nothing is wrong.
      for (const [item, text] of [[hashed, 'original bytes'], [sized, 'some more bytes'], [gone, 'bytes that will vanish']] as const) {
        fs.rmSync(blobFile(item.sha256!), { force: true });
        await f.app.blobStores.get('default').writeBuffer(Buffer.from(text));
      }
      await db().updateTable('items').set({ parent_id: await itemId('/docs') }).where('id', '=', await itemId('/docs/under-file.txt')).execute();
      await db().updateTable('items').set({ path: '/docs/placed.txt' }).where('path', '=', '/elsewhere/placed.txt').execute();
      const clean = await verify();
      expect(clean.failures).toEqual(new Map());
      expect(clean.job.status).toBe('completed');
      expect(clean.job.result).toMatchObject({ mismatches: {}, repaired: {} });
    });

    it('a cancel stops the reading: the job ends cancelled, what was not checked counts skipped, nothing failed', async () => {
      const total = await f.tree(lib, '/t', 3, 400);
      await f.engine!.stop();
      let reached!: () => void;
      const reading = new Promise<void>((resolve) => (reached = resolve));
      let open!: () => void;
      const gate = new Promise<void>((resolve) => (open = resolve));
      const gated = (store: BlobStore): BlobStore =>
        new Proxy(store, {
          get(target, prop, receiver) {
            if (prop === 'openRead') {
              return async (...args: Parameters<BlobStore['openRead']>) => {
                reached();
                await gate;
                return target.openRead(...args);
              };
            }
            const value = Reflect.get(target, prop, receiver) as unknown;
            return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
          },
        });
      await f.startEngine({ concurrency: 1, blobs: { get: (name: string) => gated(f.app.blobStores.get(name)) } });
      const job = await f.submit('verify', lib, {});
      await reading;
      expect((await f.app.jobs.cancel(f.admin, job.id)).job.status).toBe('cancelling');
      open();
      const done = await f.waitFor(job.id);
      const counts = JSON.stringify(done.counts);
      expect(done.status, counts).toBe('cancelled');
      expect(done.counts.failed, counts).toBe(0);
      expect(done.counts.skipped, counts).toBeGreaterThan(0);
      expect(done.counts.succeeded + done.counts.skipped, counts).toBe(done.counts.total);
      expect(done.counts.total, counts).toBeLessThanOrEqual(total + 1 + 100); // items, their few blobs, the usage (what was planned)
    });

    it('repair needs ADMIN on the library (403 naming the field); a writer may verify without repairing', async () => {
      await put('/a.txt', 'a');
      const { user } = await f.app.users.createUser(f.admin, { email: 'writer@example.com' });
      await f.app.libraries.setPermissions(f.admin, lib, [
        { type: 'user', value: 'admin@example.com', role: 'ADMIN' },
        { type: 'user', value: user.email, role: 'WRITER' },
      ]);
      const writer: Principal = await f.app.auth.authenticateSecret((await f.app.auth.mint(f.admin, { userId: user.id })).secret);
      await expect(f.submit('verify', lib, { repair: true }, 0, writer)).rejects.toMatchObject({ code: 'FORBIDDEN', details: { field: 'params.repair' } });
      await expect(f.submit('verify', lib, { path: 'a/../b' }, 0, writer)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      const job = await f.waitFor((await f.submit('verify', lib, {}, 0, writer)).id);
      expect(job.status).toBe('completed');
      expect(job.params).toEqual({ path: '/', repair: false });
    });
  });
}
