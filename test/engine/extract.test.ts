/**
 * extract through the engine on both drivers: zip, tar and tar.gz unpacked
 * into a folder (all entries or the listed ones), onConflict, retry of
 * failed items, cancel, and every hostile archive refused with its code,
 * nothing written outside the destination, the engine serving on.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { engineFixture, type EngineFixture } from '../support/engine.js';
import { gzip, rawZip, tarGzOfZeros, tarOf, zipOf, zipOfZeros, type TarInput } from '../support/archives.js';
import type { Job } from '../../src/domain/jobs.js';
import { expectedRefs, refcounts, snapshot } from '../support/catalog-state.js';

const factories = await driverFactories();

const TREE: TarInput[] = [
  { name: 'docs/', type: 'directory' },
  { name: 'docs/a.txt', data: 'alpha' },
  { name: 'docs/sub/b.txt', data: 'beta' },
  { name: 'top.txt', data: 'top' },
  { name: 'empty/', type: 'directory' },
];
const TREE_PATHS = ['/out', '/out/docs', '/out/docs/a.txt', '/out/docs/sub', '/out/docs/sub/b.txt', '/out/empty', '/out/top.txt'];

async function streamToBuffer(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

for (const factory of factories) {
  describe(`extract jobs on ${factory.name}`, { timeout: 120_000 }, () => {
    let f: EngineFixture;
    let lib: string;
    beforeEach(async () => {
      f = await engineFixture(factory);
      lib = await f.library();
      await f.startEngine();
    });
    afterEach(async () => {
      await f.dispose();
    });

    const put = async (p: string, bytes: Buffer | Readable) => f.app.items.putFile(f.admin, lib, p, Buffer.isBuffer(bytes) ? Readable.from([bytes]) : bytes);
    const read = async (p: string) => {
      const { item, blobStore } = await f.app.items.openDownload(f.admin, lib, { path: p });
      return (await streamToBuffer(await blobStore.openRead(item.sha256!))).toString();
    };
    const extract = async (params: Record<string, unknown>) => f.waitFor((await f.submit('extract', lib, { destination: '/out', ...params })).id);
    const failures = async (job: Job) => (await f.app.jobs.failures(f.admin, job.id, { limit: 100 })).failures.map((x) => ({ path: x.path, code: x.code }));
    /** Every live item is an archive or under /out; the blob references match the rows. */
    const expectContained = async (archives: string[]) => {
      const paths = await f.livePaths(lib);
      expect(paths.filter((p) => p !== '/' && !archives.includes(p) && p !== '/out' && !p.startsWith('/out/'))).toEqual([]);
      // Trashed items (moved aside by overwrite) keep their references until purged.
      expect(await refcounts(f, 'default')).toEqual(expectedRefs(await snapshot(f, lib)));
    };
    /** The engine still runs jobs after a hostile one. */
    const expectServing = async () => {
      await put('/after.zip', await zipOf([{ name: 'ok.txt', data: 'still serving' }]));
      const job = await f.waitFor((await f.submit('extract', lib, { path: '/after.zip', destination: '/after' })).id);
      expect(job.status).toBe('completed');
      expect(await read('/after/ok.txt')).toBe('still serving');
    };

    it('unpacks a zip, a tar and a tar.gz told by content (names say otherwise), folders and bytes, with progress', async () => {
      const plain = await tarOf(TREE);
      const archives: Array<[string, Buffer]> = [
        ['/archive.tar', await zipOf(TREE.map((e) => ({ name: e.name, data: e.data })))],
        ['/archive.zip', plain],
        ['/archive.bin', gzip(plain)],
      ];
      for (const [p, bytes] of archives) {
        await put(p, bytes);
        const job = await extract({ path: p });
        expect(job.status, p).toBe('completed');
        // docs/sub is implied by docs/sub/b.txt: made, not counted.
        expect(job.counts, p).toMatchObject({ total: 5, succeeded: 5, failed: 0, skipped: 0 });
        expect(job.bytes, p).toEqual({ total: 12, done: 12 });
        expect((await f.livePaths(lib)).filter((x) => x.startsWith('/out')), p).toEqual(TREE_PATHS);
        expect(await read('/out/docs/sub/b.txt')).toBe('beta');
        expect(await read('/out/top.txt')).toBe('top');
        const item = await f.app.store.itemGetByPath({ libraryId: lib, path: '/out/docs/a.txt' });
        expect(item?.contentType).toMatch(/^text\/plain/);
        await expectContained(archives.map(([a]) => a));
        await f.waitFor((await f.submit('purge', lib, { paths: ['/out'] })).id);
      }
    });

    it('round-trips an export: its zip extracted into another library holds the same tree, byte for byte', async () => {
      await f.tree(lib, '/src', 3, 40);
      await put('/src/empty-folder-file.txt', Buffer.alloc(0));
      const exported = await f.waitFor((await f.submit('export', lib, { paths: ['/src'] })).id);
      expect(exported.status).toBe('completed');
      const artifact = (await f.app.store.artifactGet({ jobId: exported.id }))!;
      const other = await f.library('Other');
      await f.app.items.putFile(f.admin, other, '/src.zip', await f.app.blobStores.get(artifact.storage).openRead(artifact.sha256));
      const job = await f.waitFor((await f.submit('extract', other, { path: '/src.zip', destination: '/copy' })).id);
      expect(job.status).toBe('completed');
      const tree = async (libraryId: string, prefix: string) =>
        (await snapshot(f, libraryId))
          .filter((r) => r.path.startsWith(prefix) && r.path !== '/')
          .map((r) => ({ path: r.path.slice(prefix.length), kind: r.kind, sha256: r.sha256 }))
          .sort((a, b) => (a.path < b.path ? -1 : 1));
      expect(await tree(other, '/copy/')).toEqual(await tree(lib, '/'));
    });

    it('unpacks only the listed entries; a listed folder brings what is under it; an absent one fails NOT_FOUND', async () => {
      await put('/a.zip', await zipOf(TREE.map((e) => ({ name: e.name, data: e.data }))));
      const job = await extract({ path: '/a.zip', entries: ['docs/', './top.txt', 'nope'] });
      expect(job.status).toBe('completed_with_errors');
      expect(await f.livePaths(lib)).toEqual(['/', '/a.zip', '/out', '/out/docs', '/out/docs/a.txt', '/out/docs/sub', '/out/docs/sub/b.txt', '/out/top.txt']);
      expect(await failures(job)).toEqual([{ path: 'nope', code: 'NOT_FOUND' }]);
      await expect(f.submit('extract', lib, { path: '/a.zip', destination: '/out', entries: ['../x'] })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', details: { field: 'params.entries[0]' } });
    });

    it('follows onConflict against what the destination holds, and a retry redoes the failed entries', async () => {
      await put('/a.tar', await tarOf(TREE));
      expect((await extract({ path: '/a.tar' })).status).toBe('completed');
      await put('/out/top.txt', Buffer.from('changed'));
      const clash = await extract({ path: '/a.tar' });
      expect(clash.status).toBe('completed_with_errors');
      // Folders merge; files in the way fail.
      expect(clash.counts).toMatchObject({ succeeded: 2, failed: 3 });
      expect(await failures(clash)).toEqual([
        { path: '/out/docs/a.txt', code: 'CONFLICT' },
        { path: '/out/docs/sub/b.txt', code: 'CONFLICT' },
        { path: '/out/top.txt', code: 'CONFLICT' },
      ]);
      expect((await extract({ path: '/a.tar', onConflict: 'skip' })).counts).toMatchObject({ succeeded: 2, skipped: 3 });
      const renamed = await extract({ path: '/a.tar', onConflict: 'rename' });
      expect(renamed.status).toBe('completed');
      expect(await read('/out/top (1).txt')).toBe('top');
      const overwritten = await extract({ path: '/a.tar', onConflict: 'overwrite' });
      expect(overwritten.status).toBe('completed');
      expect(await read('/out/top.txt')).toBe('top');

      // The conflicts gone, a retry of the failed job unpacks exactly its failed entries.
      await f.waitFor((await f.submit('purge', lib, { paths: ['/out/docs/a.txt', '/out/docs/sub/b.txt', '/out/top.txt'] })).id);
      const retry = await f.waitFor((await f.app.jobs.retry(f.admin, clash.id)).job.id);
      expect(retry.status).toBe('completed');
      expect(retry.counts).toMatchObject({ total: 3, succeeded: 3 });
      expect(await read('/out/docs/a.txt')).toBe('alpha');
      await expectContained(['/a.tar']);
    });

    it('refuses zip-slip: `../` entries fail UNSAFE_PATH, the rest is unpacked, nothing lands outside', async () => {
      await put('/slip.zip', rawZip([
        { name: '../escaped.txt', data: Buffer.from('evil') },
        { name: 'docs/../../escaped2.txt', data: Buffer.from('evil') },
        { name: 'ok.txt', data: Buffer.from('ok') },
      ]));
      const job = await extract({ path: '/slip.zip' });
      expect(job.status).toBe('completed_with_errors');
      expect(await failures(job)).toEqual([
        { path: '../escaped.txt', code: 'UNSAFE_PATH' },
        { path: 'docs/../../escaped2.txt', code: 'UNSAFE_PATH' },
      ]);
      expect(await read('/out/ok.txt')).toBe('ok');
      expect(fs.existsSync(path.join(f.t.dir, 'escaped.txt')) || fs.existsSync(path.join(path.dirname(f.t.dir), 'escaped.txt'))).toBe(false);
      await expectContained(['/slip.zip']);
      await expectServing();
    });

    it('refuses tar traversal: `../` and absolute names fail UNSAFE_PATH', async () => {
      await put('/slip.tar', await tarOf([
        { name: '../../etc/evil', data: 'evil' },
        { name: '/etc/passwd', data: 'evil' },
        { name: 'ok.txt', data: 'ok' },
      ]));
      const job = await extract({ path: '/slip.tar' });
      expect(await failures(job)).toEqual([
        { path: '../../etc/evil', code: 'UNSAFE_PATH' },
        { path: '/etc/passwd', code: 'UNSAFE_PATH' },
      ]);
      expect(job.counts).toMatchObject({ succeeded: 1, failed: 2 });
      await expectContained(['/slip.tar']);
      await expectServing();
    });

    it('refuses drive letters (zip and tar.gz)', async () => {
      await put('/drive.zip', rawZip([{ name: 'C:/Windows/evil.dll', data: Buffer.from('x') }, { name: 'c:evil', data: Buffer.from('x') }, { name: 'ok.txt', data: Buffer.from('ok') }]));
      expect(await failures(await extract({ path: '/drive.zip' }))).toEqual([
        { path: 'C:/Windows/evil.dll', code: 'UNSAFE_PATH' },
        { path: 'c:evil', code: 'UNSAFE_PATH' },
      ]);
      await put('/drive.tgz', gzip(await tarOf([{ name: 'D:\\evil', data: 'x' }, { name: 'ok2.txt', data: 'ok' }])));
      expect(await failures(await extract({ path: '/drive.tgz' }))).toEqual([{ path: 'D:\\evil', code: 'UNSAFE_PATH' }]);
      await expectContained(['/drive.zip', '/drive.tgz']);
      expect(await read('/out/ok2.txt')).toBe('ok');
    });

    it('refuses backslashes (a Windows traversal) in zip and tar names', async () => {
      await put('/bs.zip', rawZip([{ name: '..\\..\\evil.txt', data: Buffer.from('x') }, { name: 'dir\\file.txt', data: Buffer.from('x') }]));
      expect(await failures(await extract({ path: '/bs.zip' }))).toEqual([
        { path: '..\\..\\evil.txt', code: 'UNSAFE_PATH' },
        { path: 'dir\\file.txt', code: 'UNSAFE_PATH' },
      ]);
      await put('/bs.tar', await tarOf([{ name: '..\\evil', data: 'x' }]));
      const job = await extract({ path: '/bs.tar' });
      expect(job.status).toBe('failed');
      expect(await failures(job)).toEqual([{ path: '..\\evil', code: 'UNSAFE_PATH' }]);
      await expectContained(['/bs.zip', '/bs.tar']);
    });

    it('never unpacks a symlink entry of a zip (LINK_ENTRY)', async () => {
      await put('/link.zip', rawZip([{ name: 'passwd', data: Buffer.from('/etc/passwd'), mode: 0o120777 }, { name: 'ok.txt', data: Buffer.from('ok') }]));
      const job = await extract({ path: '/link.zip' });
      expect(await failures(job)).toEqual([{ path: '/out/passwd', code: 'LINK_ENTRY' }]);
      expect(await f.livePaths(lib)).toEqual(['/', '/link.zip', '/out', '/out/ok.txt']);
      await expectServing();
    });

    it('never unpacks symbolic or hard link entries of a tar (LINK_ENTRY)', async () => {
      await put('/link.tar', await tarOf([
        { name: 'sym', type: 'symlink', linkname: '/etc/passwd' },
        { name: 'hard', type: 'link', linkname: '../../etc/shadow' },
        { name: 'ok.txt', data: 'ok' },
      ]));
      const job = await extract({ path: '/link.tar' });
      expect(await failures(job)).toEqual([
        { path: '/out/sym', code: 'LINK_ENTRY' },
        { path: '/out/hard', code: 'LINK_ENTRY' },
      ]);
      expect(await f.livePaths(lib)).toEqual(['/', '/link.tar', '/out', '/out/ok.txt']);
    });

    it('never unpacks device or FIFO entries of a tar (SPECIAL_FILE)', async () => {
      await put('/dev.tar', await tarOf([
        { name: 'null', type: 'character-device' },
        { name: 'sda', type: 'block-device' },
        { name: 'pipe', type: 'fifo' },
        { name: 'ok.txt', data: 'ok' },
      ]));
      const job = await extract({ path: '/dev.tar' });
      expect(await failures(job)).toEqual([
        { path: '/out/null', code: 'SPECIAL_FILE' },
        { path: '/out/sda', code: 'SPECIAL_FILE' },
        { path: '/out/pipe', code: 'SPECIAL_FILE' },
      ]);
      expect(await f.livePaths(lib)).toEqual(['/', '/dev.tar', '/out', '/out/ok.txt']);
    });

    it('unpacks the first of duplicate entry names; the others fail DUPLICATE_ENTRY', async () => {
      await put('/dup.tar', await tarOf([
        { name: 'same.txt', data: 'first' },
        { name: './same.txt', data: 'second' },
        { name: 'same.txt/inner', data: 'needs same.txt as a folder' },
        { name: 'caf\u00e9.txt', data: 'nfc' },
        { name: 'cafe\u0301.txt', data: 'nfd: the same name once normalized' },
      ]));
      const job = await extract({ path: '/dup.tar' });
      expect(await failures(job)).toEqual([
        { path: '/out/same.txt', code: 'DUPLICATE_ENTRY' },
        { path: '/out/same.txt/inner', code: 'DUPLICATE_ENTRY' },
        { path: '/out/caf\u00e9.txt', code: 'DUPLICATE_ENTRY' },
      ]);
      expect(await read('/out/same.txt')).toBe('first');
      expect(await read('/out/caf\u00e9.txt')).toBe('nfc');
    });

    it('refuses names invalid in a library (INVALID_NAME)', async () => {
      await put('/names.zip', rawZip([
        { name: 'bad\u0007bell.txt', data: Buffer.from('x') },
        { name: ' leading-space.txt', data: Buffer.from('x') },
        { name: `${'n'.repeat(300)}.txt`, data: Buffer.from('x') },
        { name: `${Array.from({ length: 70 }, () => 'd').join('/')}/deep.txt`, data: Buffer.from('x') },
        { name: 'ok.txt', data: Buffer.from('ok') },
      ]));
      const job = await extract({ path: '/names.zip' });
      expect((await failures(job)).map((x) => x.code)).toEqual(['INVALID_NAME', 'INVALID_NAME', 'INVALID_NAME', 'INVALID_NAME']);
      expect(await f.livePaths(lib)).toEqual(['/', '/names.zip', '/out', '/out/ok.txt']);
    });

    it('stops a zip bomb at the default ratio (64 MiB of zeros, deflated ~1000:1), keeping the other entries', async () => {
      await put('/bomb.zip', zipOfZeros('zeros.bin', 64 * 1024 ** 2));
      const job = await extract({ path: '/bomb.zip' });
      expect(job.status).toBe('failed');
      expect(await failures(job)).toEqual([{ path: '/out/zeros.bin', code: 'LIMIT_EXCEEDED' }]);
      // A header that lies (a small declared size) is caught on the bytes inflated.
      await put('/liar.zip', rawZip([{ name: 'liar.bin', data: Buffer.alloc(8 * 1024 ** 2), method: 8, declaredSize: 4096 }, { name: 'ok.txt', data: Buffer.from('ok') }]));
      const liar = await extract({ path: '/liar.zip' });
      expect(await failures(liar)).toEqual([{ path: '/out/liar.bin', code: 'CORRUPT_ARCHIVE' }]);
      expect(await f.livePaths(lib)).toEqual(['/', '/bomb.zip', '/liar.zip', '/out', '/out/ok.txt']);
      await expectServing();
    });

    it('stops a tar.gz bomb as a whole at the default ratio', async () => {
      await put('/bomb.tgz', tarGzOfZeros('zeros.bin', 64 * 1024 ** 2));
      const job = await extract({ path: '/bomb.tgz' });
      expect(job.status).toBe('failed');
      expect(await failures(job)).toEqual([{ path: '/bomb.tgz', code: 'LIMIT_EXCEEDED' }]);
      expect(await f.livePaths(lib)).toEqual(['/', '/bomb.tgz']);
      await expectServing();
    });

    it('refuses an archive past the configured entry and byte limits as a whole', async () => {
      await f.dispose();
      f = await engineFixture(factory, { BATCHYARD_ARCHIVE_MAX_ENTRIES: '3', BATCHYARD_ARCHIVE_MAX_BYTES: '100' });
      lib = await f.library();
      await f.startEngine();
      await put('/many.zip', await zipOf(Array.from({ length: 4 }, (_, i) => ({ name: `f${i}.txt`, data: 'x' }))));
      const many = await extract({ path: '/many.zip' });
      expect(many.status).toBe('failed');
      expect(await failures(many)).toEqual([{ path: '/many.zip', code: 'LIMIT_EXCEEDED' }]);
      await put('/big.tar', await tarOf([{ name: 'big.bin', data: Buffer.alloc(101) }]));
      const big = await extract({ path: '/big.tar' });
      expect(await failures(big)).toEqual([{ path: '/big.tar', code: 'LIMIT_EXCEEDED' }]);
      expect(await f.livePaths(lib)).toEqual(['/', '/big.tar', '/many.zip']);
    });

    it('fails a truncated archive with CORRUPT_ARCHIVE (zip, tar, tar.gz), never hanging', async () => {
      const plain = await tarOf([{ name: 'big.bin', data: Buffer.alloc(300_000, 1) }, { name: 'after.txt', data: 'after' }]);
      const zip = await zipOf([{ name: 'big.bin', data: Buffer.alloc(300_000, 1) }]);
      const tgz = gzip(plain);
      const cuts: Array<[string, Buffer]> = [
        ['/cut.tar', plain.subarray(0, 150_000)],
        ['/cut.tgz', tgz.subarray(0, Math.floor(tgz.length / 2))],
        ['/cut.zip', zip.subarray(0, zip.length - 10)],
      ];
      for (const [p, bytes] of cuts) {
        await put(p, bytes);
        const job = await extract({ path: p });
        expect(job.status, p).toBe('failed');
        expect(await failures(job), p).toEqual([{ path: p, code: 'CORRUPT_ARCHIVE' }]);
      }
      expect(await f.livePaths(lib)).toEqual(['/', '/cut.tar', '/cut.tgz', '/cut.zip']);
      await expectServing();
    });

    it('fails random garbage behind a zip signature, or no archive at all, with a clear code', async () => {
      await put('/garbage.zip', Buffer.concat([Buffer.from('PK\u0003\u0004'), Buffer.from(Array.from({ length: 50_000 }, (_, i) => (i * 7919 + 13) % 256))]));
      const garbage = await extract({ path: '/garbage.zip' });
      expect(await failures(garbage)).toEqual([{ path: '/garbage.zip', code: 'CORRUPT_ARCHIVE' }]);
      await put('/notes.zip', Buffer.from('plain text with a .zip name'));
      expect(await failures(await extract({ path: '/notes.zip' }))).toEqual([{ path: '/notes.zip', code: 'NOT_AN_ARCHIVE' }]);
      // Damaged bytes inside an intact zip: that entry fails (CRC-32), the rest is unpacked.
      const ok = rawZip([{ name: 'a.txt', data: Buffer.from('hello') }, { name: 'b.txt', data: Buffer.from('world') }]);
      ok[30 + 5 + 1] = ok[30 + 5 + 1]! ^ 0xff;
      await put('/crc.zip', ok);
      const crc = await extract({ path: '/crc.zip' });
      expect(await failures(crc)).toEqual([{ path: '/out/a.txt', code: 'CORRUPT_ARCHIVE' }]);
      expect(await read('/out/b.txt')).toBe('world');
      expect(await failures(await extract({ path: '/missing.zip' }))).toEqual([{ path: '/missing.zip', code: 'NOT_FOUND' }]);
      await expectServing();
    });

    it('is cancelled mid-archive: the tasks not yet committed unpack nothing', async () => {
      await f.dispose();
      f = await engineFixture(factory);
      lib = await f.library();
      await put('/many.zip', await zipOf(Array.from({ length: 1_200 }, (_, i) => ({ name: `d${i % 5}/f${i}.txt`, data: `file ${i}` }))));
      let release: () => void = () => {};
      const gate = new Promise<void>((resolve) => (release = resolve));
      let started = 0;
      await f.startEngine({ concurrency: 1, hooks: { beforePrepare: async (_task, _job, signal) => {
        started++;
        if (started > 1) await Promise.race([gate, new Promise((resolve) => signal.addEventListener('abort', resolve))]);
      } } });
      const submitted = await f.submit('extract', lib, { path: '/many.zip', destination: '/out' });
      while (started < 2) await new Promise((resolve) => setTimeout(resolve, 10));
      await f.app.jobs.cancel(f.admin, submitted.id);
      release();
      const job = await f.waitFor(submitted.id);
      expect(job.status).toBe('cancelled');
      const unpacked = (await f.livePaths(lib)).filter((p) => p.endsWith('.txt')).length;
      expect(job.counts.succeeded).toBeLessThan(1_205);
      expect(job.counts.succeeded + job.counts.skipped).toBe(job.counts.total);
      expect(unpacked).toBeLessThan(1_200);
      await expectContained(['/many.zip']);
    });
  });
}
