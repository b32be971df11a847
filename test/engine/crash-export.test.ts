/**
 * Crash safety of export: the job runs in worker processes killed with
 * SIGKILL mid-packaging (chunks writing segments, the assembly writing the
 * archive) at progress points drawn from a seed (test/support/crash-trial.ts),
 * then one more finishes it. It completes with every item counted once,
 * exactly one archive holding exactly the tree, one reference on it, and no
 * segment left behind.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { readZip } from '../support/zip.js';
import { expectClean, useCrashTrials } from '../support/crash-trial.js';

const factories = await driverFactories();
const KILLS = 2;

for (const factory of factories) {
  describe(`crash safety of export on ${factory.name}`, { timeout: 300_000 }, () => {
    const c = useCrashTrials(factory, { kills: KILLS });

    it('export survives kill -9 (each item once, one archive with exactly the tree, no segments left)', async () => {
      const { f, lib, seed } = c;
      const total = await f.tree(lib, '/big', 4, 300);
      const job = await c.trials.run((await f.submit('export', lib, { paths: ['/big'] })).id, { total, seed });
      expectClean(job, total, seed);
      expect(job.result, `seed ${seed}`).toMatchObject({ entries: total });

      const artifact = (await f.app.store.artifactGet({ jobId: job.id }))!;
      const file = path.join(f.t.dir, 'big.zip');
      const chunks: Buffer[] = [];
      for await (const chunk of await f.app.blobStores.get(artifact.storage).openRead(artifact.sha256)) chunks.push(chunk as Buffer);
      fs.writeFileSync(file, Buffer.concat(chunks));
      const names = [...(await readZip(file)).keys()].sort();
      const paths = (await f.livePaths(lib)).filter((p) => p === '/big' || p.startsWith('/big/'));
      const kinds = new Map((await f.app.driver.db.selectFrom('items').select(['path', 'kind']).where('library_id', '=', lib).execute()).map((r) => [r.path, r.kind]));
      expect(names, `seed ${seed}`).toEqual(paths.map((p) => (kinds.get(p) === 'folder' ? `${p.slice(1)}/` : p.slice(1))).sort());
      expect(await f.app.store.artifactListParts({ jobId: job.id, limit: 100 }), `seed ${seed}`).toEqual([]);
      expect(await f.app.store.blobGetRefcount({ storage: artifact.storage, sha256: artifact.sha256 })).toBe(1);
      // Segments written by killed runs hold no reference (the collector may take them).
      const rows = await f.app.driver.db.selectFrom('blobs').select(['sha256', 'refcount']).where('storage', '=', artifact.storage).execute();
      const contentShas = new Set((await f.app.driver.db.selectFrom('items').select('sha256').where('library_id', '=', lib).execute()).map((r) => r.sha256));
      for (const row of rows) if (!contentShas.has(row.sha256) && row.sha256 !== artifact.sha256) expect(Number(row.refcount), `seed ${seed}`).toBeLessThanOrEqual(0);
    });
  });
}
