/**
 * Crash safety of import: `batchyard worker` processes killed with SIGKILL at
 * progress points drawn from a seed (test/support/crash-trial.ts) while they
 * plan (the directory walk's saved cursor, the archive's entry count) and
 * read bytes; a last worker finishes. The job completes with every entry
 * imported exactly once, the library holds exactly the source tree (bytes
 * re-hashed), and the blob references are exactly what its files imply.
 */
import path from 'node:path';
import { Readable } from 'node:stream';
import { Upload } from '@tus/utils';
import { describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { expectClean, useCrashTrials } from '../support/crash-trial.js';
import { expectedRefs, refcounts, snapshot } from '../support/catalog-state.js';
import { libraryTree, makeSourceTree, sorted, walkTree } from '../support/source-trees.js';
import { tarOf, type TarInput } from '../support/archives.js';

const factories = await driverFactories();
const KILLS = 2;

for (const factory of factories) {
  describe(`crash safety of import on ${factory.name}`, { timeout: 240_000 }, () => {
    const c = useCrashTrials(factory, { kills: KILLS, importRoot: true });

    async function expectExact() {
      const rows = (await snapshot(c.f, c.lib)).filter((r) => !r.trashed);
      expect(await refcounts(c.f, 'default')).toEqual(expectedRefs(rows));
    }

    it('an import of a server directory survives kill -9 (every file once, the tree exact, references exact)', async () => {
      const { f, lib, root, seed } = c;
      const source = path.join(root, 'tree');
      makeSourceTree(source, 6, 60, String(seed));
      const expected = walkTree(source);
      const job = await c.trials.run((await f.submit('import', lib, { source: { type: 'server_path', path: source }, destination: '/in' })).id, { total: expected.size, seed });
      expectClean(job, expected.size, seed);
      expect(sorted(await libraryTree(f.app, lib, '/in'))).toEqual(sorted(expected));
      await expectExact();
    });

    it('an import of an uploaded tar survives kill -9, and its upload is swept once the job ended', async () => {
      const { f, lib, seed } = c;
      const entries: TarInput[] = [];
      for (let d = 0; d < 4; d++) {
        entries.push({ name: `d${d}/` });
        for (let i = 0; i < 80; i++) entries.push({ name: `d${d}/f${i}.txt`, data: `${seed}:${d}:${i}:`.repeat(1 + i) });
      }
      const archive = await tarOf(entries);
      const files = f.app.uploads.files;
      const id = `crash${seed}`;
      await files.datastore.create(new Upload({ id, size: archive.length, offset: 0 }));
      await files.datastore.write(Readable.from([archive]), id, 0);
      await f.app.uploads.record(f.admin, { id, size: archive.length, libraryId: null });

      const job = await c.trials.run((await f.submit('import', lib, { source: { type: 'upload', uploadId: id }, destination: '/up' })).id, { total: entries.length, seed });
      expectClean(job, entries.length, seed);
      const tree = await libraryTree(f.app, lib, '/up');
      expect(tree.size).toBe(entries.length);
      expect([...tree.values()].filter((v) => v.startsWith('mismatch'))).toEqual([]);
      await expectExact();
      const engine = await f.startEngine();
      expect(await engine.sweepUploads()).toBe(1);
      expect(await files.state(id)).toBeUndefined();
    });
  });
}
