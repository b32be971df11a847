/**
 * Issue 10's replicate benchmark, against the server in its own process
 * (bench/lib/engine-target.ts), on SQLite and PostgreSQL: a library of
 * BENCH_REPLICATE_FILES (default 10,000) files of 4 KiB in 100 folders,
 * uploaded through the API, replicated into an empty library
 *  - on the same storage location (content shared: catalog work only), and
 *  - on another storage location (the bytes are copied, each blob made durable),
 * then replicated again (nothing to write), against `rsync -a` of the same
 * files between two directories on the same disk (and rsync's own second run),
 * measured in the same run. Targets: the first replicate ≤ 1.5× rsync -a; the second ≤ 1 s.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { startTarget, type DbKind } from './lib/engine-target.js';
import { now, round, secondsSince } from './peers/common.js';
import { createLibrary, disposeTarget, runJob, type JobRun } from './engine-bench.js';
import { expectStatus, median, uploadFiles, writePlainFiles } from './lib/file-tree.js';

const FILES = Number(process.env.BENCH_REPLICATE_FILES ?? 10_000);
const TRIALS = 3;

function log(line: string) {
  process.stderr.write(`replicate: ${line}\n`);
}

/** Where rsync is, or why the reference cannot be measured. */
function findRsync(): { path: string } | { missing: string } {
  try {
    return { path: execFileSync('which', ['rsync'], { encoding: 'utf8' }).trim() };
  } catch {
    return { missing: 'rsync is not installed on this machine (`which rsync` found nothing): the reference was not measured; install rsync and run again' };
  }
}

/** rsync -a of `src` into fresh directories, TRIALS times, then once more into the last one (nothing to copy). */
function rsyncReference(rsync: string, src: string, scratch: string) {
  const trials: number[] = [];
  let dst = '';
  for (let k = 0; k < TRIALS; k++) {
    execFileSync('sync');
    dst = path.join(scratch, `rsync-dst-${k}`);
    const started = now();
    execFileSync(rsync, ['-a', `${src}/`, `${dst}/`]);
    trials.push(round(secondsSince(started), 3));
  }
  const again = now();
  execFileSync(rsync, ['-a', `${src}/`, `${dst}/`]);
  const secondSeconds = round(secondsSince(again), 3);
  return { seconds: median(trials), trials, secondRunSeconds: secondSeconds, version: execFileSync(rsync, ['--version'], { encoding: 'utf8' }).split('\n')[0] };
}

interface Pair {
  first: JobRun;
  second: JobRun;
  result: unknown;
  secondResult: unknown;
}

async function pair(t: Awaited<ReturnType<typeof startTarget>>, source: string, target: string): Promise<Pair> {
  const first = await runJob(t, { type: 'replicate', libraryId: source, params: { targetLibraryId: target } });
  const firstJob = expectStatus(await t.jobsApi<{ result: unknown }>('GET', `/api/v1/jobs/${first.jobId}`), 200, 'get replicate');
  const second = await runJob(t, { type: 'replicate', libraryId: source, params: { targetLibraryId: target } });
  const secondJob = expectStatus(await t.jobsApi<{ result: unknown }>('GET', `/api/v1/jobs/${second.jobId}`), 200, 'get second replicate');
  return { first, second, result: firstJob.result, secondResult: secondJob.result };
}

export async function runReplicateBench(dbs: DbKind[]) {
  const rsync = findRsync();
  if ('missing' in rsync) log(rsync.missing);
  const runs = [];
  for (const db of dbs) {
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'batchyard-bench-replicate-'));
    const t = await startTarget(db, { env: { BATCHYARD_STORAGES: `a=${path.join(scratch, 'store-a')},b=${path.join(scratch, 'store-b')}` } });
    try {
      const a = await createLibrary(t, 'replicate-src', { objectStorageLocation: 'a' });
      const same = await createLibrary(t, 'replicate-same', { objectStorageLocation: 'a' });
      const far = await createLibrary(t, 'replicate-far', { objectStorageLocation: 'b' });
      const files = Array.from({ length: FILES }, () => crypto.randomBytes(4096));
      const rel = (i: number) => `src/d${String(i % 100).padStart(2, '0')}/f${String(i).padStart(5, '0')}.bin`;
      log(`${db}: uploading ${FILES} files of 4 KiB…`);
      const uploadStart = now();
      await uploadFiles(t, a, files, rel);
      const uploadSeconds = round(secondsSince(uploadStart), 1);
      let reference: ReturnType<typeof rsyncReference> | { skipped: string } = { skipped: 'rsync missing' };
      if ('path' in rsync) {
        const plain = path.join(scratch, 'plain');
        writePlainFiles(plain, files, rel);
        reference = rsyncReference(rsync.path, path.join(plain, 'src'), scratch);
        log(`${db}: rsync -a ${reference.trials.join(', ')} s (median ${reference.seconds}), second run ${reference.secondRunSeconds} s`);
      }
      execFileSync('sync');
      const sameStorage = await pair(t, a, same);
      log(`${db}: same storage: first ${sameStorage.first.wallSeconds} s (${sameStorage.first.status}), second ${sameStorage.second.wallSeconds} s`);
      execFileSync('sync');
      const crossStorage = await pair(t, a, far);
      log(`${db}: other storage: first ${crossStorage.first.wallSeconds} s (${crossStorage.first.status}), second ${crossStorage.second.wallSeconds} s`);
      const ratio = (run: JobRun) => ('seconds' in reference && reference.seconds > 0 ? round(run.wallSeconds / reference.seconds, 2) : null);
      runs.push({
        db,
        files: FILES,
        items: FILES + 101,
        bytesEach: 4096,
        uploadSeconds,
        rsync: reference,
        sameStorage: { ...sameStorage, ratioToRsync: ratio(sameStorage.first) },
        crossStorage: { ...crossStorage, ratioToRsync: ratio(crossStorage.first) },
      });
    } finally {
      await disposeTarget(t);
      fs.rmSync(scratch, { recursive: true, force: true });
    }
  }
  return { runs, rsync: 'path' in rsync ? rsync.path : rsync.missing, target: 'first replicate into an empty library ≤ 1.5× rsync -a; a second replicate ≤ 1 s' };
}

export function replicateTable(result: Awaited<ReturnType<typeof runReplicateBench>>): string[] {
  const s = (n: number | null | undefined) => (n === null || n === undefined ? '—' : String(n));
  return [
    `| db | files | rsync -a s (2nd run) | same storage: 1st s, × rsync, 2nd s | other storage: 1st s, × rsync, 2nd s |`,
    '|---|---|---|---|---|',
    ...result.runs.map((r) => {
      const ref = 'seconds' in r.rsync ? `${r.rsync.seconds} (${r.rsync.secondRunSeconds})` : r.rsync.skipped;
      return `| ${r.db} | ${r.files} | ${ref} | ${r.sameStorage.first.wallSeconds}, ${s(r.sameStorage.ratioToRsync)}×, ${r.sameStorage.second.wallSeconds} | ${r.crossStorage.first.wallSeconds}, ${s(r.crossStorage.ratioToRsync)}×, ${r.crossStorage.second.wallSeconds} |`;
    }),
  ];
}
