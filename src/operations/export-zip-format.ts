/**
 * The ZIP records an export writes (APPNOTE 6.3.x): local headers, data
 * descriptors, central directory records, and the end of the central
 * directory — with ZIP64 where a size, an offset or the entry count passes
 * what 16/32-bit fields hold. Names are UTF-8 (flag bit 11); times are the
 * DOS fields in UTC plus an extended-timestamp field (0x5455) with the exact
 * modification second; unix modes in the external attributes.
 */
import { Buffer } from 'node:buffer';

export const STORE = 0;
export const DEFLATE = 8;

const UTF8_NAMES = 1 << 11;
const DATA_DESCRIPTOR = 1 << 3;
const VERSION_DEFAULT = 20;
const VERSION_ZIP64 = 45;
/** Made by unix (3), spec 4.5. */
const VERSION_MADE_BY = (3 << 8) | VERSION_ZIP64;
const MAX32 = 0xffffffff;
const MAX16 = 0xffff;
/** An entry larger than this gets ZIP64 sizes up front (its compressed size could pass 4 GiB even when stored). */
export const ZIP64_ENTRY_THRESHOLD = 0xf0000000;

/** One entry as the central directory needs it; `offset` is where its local header starts. */
export interface ZipEntry {
  /** The name in the archive: `a/b.txt`, folders end with `/`. */
  name: string;
  method: typeof STORE | typeof DEFLATE;
  crc: number;
  compressedSize: number;
  size: number;
  /** Modification time, epoch ms. */
  mtime: number;
  directory: boolean;
  /** Sizes follow the data in a descriptor (streamed entries). */
  descriptor: boolean;
  /** The local header carries ZIP64 sizes (entries over ZIP64_ENTRY_THRESHOLD). */
  zip64: boolean;
  offset: number;
}

const DOS_EPOCH = Date.UTC(1980, 0, 1);

function dosTime(ms: number): { time: number; date: number } {
  const d = new Date(Math.max(ms, DOS_EPOCH));
  const year = Math.min(d.getUTCFullYear(), 2107);
  return {
    time: (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | Math.floor(d.getUTCSeconds() / 2),
    date: ((year - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate(),
  };
}

/** Extended timestamp (0x5455): the modification time in unix seconds. */
function timestampField(mtime: number): Buffer {
  const b = Buffer.alloc(9);
  b.writeUInt16LE(0x5455, 0);
  b.writeUInt16LE(5, 2);
  b.writeUInt8(1, 4);
  b.writeUInt32LE(Math.min(MAX32, Math.max(0, Math.floor(mtime / 1000))), 5);
  return b;
}

function zip64Field(values: number[]): Buffer {
  const b = Buffer.alloc(4 + 8 * values.length);
  b.writeUInt16LE(0x0001, 0);
  b.writeUInt16LE(8 * values.length, 2);
  values.forEach((v, i) => b.writeBigUInt64LE(BigInt(v), 4 + 8 * i));
  return b;
}

function flagsOf(e: Pick<ZipEntry, 'descriptor'>): number {
  return UTF8_NAMES | (e.descriptor ? DATA_DESCRIPTOR : 0);
}

/** The local file header (with the name and extra fields) that precedes an entry's data. */
export function localHeader(e: Omit<ZipEntry, 'offset'>): Buffer {
  const name = Buffer.from(e.name, 'utf8');
  const extras = [timestampField(e.mtime)];
  // Known sizes go in the header; a descriptor entry has zeros here (ZIP64: zeros in the extra field).
  const compressed = e.descriptor ? 0 : e.compressedSize;
  const size = e.descriptor ? 0 : e.size;
  if (e.zip64) extras.unshift(zip64Field([size, compressed]));
  const extra = Buffer.concat(extras);
  const h = Buffer.alloc(30);
  const { time, date } = dosTime(e.mtime);
  h.writeUInt32LE(0x04034b50, 0);
  h.writeUInt16LE(e.zip64 ? VERSION_ZIP64 : VERSION_DEFAULT, 4);
  h.writeUInt16LE(flagsOf(e), 6);
  h.writeUInt16LE(e.method, 8);
  h.writeUInt16LE(time, 10);
  h.writeUInt16LE(date, 12);
  h.writeUInt32LE(e.descriptor ? 0 : e.crc >>> 0, 14);
  h.writeUInt32LE(e.zip64 ? MAX32 : compressed, 18);
  h.writeUInt32LE(e.zip64 ? MAX32 : size, 22);
  h.writeUInt16LE(name.length, 26);
  h.writeUInt16LE(extra.length, 28);
  return Buffer.concat([h, name, extra]);
}

/** The data descriptor after a streamed entry's data (64-bit sizes when its header is ZIP64). */
export function dataDescriptor(e: Pick<ZipEntry, 'crc' | 'compressedSize' | 'size' | 'zip64'>): Buffer {
  const b = Buffer.alloc(e.zip64 ? 24 : 16);
  b.writeUInt32LE(0x08074b50, 0);
  b.writeUInt32LE(e.crc >>> 0, 4);
  if (e.zip64) {
    b.writeBigUInt64LE(BigInt(e.compressedSize), 8);
    b.writeBigUInt64LE(BigInt(e.size), 16);
  } else {
    b.writeUInt32LE(e.compressedSize, 8);
    b.writeUInt32LE(e.size, 12);
  }
  return b;
}

/** Unix mode and the MS-DOS directory bit. */
function externalAttributes(directory: boolean): number {
  return directory ? ((0o040755 << 16) | 0x10) >>> 0 : (0o100644 << 16) >>> 0;
}

/** The central directory record of an entry; ZIP64 fields for whatever passes 32 bits (or all of them with `force`). */
export function centralRecord(e: ZipEntry, force = false): Buffer {
  const name = Buffer.from(e.name, 'utf8');
  const big = (v: number) => force || v >= MAX32;
  const wide: number[] = [];
  if (big(e.size)) wide.push(e.size);
  if (big(e.compressedSize)) wide.push(e.compressedSize);
  if (big(e.offset)) wide.push(e.offset);
  const zip64 = wide.length > 0;
  const extra = Buffer.concat([...(zip64 ? [zip64Field(wide)] : []), timestampField(e.mtime)]);
  const h = Buffer.alloc(46);
  const { time, date } = dosTime(e.mtime);
  h.writeUInt32LE(0x02014b50, 0);
  h.writeUInt16LE(VERSION_MADE_BY, 4);
  h.writeUInt16LE(zip64 || e.zip64 ? VERSION_ZIP64 : VERSION_DEFAULT, 6);
  h.writeUInt16LE(flagsOf(e), 8);
  h.writeUInt16LE(e.method, 10);
  h.writeUInt16LE(time, 12);
  h.writeUInt16LE(date, 14);
  h.writeUInt32LE(e.crc >>> 0, 16);
  h.writeUInt32LE(big(e.compressedSize) ? MAX32 : e.compressedSize, 20);
  h.writeUInt32LE(big(e.size) ? MAX32 : e.size, 24);
  h.writeUInt16LE(name.length, 28);
  h.writeUInt16LE(extra.length, 30);
  h.writeUInt16LE(0, 32); // comment
  h.writeUInt16LE(0, 34); // disk
  h.writeUInt16LE(0, 36); // internal attributes
  h.writeUInt32LE(externalAttributes(e.directory), 38);
  h.writeUInt32LE(big(e.offset) ? MAX32 : e.offset, 42);
  return Buffer.concat([h, name, extra]);
}

/** Whether the end of the archive needs ZIP64 records (entry count, directory size or offset past their fields). */
export function needsZip64End(p: { entries: number; cdOffset: number; cdSize: number }): boolean {
  return p.entries >= MAX16 || p.cdOffset >= MAX32 || p.cdSize >= MAX32;
}

/** The end of the archive: with ZIP64 (record and locator) when needed or forced, then the classic record. */
export function endOfArchive(p: { entries: number; cdOffset: number; cdSize: number; force?: boolean }): Buffer {
  const zip64 = p.force === true || needsZip64End(p);
  const parts: Buffer[] = [];
  if (zip64) {
    const record = Buffer.alloc(56);
    record.writeUInt32LE(0x06064b50, 0);
    record.writeBigUInt64LE(44n, 4);
    record.writeUInt16LE(VERSION_MADE_BY, 12);
    record.writeUInt16LE(VERSION_ZIP64, 14);
    record.writeUInt32LE(0, 16);
    record.writeUInt32LE(0, 20);
    record.writeBigUInt64LE(BigInt(p.entries), 24);
    record.writeBigUInt64LE(BigInt(p.entries), 32);
    record.writeBigUInt64LE(BigInt(p.cdSize), 40);
    record.writeBigUInt64LE(BigInt(p.cdOffset), 48);
    const locator = Buffer.alloc(20);
    locator.writeUInt32LE(0x07064b50, 0);
    locator.writeUInt32LE(0, 4);
    locator.writeBigUInt64LE(BigInt(p.cdOffset + p.cdSize), 8);
    locator.writeUInt32LE(1, 16);
    parts.push(record, locator);
  }
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(0, 4);
  end.writeUInt16LE(0, 6);
  end.writeUInt16LE(zip64 ? MAX16 : p.entries, 8);
  end.writeUInt16LE(zip64 ? MAX16 : p.entries, 10);
  end.writeUInt32LE(zip64 ? MAX32 : p.cdSize, 12);
  end.writeUInt32LE(zip64 ? MAX32 : p.cdOffset, 16);
  end.writeUInt16LE(0, 20);
  parts.push(end);
  return Buffer.concat(parts);
}
