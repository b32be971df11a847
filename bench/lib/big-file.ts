import crypto from 'node:crypto';
import fs from 'node:fs';

const MIB = 1024 * 1024;

/** `size` bytes of random content (a random MiB, each copy with its own counter: no two blocks alike), written in MiB blocks; its SHA-256. */
export function writeBigFile(file: string, size: number): string {
  const block = crypto.randomBytes(MIB);
  const hash = crypto.createHash('sha256');
  const fd = fs.openSync(file, 'w');
  try {
    for (let offset = 0, k = 0; offset < size; offset += MIB, k++) {
      block.writeUInt32LE(k, 0);
      const piece = size - offset >= MIB ? block : block.subarray(0, size - offset);
      hash.update(piece);
      fs.writeSync(fd, piece);
    }
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}
