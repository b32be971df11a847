/**
 * Issue 12's backup benchmarks: `npm run bench -- backup [sqlite] [postgres]`.
 *
 * 1. The engine benchmark's 1,000,001-item tree (/big: 1,000 folders × 999
 *    files sharing 4 contents of 1 KiB), backed up into the library's own
 *    storage; then 1% of its files changed (new content PUT over them through
 *    the API) and backed up again; then the second snapshot restored whole into
 *    an empty library. Each job timed as the engine benchmark times jobs (its
 *    own startedAt → finishedAt, and wall from the POST), the server's peak
 *    RSS, the snapshot catalog rows each backup added, and how it walked
 *    (whole, or incremental from the previous snapshot through the item change
 *    log). Between the second backup and the restore, the same number of files
 *    changed again but all in the first 1% of the folders, and a third backup
 *    (an incremental backup's cost follows the folders changed: every folder
 *    for the spread change, 1% of them for this one).
 * 2. Beside it in the same run, a 100,000-item tree of the same shape (100
 *    folders) through the same three steps, and Debian's restic on the same
 *    files as a directory (repository on the same disk): `restic backup`,
 *    again after the same 1% changed, and `restic restore latest`.
 * BENCH_BACKUP_ITEMS_FOLDERS (default 1000) and BENCH_BACKUP_RESTIC_FOLDERS
 * (default 100) change the two sizes.
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLibrary, disposeTarget, openSeedSql, runJob, seedTree, type JobRun } from './engine-bench.js';
import { startTarget, type DbKind, type EngineTarget } from './lib/engine-target.js';
import { expectStatus, uploadFiles, writePlainFiles } from './lib/file-tree.js';
import { now, round, secondsSince } from './peers/common.js';

const BIG_FOLDERS = Number(process.env.BENCH_BACKUP_ITEMS_FOLDERS ?? 1_000);
const RESTIC_FOLDERS = Number(process.env.BENCH_BACKUP_RESTIC_FOLDERS ?? 100);
const FILES_PER_FOLDER = 999;
const JOB_TIMEOUT_MS = 30 * 60_000;

const log = (s: string) => process.stderr.write(`backup: ${s}\n`);

/** The relative path of the k-th changed file: every 100th file of the tree (1%), spread over all folders. */
function changedPath(k: number): string {
  const n = k * 100;
  const folder = Math.floor(n / FILES_PER_FOLDER);
  const file = n % FILES_PER_FOLDER;
  return `big/d${String(folder).padStart(4, '0')}/f${String(file).padStart(5, '0')}.bin`;
}

/** The k-th file of the clustered change: as many files as `changedPath` names, all in the first folders (1% of the folders), each wholly rewritten. */
function clusteredPath(k: number): string {
  return `big/d${String(Math.floor(k / FILES_PER_FOLDER)).padStart(4, '0')}/f${String(k % FILES_PER_FOLDER).padStart(5, '0')}.bin`;
}

function changedCount(folders: number): number {
  return Math.floor((folders * FILES_PER_FOLDER) / 100);
}

async function snapshotRows(t: EngineTarget): Promise<number> {
  const sql = await openSeedSql(t);
  try {
    const rows = await sql.all<{ n: number | string }>('SELECT (SELECT count(*) FROM snapshot_trees) + (SELECT count(*) FROM snapshots) AS n');
    return Number(rows[0]!.n);
  } finally {
    await sql.close();
  }
}

interface BackupStep {
  job: JobRun;
  catalogRowsAdded: number;
  /** How the backup walked (its result's `snapshot.walk`): whole and why, or incremental from a base with the changed entries and folders read. */
  walk: unknown;
}

async function backupStep(t: EngineTarget, libraryId: string, label: string): Promise<BackupStep> {
  const before = await snapshotRows(t);
  const job = await runJob(t, { type: 'backup', libraryId, params: { label } }, JOB_TIMEOUT_MS);
  const catalogRowsAdded = (await snapshotRows(t)) - before;
  const view = expectStatus(await t.api<{ result: { snapshot?: { walk?: unknown } } | null }>('GET', `/api/v1/jobs/${job.jobId}`), 200, 'get backup job');
  const walk = view.result?.snapshot?.walk ?? null;
  log(`${t.db}: ${label}: ${job.status}, run ${job.runSeconds} s, ${job.itemsPerSecondRun} items/s, peak RSS ${job.memory.peakSampledRssMiB} / ${job.memory.vmHwmMiB ?? '?'} MiB, ${catalogRowsAdded} catalog rows, walk ${JSON.stringify(walk)}`);
  return { job, catalogRowsAdded, walk };
}

/** Seed, back up, change 1%, back up, restore into an empty library: one server, one database. */
async function batchyardRound(db: DbKind, folders: number) {
  const t = await startTarget(db);
  try {
    const lib = await createLibrary(t, `backup-${folders}`);
    const seed = await seedTree(t, lib, folders);
    log(`${db}: seeded ${seed.items} items in ${seed.seconds} s`);
    const first = await backupStep(t, lib, 'first');
    const changed = changedCount(folders);
    const contents = Array.from({ length: changed }, () => crypto.randomBytes(1024));
    const uploadStart = now();
    await uploadFiles(t, lib, contents, changedPath, 16, 200); // 200: each replaces a file of the tree
    log(`${db}: changed ${changed} files in ${round(secondsSince(uploadStart), 1)} s`);
    const second = await backupStep(t, lib, 'second');
    // The same number of files changed again, but all in the first 1% of the folders: an incremental backup reads and rewrites only those folders' manifests.
    const clusteredContents = Array.from({ length: changed }, () => crypto.randomBytes(1024));
    await uploadFiles(t, lib, clusteredContents, clusteredPath, 16, 200);
    const third = await backupStep(t, lib, 'third (1% of the files, in 1% of the folders)');
    const snapshots = expectStatus(await t.api<{ snapshots: Array<{ id: number; label: string | null }> }>('GET', `/api/v1/libraries/${lib}/snapshots?limit=5`), 200, 'list snapshots');
    const latest = snapshots.snapshots[0]!;
    const target = await createLibrary(t, `restored-${folders}`);
    const restore = await runJob(t, { type: 'restore_backup', libraryId: lib, params: { snapshotId: latest.id, targetLibraryId: target } }, JOB_TIMEOUT_MS);
    log(`${db}: restore: ${restore.status}, run ${restore.runSeconds} s, ${restore.itemsPerSecondRun} items/s, peak RSS ${restore.memory.peakSampledRssMiB} / ${restore.memory.vmHwmMiB ?? '?'} MiB`);
    return {
      db,
      items: seed.items,
      changedFiles: changed,
      first,
      second,
      secondOfFirst: {
        time: first.job.runSeconds && second.job.runSeconds ? round(second.job.runSeconds / first.job.runSeconds, 3) : null,
        catalogRows: first.catalogRowsAdded > 0 ? round(second.catalogRowsAdded / first.catalogRowsAdded, 3) : null,
      },
      third,
      thirdOfFirst: { time: first.job.runSeconds && third.job.runSeconds ? round(third.job.runSeconds / first.job.runSeconds, 3) : null },
      restore,
    };
  } finally {
    await disposeTarget(t);
  }
}

function timed(fn: () => void): number {
  const started = now();
  fn();
  return round(secondsSince(started), 3);
}

/** restic on the same shape as plain files: backup, 1% changed, backup, restore. */
function resticRound(folders: number) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'batchyard-bench-restic-'));
  try {
    const source = path.join(root, 'source');
    const contents = Array.from({ length: 4 }, () => crypto.randomBytes(1024));
    const total = folders * FILES_PER_FOLDER;
    writePlainFiles(
      source,
      Array.from({ length: total }, (_, i) => contents[i % FILES_PER_FOLDER % 4]!),
      (i) => `big/d${String(Math.floor(i / FILES_PER_FOLDER)).padStart(4, '0')}/f${String(i % FILES_PER_FOLDER).padStart(5, '0')}.bin`,
    );
    execFileSync('sync');
    const env = { ...process.env, RESTIC_REPOSITORY: path.join(root, 'repo'), RESTIC_PASSWORD: 'bench' };
    const restic = (...args: string[]) => execFileSync('restic', ['--quiet', ...args], { env, cwd: source, stdio: ['ignore', 'ignore', 'inherit'] });
    restic('init');
    const version = execFileSync('restic', ['version'], { encoding: 'utf8' }).trim();
    const first = timed(() => restic('backup', '.'));
    const changed = changedCount(folders);
    for (let k = 0; k < changed; k++) fs.writeFileSync(path.join(source, changedPath(k)), crypto.randomBytes(1024));
    execFileSync('sync');
    const second = timed(() => restic('backup', '.'));
    const restore = timed(() => restic('restore', 'latest', '--target', path.join(root, 'restored')));
    log(`restic (${version}) on ${total} files: backup ${first} s, second ${second} s, restore ${restore} s`);
    return { version, files: total, changedFiles: changed, backupSeconds: first, secondBackupSeconds: second, restoreSeconds: restore };
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

export async function runBackupBench(dbs: DbKind[]) {
  const big = [];
  const small = [];
  for (const db of dbs) {
    big.push(await batchyardRound(db, BIG_FOLDERS));
    small.push(await batchyardRound(db, RESTIC_FOLDERS));
  }
  const restic = resticRound(RESTIC_FOLDERS);
  return {
    shape: `/big: folders × ${FILES_PER_FOLDER} files sharing 4 contents of 1 KiB; 1% of the files changed between the backups (every 100th, new random 1 KiB content PUT through the API / written for restic)`,
    big,
    small,
    restic,
    targets: { firstBackupItemsPerSecond: { sqlite: 200_000, postgres: 50_000 }, peakRssMB: 256, secondOfFirst: 0.05, restoreItemsPerSecondSqlite: 100_000, fasterThanRestic: true },
  };
}

type Results = Awaited<ReturnType<typeof runBackupBench>>;

export function backupTable(results: Results): string[] {
  const name = (db: DbKind) => (db === 'sqlite' ? 'SQLite' : 'PostgreSQL');
  const lines = [
    '| db | items | first backup run s (items/s), peak RSS MiB, catalog rows | second backup (1% changed) run s, catalog rows: % of first | third backup (1% changed, in 1% of the folders) run s: % of first | restore run s (items/s) |',
    '|---|---|---|---|---|---|',
  ];
  for (const r of [...results.big, ...results.small]) {
    const f = r.first.job;
    const s = r.second.job;
    lines.push(
      `| ${name(r.db)} | ${r.items.toLocaleString('en-US')} | ${f.runSeconds} (${(f.itemsPerSecondRun ?? 0).toLocaleString('en-US')}), ${f.memory.vmHwmMiB ?? f.memory.peakSampledRssMiB}, ${r.first.catalogRowsAdded.toLocaleString('en-US')} | ${s.runSeconds}, ${r.second.catalogRowsAdded.toLocaleString('en-US')}: ${r.secondOfFirst.time === null ? '?' : Math.round(r.secondOfFirst.time * 100)}% / ${r.secondOfFirst.catalogRows === null ? '?' : Math.round(r.secondOfFirst.catalogRows * 100)}% | ${r.third.job.runSeconds}: ${r.thirdOfFirst.time === null ? '?' : Math.round(r.thirdOfFirst.time * 100)}% | ${r.restore.runSeconds} (${(r.restore.itemsPerSecondRun ?? 0).toLocaleString('en-US')}) |`,
    );
  }
  const x = results.restic;
  lines.push('', `${x.version}, ${x.files.toLocaleString('en-US')} files: backup ${x.backupSeconds} s, second backup ${x.secondBackupSeconds} s, restore ${x.restoreSeconds} s`);
  return lines;
}
