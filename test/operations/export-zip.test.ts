/**
 * The export's zip writer without a database: segments written from blobs and
 * assembled into one archive (a segment's large files streamed from their
 * own blobs after its data), read back by yauzl and the system `unzip`; the
 * ZIP64 end records and fields when forced (small archive) and when the entry
 * count passes 65,535 (70,000 entries across two segments, offsets moved).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import { LocalBlobStore } from '../../src/blobs/local-blob-store.js';
import { segmentBytes, SMALL_FILE, type SegmentItem, type SegmentOutcome } from '../../src/operations/export-segment.js';
import { assembleZip, segmentLayout, type Assembled, type ExternalFile, type SegmentLayout } from '../../src/operations/export-assemble.js';
import { needsZip64End } from '../../src/operations/export-zip-format.js';
import { HAS_UNZIP, readZip, treeDigest, type Tree } from '../support/zip.js';

describe('export zip segments and assembly', { timeout: 180_000 }, () => {
  let dir: string;
  let blobs: LocalBlobStore;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'by-zip-'));
    blobs = new LocalBlobStore('default', dir);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  async function file(name: string, content: Buffer, contentType = 'text/plain'): Promise<SegmentItem> {
    const written = await blobs.writeBuffer(content);
    return { id: 0, path: `/${name}`, name, kind: 'file', size: content.length, sha256: written.sha256, modifiedAt: Date.UTC(2024, 5, 1, 12, 0, 0), contentType };
  }
  const folder = (name: string): SegmentItem => ({ id: 0, path: `/${name}`, name, kind: 'folder', size: 0, sha256: null, modifiedAt: Date.UTC(2024, 5, 1), contentType: null });

  async function segment(items: SegmentItem[], external: ExternalFile[] = []): Promise<SegmentLayout> {
    const outcome: SegmentOutcome = { succeeded: 0, bytesDone: 0, failures: [], entries: 0, dataSize: 0 };
    const written = await blobs.write(Readable.from(segmentBytes(items, blobs, outcome), { objectMode: false }), { maxBytes: Number.MAX_SAFE_INTEGER });
    expect(outcome.failures).toEqual([]);
    return segmentLayout(blobs, { ...written, meta: { external } });
  }

  async function external(name: string, content: Buffer): Promise<ExternalFile> {
    const written = await blobs.writeBuffer(content);
    return { sha256: written.sha256, size: content.length, name, mtime: Date.UTC(2024, 5, 1, 12, 0, 0) };
  }

  async function assemble(segments: SegmentLayout[], forceZip64 = false): Promise<{ file: string; result: Assembled }> {
    const result: Assembled = { entries: 0, zip64: false };
    const written = await blobs.write(assembleZip(blobs, segments, result, { forceZip64 }), { maxBytes: Number.MAX_SAFE_INTEGER });
    const out = path.join(dir, `${written.sha256}.zip`);
    fs.writeFileSync(out, await blobs.read(written.sha256)); // a small archive is packed: no file of its own
    return { file: out, result };
  }

  it('forced ZIP64: every central record and the end carry ZIP64 fields, and readers still get the same tree', async () => {
    const big = crypto.randomBytes(SMALL_FILE + 12_345);
    const items = [folder('x'), await file('x/a.txt', Buffer.from('hello '.repeat(100))), await file('x/b.jpg', crypto.randomBytes(999), 'image/jpeg'), await file('x/big.bin', big), await file('x/empty.txt', Buffer.alloc(0))];
    const first = await segment(items.slice(0, 2));
    const second = await segment(items.slice(2));
    const { file: zip, result } = await assemble([first, second], true);
    expect(result).toEqual({ entries: 5, zip64: true });
    const bytes = fs.readFileSync(zip);
    const eocd64 = Buffer.alloc(4);
    eocd64.writeUInt32LE(0x06064b50);
    expect(bytes.includes(eocd64)).toBe(true);
    const want: Tree = new Map<string, Buffer | null>([['x/', null], ['x/a.txt', Buffer.from('hello '.repeat(100))], ['x/b.jpg', null], ['x/big.bin', big], ['x/empty.txt', Buffer.alloc(0)]]);
    const got = await readZip(zip);
    want.set('x/b.jpg', got.get('x/b.jpg')!);
    expect(got.get('x/b.jpg')!.length).toBe(999);
    expect(treeDigest(got)).toEqual(treeDigest(want));
    const opened = await yauzl.openPromise(zip, { lazyEntries: true });
    const methods: Record<string, number> = {};
    for await (const entry of opened.eachEntry()) methods[entry.fileName] = entry.compressionMethod;
    opened.close();
    // Deflated where it helps (text), stored where it cannot (a JPEG, random bytes streamed past the small-file size).
    expect(methods).toMatchObject({ 'x/a.txt': 8, 'x/b.jpg': 0, 'x/big.bin': 0 });
    if (HAS_UNZIP) execFileSync('unzip', ['-tq', zip]);
  });

  it("a segment's large files follow its data, streamed from their own blobs; offsets hold across segments, with and without ZIP64", async () => {
    const a = crypto.randomBytes(70_000);
    const b = crypto.randomBytes(5_000);
    const c = Buffer.alloc(0);
    const note = Buffer.from('note '.repeat(40));
    const want: Tree = new Map<string, Buffer | null>([['x/', null], ['x/a.bin', a], ['x/note.txt', note], ['x/b.bin', b], ['y/', null], ['y/c.bin', c]]);
    for (const force of [false, true]) {
      const first = await segment([folder('x'), await file('x/note.txt', note)], [await external('x/a.bin', a), await external('x/b.bin', b)]);
      const second = await segment([folder('y')], [await external('y/c.bin', c)]);
      const { file: zip, result } = await assemble([first, second], force);
      expect(result).toEqual({ entries: 6, zip64: force });
      expect(treeDigest(await readZip(zip))).toEqual(treeDigest(want));
      if (HAS_UNZIP) execFileSync('unzip', ['-tq', zip]);
    }
  });

  it('a file of several MiB (a loose blob, pulled into the archive through reused buffers) keeps its bytes and CRC, between other entries', async () => {
    const big = crypto.randomBytes(5 * 1024 * 1024 + 777);
    const note = Buffer.from('note '.repeat(40));
    const want: Tree = new Map<string, Buffer | null>([['x/', null], ['x/note.txt', note], ['x/big.bin', big], ['x/small.bin', note]]);
    const only = await segment([folder('x'), await file('x/note.txt', note)], [await external('x/big.bin', big), await external('x/small.bin', note)]);
    const { file: zip, result } = await assemble([only]);
    expect(result).toEqual({ entries: 4, zip64: false });
    expect(treeDigest(await readZip(zip))).toEqual(treeDigest(want));
    if (HAS_UNZIP) execFileSync('unzip', ['-tq', zip]);
  });

  it('a large file whose blob holds other than its catalog size fails the assembly (a broken entry is never written)', async () => {
    const listed = { ...(await external('x/a.bin', crypto.randomBytes(1000))), size: 999 };
    const only = await segment([folder('x')], [listed]);
    await expect(assemble([only])).rejects.toThrow(/1000 bytes in storage, 999 in the catalog/);
    // A loose blob too (its bytes pulled, the size checked once they have passed).
    const loose = { ...(await external('x/b.bin', crypto.randomBytes(2_000_000))), size: 2_000_001 };
    await expect(assemble([await segment([folder('x')], [loose])])).rejects.toThrow(/2000000 bytes in storage, 2000001 in the catalog/);
  });

  it('past 65,535 entries the end of the archive is ZIP64 on its own, and every entry is there', async () => {
    expect(needsZip64End({ entries: 65_534, cdOffset: 0, cdSize: 0 })).toBe(false);
    expect(needsZip64End({ entries: 65_535, cdOffset: 0, cdSize: 0 })).toBe(true);
    expect(needsZip64End({ entries: 1, cdOffset: 0xffffffff, cdSize: 0 })).toBe(true);
    const names = Array.from({ length: 70_000 }, (_, i) => `d${String(i).padStart(5, '0')}`);
    const segments = [await segment(names.slice(0, 35_000).map(folder)), await segment([await file('note.txt', Buffer.from('note')), ...names.slice(35_000).map(folder)])];
    const { file: zip, result } = await assemble(segments);
    expect(result).toEqual({ entries: 70_001, zip64: true });
    const opened = await yauzl.openPromise(zip, { lazyEntries: true });
    expect(opened.entryCount).toBe(70_001);
    const seen: string[] = [];
    for await (const entry of opened.eachEntry()) seen.push(entry.fileName);
    opened.close();
    expect(seen.length).toBe(70_001);
    expect(seen[0]).toBe('d00000/');
    expect(seen.at(-1)).toBe('d69999/');
    expect(seen).toContain('note.txt');
    const note = await readZip(zip);
    expect(note.get('note.txt')).toEqual(Buffer.from('note'));
  });
});
