/**
 * Orphaned bytes (stored, never referenced by the catalog) are found and
 * reclaimed by the engine's sweep, on both drivers: bytes without a row older
 * than the grace period go, and stale temp files; a referenced blob, fresh
 * bytes and bytes this process has pinned (a commit in flight) stay. The
 * walk goes a chunk at a time and resumes where it stopped. An upload whose
 * bytes another process's sweep takes between its persist and its commit
 * still ends stored and readable.
 */
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { engineFixture, type EngineFixture } from '../support/engine.js';
import { LocalBlobStore } from '../../src/blobs/local-blob-store.js';
import type { BlobStore } from '../../src/blobs/blob-store.js';
import { OrphanSweeper } from '../../src/engine/orphan-sweeper.js';

const factories = await driverFactories();
const logger = pino({ level: 'silent' });
const HOUR = 60 * 60_000;

for (const factory of factories) {
  describe(`orphan sweep on ${factory.name}`, () => {
    let f: EngineFixture;
    let lib: string;
    let blobs: LocalBlobStore;
    let clock = Date.now();
    beforeEach(async () => {
      f = await engineFixture(factory);
      lib = await f.library();
      blobs = f.app.blobStores.get('default') as LocalBlobStore;
      clock = Date.now();
      await f.startEngine({ orphanSweepMs: 0, orphanGraceMs: HOUR, now: () => clock });
    });
    afterEach(async () => {
      await f.dispose();
    });

    const upload = (p: string, content: string) => f.app.items.putFile(f.admin, lib, p, Readable.from([Buffer.from(content)]));
    const orphan = async (content: string) => (await blobs.writeBuffer(Buffer.from(content))).sha256;
    /** Sweeps until a whole pass over every location is done (the default chunk covers these small stores in one). */
    const sweep = () => f.engine!.sweepOrphans();

    it('removes bytes without a row once past the grace period, and stale temp files; keeps referenced and fresh bytes', async () => {
      const { item } = await upload('/kept.txt', 'referenced');
      const lost = await orphan('written, never referenced');
      const stale = path.join(blobs.rootDir, 'tmp', 'crashed-writer.tmp');
      fs.mkdirSync(path.dirname(stale), { recursive: true }); // small writes are packed: no temp file of their own
      fs.writeFileSync(stale, 'half a blob');
      const past = new Date(Date.now() - 2 * HOUR);
      fs.utimesSync(stale, past, past);

      // Within the grace period the bytes stay (they may be a write about to commit); the temp file is past it.
      expect(await sweep()).toMatchObject({ removed: 0, tempFiles: 1 });
      expect(await blobs.stat(lost)).not.toBeNull();
      expect(fs.existsSync(stale)).toBe(false);

      clock = Date.now() + 2 * HOUR;
      expect(await sweep()).toMatchObject({ removed: 1, tempFiles: 0 });
      expect(await blobs.stat(lost)).toBeNull();
      expect(await f.app.store.blobGetRefcount({ storage: 'default', sha256: lost })).toBeUndefined();
      const { blobStore } = await f.app.items.openDownload(f.admin, lib, { path: '/kept.txt' });
      expect(await text(await blobStore.openRead(item.sha256!))).toBe('referenced');
      expect(await f.app.store.blobGetRefcount({ storage: 'default', sha256: item.sha256! })).toBe(1);
      // A second pass finds nothing more.
      expect(await sweep()).toMatchObject({ removed: 0, tempFiles: 0 });
    });

    it('keeps bytes this process has pinned (their commit is in flight), then takes them once released and still unreferenced', async () => {
      const written = await blobs.write(Readable.from([Buffer.from('in flight')]), { maxBytes: 1024, pin: true, defer: true });
      await blobs.persist([written]);
      clock = Date.now() + 2 * HOUR;
      expect(await sweep()).toMatchObject({ removed: 0 });
      expect(await blobs.stat(written.sha256)).not.toBeNull();
      await written.pin!.release();
      expect(await sweep()).toMatchObject({ removed: 1 });
      expect(await blobs.stat(written.sha256)).toBeNull();
    });

    it("packed orphans: the sweep of another process takes their rows, then compacts this process's pack; the referenced blobs stay readable", async () => {
      const { item } = await upload('/kept.txt', 'referenced, packed beside the orphans');
      const lost = await Promise.all(Array.from({ length: 5 }, (_, i) => orphan(`orphan ${i} `.repeat(50))));
      const other = new LocalBlobStore('default', blobs.rootDir);
      try {
        const otherSweeper = new OrphanSweeper(f.app.store, { get: (): BlobStore => other, names: () => ['default'] }, logger, { graceMs: 0, chunk: 100 });
        const packs = () => fs.readdirSync(path.join(blobs.rootDir, 'packs')).filter((n) => n.endsWith('.pack'));
        const before = packs();
        const result = await otherSweeper.sweep(Date.now() + 1_000);
        expect(result).toMatchObject({ removed: 5 });
        expect(result.packBytes).toBeGreaterThan(0);
        for (const sha of lost) expect(await blobs.stat(sha)).toBeNull();
        expect(packs().filter((n) => before.includes(n))).toEqual([]);
        const { blobStore } = await f.app.items.openDownload(f.admin, lib, { path: '/kept.txt' });
        expect(await text(await blobStore.openRead(item.sha256!))).toBe('referenced, packed beside the orphans');
        // This process writes on, in a new pack of its own.
        await upload('/after.txt', 'after the compaction');
        expect(await text(await blobs.openRead((await f.app.items.openDownload(f.admin, lib, { path: '/after.txt' })).item.sha256!))).toBe('after the compaction');
      } finally {
        other.close();
      }
    });

    it('walks a chunk per pass and resumes where it stopped, wrapping at the end', async () => {
      const shas = await Promise.all(Array.from({ length: 5 }, (_, i) => orphan(`orphan ${i}`)));
      const sweeper = new OrphanSweeper(f.app.store, f.app.blobStores, logger, { graceMs: 0, chunk: 2 });
      const removed: number[] = [];
      for (let pass = 0; pass < 3; pass++) removed.push((await sweeper.sweep(Date.now() + 1_000)).removed);
      expect(removed).toEqual([2, 2, 1]);
      for (const sha of shas) expect(await blobs.stat(sha)).toBeNull();
      // Wrapped to the start: content written since is found on the next passes.
      const later = await orphan('written after the first round');
      let found = 0;
      for (let pass = 0; pass < 2; pass++) found += (await sweeper.sweep(Date.now() + 1_000)).removed;
      expect(found).toBe(1);
      expect(await blobs.stat(later)).toBeNull();
    });

    it("an upload whose bytes another process's sweep takes before its commit still ends stored and readable", async () => {
      // Another process sharing the location: its own blob store instance (it knows none of our pins).
      const other = new LocalBlobStore('default', blobs.rootDir);
      const otherSweeper = new OrphanSweeper(f.app.store, { get: (): BlobStore => other, names: () => ['default'] }, logger, { graceMs: HOUR, chunk: 100 });
      // Its clock past the grace period for the bytes (the in-flight temp file, judged by the real clock, is spared).
      const later = () => Date.now() + 2 * HOUR;
      const content = `raced ${crypto.randomUUID()}`;
      const persist = blobs.persist.bind(blobs);
      let swept = -1;
      blobs.persist = async (writes) => {
        await persist(writes);
        blobs.persist = persist;
        swept = (await otherSweeper.sweep(later())).removed;
      };
      const { item } = await upload('/raced.txt', content);
      expect(swept).toBe(1); // the bytes were taken between persist and commit
      const { blobStore } = await f.app.items.openDownload(f.admin, lib, { path: '/raced.txt' });
      expect(await text(await blobStore.openRead(item.sha256!))).toBe(content);
      expect(await f.app.store.blobGetRefcount({ storage: 'default', sha256: item.sha256! })).toBe(1);
      // Referenced now: a later sweep leaves it.
      expect(await otherSweeper.sweep(later())).toMatchObject({ removed: 0 });
      expect(await blobs.stat(item.sha256!)).not.toBeNull();
    });
  });
}
