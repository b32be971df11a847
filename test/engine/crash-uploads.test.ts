/**
 * kill -9 of a server during a burst of uploads (16 at a time), on both
 * drivers: every file the catalog names has its bytes at their address with
 * the right SHA-256 (bytes are made durable, a batch at a time, before the
 * commit that references them), every upload answered 201 is in the catalog,
 * and the orphan sweep then reclaims what the crash left unreferenced
 * (bytes stored, commit never made) and nothing else.
 */
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { driverFactories } from '../support/drivers.js';
import { engineFixture, type EngineFixture } from '../support/engine.js';
import { childEnv } from '../support/worker-process.js';
import { ADMIN_TOKEN } from '../support/app.js';
import { spawnBatchyard, type Proc } from '../e2e/processes.js';
import { OrphanSweeper } from '../../src/engine/orphan-sweeper.js';
import type { LocalBlobStore } from '../../src/blobs/local-blob-store.js';

const factories = await driverFactories();
const logger = pino({ level: 'silent' });
const CONNECTIONS = 16;
const KILL_AFTER = 60; // acknowledged uploads before the kill

for (const factory of factories) {
  describe(`kill -9 during an upload burst on ${factory.name}`, { timeout: 180_000 }, () => {
    let f: EngineFixture;
    let server: Proc | undefined;
    beforeEach(async () => {
      f = await engineFixture(factory);
    });
    afterEach(async () => {
      await server?.stop('SIGKILL');
      await f.dispose();
    });

    it('leaves no catalog row without its bytes, loses no acknowledged upload, and the sweep reclaims only the orphans', async () => {
      const lib = await f.library('Burst');
      const proc = spawnBatchyard(['serve', '--port', '0', '--data', f.t.dir], await childEnv(f.t, { BATCHYARD_BOOTSTRAP_TOKEN: ADMIN_TOKEN, LOG_LEVEL: 'info' }));
      server = proc;
      const serve = { proc, url: String((await proc.waitForLog((l) => l.msg === 'batchyard is serving', 120_000)).url) };
      const acknowledged = new Map<string, string>(); // path → sha256
      let next = 0;
      let killed = false;
      const kill = () => {
        if (killed) return;
        killed = true;
        serve.proc.child.kill('SIGKILL');
      };
      await Promise.all(
        Array.from({ length: CONNECTIONS }, async () => {
          while (!killed) {
            const i = next++;
            const body = crypto.randomBytes(4096 + (i % 7));
            const filePath = `/burst/d${i % 10}/f${i}.bin`;
            try {
              const res = await fetch(`${serve.url}/api/v1/libraries/${lib}/files${filePath}`, { method: 'PUT', headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, body });
              await res.arrayBuffer();
              if (res.status === 201) acknowledged.set(filePath, crypto.createHash('sha256').update(body).digest('hex'));
              else if (!killed) throw new Error(`upload ${filePath}: HTTP ${res.status}`);
            } catch (error) {
              if (!killed) throw error;
            }
            if (acknowledged.size >= KILL_AFTER) kill();
          }
        }),
      );
      await serve.proc.exited;
      server = undefined;

      // Every file row's bytes are at their address, intact.
      const blobs = f.app.blobStores.get('default') as LocalBlobStore;
      const files = await f.app.driver.db.selectFrom('items').select(['path', 'sha256']).where('library_id', '=', lib).where('kind', '=', 'file').execute();
      expect(files.length).toBeGreaterThanOrEqual(KILL_AFTER);
      for (const file of files) {
        const bytes = await blobs.read(file.sha256!);
        expect(crypto.createHash('sha256').update(bytes).digest('hex')).toBe(file.sha256);
      }
      // Every acknowledged upload is in the catalog with its content.
      const byPath = new Map(files.map((r) => [r.path, r.sha256]));
      for (const [filePath, sha256] of acknowledged) expect(byPath.get(filePath)).toBe(sha256);

      // The sweep (past the grace period) leaves exactly the referenced blobs.
      const sweeper = new OrphanSweeper(f.app.store, f.app.blobStores, logger, { graceMs: 0, chunk: 10_000 });
      await sweeper.sweep(Date.now() + 1_000);
      const stored = (await blobs.listObjects({ limit: 100_000 })).map((o) => o.sha256).sort();
      expect(stored).toEqual([...new Set(files.map((r) => r.sha256!))].sort());
      expect(fs.existsSync(path.join(blobs.rootDir, 'tmp')) ? fs.readdirSync(path.join(blobs.rootDir, 'tmp')) : []).toEqual([]);
      // Compaction (the killed server's pack is no writer's now) leaves no pack more than half dead, every referenced blob readable.
      await blobs.compact();
      const packs = path.join(blobs.rootDir, 'packs');
      const packBytes = fs.readdirSync(packs).filter((n) => n.endsWith('.pack')).reduce((sum, n) => sum + fs.statSync(path.join(packs, n)).size, 0);
      const live = (await blobs.listObjects({ limit: 100_000 })).reduce((sum, o) => sum + 40 + o.size, 0);
      expect(packBytes).toBeLessThanOrEqual(2 * live);
      for (const file of files) expect(crypto.createHash('sha256').update(await blobs.read(file.sha256!)).digest('hex')).toBe(file.sha256);
    });
  });
}
