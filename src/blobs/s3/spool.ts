/**
 * Where an S3 write holds its bytes while they are hashed (the address is
 * known only at the end): in memory up to a size, past it in a spool file on
 * local disk, each chunk written as it arrives. A receive sink (receive.ts).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { writeFully } from '../receive.js';

export class SpoolSink {
  private chunks: Buffer[] = [];
  private bytes = 0;
  /** The spool file, once the content outgrew the limit. */
  file: { path: string; fd: number } | undefined;

  /** `onSpool` is told the file's path when one is made (before its first byte). */
  constructor(
    private readonly limit: number,
    private readonly dir: string,
    private readonly onSpool: (file: string) => void,
  ) {}

  readonly write = (chunk: Buffer): void => {
    if (this.file) return writeFully(this.file.fd, chunk);
    if (this.bytes + chunk.length <= this.limit) {
      this.chunks.push(chunk);
      this.bytes += chunk.length;
      return;
    }
    fs.mkdirSync(this.dir, { recursive: true });
    const file = path.join(this.dir, `${crypto.randomUUID()}.spool`);
    this.onSpool(file);
    this.file = { path: file, fd: fs.openSync(file, 'wx') };
    for (const kept of this.chunks) writeFully(this.file.fd, kept);
    this.chunks = [];
    writeFully(this.file.fd, chunk);
  };

  /** Closes the spool file (if any): after the last write, or on failure. */
  close(): void {
    if (this.file && this.file.fd >= 0) {
      fs.closeSync(this.file.fd);
      this.file.fd = -1;
    }
  }

  /** The content, when it stayed in memory. */
  content(): Buffer {
    return this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.bytes);
  }
}
