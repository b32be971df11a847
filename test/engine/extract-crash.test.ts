/**
 * Crash safety of extract: a zip (tasks read their entries by locator) and a
 * tar.gz (the planner stores the bytes in its one pass) unpacked in worker
 * processes killed with SIGKILL at progress points drawn from a seed
 * (test/support/crash-trial.ts). The job completes, every entry unpacked
 * exactly once, the tree and the blob references exactly what the archive
 * implies.
 */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { gzip, tarOf, zipOf, type TarInput } from '../support/archives.js';
import { expectClean, useCrashTrials } from '../support/crash-trial.js';
import { expectedRefs, refcounts, snapshot } from '../support/catalog-state.js';

const factories = await driverFactories();
const KILLS = 2;

/** 1,050 files in 7 folders (2 tasks of entries on SQLite, 3 on PostgreSQL), some contents shared. */
function entries(): TarInput[] {
  const out: TarInput[] = [];
  for (let d = 0; d < 7; d++) {
    out.push({ name: `tree/d${d}/`, type: 'directory' });
    for (let i = 0; i < 150; i++) out.push({ name: `tree/d${d}/f${i}.txt`, data: `file ${i % 50} of the archive` });
  }
  return out;
}

/** The archives, made once for both drivers. */
let zip: Promise<Buffer> | undefined;
let tgz: Promise<Buffer> | undefined;
const zipArchive = () => (zip ??= zipOf(entries().map((e) => ({ name: e.name, data: e.data }))));
const tgzArchive = () => (tgz ??= tarOf(entries()).then(gzip));

for (const factory of factories) {
  describe(`crash safety of extract on ${factory.name}`, { timeout: 240_000 }, () => {
    const c = useCrashTrials(factory, { kills: KILLS });

    const expected = entries().map((e) => `/out/${e.name.replace(/\/$/, '')}`);
    const check = async (archive: string) => {
      const { f, lib } = c;
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
      const { f, lib, seed } = c;
      await f.app.items.putFile(f.admin, lib, '/a.zip', Readable.from([await zipArchive()]));
      const job = await c.trials.run((await f.submit('extract', lib, { path: '/a.zip', destination: '/out' })).id, { total: expected.length, seed });
      expectClean(job, expected.length, seed);
      await check('/a.zip');
    });

    it('a tar.gz extract survives kill -9 (each entry unpacked once)', async () => {
      const { f, lib, seed } = c;
      await f.app.items.putFile(f.admin, lib, '/a.tgz', Readable.from([await tgzArchive()]));
      const job = await c.trials.run((await f.submit('extract', lib, { path: '/a.tgz', destination: '/out' })).id, { total: expected.length, seed });
      expectClean(job, expected.length, seed);
      await check('/a.tgz');
    });
  });
}
