/**
 * Issue 10's export benchmark, against the server in its own process
 * (bench/lib/engine-target.ts), on SQLite and PostgreSQL: a library of
 * BENCH_EXPORT_FILES (default 10,000) files of 4 KiB in 100 folders, uploaded
 * through the API, exported as one zip (the job, from submit to its end,
 * archive stored), against `zip -r -q` of the same files in a directory on
 * the same disk, measured in the same run. Like with like: both deflate at
 * level 6 and store what does not shrink; the content is half random (does
 * not shrink: stored) and half text (deflated). Target: export ≤ 1× zip -r -q.
 * BENCH_BASELINE_ENTRY (another build's dist/cli/main.js) runs the same
 * trials against that build too, alternating with this one: an A/B in one run.
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

const FILES = Number(process.env.BENCH_EXPORT_FILES ?? 10_000);
const TRIALS = Number(process.env.BENCH_EXPORT_TRIALS ?? 3);
const BASELINE = process.env.BENCH_BASELINE_ENTRY;

function log(line: string) {
  process.stderr.write(`export: ${line}\n`);
}

/** Where zip is, or why the reference cannot be measured. */
function findZip(): { path: string } | { missing: string } {
  try {
    return { path: execFileSync('which', ['zip'], { encoding: 'utf8' }).trim() };
  } catch {
    return { missing: 'zip is not installed on this machine (`which zip` found nothing): the reference was not measured; install zip (Info-ZIP) and run again' };
  }
}

/** `zip -r -q out.zip src` from the tree's parent, TRIALS times into fresh files (each fsynced, as the export's archive is). */
function zipReference(zip: string, parent: string, name: string, scratch: string) {
  const trials: number[] = [];
  let size = 0;
  for (let k = 0; k < TRIALS; k++) {
    execFileSync('sync');
    const out = path.join(scratch, `reference-${k}.zip`);
    const started = now();
    execFileSync(zip, ['-r', '-q', out, name], { cwd: parent });
    execFileSync('sync', [out]);
    trials.push(round(secondsSince(started), 3));
    size = fs.statSync(out).size;
  }
  return { seconds: median(trials), trials, bytes: size, version: execFileSync(zip, ['-v'], { encoding: 'utf8' }).split('\n')[1]?.trim() ?? '' };
}

export async function runExportBench(dbs: DbKind[]) {
  const zip = findZip();
  if ('missing' in zip) log(zip.missing);
  const runs = [];
  for (const db of dbs) {
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'batchyard-bench-export-'));
    const t = await startTarget(db);
    const base = BASELINE ? await startTarget(db, { entry: BASELINE }) : undefined;
    try {
      const lib = await createLibrary(t, 'export-src');
      const baseLib = base ? await createLibrary(base, 'export-src') : undefined;
      // Half random (incompressible), half text (deflates): both tools store the one and deflate the other.
      const files = Array.from({ length: FILES }, (_, i) => (i % 2 ? crypto.randomBytes(4096) : Buffer.from(`line ${i} of a text file\n`.repeat(200).slice(0, 4096))));
      const rel = (i: number) => `src/d${String(i % 100).padStart(2, '0')}/f${String(i).padStart(5, '0')}.txt`;
      log(`${db}: uploading ${FILES} files of 4 KiB…`);
      const uploadStart = now();
      await uploadFiles(t, lib, files, rel);
      const uploadSeconds = round(secondsSince(uploadStart), 1);
      if (base) await uploadFiles(base, baseLib!, files, rel);
      let reference: ReturnType<typeof zipReference> | { skipped: string } = { skipped: 'zip missing' };
      if ('path' in zip) {
        const plain = path.join(scratch, 'plain');
        writePlainFiles(plain, files, rel);
        reference = zipReference(zip.path, plain, 'src', scratch);
        log(`${db}: zip -r -q ${reference.trials.join(', ')} s (median ${reference.seconds}), ${reference.bytes} bytes`);
      }
      const trials: JobRun[] = [];
      const baseTrials: JobRun[] = [];
      let archive: unknown;
      for (let k = 0; k < TRIALS; k++) {
        execFileSync('sync');
        const run = await runJob(t, { type: 'export', libraryId: lib, params: { paths: ['/src'] } });
        trials.push(run);
        archive = expectStatus(await t.jobsApi<{ result: unknown }>('GET', `/api/v1/jobs/${run.jobId}`), 200, 'get export').result;
        log(`${db}: export ${run.wallSeconds} s (${run.status})`);
        if (base) {
          execFileSync('sync');
          const baseRun = await runJob(base, { type: 'export', libraryId: baseLib!, params: { paths: ['/src'] } });
          baseTrials.push(baseRun);
          log(`${db}: baseline export ${baseRun.wallSeconds} s (${baseRun.status})`);
        }
      }
      const seconds = median(trials.map((r) => r.wallSeconds));
      const baseline = base ? { entry: BASELINE, seconds: median(baseTrials.map((r) => r.wallSeconds)), trials: baseTrials.map((r) => r.wallSeconds), statuses: baseTrials.map((r) => r.status) } : undefined;
      runs.push({
        db,
        files: FILES,
        items: FILES + 101,
        bytesEach: 4096,
        uploadSeconds,
        zip: reference,
        export: { seconds, trials: trials.map((r) => r.wallSeconds), statuses: trials.map((r) => r.status), archive },
        ratioToZip: 'seconds' in reference && reference.seconds > 0 ? round(seconds / reference.seconds, 2) : null,
        ...(baseline ? { baseline: { ...baseline, ratioToZip: 'seconds' in reference && reference.seconds > 0 ? round(baseline.seconds / reference.seconds, 2) : null } } : {}),
      });
    } finally {
      if (base) await disposeTarget(base);
      await disposeTarget(t);
      fs.rmSync(scratch, { recursive: true, force: true });
    }
  }
  return { runs, zip: 'path' in zip ? zip.path : zip.missing, target: 'export of the tree ≤ 1× zip -r -q of the same files' };
}

export function exportTable(result: Awaited<ReturnType<typeof runExportBench>>): string[] {
  return [
    '| db | files | zip -r -q s | export s (trials) | × zip |',
    '|---|---|---|---|---|',
    ...result.runs.map((r) => {
      const ref = 'seconds' in r.zip ? String(r.zip.seconds) : r.zip.skipped;
      const base = 'baseline' in r && r.baseline ? `; baseline build ${r.baseline.seconds} (${r.baseline.trials.join(', ')}), ${r.baseline.ratioToZip ?? '—'}×` : '';
      return `| ${r.db} | ${r.files} | ${ref} | ${r.export.seconds} (${r.export.trials.join(', ')})${base} | ${r.ratioToZip ?? '—'} |`;
    }),
  ];
}
