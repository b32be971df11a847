/**
 * What making small blobs durable costs on this disk, per file or per batch:
 * N files of 4 KiB (default 10,000) written the way the blob store lays them
 * out (temp file, hard link at objects/ab/cd/<sha256>), no HTTP, no database.
 *  - per-file: each write fsyncs its file and its directory before the next
 *    step, 16 writes in flight (what the store did before batches);
 *  - batched B: B files written without fsync, then made durable in one pass
 *    (their fsyncs issued together, then each touched directory once), and so
 *    on batch after batch (B = 64: an upload group commit; 500: a copy task);
 *  - syncfs: the same batches, each ended by `sync -f` (the whole filesystem).
 *
 *   node dist-bench/bench/probes/blob-durability-probe.js [files=10000]
 *   (UV_THREADPOOL_SIZE bounds how many fsyncs are in flight at once; default 4)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';

const count = Number(process.argv[2] ?? 10_000);
const fsp = fs.promises;

interface Layout {
  root: string;
  tmp: string;
}

function layout(name: string): Layout {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), `blob-durability-${name}-`));
  const tmp = path.join(root, 'tmp');
  fs.mkdirSync(tmp);
  return { root, tmp };
}

function objectDir(l: Layout, sha: string): string {
  return path.join(l.root, 'objects', sha.slice(0, 2), sha.slice(2, 4));
}

async function syncPath(file: string): Promise<void> {
  const handle = await fsp.open(file, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes one file's bytes to a temp file and links it at its address; no fsync. Returns what a sync pass needs. */
function writeUnsynced(l: Layout, bytes: Buffer): { file: string; dir: string } {
  const sha = crypto.createHash('sha256').update(bytes).digest('hex');
  const tmp = path.join(l.tmp, `${crypto.randomUUID()}.tmp`);
  const fd = fs.openSync(tmp, 'wx');
  fs.writeSync(fd, bytes);
  fs.closeSync(fd);
  const dir = objectDir(l, sha);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, sha);
  fs.linkSync(tmp, file);
  fs.rmSync(tmp);
  return { file, dir };
}

async function perFile(files: Buffer[]): Promise<number> {
  const l = layout('per-file');
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < files.length) {
        const bytes = files[next++]!;
        const sha = crypto.createHash('sha256').update(bytes).digest('hex');
        const tmp = path.join(l.tmp, `${crypto.randomUUID()}.tmp`);
        const handle = await fsp.open(tmp, 'wx');
        await handle.write(bytes);
        await handle.sync();
        await handle.close();
        const dir = objectDir(l, sha);
        fs.mkdirSync(dir, { recursive: true });
        fs.linkSync(tmp, path.join(dir, sha));
        await syncPath(dir);
        fs.rmSync(tmp);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  fs.rmSync(l.root, { recursive: true, force: true });
  return seconds;
}

/** Seconds spent writing, syncing files, syncing directories (the three phases of a batch). */
const phases = { write: 0, files: 0, dirs: 0 };

async function batched(files: Buffer[], batch: number, end: 'fsyncs' | 'syncfs'): Promise<number> {
  const l = layout(`batched-${batch}`);
  phases.write = phases.files = phases.dirs = 0;
  const started = performance.now();
  for (let start = 0; start < files.length; start += batch) {
    let t = performance.now();
    const written = files.slice(start, start + batch).map((bytes) => writeUnsynced(l, bytes));
    phases.write += performance.now() - t;
    t = performance.now();
    if (end === 'syncfs') {
      execFileSync('sync', ['-f', l.root]);
      phases.files += performance.now() - t;
      continue;
    }
    await Promise.all(written.map((w) => syncPath(w.file)));
    phases.files += performance.now() - t;
    t = performance.now();
    await Promise.all([...new Set(written.map((w) => w.dir))].map(syncPath));
    phases.dirs += performance.now() - t;
  }
  const seconds = (performance.now() - started) / 1000;
  fs.rmSync(l.root, { recursive: true, force: true });
  return seconds;
}

async function main() {
  const files = Array.from({ length: count }, () => crypto.randomBytes(4096));
  const report = (label: string, seconds: number, split = false) =>
    process.stdout.write(
      `${label.padEnd(28)} ${seconds.toFixed(2).padStart(7)} s  ${Math.round(count / seconds).toString().padStart(6)} files/s` +
        (split ? `  (write ${(phases.write / 1000).toFixed(2)} s, file syncs ${(phases.files / 1000).toFixed(2)} s, directory syncs ${(phases.dirs / 1000).toFixed(2)} s)` : '') +
        '\n',
    );
  process.stdout.write(`${count} files of 4 KiB, UV_THREADPOOL_SIZE=${process.env.UV_THREADPOOL_SIZE ?? 4}, in ${os.tmpdir()}\n`);
  execFileSync('sync');
  report('per-file fsync, 16 in flight', await perFile(files));
  for (const batch of [64, 500]) {
    execFileSync('sync');
    report(`batched ${batch}: fsyncs together`, await batched(files, batch, 'fsyncs'), true);
    execFileSync('sync');
    report(`batched ${batch}: sync -f`, await batched(files, batch, 'syncfs'), true);
  }
}

await main();
