/**
 * Issue 10's big single file benchmark, against the server in its own
 * process (bench/lib/engine-target.ts): one file of BENCH_BIGFILE_MIB MiB
 * (default 2048) packed as a tar the way `batchyard import DIR` packs
 * (src/cli/transfer/pack-tar.ts), uploaded with tus the way the CLI uploads
 * (src/cli/transfer/tus-upload.ts), unpacked by an `import` job, then
 * exported as a zip by an `export` job, whose result is downloaded once
 * and checked against its SHA-256. Each stage is timed to durable bytes and
 * compared with `cp` of the same file followed by `sync`, on the same disk,
 * in the same run (the upload is followed by a `sync` too: the server does
 * not fsync a tus upload's file; the jobs fsync what they store). The
 * server's peak RSS is its VmHWM, reset at the start of each stage.
 * Targets: every stage ≥ 70% of cp's throughput, peak RSS ≤ 256 MB.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { PassThrough, Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { startTarget, watchMemory, TOKEN, type DbKind, type EngineTarget } from './lib/engine-target.js';
import { now, round, secondsSince } from './peers/common.js';
import { createLibrary, disposeTarget, runJob } from './engine-bench.js';
import { expectStatus, median } from './lib/file-tree.js';
import { packDirectory } from '../src/cli/transfer/pack-tar.js';
import { tusUploadFile } from '../src/cli/transfer/tus-upload.js';
import { ApiClient } from '../src/cli/client.js';
import { writeBigFile } from './lib/big-file.js';

const MIB = 1024 * 1024;
const SIZE_MIB = Number(process.env.BENCH_BIGFILE_MIB ?? 2048);
const CP_TRIALS = Number(process.env.BENCH_BIGFILE_CP_TRIALS ?? 3);
const FILE_NAME = 'big.bin';
/** The targets of issue 10. */
const MIN_CP_FRACTION = 0.7;
const MAX_PEAK_RSS_MB = 256;

function log(line: string) {
  process.stderr.write(`bigfile: ${line}\n`);
}


/** `cp file dst && sync`, CP_TRIALS times into fresh names (pending writes flushed before each). */
function cpReference(file: string, scratch: string) {
  const trials: number[] = [];
  for (let k = 0; k < CP_TRIALS; k++) {
    execFileSync('sync');
    const dst = path.join(scratch, `cp-${k}.bin`);
    const started = now();
    execFileSync('cp', [file, dst]);
    execFileSync('sync');
    trials.push(round(secondsSince(started), 3));
    fs.rmSync(dst);
  }
  return { seconds: median(trials), trials };
}

interface Stage {
  seconds: number;
  mibPerSecond: number;
  /** This stage's throughput over cp + sync's. */
  fractionOfCp: number;
  peakRssMiB: number | null;
  /** The server's RSS when the stage began. */
  startRssMiB: number;
  /** CPU seconds the server used in the stage (all threads): steadier than the wall time on a shared machine. */
  serverCpuSeconds: number | null;
}

function stage(bytes: number, seconds: number, cpSeconds: number, memory: { vmHwmMiB: number | null; startRssMiB: number; cpuSeconds: number | null }): Stage {
  return {
    seconds: round(seconds, 3),
    mibPerSecond: round(bytes / MIB / seconds, 1),
    fractionOfCp: round(cpSeconds / seconds, 2),
    peakRssMiB: memory.vmHwmMiB,
    startRssMiB: memory.startRssMiB,
    serverCpuSeconds: memory.cpuSeconds,
  };
}

/** The tar uploaded with tus as `batchyard import` does; the upload's id. */
async function upload(t: EngineTarget, libraryId: string, tarFile: string, scratch: string): Promise<string> {
  const client = new ApiClient(t.url, TOKEN);
  const quiet = () => {};
  const io = { stdout: quiet, stderr: quiet, stdin: new PassThrough(), stdoutStream: new PassThrough(), stderrIsTTY: false };
  return tusUploadFile(client, tarFile, { io, progress: 'none', metadata: { libraryId }, resumeFile: path.join(scratch, 'uploads.json') });
}

/** GET the job's result, hashing it on the way; the bytes and their SHA-256. */
async function download(t: EngineTarget, jobId: number): Promise<{ bytes: number; sha256: string }> {
  const res = await fetch(new URL(`/api/v1/jobs/${jobId}/result`, t.url), { headers: { authorization: `Bearer ${TOKEN}` } });
  if (!res.ok || !res.body) throw new Error(`GET result of job ${jobId}: HTTP ${res.status}`);
  const hash = crypto.createHash('sha256');
  let bytes = 0;
  for await (const chunk of Readable.fromWeb(res.body as WebReadableStream<Uint8Array>)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { bytes, sha256: hash.digest('hex') };
}

export async function runBigfileBench(dbs: DbKind[]) {
  const size = SIZE_MIB * MIB;
  const runs = [];
  for (const db of dbs) {
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'batchyard-bench-bigfile-'));
    try {
      const dir = path.join(scratch, 'tree');
      fs.mkdirSync(dir);
      const file = path.join(dir, FILE_NAME);
      log(`${db}: writing a ${SIZE_MIB} MiB file and its tar…`);
      const sha256 = writeBigFile(file, size);
      const tarFile = path.join(scratch, 'tree.tar');
      await packDirectory(dir, tarFile);
      const cp = cpReference(file, scratch);
      log(`${db}: cp + sync ${cp.trials.join(', ')} s (median ${cp.seconds}, ${round(SIZE_MIB / cp.seconds, 1)} MiB/s)`);
      const t = await startTarget(db);
      try {
        const lib = await createLibrary(t, 'bigfile');

        execFileSync('sync');
        const uploadMemory = watchMemory(t.pid);
        const clientCpu = process.cpuUsage();
        const uploadStart = now();
        const uploadId = await upload(t, lib, tarFile, scratch);
        execFileSync('sync');
        const uploadSeconds = secondsSince(uploadStart);
        const clientUsage = process.cpuUsage(clientCpu);
        const uploadStage = { ...stage(size, uploadSeconds, cp.seconds, uploadMemory.stop()), clientCpuSeconds: round((clientUsage.user + clientUsage.system) / 1e6, 2) };
        log(`${db}: tus upload + sync ${uploadStage.seconds} s (${uploadStage.mibPerSecond} MiB/s; CPU: server ${uploadStage.serverCpuSeconds} s, client ${uploadStage.clientCpuSeconds} s)`);

        execFileSync('sync');
        const imported = await runJob(t, { type: 'import', libraryId: lib, params: { source: { type: 'upload', uploadId }, destination: '/big' } });
        const importStage = stage(size, imported.wallSeconds, cp.seconds, imported.memory);
        log(`${db}: import ${importStage.seconds} s (${importStage.mibPerSecond} MiB/s, ${imported.status}; server CPU ${importStage.serverCpuSeconds} s)`);
        const listed = expectStatus(await t.api<{ items: Array<{ name: string; size: number; sha256: string | null }> }>('GET', `/api/v1/libraries/${lib}/items?path=/big`), 200, 'list /big');
        const item = listed.items.find((i) => i.name === FILE_NAME);
        if (item?.sha256 !== sha256 || item.size !== size) throw new Error(`import: /big/${FILE_NAME} is ${JSON.stringify(item)}, expected ${size} bytes with sha256 ${sha256}`);

        execFileSync('sync');
        const exported = await runJob(t, { type: 'export', libraryId: lib, params: { paths: [`/big/${FILE_NAME}`] } });
        const exportStage = stage(size, exported.wallSeconds, cp.seconds, exported.memory);
        log(`${db}: export ${exportStage.seconds} s (${exportStage.mibPerSecond} MiB/s, ${exported.status}; server CPU ${exportStage.serverCpuSeconds} s)`);
        const job = expectStatus(await t.jobsApi<{ result: { artifact: { size: number; sha256: string }; zip64: boolean } }>('GET', `/api/v1/jobs/${exported.jobId}`), 200, 'get export');

        const downloadMemory = watchMemory(t.pid);
        const downloadStart = now();
        const got = await download(t, exported.jobId);
        const downloadStage = stage(size, secondsSince(downloadStart), cp.seconds, downloadMemory.stop());
        if (got.sha256 !== job.result.artifact.sha256 || got.bytes !== job.result.artifact.size) throw new Error(`export: the result served is ${got.bytes} bytes ${got.sha256}, the job recorded ${JSON.stringify(job.result.artifact)}`);
        log(`${db}: download of the zip ${downloadStage.seconds} s (${downloadStage.mibPerSecond} MiB/s)`);

        const stages = { upload: uploadStage, import: importStage, export: exportStage };
        const peakRssMiB = Math.max(...[...Object.values(stages), downloadStage].map((s) => s.peakRssMiB ?? 0));
        const slowest = Math.min(...Object.values(stages).map((s) => s.fractionOfCp));
        runs.push({
          db,
          fileMiB: SIZE_MIB,
          tarBytes: fs.statSync(tarFile).size,
          cp: { ...cp, mibPerSecond: round(SIZE_MIB / cp.seconds, 1) },
          stages,
          download: downloadStage,
          jobs: { import: { status: imported.status, runSeconds: imported.runSeconds }, export: { status: exported.status, runSeconds: exported.runSeconds, archive: job.result } },
          peakRssMiB,
          targets: {
            throughput: { slowestFractionOfCp: slowest, met: slowest >= MIN_CP_FRACTION },
            memory: { peakRssMiB, met: peakRssMiB * MIB <= MAX_PEAK_RSS_MB * 1e6 },
          },
        });
      } finally {
        await disposeTarget(t);
      }
    } finally {
      fs.rmSync(scratch, { recursive: true, force: true });
    }
  }
  return { runs, target: `tus upload, import (unpack of the tar) and export of one ${SIZE_MIB} MiB file: each ≥ ${MIN_CP_FRACTION * 100}% of cp + sync's throughput for the same file; the server's peak RSS ≤ ${MAX_PEAK_RSS_MB} MB` };
}

export function bigfileTable(result: Awaited<ReturnType<typeof runBigfileBench>>): string[] {
  const cell = (s: Stage) => `${s.seconds} s, ${s.mibPerSecond} MiB/s (${Math.round(s.fractionOfCp * 100)}%), ${s.peakRssMiB ?? '?'} MiB`;
  return [
    '| db | file MiB | cp + sync | tus upload + sync | import | export | peak RSS MiB | targets |',
    '|---|---|---|---|---|---|---|---|',
    ...result.runs.map(
      (r) =>
        `| ${r.db} | ${r.fileMiB} | ${r.cp.seconds} s, ${r.cp.mibPerSecond} MiB/s | ${cell(r.stages.upload)} | ${cell(r.stages.import)} | ${cell(r.stages.export)} | ${r.peakRssMiB} | throughput ${r.targets.throughput.met ? 'met' : 'not met'}, memory ${r.targets.memory.met ? 'met' : 'not met'} |`,
    ),
  ];
}
