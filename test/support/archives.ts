/**
 * Archives built in tests: well-formed ones with yazl and tar-stream, and
 * hostile ones byte by byte (raw zip records with any name, mode or lying
 * size; raw tar headers), so no fixture file is needed.
 */
import zlib from 'node:zlib';
import { PassThrough, Readable } from 'node:stream';
import yazl from 'yazl';
import tar from 'tar-stream';

export interface ZipInput {
  name: string;
  data?: Buffer | string;
  /** Unix mode (file type bits included), e.g. 0o120777 for a symlink. */
  mode?: number;
}

async function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A zip made by yazl (names must be ordinary: yazl refuses `..` and absolute ones). */
export async function zipOf(entries: ZipInput[]): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const e of entries) {
    if (e.name.endsWith('/')) zip.addEmptyDirectory(e.name);
    else zip.addBuffer(Buffer.from(e.data ?? ''), e.name, e.mode !== undefined ? { mode: e.mode } : {});
  }
  zip.end();
  return collect(zip.outputStream);
}

/**
 * Streams a zip holding `bytes` zeros as one deflated entry (sizes in a data
 * descriptor and the central directory); never holds the zeros in memory.
 */
export function zipOfZeros(name: string, bytes: number): Readable {
  const out = new PassThrough();
  const nameBytes = Buffer.from(name);
  void (async () => {
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x808, 6);
    local.writeUInt16LE(8, 8);
    local.writeUInt16LE(nameBytes.length, 26);
    out.write(Buffer.concat([local, nameBytes]));
    let crc32 = 0;
    let compressed = 0;
    const deflate = zlib.createDeflateRaw({ level: 9 });
    deflate.on('data', (c: Buffer) => {
      compressed += c.length;
      if (!out.write(c)) deflate.pause();
    });
    out.on('drain', () => deflate.resume());
    const ended = new Promise((resolve) => deflate.on('end', resolve));
    for await (const chunk of zeros(bytes)) {
      crc32 = zlib.crc32(chunk as Buffer, crc32);
      if (!deflate.write(chunk)) await new Promise((resolve) => deflate.once('drain', resolve));
    }
    deflate.end();
    await ended;
    const descriptor = Buffer.alloc(16);
    descriptor.writeUInt32LE(0x08074b50, 0);
    descriptor.writeUInt32LE(crc32 >>> 0, 4);
    descriptor.writeUInt32LE(compressed, 8);
    descriptor.writeUInt32LE(bytes >>> 0, 12);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x808, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(crc32 >>> 0, 16);
    central.writeUInt32LE(compressed, 20);
    central.writeUInt32LE(bytes, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE((0o100644 << 16) >>> 0, 38);
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(1, 8);
    end.writeUInt16LE(1, 10);
    end.writeUInt32LE(46 + nameBytes.length, 12);
    end.writeUInt32LE(30 + nameBytes.length + compressed + 16, 16);
    out.end(Buffer.concat([descriptor, central, nameBytes, end]));
  })().catch((error: unknown) => out.destroy(error as Error));
  return out;
}

/** `bytes` zero bytes as a stream, in 1 MiB chunks. */
export function zeros(bytes: number): Readable {
  const chunk = Buffer.alloc(1024 * 1024);
  let left = bytes;
  return new Readable({
    read() {
      if (left <= 0) return this.push(null);
      const n = Math.min(left, chunk.length);
      left -= n;
      this.push(n === chunk.length ? chunk : chunk.subarray(0, n));
    },
  });
}

export interface RawZipEntry {
  name: string;
  data: Buffer;
  /** 0 stored, 8 deflate (data is compressed here). */
  method?: number;
  /** The uncompressed size the headers claim (default: the truth). */
  declaredSize?: number;
  /** Unix mode in the external attributes (made by Unix). */
  mode?: number;
  flags?: number;
}

function crc(data: Buffer): number {
  return zlib.crc32(data) >>> 0;
}

/** A zip written record by record: any name, mode, method or lying size. */
export function rawZip(entries: RawZipEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const method = e.method ?? 0;
    const body = method === 8 ? zlib.deflateRawSync(e.data) : e.data;
    const name = Buffer.from(e.name, 'utf8');
    const size = e.declaredSize ?? e.data.length;
    const flags = (e.flags ?? 0) | 0x800;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc(e.data), 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    locals.push(local, name, body);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(crc(e.data), 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(((e.mode ?? 0o100644) << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += 30 + name.length + body.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

export interface TarInput {
  name: string;
  data?: Buffer | string;
  type?: tar.Header['type'];
  linkname?: string;
  mode?: number;
}

/** A tar made by tar-stream (it writes any name it is given, `../x` included). */
export async function tarOf(entries: TarInput[]): Promise<Buffer> {
  const pack = tar.pack();
  const done = collect(pack as unknown as NodeJS.ReadableStream);
  for (const e of entries) {
    const type = e.type ?? (e.name.endsWith('/') ? 'directory' : 'file');
    const data = type === 'file' ? Buffer.from(e.data ?? '') : undefined;
    await new Promise<void>((resolve, reject) => {
      const header = { name: e.name, type, mode: e.mode ?? (type === 'directory' ? 0o755 : 0o644), ...(e.linkname ? { linkname: e.linkname } : {}), ...(data ? { size: data.length } : {}) };
      pack.entry(header, data ?? Buffer.alloc(0), (error) => (error ? reject(error) : resolve()));
    });
  }
  pack.finalize();
  return done;
}

export function gzip(data: Buffer): Buffer {
  return zlib.gzipSync(data);
}

/** Streams a tar.gz holding one file of `bytes` zeros. */
export function tarGzOfZeros(name: string, bytes: number): Readable {
  const pack = tar.pack();
  const out = new PassThrough();
  const gz = zlib.createGzip();
  (pack as unknown as Readable).pipe(gz).pipe(out);
  const entry = pack.entry({ name, size: bytes, type: 'file' }, () => pack.finalize());
  zeros(bytes).pipe(entry as unknown as NodeJS.WritableStream);
  return out;
}
