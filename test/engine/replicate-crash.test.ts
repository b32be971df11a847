/**
 * Replicate survives kill -9: a tree replicated into a library on another
 * storage location (bytes copied), with a changed file and extraneous items
 * in the target, by `batchyard worker` processes killed at progress points
 * drawn from a seed (test/support/crash-trial.ts). After the kills the job
 * completes with every item counted once, the target mirrors the source,
 * the changed file kept its id, the extras are in the trash once, and the
 * blob references are exactly what the rows imply.
 */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { useCrashTrials } from '../support/crash-trial.js';
import { expectedRefs, refcounts, shape, snapshot } from '../support/catalog-state.js';
import { distinctTree } from './trees.js';

const factories = await driverFactories();
const KILLS = 2;

for (const factory of factories) {
  describe(`crash safety of replicate on ${factory.name}`, { timeout: 180_000 }, () => {
    const c = useCrashTrials(factory, { kills: KILLS, secondStorage: true });
    const put = (library: string, p: string, text: string) => c.f.app.items.putFile(c.f.admin, library, p, Readable.from([Buffer.from(text)]));

    it('replicate into another storage location survives kill -9 (each item written once, extras trashed once)', async () => {
      const { f, lib, other, seed } = c;
      const sourceItems = await distinctTree(f, lib, '/big', 3, 200);
      // In the target already: a file of other content (its parents then are the same), and extras.
      const stale = await put(other, '/big/d0000/f00000.txt', 'stale content');
      await put(other, '/extra/a.txt', 'a');
      await put(other, '/extra/b.txt', 'b');
      await put(other, '/extra.txt', 'c');
      const total = sourceItems + 2;

      const job = await c.trials.run((await f.submit('replicate', lib, { targetLibraryId: other, deleteExtraneous: true })).id, { total, seed });
      const context = `seed ${seed}: ${JSON.stringify(job.counts)} ${JSON.stringify(job.result)}`;
      expect(job.status, context).toBe('completed');
      expect(job.counts, context).toMatchObject({ total, succeeded: total - 2, skipped: 2, failed: 0, remaining: 0 });
      expect(job.result, context).toMatchObject({ created: sourceItems - 3, updated: 1, trashed: 2, unchanged: 2 });

      const source = (await snapshot(f, lib)).filter((r) => r.path !== '/');
      const target = await snapshot(f, other);
      expect(shape(target.filter((r) => !r.trashed && r.path !== '/'))).toEqual(shape(source));
      expect(target.find((r) => r.path === '/big/d0000/f00000.txt' && !r.trashed)?.id).toBe(stale.item.id);
      const trashed = target.filter((r) => r.trashed);
      expect(trashed.map((r) => r.path).sort()).toEqual(['/extra', '/extra.txt', '/extra/a.txt', '/extra/b.txt']);
      const extra = trashed.find((r) => r.path === '/extra')!;
      expect(trashed.filter((r) => r.path.startsWith('/extra/')).every((r) => r.root === extra.id)).toBe(true);
      expect(await refcounts(f, 'second')).toEqual(expectedRefs(target));
      expect(await refcounts(f, 'default')).toEqual(expectedRefs(source));
      const blobs = f.app.blobStores.get('second');
      for (const row of target) if (row.sha256) expect(await blobs.stat(row.sha256)).not.toBeNull();
    });
  });
}
