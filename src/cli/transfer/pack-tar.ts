/**
 * A local directory packed as a plain tar for `batchyard import DIR`: entries
 * in a fixed order (depth first, names sorted), each folder before its
 * contents, file times kept, links and special files left out (reported), so
 * the same tree always packs to the same bytes. Streams: one file at a time,
 * never the tree or a file in memory.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';

type PackHeader = Parameters<ReturnType<typeof tar.pack>['entry']>[0];

export interface PackResult {
  files: number;
  folders: number;
  bytes: number;
  /** Entries left out (links, FIFOs, sockets, devices), relative to the directory. */
  skipped: string[];
}

const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Writes the tar of `dir` to `target` (through a temp file, renamed when complete). */
export async function packDirectory(dir: string, target: string): Promise<PackResult> {
  const result: PackResult = { files: 0, folders: 0, bytes: 0, skipped: [] };
  const pack = tar.pack();
  const temp = `${target}.partial`;
  const written = pipeline(pack, fs.createWriteStream(temp));
  const addEntry = (header: PackHeader, body?: fs.ReadStream) =>
    new Promise<void>((resolve, reject) => {
      if (!body) {
        pack.entry(header, Buffer.alloc(0), (error) => (error ? reject(error) : resolve()));
        return;
      }
      const entry = pack.entry(header, (error) => (error ? reject(error) : resolve()));
      body.on('error', reject);
      body.pipe(entry);
    });
  const visit = async (rel: string): Promise<void> => {
    const names = (await fs.promises.readdir(path.join(dir, rel))).sort(byCodeUnit);
    for (const name of names) {
      const childRel = rel === '' ? name : `${rel}/${name}`;
      const full = path.join(dir, childRel);
      const stats = await fs.promises.lstat(full);
      if (stats.isDirectory()) {
        await addEntry({ name: `${childRel}/`, type: 'directory', mode: 0o755, mtime: stats.mtime });
        result.folders++;
        await visit(childRel);
      } else if (stats.isFile()) {
        const header: PackHeader = { name: childRel, type: 'file', size: stats.size, mode: 0o644, mtime: stats.mtime };
        // Read at most the stat()ed size: a file growing meanwhile still matches its header.
        await addEntry(header, stats.size > 0 ? fs.createReadStream(full, { start: 0, end: stats.size - 1 }) : undefined);
        result.files++;
        result.bytes += stats.size;
      } else {
        result.skipped.push(childRel);
      }
    }
  };
  try {
    await visit('');
    pack.finalize();
    await written;
    await fs.promises.rename(temp, target);
  } catch (error) {
    pack.destroy();
    await written.catch(() => {});
    await fs.promises.rm(temp, { force: true });
    throw error;
  }
  return result;
}

/**
 * What identifies a directory's content for resuming: its real path and every
 * entry's path, size and modification time. Same tree, same fingerprint.
 */
export async function directoryFingerprint(dir: string): Promise<string> {
  const { createHash } = await import('node:crypto');
  const hash = createHash('sha256').update(await fs.promises.realpath(dir));
  const visit = async (rel: string): Promise<void> => {
    const names = (await fs.promises.readdir(path.join(dir, rel))).sort(byCodeUnit);
    for (const name of names) {
      const childRel = rel === '' ? name : `${rel}/${name}`;
      const stats = await fs.promises.lstat(path.join(dir, childRel));
      hash.update(`\0${childRel}\0${stats.isDirectory() ? 'd' : stats.size}\0${stats.mtimeMs}`);
      if (stats.isDirectory()) await visit(childRel);
    }
  };
  await visit('');
  return hash.digest('hex');
}
