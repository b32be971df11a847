/**
 * Crash safety of extract: a zip (tasks read their entries by locator) and a
 * tar.gz (the planner stores the bytes in its one pass) unpacked in worker
 * processes killed with SIGKILL at random moments. The job completes, every
 * entry unpacked exactly once, the tree and the blob references exactly
 * what the archive implies.
 */
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { engineFixture, type EngineFixture } from '../support/engine.js';
import { childEnv, stop, type WorkerProcess } from '../support/worker-process.js';
import { gzip, tarOf, zipOf, type TarInput } from '../support/archives.js';
import { expectClean, expectedRefs, refcounts, runThroughCrashes, snapshot } from './crash-trial.js';

const factories = await driverFactories();
const KILLS = 2;

/** 2,100 files in 7 folders (3 tasks of entries on SQLite, 5 on PostgreSQL), some contents shared. */
function entries(): TarInput[] {
  const out: TarInput[] = [];
  for (let d = 0; d < 7; d++) {
    out.push({ name: `tree/d${d}/`, type: 'directory' });
    for (let i = 0; i < 300; i++) out.push({ name: `tree/d${d}/f${i}.txt`, data: `file ${i % 50} of the archive` });
  }
  return out;
}

for (const factory of factories) {
  describe(`crash safety of extract on ${factory.name}`, { timeout: 240_000 }, () => {
    let f: EngineFixture;
    let lib: string;
    let env: Record<string, string>;
    const workers: WorkerProcess[] = [];
    const trial = () => ({ f, env, workers });

    beforeEach(async () => {
      f = await engineFixture(factory);
      lib = await f.library('Main');
      // One task at a time, each ≥ 200 ms: the job outlives the first kill.
      env = await childEnv(f.t, { BATCHYARD_TEST_TASK_DELAY_MS: '200', BATCHYARD_WORKER_CONCURRENCY: '1' });
    });
    afterEach(async () => {
      for (const w of workers.splice(0)) await stop(w);
      await f.dispose();
    });

    const expected = entries().map((e) => `/out/${e.name.replace(/\/$/, '')}`);
    const check = async (archive: string) => {
      const rows = await snapshot(f, lib);
      expect(rows.every((r) => !r.trashed)).toBe(true);
      const paths = rows.map((r) => r.path).sort();
      expect(paths).toEqual(['/', archive, '/out', '/out/tree', ...expected].sort());
      expect(new Set(paths).size).toBe(paths.length);
      expect(await refcounts(f, 'default')).toEqual(expectedRefs(rows));
      const { item, blobStore } = await f.app.items.openDownload(f.admin, lib, { path: '/out/tree/d3/f57.txt' });
      const chunks: Buffer[] = [];
      for await (const chunk of await blobStore.openRead(item.sha256!)) chunks.push(chunk as Buffer);
      expect(Buffer.concat(chunks).toString()).toBe('file 7 of the archive');
    };

    it('a zip extract survives kill -9 (each entry unpacked once)', async () => {
      const seed = Date.now() % 100_000;
      const zip = await zipOf(entries().map((e) => ({ name: e.name, data: e.data })));
      await f.app.items.putFile(f.admin, lib, '/a.zip', Readable.from([zip]));
      const job = await runThroughCrashes(trial(), (await f.submit('extract', lib, { path: '/a.zip', destination: '/out' })).id, seed, KILLS);
      expectClean(job, expected.length, seed);
      await check('/a.zip');
    });

    it('a tar.gz extract survives kill -9 (each entry unpacked once)', async () => {
      const seed = Date.now() % 100_000;
      await f.app.items.putFile(f.admin, lib, '/a.tgz', Readable.from([gzip(await tarOf(entries()))]));
      const job = await runThroughCrashes(trial(), (await f.submit('extract', lib, { path: '/a.tgz', destination: '/out' })).id, seed, KILLS);
      expectClean(job, expected.length, seed);
      await check('/a.tgz');
    });
  });
}
