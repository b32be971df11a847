/**
 * Content-addressed blobs on a local filesystem: `<root>/objects/ab/cd/<sha256>`.
 * A write streams into `<root>/tmp/` while hashing, fsyncs, then renames into
 * place (or drops the temp file when the content is already stored), so a
 * write is idempotent and a crash leaves at most a temp file behind.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import crypto from 'node:crypto';
import type { Readable } from 'node:stream';
import type { BlobStore, BlobWriteResult, ByteRange } from './blob-store.js';
import { InvalidArgumentError, NotFoundError, PayloadTooLargeError, TransientError } from '../domain/errors.js';

const SHA256_HEX = /^[0-9a-f]{64}$/;

function assertSha256(sha256: string): void {
  if (!SHA256_HEX.test(sha256)) throw new InvalidArgumentError(`'${sha256}' is not a SHA-256 (64 lowercase hex digits)`);
}

export class LocalBlobStore implements BlobStore {
  private readonly objectsDir: string;
  private readonly tmpDir: string;
  private readonly knownDirs = new Set<string>();
  private tmpReady: Promise<void> | undefined;

  constructor(
    readonly name: string,
    readonly rootDir: string,
  ) {
    this.objectsDir = path.join(rootDir, 'objects');
    this.tmpDir = path.join(rootDir, 'tmp');
  }

  objectPath(sha256: string): string {
    assertSha256(sha256);
    return path.join(this.objectsDir, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  }

  private ensureTmpDir(): Promise<void> {
    this.tmpReady ??= fsp.mkdir(this.tmpDir, { recursive: true }).then(() => undefined);
    return this.tmpReady;
  }

  async write(source: Readable, options: { maxBytes: number }): Promise<BlobWriteResult> {
    await this.ensureTmpDir();
    const tmpPath = path.join(this.tmpDir, `upload-${crypto.randomBytes(12).toString('hex')}.tmp`);
    const handle = await fsp.open(tmpPath, 'wx');
    const hash = crypto.createHash('sha256');
    let size = 0;
    try {
      await new Promise<void>((resolve, reject) => {
        let settled = false;
        let pendingWrite = Promise.resolve();
        const finish = (error?: Error) => {
          if (settled) return;
          settled = true;
          source.off('data', onData).off('end', onEnd).off('error', onError).off('aborted', onAborted).off('close', onClose);
          if (error) {
            source.resume();
            reject(error);
          } else {
            pendingWrite.then(() => resolve(), reject);
          }
        };
        const onData = (chunk: Buffer) => {
          size += chunk.length;
          if (size > options.maxBytes) {
            finish(new PayloadTooLargeError(`the content exceeds the ${options.maxBytes}-byte limit`, { limit: options.maxBytes }));
            return;
          }
          hash.update(chunk);
          source.pause();
          pendingWrite = pendingWrite
            .then(() => handle.write(chunk))
            .then(
              () => {
                if (!settled) source.resume();
              },
              (error: Error) => finish(error),
            );
        };
        const onEnd = () => finish();
        const onError = (error: Error) => finish(new TransientError(`upload interrupted: ${error.message}`));
        const onAborted = () => finish(new TransientError('upload interrupted: the client disconnected'));
        const onClose = () => {
          if (!source.readableEnded) finish(new TransientError('upload interrupted: the stream closed before its end'));
        };
        source.on('data', onData).on('end', onEnd).on('error', onError).on('aborted', onAborted).on('close', onClose);
        if (source.readableAborted) onAborted();
      });
      await handle.sync();
      await handle.close();
    } catch (error) {
      await handle.close().catch(() => {});
      await fsp.rm(tmpPath, { force: true });
      throw error;
    }
    return this.commitTemp(tmpPath, hash.digest('hex'), size);
  }

  async writeBuffer(content: Buffer): Promise<BlobWriteResult> {
    await this.ensureTmpDir();
    const sha256 = crypto.createHash('sha256').update(content).digest('hex');
    const tmpPath = path.join(this.tmpDir, `buffer-${crypto.randomBytes(12).toString('hex')}.tmp`);
    try {
      const handle = await fsp.open(tmpPath, 'wx');
      try {
        await handle.writeFile(content);
        await handle.sync();
      } finally {
        await handle.close();
      }
    } catch (error) {
      await fsp.rm(tmpPath, { force: true });
      throw error;
    }
    return this.commitTemp(tmpPath, sha256, content.length);
  }

  /** Moves a complete, synced temp file into its content address. */
  private async commitTemp(tmpPath: string, sha256: string, size: number): Promise<BlobWriteResult> {
    const target = this.objectPath(sha256);
    const dir = path.dirname(target);
    try {
      if (fs.existsSync(target)) {
        await fsp.rm(tmpPath, { force: true });
        return { sha256, size, created: false };
      }
      if (!this.knownDirs.has(dir)) {
        await fsp.mkdir(dir, { recursive: true });
        this.knownDirs.add(dir);
      }
      await fsp.rename(tmpPath, target);
      await this.syncDir(dir);
      return { sha256, size, created: true };
    } catch (error) {
      await fsp.rm(tmpPath, { force: true });
      throw error;
    }
  }

  private async syncDir(dir: string): Promise<void> {
    try {
      const handle = await fsp.open(dir, 'r');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    } catch {
      // Directory fsync is best effort (not supported on every filesystem).
    }
  }

  async openRead(sha256: string, range?: ByteRange): Promise<Readable> {
    const file = this.objectPath(sha256);
    if ((await this.stat(sha256)) === null) throw new NotFoundError(`blob ${sha256} is not stored in '${this.name}'`);
    return fs.createReadStream(file, range ? { start: range.start, end: range.end } : {});
  }

  async stat(sha256: string): Promise<{ size: number } | null> {
    try {
      const stats = await fsp.stat(this.objectPath(sha256));
      return { size: stats.size };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  async delete(sha256: string): Promise<void> {
    await fsp.rm(this.objectPath(sha256), { force: true });
  }

  async removeOrphanTempFiles(): Promise<number> {
    let names: string[];
    try {
      names = await fsp.readdir(this.tmpDir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw error;
    }
    await Promise.all(names.map((name) => fsp.rm(path.join(this.tmpDir, name), { force: true, recursive: true })));
    return names.length;
  }
}
