/** The archive reader on real files: formats by content, entries and bytes, and every hostile input refused with its code. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform, pipeline as pipelineCallback, type Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { ArchiveError, entrySegments, fileSource, openArchive, type ArchiveEntry } from '../../src/archives/index.js';
import { DEFAULT_ARCHIVE_LIMITS, type ArchiveLimits } from '../../src/domain/archive-limits.js';
import { gzip, rawZip, tarGzOfZeros, tarOf, zipOf, zipOfZeros } from '../support/archives.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'by-archives-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
let n = 0;

async function fileOf(bytes: Buffer | Readable): Promise<string> {
  const file = path.join(dir, `a${n++}.bin`);
  if (Buffer.isBuffer(bytes)) fs.writeFileSync(file, bytes);
  else await pipeline(bytes, fs.createWriteStream(file));
  return file;
}

async function text(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}

interface Read {
  entries: Array<Pick<ArchiveEntry, 'name' | 'kind' | 'size'> & { content?: string; problem?: string; error?: string }>;
  error?: ArchiveError;
}

/** Lists an archive, reading every file entry; entry errors are noted per entry, an archive error ends the read. */
async function readAll(bytes: Buffer | Readable, limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS): Promise<Read & { format?: string }> {
  const source = await fileSource(await fileOf(bytes));
  let archive;
  try {
    archive = await openArchive(source, limits);
  } catch (error) {
    if (error instanceof ArchiveError) return { entries: [], error };
    throw error;
  }
  const out: Read & { format?: string } = { entries: [], format: archive.format };
  try {
    for await (const entry of archive.entries()) {
      const row: Read['entries'][number] = { name: entry.name, kind: entry.kind, size: entry.size };
      if (entry.problem) row.problem = entry.problem.reason;
      else if (entry.kind === 'file') {
        try {
          row.content = await text(await entry.open());
        } catch (error) {
          if (!(error instanceof ArchiveError)) throw error;
          if (error.scope === 'archive') throw error;
          row.error = error.reason;
        }
      }
      out.entries.push(row);
    }
  } catch (error) {
    if (!(error instanceof ArchiveError)) throw error;
    out.error = error;
  } finally {
    await archive.close();
  }
  return out;
}

const tree = [
  { name: 'docs/' },
  { name: 'docs/a.txt', data: 'alpha' },
  { name: 'docs/sub/b.txt', data: 'beta' },
  { name: 'top.txt', data: '' },
];

describe('archive reader', () => {
  it('reads zip, tar and tar.gz told by content, folders and files with their bytes', async () => {
    const expected = [
      { name: 'docs/', kind: 'folder', size: 0 },
      { name: 'docs/a.txt', kind: 'file', size: 5, content: 'alpha' },
      { name: 'docs/sub/b.txt', kind: 'file', size: 4, content: 'beta' },
      { name: 'top.txt', kind: 'file', size: 0, content: '' },
    ];
    const zip = await readAll(await zipOf(tree));
    expect(zip.format).toBe('zip');
    expect(zip.entries).toEqual(expected);
    const plain = await tarOf(tree);
    const tarRead = await readAll(plain);
    expect(tarRead.format).toBe('tar');
    expect(tarRead.entries).toEqual(expected);
    const tgz = await readAll(gzip(plain));
    expect(tgz.format).toBe('tar.gz');
    expect(tgz.entries).toEqual(expected);
    expect(await readAll(await zipOf([]))).toMatchObject({ format: 'zip', entries: [] });
  });

  it('reopens zip and plain tar entries from their locators, in any order', async () => {
    for (const bytes of [await zipOf(tree), await tarOf(tree)]) {
      const archive = await openArchive(await fileSource(await fileOf(bytes)), DEFAULT_ARCHIVE_LIMITS);
      const files: ArchiveEntry[] = [];
      for await (const entry of archive.entries()) if (entry.kind === 'file') files.push(entry);
      const contents = [];
      for (const entry of files.reverse()) contents.push(await text(await archive.openAt(JSON.parse(JSON.stringify(entry.locator)), entry.name)));
      expect(contents).toEqual(['', 'beta', 'alpha']);
      await archive.close();
    }
  });

  it('refuses what is not an archive, whatever its name, and a damaged one, with a clear code', async () => {
    expect((await readAll(Buffer.from('just some text, not an archive'))).error?.reason).toBe('NOT_AN_ARCHIVE');
    expect((await readAll(Buffer.alloc(0))).error?.reason).toBe('NOT_AN_ARCHIVE');
    expect((await readAll(gzip(Buffer.from('a gzip of plain text'.repeat(40))))).error?.reason).toBe('NOT_AN_ARCHIVE');
    const garbage = Buffer.concat([Buffer.from('PK\u0003\u0004'), Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 251))]);
    const read = await readAll(garbage);
    expect(read.error?.reason).toBe('CORRUPT_ARCHIVE');
    expect(read.error?.message).toMatch(/zip/);
    const cutGzip = gzip(await tarOf(tree)).subarray(0, 14);
    expect((await readAll(cutGzip)).error?.reason).toBe('CORRUPT_ARCHIVE');
  });

  it('ends a truncated zip, tar or tar.gz with CORRUPT_ARCHIVE, never a hang', async () => {
    const big = [{ name: 'big.bin', data: Buffer.alloc(200_000, 7) }, { name: 'after.txt', data: 'after' }];
    const plain = await tarOf(big);
    const cutTar = await readAll(plain.subarray(0, 100_000));
    expect(cutTar.error?.reason).toBe('CORRUPT_ARCHIVE');
    const tgz = gzip(plain);
    const cutTgz = await readAll(tgz.subarray(0, Math.floor(tgz.length / 2)));
    expect(cutTgz.error?.reason).toBe('CORRUPT_ARCHIVE');
    const zip = await zipOf(big);
    expect((await readAll(zip.subarray(0, zip.length - 30))).error?.reason).toBe('CORRUPT_ARCHIVE');
    // The directory intact but an entry's data cut: that entry fails (its offset points past the end).
    const stored = rawZip([{ name: 'a.txt', data: Buffer.from('hello') }]);
    const damaged = Buffer.from(stored);
    damaged[30 + 5] = 'j'.charCodeAt(0); // flips a byte of a.txt's data: the CRC-32 no longer matches
    expect((await readAll(damaged)).entries).toEqual([{ name: 'a.txt', kind: 'file', size: 5, error: 'CORRUPT_ARCHIVE' }]);
  });

  it('lists a plain tar without reading the data of entries left unopened; a cut one still ends with CORRUPT_ARCHIVE', async () => {
    const big = Buffer.alloc(16 * 1024 * 1024, 7);
    const plain = await tarOf([{ name: 'big.bin', data: big }, { name: 'after.txt', data: 'after' }, { name: 'last.bin', data: big }]);
    const file = await fileOf(plain);
    const real = await fileSource(file);
    let read = 0;
    const counted = {
      ...real,
      openRange: async (start: number, end: number) => {
        const counter = new Transform({
          transform(chunk: Buffer, _encoding, done) {
            read += chunk.length;
            done(null, chunk);
          },
        });
        return pipelineCallback(await real.openRange(start, end), counter, () => {});
      },
    };
    const archive = await openArchive(counted, DEFAULT_ARCHIVE_LIMITS);
    const listed: Array<[string, number]> = [];
    let after = '';
    for await (const entry of archive.entries()) {
      listed.push([entry.name, entry.size]);
      if (entry.name === 'after.txt') after = await text(await entry.open());
    }
    expect(listed).toEqual([['big.bin', big.length], ['after.txt', 5], ['last.bin', big.length]]);
    expect(after).toBe('after');
    // Headers, the small entry and what was read ahead before each skip (a chunk or two): far from the 32 MiB of data.
    expect(read).toBeLessThan(8 * 1024 * 1024);
    const files: ArchiveEntry[] = [];
    for await (const entry of archive.entries()) if (entry.kind === 'file') files.push(entry);
    expect((await text(await archive.openAt(files[2]!.locator!, 'last.bin'))).length).toBe(big.length);
    await archive.close();

    const cut = await fileSource(await fileOf(plain.subarray(0, big.length + 4096)));
    const cutArchive = await openArchive(cut, DEFAULT_ARCHIVE_LIMITS);
    const names: string[] = [];
    await expect(
      (async () => {
        for await (const entry of cutArchive.entries()) names.push(entry.name);
      })(),
    ).rejects.toMatchObject({ reason: 'CORRUPT_ARCHIVE' });
    await cutArchive.close();
  });

  it('tells links and special files apart in zip and tar', async () => {
    const zip = await readAll(rawZip([
      { name: 'link', data: Buffer.from('/etc/passwd'), mode: 0o120777 },
      { name: 'fifo', data: Buffer.alloc(0), mode: 0o010644 },
      { name: 'ok.txt', data: Buffer.from('ok') },
    ]));
    expect(zip.entries.map((e) => [e.name, e.kind])).toEqual([['link', 'link'], ['fifo', 'special'], ['ok.txt', 'file']]);
    const plain = await readAll(await tarOf([
      { name: 'sym', type: 'symlink', linkname: '../../etc/passwd' },
      { name: 'hard', type: 'link', linkname: 'ok.txt' },
      { name: 'dev', type: 'character-device' },
      { name: 'blk', type: 'block-device' },
      { name: 'pipe', type: 'fifo' },
      { name: 'ok.txt', data: 'ok' },
    ]));
    expect(plain.entries.map((e) => [e.name, e.kind])).toEqual([['sym', 'link'], ['hard', 'link'], ['dev', 'special'], ['blk', 'special'], ['pipe', 'special'], ['ok.txt', 'file']]);
  });

  it('judges entry names: traversal, absolute, drive letters and backslashes are unsafe; bad names invalid', () => {
    const reason = (name: string) => {
      try {
        entrySegments(name);
        return 'ok';
      } catch (error) {
        return (error as ArchiveError).reason;
      }
    };
    for (const name of ['../x', 'a/../../x', '/etc/passwd', '//host/share', 'C:x', 'c:/windows/x', '..\\x', 'a\\b']) expect(reason(name), name).toBe('UNSAFE_PATH');
    for (const name of ['a/\u0001b', 'bad\u0000', ' lead', `${'x'.repeat(256)}`]) expect(reason(name), name).toBe('INVALID_NAME');
    expect(entrySegments('./a//b/')).toEqual(['a', 'b']);
    expect(entrySegments('./')).toEqual([]);
    expect(entrySegments('cafe\u0301')).toEqual(['caf\u00e9']);
  });

  it('stops a zip entry whose header lies about its size at the first extra byte', async () => {
    const read = await readAll(rawZip([{ name: 'liar.bin', data: Buffer.alloc(3 * 1024 * 1024), method: 8, declaredSize: 1000 }, { name: 'ok.txt', data: Buffer.from('ok') }]));
    expect(read.entries).toEqual([
      { name: 'liar.bin', kind: 'file', size: 1000, error: 'CORRUPT_ARCHIVE' },
      { name: 'ok.txt', kind: 'file', size: 2, content: 'ok' },
    ]);
  });

  it('checks the ratio on the bytes inflated, not only on what the header declares', async () => {
    // Declares an honest-looking size (a ratio of 1), yet inflates 3 MiB of zeros from a few KiB.
    const zeros = Buffer.alloc(3 * 1024 * 1024);
    const read = await readAll(rawZip([{ name: 'bomb.bin', data: zeros, method: 8 }]), { ...DEFAULT_ARCHIVE_LIMITS, maxRatio: 10 });
    expect(read.entries).toEqual([{ name: 'bomb.bin', kind: 'file', size: zeros.length, problem: 'LIMIT_EXCEEDED' }]);
    const archive = await openArchive(await fileSource(await fileOf(rawZip([{ name: 'bomb.bin', data: zeros, method: 8 }]))), { ...DEFAULT_ARCHIVE_LIMITS, maxRatio: 10 });
    const listed: ArchiveEntry[] = [];
    for await (const e of archive.entries()) listed.push(e);
    const [entry] = listed;
    // Opened anyway (as a caller ignoring `problem` would): the inflated bytes trip the guard.
    const locator = entry!.locator as Extract<ArchiveEntry['locator'], { format: 'zip' }>;
    await expect(archive.openAt({ ...locator, size: zeros.length, compressedSize: locator.compressedSize }, 'x').catch((e: unknown) => e)).resolves.toMatchObject({ reason: 'LIMIT_EXCEEDED' });
    await archive.close();
  });

  it('stops a 1 GiB entry of zeros with the default limits (zip), and 64 MiB of them in a tar.gz', { timeout: 120_000 }, async () => {
    const zip = await readAll(zipOfZeros('zeros.bin', 1024 ** 3));
    expect(zip.entries).toEqual([{ name: 'zeros.bin', kind: 'file', size: 1024 ** 3, problem: 'LIMIT_EXCEEDED' }]);
    const tgz = await readAll(tarGzOfZeros('zeros.bin', 64 * 1024 ** 2));
    expect(tgz.error?.reason).toBe('LIMIT_EXCEEDED');
    expect(tgz.error?.message).toMatch(/BATCHYARD_ARCHIVE_MAX_RATIO/);
  });

  it('stops at the entry-count and total-bytes limits', async () => {
    const many = Array.from({ length: 5 }, (_, i) => ({ name: `f${i}.txt`, data: `file ${i}` }));
    const limits = { ...DEFAULT_ARCHIVE_LIMITS, maxEntries: 3 };
    expect((await readAll(await zipOf(many), limits)).error?.reason).toBe('LIMIT_EXCEEDED');
    const tarRead = await readAll(await tarOf(many), limits);
    expect(tarRead.error?.reason).toBe('LIMIT_EXCEEDED');
    expect(tarRead.entries).toHaveLength(3);
    const bytes = { ...DEFAULT_ARCHIVE_LIMITS, maxTotalBytes: 20 };
    expect((await readAll(await zipOf(many), bytes)).error?.message).toMatch(/BATCHYARD_ARCHIVE_MAX_BYTES/);
    expect((await readAll(gzip(await tarOf(many)), bytes)).error?.reason).toBe('LIMIT_EXCEEDED');
  });

  it('refuses encrypted and unsupported zip entries one by one', async () => {
    const read = await readAll(rawZip([
      { name: 'secret.txt', data: Buffer.from('xxxx'), flags: 0x1 },
      { name: 'bzip2.bin', data: Buffer.from('xxxx'), method: 12 },
      { name: 'ok.txt', data: Buffer.from('ok') },
    ]));
    expect(read.entries.map((e) => [e.name, e.problem ?? e.content])).toEqual([['secret.txt', 'UNSUPPORTED_ENTRY'], ['bzip2.bin', 'UNSUPPORTED_ENTRY'], ['ok.txt', 'ok']]);
  });
});
