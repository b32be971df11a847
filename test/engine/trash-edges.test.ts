/**
 * The trash's edges, on both drivers: `empty_trash olderThanDays` purges only
 * what was trashed long enough ago, and a restore whose original path is
 * taken again follows `onConflict` (fail by default: the item stays in the
 * trash; skip; rename to a free name; overwrite: the item in the way goes to
 * the trash in its turn).
 */
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { engineFixture, type EngineFixture } from '../support/engine.js';

const factories = await driverFactories();
const DAY_MS = 86_400_000;

for (const factory of factories) {
  describe(`trash edges on ${factory.name}`, () => {
    let f: EngineFixture;
    let lib: string;
    beforeEach(async () => {
      f = await engineFixture(factory);
      lib = await f.library();
      await f.startEngine();
    });
    afterEach(async () => {
      await f.dispose();
    });

    const run = async (type: string, params: Record<string, unknown>) => f.waitFor((await f.submit(type, lib, params)).id);
    const trashPaths = async () => (await f.app.items.listTrash(f.admin, lib, { limit: 100 })).items.map((i) => i.path).sort();
    const trashRootId = async (path: string) => (await f.app.items.listTrash(f.admin, lib, { limit: 100 })).items.find((i) => i.path === path)!.id;
    /** Moves a trashed subtree's trash time `days` into the past. */
    const age = (path: string, days: number) =>
      f.app.driver.db
        .updateTable('items')
        .set({ trashed_at: sql<number>`trashed_at - ${days * DAY_MS}` })
        .where('library_id', '=', lib)
        .where((eb) => eb.or([eb('path', '=', path), eb('path', 'like', `${path}/%`)]))
        .where('trashed_at', 'is not', null)
        .execute();

    it('empty_trash olderThanDays purges only what was trashed that long ago (references released for those only)', async () => {
      const old = await f.tree(lib, '/old', 2, 5);
      const recent = await f.tree(lib, '/recent', 1, 3);
      const week = await f.tree(lib, '/week', 1, 2);
      expect((await run('trash', { paths: ['/old', '/recent', '/week'] })).status).toBe('completed');
      await age('/old', 30);
      await age('/week', 6); // 6 days: younger than 7
      const refsBefore = await f.app.driver.db.selectFrom('blobs').select(({ fn }) => fn.sum<number>('refcount').as('n')).executeTakeFirstOrThrow();

      const job = await run('empty_trash', { olderThanDays: 7 });
      expect(job.status).toBe('completed');
      expect(job.counts).toMatchObject({ total: old, succeeded: old, failed: 0, skipped: 0 });
      expect(await trashPaths()).toEqual(['/recent', '/week']);
      const left = await f.app.driver.db.selectFrom('items').select('path').where('library_id', '=', lib).where('path', 'like', '/old%').execute();
      expect(left).toEqual([]);
      const refsAfter = await f.app.driver.db.selectFrom('blobs').select(({ fn }) => fn.sum<number>('refcount').as('n')).executeTakeFirstOrThrow();
      expect(Number(refsBefore.n) - Number(refsAfter.n)).toBe(old - 3); // /old's 10 files (its 3 folders have no content)

      // Without olderThanDays, all of it.
      const all = await run('empty_trash', {});
      expect(all.counts).toMatchObject({ total: recent + week, succeeded: recent + week });
      expect(await trashPaths()).toEqual([]);
    });

    it('restore into a taken path: fails by default and leaves both where they are; skip leaves it in the trash', async () => {
      await f.tree(lib, '/docs', 1, 3);
      expect((await run('trash', { paths: ['/docs'] })).status).toBe('completed');
      const id = await trashRootId('/docs');
      await f.tree(lib, '/docs', 1, 1); // a new /docs takes the place
      const live = await f.livePaths(lib);

      const failed = await run('restore', { itemIds: [id] });
      expect(failed.status).toBe('completed_with_errors');
      expect(failed.counts).toMatchObject({ total: 5, succeeded: 0, failed: 1, skipped: 4 });
      const failures = (await f.app.jobs.failures(f.admin, failed.id, { limit: 10 })).failures;
      expect(failures.map((x) => [x.path, x.code])).toEqual([['/docs', 'CONFLICT']]);
      expect(await f.livePaths(lib)).toEqual(live);
      expect(await trashPaths()).toEqual(['/docs']);

      const skipped = await run('restore', { itemIds: [id], onConflict: 'skip' });
      expect(skipped.status).toBe('completed');
      expect(skipped.counts).toMatchObject({ total: 5, succeeded: 0, failed: 0, skipped: 5 });
      expect(await f.livePaths(lib)).toEqual(live);
      expect(await trashPaths()).toEqual(['/docs']);
    });

    it('restore into a taken path with rename takes a free name; with overwrite the item in the way goes to the trash', async () => {
      await f.tree(lib, '/docs', 1, 2);
      await f.tree(lib, '/notes', 1, 1);
      expect((await run('trash', { paths: ['/docs', '/notes'] })).status).toBe('completed');
      const docs = await trashRootId('/docs');
      const notes = await trashRootId('/notes');
      await f.tree(lib, '/docs', 1, 1);
      await f.tree(lib, '/notes', 1, 3);

      const renamed = await run('restore', { itemIds: [docs], onConflict: 'rename' });
      expect(renamed.status).toBe('completed');
      expect(renamed.counts).toMatchObject({ total: 4, succeeded: 4 });
      expect((await f.livePaths(lib)).filter((p) => p.startsWith('/docs'))).toEqual([
        '/docs',
        '/docs (1)',
        '/docs (1)/d0000',
        '/docs (1)/d0000/f00000.txt',
        '/docs (1)/d0000/f00001.txt',
        '/docs/d0000',
        '/docs/d0000/f00000.txt',
      ]);

      const overwritten = await run('restore', { itemIds: [notes], onConflict: 'overwrite' });
      expect(overwritten.status).toBe('completed');
      expect(overwritten.counts).toMatchObject({ total: 3, succeeded: 3 });
      expect((await f.livePaths(lib)).filter((p) => p.startsWith('/notes'))).toEqual(['/notes', '/notes/d0000', '/notes/d0000/f00000.txt']);
      // The /notes that was in the way is in the trash now, whole, and can come back (under a free name).
      expect(await trashPaths()).toEqual(['/notes']);
      const displaced = await trashRootId('/notes');
      expect(displaced).not.toBe(notes);
      const back = await run('restore', { itemIds: [displaced], onConflict: 'rename' });
      expect(back.counts).toMatchObject({ total: 5, succeeded: 5 });
      expect((await f.livePaths(lib)).filter((p) => p.startsWith('/notes (1)'))).toHaveLength(5);
    });
  });
}
