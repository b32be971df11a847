/**
 * `batchyard import` end to end, the built CLI against `batchyard serve`: a
 * local directory (packed as a tar, uploaded with tus, imported), an archive
 * file, a directory on the server (`--server-path`, under its import roots),
 * and an upload cut off by killing the CLI, resumed by running the same
 * command again (the resume file names the upload; the server keeps its offset).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { backends, cli, database, main, spawnBatchyard, type Database, type Proc } from './processes.js';
import { tarOf } from '../support/archives.js';
import { makeSourceTree, walkTree, type TreeListing } from '../support/source-trees.js';

const TOKEN = 'e2e-bootstrap-token-0123456789';
const sha = (data: Buffer) => crypto.createHash('sha256').update(data).digest('hex');

for (const backend of await backends()) {
  describe(`batchyard import against a real server (${backend})`, { timeout: 300_000 }, () => {
    let dir: string;
    let db: Database;
    let server: Proc;
    let url: string;
    let env: Record<string, string>;
    let libraryId: string;

    beforeAll(async () => {
      expect(fs.existsSync(main), 'dist/cli/main.js exists (npm run build first)').toBe(true);
      dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'batchyard-import-e2e-')));
      fs.mkdirSync(path.join(dir, 'roots'));
      db = await database(backend);
      // startServe's own wait, longer: a busy machine takes its time to start a server.
      server = spawnBatchyard(['serve', '--port', '0', '--data', path.join(dir, 'data')], {
        LOG_LEVEL: 'info',
        DATABASE_URL: db.url,
        BATCHYARD_BOOTSTRAP_TOKEN: TOKEN,
        BATCHYARD_IMPORT_ROOTS: path.join(dir, 'roots'),
      });
      url = String((await server.waitForLog((l) => l.msg === 'batchyard is serving', 90_000)).url);
      env = { BATCHYARD_URL: url, BATCHYARD_TOKEN: TOKEN, BATCHYARD_STATE_DIR: path.join(dir, 'state') };
      const created = await cli(['library', 'create', 'Inbox'], env);
      expect(created.status, created.stderr).toBe(0);
      libraryId = created.stdout.trim();
    }, 180_000);

    afterAll(async () => {
      await server?.stop('SIGKILL');
      await db?.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    /** What the library holds under `folder`: 'folder' or the SHA-256 of the bytes the server returns. */
    async function remoteTree(folder: string): Promise<TreeListing> {
      const out: TreeListing = new Map();
      const visit = async (remote: string, rel: string) => {
        const res = await fetch(`${url}/api/v1/libraries/${libraryId}/items?path=${encodeURIComponent(remote)}&limit=1000`, { headers: { authorization: `Bearer ${TOKEN}` } });
        expect(res.status).toBe(200);
        const { items } = (await res.json()) as { items: Array<{ name: string; kind: string; path: string }> };
        for (const item of items) {
          const childRel = rel === '' ? item.name : `${rel}/${item.name}`;
          if (item.kind === 'folder') {
            out.set(childRel, 'folder');
            await visit(item.path, childRel);
          } else {
            const file = await fetch(`${url}/api/v1/libraries/${libraryId}/files${item.path.split('/').map(encodeURIComponent).join('/')}`, { headers: { authorization: `Bearer ${TOKEN}` } });
            out.set(childRel, sha(Buffer.from(await file.arrayBuffer())));
          }
        }
      };
      await visit(folder, '');
      return out;
    }

    const sorted = (t: TreeListing) => [...t].sort(([a], [b]) => (a < b ? -1 : 1));

    it('imports a local directory (packed, uploaded with tus) and an archive file, then a server directory', async () => {
      const tree = path.join(dir, 'local-tree');
      makeSourceTree(tree, 3, 5);
      const run = await cli(['import', tree, '--library', 'Inbox', '--to', '/from-dir'], env);
      expect(run.status, run.stderr).toBe(0);
      expect(run.stdout).toContain('completed');
      expect(sorted(await remoteTree('/from-dir'))).toEqual(sorted(walkTree(tree)));

      const archive = path.join(dir, 'a.tar');
      fs.writeFileSync(archive, await tarOf([{ name: 'x/' }, { name: 'x/one.txt', data: 'one' }]));
      const again = await cli(['import', archive, '--library', libraryId, '--to', '/from-tar', '--on-conflict', 'skip'], env);
      expect(again.status, again.stderr).toBe(0);
      expect(sorted(await remoteTree('/from-tar'))).toEqual([
        ['x', 'folder'],
        ['x/one.txt', sha(Buffer.from('one'))],
      ]);

      const onServer = path.join(dir, 'roots', 'shared');
      makeSourceTree(onServer, 2, 3, 'server');
      const served = await cli(['import', onServer, '--server-path', '--library', 'Inbox', '--to', '/from-server'], env);
      expect(served.status, served.stderr).toBe(0);
      expect(sorted(await remoteTree('/from-server'))).toEqual(sorted(walkTree(onServer)));

      const outside = await cli(['import', dir, '--server-path', '--library', 'Inbox', '--to', '/nope'], env);
      expect(outside.status).not.toBe(0);
      expect(outside.stderr).toContain('BATCHYARD_IMPORT_ROOTS');
    });

    it('an upload cut off (the CLI killed) resumes when the same command runs again', async () => {
      const big = path.join(dir, 'big.tar');
      const payload = crypto.randomBytes(40 * 1024 * 1024);
      fs.writeFileSync(big, await tarOf([{ name: 'big.bin', data: payload }]));
      const resumeFile = path.join(dir, 'state', 'uploads.json');
      const proc = spawnBatchyard(['import', big, '--library', 'Inbox', '--to', '/big'], env);
      // Wait for the upload URL in the resume file and for the server to hold part of the bytes, then kill the CLI.
      let uploadUrl: string | undefined;
      let offset = 0;
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline) {
        const entries = fs.existsSync(resumeFile) ? (JSON.parse(fs.readFileSync(resumeFile, 'utf8')) as Record<string, { uploadUrl: string }>) : {};
        uploadUrl = Object.values(entries)[0]?.uploadUrl;
        if (uploadUrl) {
          const head = await fetch(new URL(uploadUrl, url), { method: 'HEAD', headers: { authorization: `Bearer ${TOKEN}`, 'tus-resumable': '1.0.0' } });
          offset = Number(head.headers.get('upload-offset') ?? 0);
          if (offset > 0) break;
        }
        await new Promise((r) => setTimeout(r, 20));
      }
      await proc.stop('SIGKILL');
      expect(uploadUrl).toBeDefined();
      expect(offset).toBeGreaterThan(0);
      expect(offset).toBeLessThan(fs.statSync(big).size);

      const resumed = await cli(['import', big, '--library', 'Inbox', '--to', '/big'], env);
      expect(resumed.status, resumed.stderr).toBe(0);
      expect(resumed.stderr).toContain('resuming the upload of big.tar');
      expect(sorted(await remoteTree('/big'))).toEqual([['big.bin', sha(payload)]]);
      // Done: the resume file forgets the upload.
      expect(Object.keys(JSON.parse(fs.readFileSync(resumeFile, 'utf8')) as object)).toEqual([]);
    });
  });
}
