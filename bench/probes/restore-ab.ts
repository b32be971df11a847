/**
 * restore_backup A/B in one run: the backup benchmark's tree (`/big`,
 * BENCH_TREE_FOLDERS folders × 999 files; default 1,000), backed up, every
 * 100th file's modification time changed with SQL (so each folder's tree
 * differs from the others, as after the benchmark's 1% change), backed up
 * again, and the second snapshot restored into an empty library; for each
 * server build named, alternating, BENCH_AB_ROUNDS times (default 1). Prints
 * each restore's run time, items/s, the server's CPU seconds (user + system:
 * the comparable figure on a loaded machine) and peak RSS.
 *   node dist-bench/bench/probes/restore-ab.js <label>=<path to a build's src/cli/main.js> ... [sqlite|postgres]
 */
import fs from 'node:fs';
import { createLibrary, disposeTarget, openSeedSql, runJob, seedTree } from '../engine-bench.js';
import { startTarget, type DbKind } from '../lib/engine-target.js';
import { expectStatus } from '../lib/file-tree.js';

const FOLDERS = Number(process.env.BENCH_TREE_FOLDERS ?? 1_000);
const ROUNDS = Number(process.env.BENCH_AB_ROUNDS ?? 1);

/** CPU seconds (user + system) the process has used: on a shared machine, the work a job took, where its wall time is the machine's. */
function cpuSeconds(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** A server of the build; started again when its random port was taken (EADDRINUSE on a shared machine). */
async function start(db: DbKind, entry: string) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startTarget(db, { entry });
    } catch (error) {
      if (attempt >= 3) throw error;
    }
  }
}

async function round(db: DbKind, label: string, entry: string) {
  const t = await start(db, entry);
  try {
    const lib = await createLibrary(t, 'ab');
    await seedTree(t, lib, FOLDERS);
    const first = await runJob(t, { type: 'backup', libraryId: lib, params: {} }, 30 * 60_000);
    const sql = await openSeedSql(t);
    try {
      await sql.run("UPDATE items SET modified_at = modified_at + 1 WHERE kind = 'file' AND id % 100 = 0");
    } finally {
      await sql.close();
    }
    await runJob(t, { type: 'backup', libraryId: lib, params: {} }, 30 * 60_000);
    const list = expectStatus(await t.api<{ snapshots: Array<{ id: number }> }>('GET', `/api/v1/libraries/${lib}/snapshots?limit=1`), 200, 'snapshots');
    const target = await createLibrary(t, 'ab-target');
    const cpu = cpuSeconds(t.pid);
    const r = await runJob(t, { type: 'restore_backup', libraryId: lib, params: { snapshotId: list.snapshots[0]!.id, targetLibraryId: target } }, 30 * 60_000);
    const restoreCpu = Math.round((cpuSeconds(t.pid) - cpu) * 100) / 100;
    process.stdout.write(
      `${label} ${db}: first backup ${first.runSeconds} s (${first.itemsPerSecondRun}/s) peak ${first.memory.vmHwmMiB} MiB; ` +
        `restore ${r.status} ${r.runSeconds} s (${r.itemsPerSecondRun}/s), server CPU ${restoreCpu} s, peak ${r.memory.vmHwmMiB ?? r.memory.peakSampledRssMiB} MiB, counts ${JSON.stringify(r.counts)}\n`,
    );
  } finally {
    await disposeTarget(t);
  }
}

const args = process.argv.slice(2);
const builds = args.filter((a) => a.includes('=')).map((a) => a.split('=') as [string, string]);
const dbs = args.filter((a): a is DbKind => a === 'sqlite' || a === 'postgres');
for (let k = 0; k < ROUNDS; k++) for (const db of dbs.length ? dbs : (['sqlite'] as DbKind[])) for (const [label, entry] of builds) await round(db, label, entry);
