/**
 * Round trips through the transfer jobs, on every driver, each checked
 * against an independent account of the tree:
 * - export, then extract of its zip into another library: the two trees are
 *   equal (paths, kinds, sizes, SHA-256 of the bytes read back), and verify
 *   finds no mismatch in either library;
 * - import of a server directory (under BATCHYARD_IMPORT_ROOTS), then a JSON
 *   inventory report: it lists exactly what a walk of the directory with
 *   node:fs finds (paths, kinds, sizes, SHA-256).
 * The trees hold nested and empty folders, an empty file, files of varied
 * sizes, one over 1 MiB, and names outside ASCII.
 * Elsewhere: a second replicate writes nothing (test/engine/replicate.test.ts);
 * a tus upload interrupted at half resumes and imports intact
 * (test/api/uploads.test.ts; the CLI killed mid-upload, test/e2e/import-cli.test.ts).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { engineFixture, type EngineFixture } from '../support/engine.js';
import { libraryTree } from '../support/source-trees.js';
import type { Job } from '../../src/domain/jobs.js';

const factories = await driverFactories();
const sha256 = (bytes: Buffer) => crypto.createHash('sha256').update(bytes).digest('hex');

/** One entry of a tree, relative to its top: what two copies of a tree must share. */
interface Entry {
  path: string;
  kind: 'file' | 'folder';
  size: number;
  sha256: string | null;
}
const byPath = (a: Entry, b: Entry) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

/** The files of the sample tree (relative path → bytes); its empty folders are EMPTY_FOLDERS. */
function sampleFiles(): Map<string, Buffer> {
  const bytes = (n: number, seed: string) => {
    const out = Buffer.alloc(n);
    for (let at = 0; at < n; at += 64) crypto.createHash('sha512').update(`${seed}:${at}`).digest().copy(out, at);
    return out;
  };
  return new Map([
    ['top.txt', Buffer.from('at the top\n')],
    ['zero bytes.txt', Buffer.alloc(0)],
    ['docs/readme.md', Buffer.from('# read me\n')],
    ['docs/deep/deeper/notes.txt', bytes(4097, 'notes')],
    ['docs/deep/mid.bin', bytes(65_539, 'mid')],
    ['média/résumé – été.txt', Buffer.from('non-ASCII: ü, 日本, ✓\n')],
    ['média/large.bin', bytes(1024 * 1024 + 12_345, 'large')],
  ]);
}
const EMPTY_FOLDERS = ['empty', 'docs/deep/empty too'];

/** Every folder and file of the sample tree as entries. */
function sampleEntries(): Entry[] {
  const entries = new Map<string, Entry>();
  const folder = (rel: string) => {
    for (let at = rel.indexOf('/'); at !== -1; at = rel.indexOf('/', at + 1)) entries.set(rel.slice(0, at), { path: rel.slice(0, at), kind: 'folder', size: 0, sha256: null });
    entries.set(rel, { path: rel, kind: 'folder', size: 0, sha256: null });
  };
  for (const [rel, data] of sampleFiles()) {
    if (rel.includes('/')) folder(rel.slice(0, rel.lastIndexOf('/')));
    entries.set(rel, { path: rel, kind: 'file', size: data.length, sha256: sha256(data) });
  }
  for (const rel of EMPTY_FOLDERS) folder(rel);
  return [...entries.values()].sort(byPath);
}

/** A walk of a directory with node:fs: every folder and file under it, sizes from stat, SHA-256 of the bytes read. */
function walkDirectory(root: string): Entry[] {
  const out: Entry[] = [];
  const visit = (dir: string, rel: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const childRel = rel === '' ? entry.name : `${rel}/${entry.name}`;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        out.push({ path: childRel, kind: 'folder', size: 0, sha256: null });
        visit(full, childRel);
      } else {
        const data = fs.readFileSync(full);
        expect(fs.statSync(full).size).toBe(data.length);
        out.push({ path: childRel, kind: 'file', size: data.length, sha256: sha256(data) });
      }
    }
  };
  visit(root, '');
  return out.sort(byPath);
}

for (const factory of factories) {
  describe(`round trips on ${factory.name}`, { timeout: 120_000 }, () => {
    let f: EngineFixture;
    let root: string;
    beforeEach(async () => {
      root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'by-round-trip-')));
      f = await engineFixture(factory, { BATCHYARD_IMPORT_ROOTS: root });
      await f.startEngine();
    });
    afterEach(async () => {
      await f.dispose();
      fs.rmSync(root, { recursive: true, force: true });
    });

    async function run(type: string, libraryId: string, params: Record<string, unknown>): Promise<Job> {
      const job = await f.waitFor((await f.submit(type, libraryId, params)).id);
      expect(job.status, `${type}: ${JSON.stringify(job)}`).toBe('completed');
      expect(job.counts.failed, type).toBe(0);
      return job;
    }

    async function artifactBytes(job: Job): Promise<Buffer> {
      const artifact = (await f.app.store.artifactGet({ jobId: job.id, part: 0 }))!;
      const chunks: Buffer[] = [];
      for await (const chunk of await f.app.blobStores.get(artifact.storage).openRead(artifact.sha256)) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    }

    /** The live items under `folder` of a library as entries, from the catalog, each file's bytes read back and re-hashed. */
    async function catalogTree(libraryId: string, folder: string): Promise<Entry[]> {
      const prefix = `${folder}/`;
      const rows = await f.app.driver.db.selectFrom('items').select(['path', 'kind', 'size', 'sha256']).where('library_id', '=', libraryId).where('trashed_at', 'is', null).execute();
      const bytes = await libraryTree(f.app, libraryId, folder);
      return rows
        .filter((r) => r.path.startsWith(prefix))
        .map((r) => {
          const rel = r.path.slice(prefix.length);
          // libraryTree holds the SHA-256 of the bytes the storage returns (or a `mismatch:` line).
          return { path: rel, kind: r.kind, size: Number(r.size), sha256: r.kind === 'file' ? (bytes.get(rel) ?? 'unread') : null };
        })
        .sort(byPath);
    }

    async function expectVerified(libraryId: string): Promise<void> {
      const job = await run('verify', libraryId, {});
      const result = job.result as { checked: { items: number; files: number }; mismatches: Record<string, number>; repaired: Record<string, number> };
      expect(result.mismatches).toEqual({});
      expect(result.repaired).toEqual({});
      expect(result.checked.files).toBeGreaterThan(0);
      expect((await f.app.jobs.failures(f.admin, job.id, { limit: 10 })).failures).toEqual([]);
    }

    it('export, then extract into another library: the same tree (paths, kinds, sizes, SHA-256), and verify finds no mismatch', async () => {
      const source = await f.library('Source');
      for (const [rel, data] of sampleFiles()) await f.app.items.putFile(f.admin, source, `/proj/${rel}`, Readable.from([data]));
      for (const rel of EMPTY_FOLDERS) await f.app.items.createFolder(f.admin, source, `/proj/${rel}`);
      const expected = sampleEntries();
      expect(await catalogTree(source, '/proj')).toEqual(expected);

      const exported = await run('export', source, { paths: ['/proj'] });
      const copy = await f.library('Copy');
      await f.app.items.putFile(f.admin, copy, '/proj.zip', Readable.from([await artifactBytes(exported)]));
      const extracted = await run('extract', copy, { path: '/proj.zip', destination: '/restored' });
      // Every entry of the zip, the folder /proj included, unpacked.
      expect(extracted.counts).toMatchObject({ total: expected.length + 1, succeeded: expected.length + 1 });

      expect(await catalogTree(copy, '/restored/proj')).toEqual(await catalogTree(source, '/proj'));
      expect(await catalogTree(copy, '/restored/proj')).toEqual(expected);
      await expectVerified(source);
      await expectVerified(copy);
    });

    it('import of a server directory, then a JSON inventory: the report lists exactly the tree a walk of the directory finds', async () => {
      const dir = path.join(root, 'shared tree');
      for (const [rel, data] of sampleFiles()) {
        fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
        fs.writeFileSync(path.join(dir, rel), data);
      }
      for (const rel of EMPTY_FOLDERS) fs.mkdirSync(path.join(dir, rel), { recursive: true });
      const walked = walkDirectory(dir);
      expect(walked).toEqual(sampleEntries());

      const lib = await f.library('Imported');
      const imported = await run('import', lib, { source: { type: 'server_path', path: dir }, destination: '/in/here' });
      expect(imported.counts).toMatchObject({ total: walked.length, succeeded: walked.length });

      const report = await run('report', lib, { path: '/in/here', format: 'json' });
      const rows = JSON.parse((await artifactBytes(report)).toString('utf8')) as Array<{ path: string; kind: 'file' | 'folder'; size: number; sha256: string | null; trashed: string | null }>;
      // The folder reported on comes first, then what is under it.
      expect(rows[0]).toMatchObject({ path: '/in/here', kind: 'folder', trashed: null });
      const listed = rows.slice(1).map((r) => {
        expect(r.path.startsWith('/in/here/'), r.path).toBe(true);
        expect(r.trashed, r.path).toBeNull();
        return { path: r.path.slice('/in/here/'.length), kind: r.kind, size: r.size, sha256: r.sha256 };
      });
      expect(listed.sort(byPath)).toEqual(walked);
      const files = walked.filter((e) => e.kind === 'file');
      expect(report.result).toMatchObject({
        kind: 'inventory',
        format: 'json',
        counts: { items: walked.length + 1, files: files.length, folders: walked.length + 1 - files.length, trashed: 0 },
        bytes: { total: files.reduce((n, e) => n + e.size, 0), trashed: 0 },
      });
      // The bytes behind the report's SHA-256s are the directory's.
      expect(await catalogTree(lib, '/in/here')).toEqual(walked);
    });
  });
}
