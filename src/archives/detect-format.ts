/**
 * An archive's format told by its first bytes, never by its name: zip
 * (`PK\x03\x04`, or `PK\x05\x06`: an empty zip), gzip (`1f 8b`) whose
 * content is a tar, tar (`ustar` at offset 257: POSIX and GNU tar).
 */
import zlib from 'node:zlib';
import { readBytes, type ByteSource } from './byte-source.js';
import { ArchiveError } from './archive-error.js';
import type { ArchiveFormat } from './types.js';

const TAR_MAGIC_OFFSET = 257;
const isTar = (block: Buffer) => block.length >= TAR_MAGIC_OFFSET + 5 && block.toString('latin1', TAR_MAGIC_OFFSET, TAR_MAGIC_OFFSET + 5) === 'ustar';

/** The first `want` bytes of a gzip stream's content (fewer if it is shorter); CORRUPT_ARCHIVE if the gzip is damaged. */
async function gunzipHead(source: ByteSource, want: number): Promise<Buffer> {
  const input = await source.openRange(0, source.size);
  const gunzip = zlib.createGunzip();
  const chunks: Buffer[] = [];
  let got = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      input.on('error', reject);
      gunzip.on('error', reject);
      gunzip.on('end', resolve);
      gunzip.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        got += chunk.length;
        if (got >= want) resolve();
      });
      input.pipe(gunzip);
    });
  } catch (error) {
    throw new ArchiveError('CORRUPT_ARCHIVE', `${source.label}: a damaged gzip stream (${error instanceof Error ? error.message : String(error)})`);
  } finally {
    input.unpipe(gunzip);
    input.destroy();
    gunzip.destroy();
  }
  return Buffer.concat(chunks).subarray(0, want);
}

export async function detectFormat(source: ByteSource): Promise<ArchiveFormat> {
  const head = await readBytes(source, 0, 512);
  if (head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && ((head[2] === 3 && head[3] === 4) || (head[2] === 5 && head[3] === 6))) return 'zip';
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) {
    if (isTar(await gunzipHead(source, 512))) return 'tar.gz';
    throw new ArchiveError('NOT_AN_ARCHIVE', `${source.label}: gzip, but not of a tar (only zip, tar and tar.gz are unpacked)`);
  }
  if (isTar(head)) return 'tar';
  // An empty tar is only its end marker: zero blocks.
  if (head.length === 512 && source.size % 512 === 0 && head.every((b) => b === 0)) return 'tar';
  throw new ArchiveError('NOT_AN_ARCHIVE', `${source.label}: not a zip, tar or tar.gz archive (told by its content, not its name)`);
}
