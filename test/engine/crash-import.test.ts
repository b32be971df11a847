/**
 * Crash safety of import: `batchyard worker` processes killed with SIGKILL at
 * random moments while they plan (the directory walk's saved cursor, the
 * archive's entry count) and read bytes; a last worker finishes. The job
 * completes with every entry imported exactly once, the library holds
 * exactly the source tree (bytes re-hashed), and the blob references are
 * exactly what its files imply.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { Upload } from '@tus/utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { engineFixture, type EngineFixture } from '../support/engine.js';
import { childEnv, stop, type WorkerProcess } from '../support/worker-process.js';
import { expectClean, expectedRefs, refcounts, runThroughCrashes, snapshot } from './crash-trial.js';
import { libraryTree, makeSourceTree, sorted, walkTree } from '../support/source-trees.js';
import { tarOf, type TarInput } from '../support/archives.js';

const factories = await driverFactories();
const KILLS = 2;

for (const factory of factories) {
  describe(`crash safety of import on ${factory.name}`, { timeout: 240_000 }, () => {
    let f: EngineFixture;
    let lib: string;
    let root: string;
    let env: Record<string, string>;
    const workers: WorkerProcess[] = [];
    const trial = () => ({ f, env, workers });
    const seedNow = () => Date.now() % 100_000;

    beforeEach(async () => {
      root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'by-crash-import-')));
      f = await engineFixture(factory, { BATCHYARD_IMPORT_ROOTS: root });
      lib = await f.library('Main');
      // One task at a time, each ≥ 200 ms inside its transaction: the job outlives the first kill.
      env = await childEnv(f.t, { BATCHYARD_IMPORT_ROOTS: root, BATCHYARD_TEST_TASK_DELAY_MS: '200', BATCHYARD_WORKER_CONCURRENCY: '1' });
    });
    afterEach(async () => {
      for (const w of workers.splice(0)) await stop(w);
      await f.dispose();
      fs.rmSync(root, { recursive: true, force: true });
    });

    async function expectExact() {
      const rows = (await snapshot(f, lib)).filter((r) => !r.trashed);
      expect(await refcounts(f, 'default')).toEqual(expectedRefs(rows));
    }

    it('an import of a server directory survives kill -9 (every file once, the tree exact, references exact)', async () => {
      const seed = seedNow();
      const source = path.join(root, 'tree');
      makeSourceTree(source, 6, 60, String(seed));
      const expected = walkTree(source);
      const job = await runThroughCrashes(trial(), (await f.submit('import', lib, { source: { type: 'server_path', path: source }, destination: '/in' })).id, seed, KILLS);
      expectClean(job, expected.size, seed);
      expect(sorted(await libraryTree(f.app, lib, '/in'))).toEqual(sorted(expected));
      await expectExact();
    });

    it('an import of an uploaded tar survives kill -9, and its upload is swept once the job ended', async () => {
      const seed = seedNow();
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

      const job = await runThroughCrashes(trial(), (await f.submit('import', lib, { source: { type: 'upload', uploadId: id }, destination: '/up' })).id, seed, KILLS);
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
