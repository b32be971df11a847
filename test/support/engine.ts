/**
 * An app on a test database with its engine: a super-admin principal, a
 * library, a fast way to build trees (catalog rows and real blobs), and a
 * wait for a job to end.
 */
import { loadConfig } from '../../src/config.js';
import { openApp, bootstrap, startEngine, type App, type EngineOverrides } from '../../src/app.js';
import type { Engine } from '../../src/engine/engine.js';
import type { Principal } from '../../src/domain/types.js';
import type { Job } from '../../src/domain/jobs.js';
import { FINAL_STATUSES } from '../../src/domain/jobs.js';
import type { DriverFactory, TestDriver } from './drivers.js';
import { ADMIN_TOKEN } from './app.js';
import { childPath } from '../../src/domain/item-path.js';

export interface EngineFixture {
  app: App;
  t: TestDriver;
  admin: Principal;
  engine: Engine | undefined;
  startEngine(overrides?: EngineOverrides): Promise<Engine>;
  library(name?: string, config?: Record<string, unknown>): Promise<string>;
  /** Builds `/root` with `folders` folders of `filesPerFolder` files each (content `path`), returns the item count. */
  tree(libraryId: string, root: string, folders: number, filesPerFolder: number): Promise<number>;
  submit(type: string, libraryId: string, params: Record<string, unknown>, priority?: number, as?: Principal): Promise<Job>;
  waitFor(jobId: number, timeoutMs?: number): Promise<Job>;
  /** Live paths of a library, sorted. */
  livePaths(libraryId: string): Promise<string[]>;
  dispose(): Promise<void>;
}

export const FAST_ENGINE: EngineOverrides = {
  concurrency: 4,
  leaseMs: 2_000,
  pollMs: 50,
  progressIntervalMs: 0,
  blobCollectMs: 0,
  retry: { maxAttempts: 4, baseDelayMs: 10, maxDelayMs: 50 },
};

export async function engineFixture(factory: DriverFactory, env: Record<string, string> = {}): Promise<EngineFixture> {
  const t = await factory.createMigrated();
  const config = loadConfig({ data: t.dir, port: 0 }, { BATCHYARD_BOOTSTRAP_TOKEN: ADMIN_TOKEN, LOG_LEVEL: 'silent', BATCHYARD_ENABLE_BENCH_JOBS: '1', ...env });
  const app = await openApp(config, { driver: t.driver });
  await bootstrap(app, () => {});
  const admin = await app.auth.authenticateSecret(ADMIN_TOKEN);
  const fixture: EngineFixture = {
    app,
    t,
    admin,
    engine: undefined,
    async startEngine(overrides = {}) {
      fixture.engine = await startEngine(app, { ...FAST_ENGINE, ...overrides });
      return fixture.engine;
    },
    async library(name = `lib-${Math.random().toString(36).slice(2, 8)}`, extra = {}) {
      const view = await app.libraries.create(admin, { name, ...extra });
      return view.library.id;
    },
    async tree(libraryId, root, folders, filesPerFolder) {
      const library = (await app.store.libraryGetById(libraryId))!;
      const blobs = app.blobStores.get(library.storage);
      const now = Date.now();
      let count = 0;
      // Few distinct contents: each is written once.
      const written = new Map<string, { sha256: string; size: number }>();
      const [rootFolder] = await app.store.itemInsertMany([
        { libraryId, parentId: library.rootFolderId, name: root.slice(1), path: root, kind: 'folder', size: 0, sha256: null, contentType: null, createdAt: now, modifiedAt: now },
      ]);
      count++;
      for (let f = 0; f < folders; f++) {
        const folderPath = childPath(root, `d${String(f).padStart(4, '0')}`);
        await app.store.transaction(async (tx) => {
          const [folder] = await tx.itemInsertMany([
            { libraryId, parentId: rootFolder!.id, name: folderPath.split('/').at(-1)!, path: folderPath, kind: 'folder', size: 0, sha256: null, contentType: null, createdAt: now, modifiedAt: now },
          ]);
          const rows = [];
          for (let i = 0; i < filesPerFolder; i++) {
            const path = childPath(folderPath, `f${String(i).padStart(5, '0')}.txt`);
            const content = `content of ${path.length % 7}`;
            let blob = written.get(content);
            if (!blob) written.set(content, (blob = await blobs.writeBuffer(Buffer.from(content))));
            rows.push({ libraryId, parentId: folder!.id, name: path.split('/').at(-1)!, path, kind: 'file' as const, size: blob.size, sha256: blob.sha256, contentType: 'text/plain', createdAt: now, modifiedAt: now });
          }
          // One reference per file, added per content in one statement (blobAddRefMany merges them).
          await tx.blobAddRefMany({ storage: library.storage, blobs: rows.map((r) => ({ sha256: r.sha256, size: r.size, count: 1 })), now });
          for (let i = 0; i < rows.length; i += 500) await tx.itemInsertMany(rows.slice(i, i + 500));
        });
        count += 1 + filesPerFolder;
      }
      return count;
    },
    async submit(type, libraryId, params, priority = 0, as = admin) {
      return (await app.jobs.submit(as, { type, libraryId, params, priority })).job;
    },
    async waitFor(jobId, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const job = (await app.store.jobGetById(jobId))!;
        if (FINAL_STATUSES.includes(job.status)) return job;
        if (Date.now() > deadline) throw new Error(`job ${jobId} did not end in ${timeoutMs} ms: ${JSON.stringify(job)}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async livePaths(libraryId) {
      const rows = await app.driver.db.selectFrom('items').select('path').where('library_id', '=', libraryId).where('trashed_at', 'is', null).orderBy('path').execute();
      return rows.map((r) => r.path);
    },
    async dispose() {
      await fixture.engine?.stop(5_000);
      await t.dispose();
    },
  };
  return fixture;
}
