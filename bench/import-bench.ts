/**
 * Issue 10's import benchmark, against the server in its own process
 * (bench/lib/engine-target.ts), on SQLite and PostgreSQL: BENCH_IMPORT_FILES
 * (default 10,000) files of 4 KiB in 100 folders, in a directory under the
 * server's import root, imported with `import {source: {type: "server_path"}}`
 * into a fresh folder, TRIALS times (a tree of other bytes each time); the reference is `cp -r` of such a tree
 * followed by `sync`, on the same disk, in the same run. Target: import ≤ 1.5×
 * cp -r + sync.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { startTarget, type DbKind } from './lib/engine-target.js';
import { now, round, secondsSince } from './peers/common.js';
import { createLibrary, disposeTarget, runJob, type JobRun } from './engine-bench.js';
import { median } from './lib/file-tree.js';

const FILES = Number(process.env.BENCH_IMPORT_FILES ?? 10_000);
const TRIALS = 3;

function log(line: string) {
  process.stderr.write(`import: ${line}\n`);
}

/** `cp -r src dst && sync`, TRIALS times into fresh directories (the page cache flushed before each). */
function cpReference(src: string, scratch: string) {
  const trials: number[] = [];
  for (let k = 0; k < TRIALS; k++) {
    execFileSync('sync');
    const dst = path.join(scratch, `cp-dst-${k}`);
    const started = now();
    execFileSync('cp', ['-r', src, dst]);
    execFileSync('sync');
    trials.push(round(secondsSince(started), 3));
  }
  return { seconds: median(trials), trials };
}

export async function runImportBench(dbs: DbKind[]) {
  const runs = [];
  for (const db of dbs) {
    const scratch = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'batchyard-bench-import-')));
    const roots = path.join(scratch, 'roots');
    // A tree of its own (other random bytes) per trial: a second import of the same files would
    // store no bytes at all (content-addressed), where cp copies them again.
    const sources = Array.from({ length: TRIALS }, (_, k) => path.join(roots, `src-${k}`));
    for (const src of sources) {
      for (let i = 0; i < FILES; i++) {
        const file = path.join(src, `d${String(i % 100).padStart(2, '0')}`, `f${String(i).padStart(5, '0')}.bin`);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, crypto.randomBytes(4096));
      }
    }
    const reference = cpReference(sources[0]!, scratch);
    log(`${db}: cp -r + sync ${reference.trials.join(', ')} s (median ${reference.seconds})`);
    const t = await startTarget(db, { env: { BATCHYARD_IMPORT_ROOTS: roots } });
    try {
      const lib = await createLibrary(t, 'import-bench');
      const trials: JobRun[] = [];
      for (let k = 0; k < TRIALS; k++) {
        execFileSync('sync');
        const run = await runJob(t, { type: 'import', libraryId: lib, params: { source: { type: 'server_path', path: sources[k]! }, destination: `/run-${k}` } });
        log(`${db}: import ${run.wallSeconds} s (${run.status}, ${run.items} items)`);
        trials.push(run);
      }
      const seconds = median(trials.map((r) => r.wallSeconds));
      runs.push({
        db,
        files: FILES,
        items: FILES + 100,
        bytesEach: 4096,
        cp: reference,
        import: { seconds, trials: trials.map((r) => ({ seconds: r.wallSeconds, status: r.status, counts: r.counts })) },
        ratioToCp: reference.seconds > 0 ? round(seconds / reference.seconds, 2) : null,
      });
    } finally {
      await disposeTarget(t);
      fs.rmSync(scratch, { recursive: true, force: true });
    }
  }
  return { runs, target: 'import of a server directory ≤ 1.5× cp -r + sync of the same tree on the same disk' };
}

export function importTable(result: Awaited<ReturnType<typeof runImportBench>>): string[] {
  return [
    '| db | files | cp -r + sync s | import s | × cp |',
    '|---|---|---|---|---|',
    ...result.runs.map((r) => `| ${r.db} | ${r.files} | ${r.cp.seconds} | ${r.import.seconds} | ${r.ratioToCp ?? '—'}× |`),
  ];
}
