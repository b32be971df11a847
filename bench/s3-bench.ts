/**
 * Issue 13's S3 benchmark, against the server in its own process
 * (bench/lib/engine-target.ts, SQLite) and a Swift + s3api server of its own
 * (scripts/s3-server/start.sh, in a temp directory on free ports; BENCH_S3_WORKERS
 * sets its S3_WORKERS, default 0: one process per Swift server), in one run:
 *
 *  - small: a copy job of BENCH_S3_FILES (default 10,000) files of 4 KiB (distinct
 *    random contents) from a library on a local location into a library whose
 *    `objectStorageLocation` is an S3 location on that server, timed from the
 *    submit to the job's end; against `rclone copy` of the same files (as a
 *    directory) to the same server, at each of BENCH_S3_RCLONE_TRANSFERS (default
 *    16 and 32; checkers the same), the best counting, and `aws s3 cp --recursive`
 *    when the aws CLI is installed. Each run writes under a fresh key prefix.
 *    Target: the copy job ≤ 1.2× the best reference.
 *  - big: one file of BENCH_S3_BIG_MIB MiB (default 2048) PUT through the API
 *    (PUT /libraries/{id}/files/…, streamed from disk) into the S3-backed library
 *    and downloaded back (GET, hashed on the way and checked), with the server's
 *    peak RSS (VmHWM, reset per stage) — target ≤ 256 MB — beside `rclone copyto`
 *    of the same file to and from the same server.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import http from 'node:http';
import crypto from 'node:crypto';
import { execFileSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startTarget, watchMemory, TOKEN, type EngineTarget } from './lib/engine-target.js';
import { now, round, secondsSince } from './peers/common.js';
import { createLibrary, disposeTarget, runJob } from './engine-bench.js';
import { expectStatus, uploadFiles, writePlainFiles } from './lib/file-tree.js';
import { writeBigFile } from './lib/big-file.js';

const MIB = 1024 * 1024;
const FILES = Number(process.env.BENCH_S3_FILES ?? 10_000);
const BIG_MIB = Number(process.env.BENCH_S3_BIG_MIB ?? 2048);
const RCLONE_TRANSFERS = (process.env.BENCH_S3_RCLONE_TRANSFERS ?? '16,32').split(',').map(Number);
const WORKERS = process.env.BENCH_S3_WORKERS ?? '0';
const BUCKET = 'batchyard';
const ACCESS_KEY = 'batchyard:s3';
const SECRET_KEY = 'batchyard-secret';
const MAX_RATIO = 1.2;
const MAX_PEAK_RSS_MB = 256;
const SCRIPTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../scripts/s3-server');

function log(line: string) {
  process.stderr.write(`s3: ${line}\n`);
}

/** Four free consecutive loopback ports (Swift's proxy, account, container, object servers); the first. */
async function freePorts(): Promise<number> {
  const free = (port: number) =>
    new Promise<boolean>((resolve) => {
      const server = net.createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 20_000);
    let ok = true;
    for (let i = 0; i < 4 && ok; i++) ok = await free(base + i);
    if (ok) return base;
  }
  throw new Error('no four free consecutive loopback ports for the S3 server');
}

/** Starts Swift + s3api in `dir`; its endpoint once an S3 call works. */
async function startSwift(dir: string): Promise<string> {
  const port = await freePorts();
  const child = spawn('bash', [path.join(SCRIPTS, 'start.sh'), dir, String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, S3_BUCKET: BUCKET, S3_WORKERS: WORKERS, S3_START_TIMEOUT: '180' },
  });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`the Swift + s3api server did not start (start.sh exited ${code}):\n${output}`);
  return `http://127.0.0.1:${port}`;
}

function stopSwift(dir: string) {
  execFileSync('bash', [path.join(SCRIPTS, 'stop.sh'), dir], { stdio: 'ignore' });
}

/** The environment that makes `bench:` an rclone remote on the server (no config file). */
function rcloneEnv(endpoint: string): NodeJS.ProcessEnv {
  // (rclone refuses an AWS_CA_BUNDLE with its transport; the endpoint is plain http anyway.)
  const { AWS_CA_BUNDLE: _unused, ...env } = process.env;
  return {
    ...env,
    RCLONE_CONFIG: '/dev/null',
    RCLONE_CONFIG_BENCH_TYPE: 's3',
    RCLONE_CONFIG_BENCH_PROVIDER: 'Other',
    RCLONE_CONFIG_BENCH_ENDPOINT: endpoint,
    RCLONE_CONFIG_BENCH_ACCESS_KEY_ID: ACCESS_KEY,
    RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY: SECRET_KEY,
    RCLONE_CONFIG_BENCH_REGION: 'us-east-1',
    RCLONE_CONFIG_BENCH_FORCE_PATH_STYLE: 'true',
  };
}

/** Runs a tool to the end; its wall seconds (throws with its output on failure). */
function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv): number {
  const started = now();
  try {
    execFileSync(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * MIB });
  } catch (error) {
    const e = error as { stderr?: Buffer; stdout?: Buffer };
    throw new Error(`${cmd} ${args.join(' ')} failed: ${e.stderr?.toString().slice(-2000) ?? ''}${e.stdout?.toString().slice(-500) ?? ''}`);
  }
  return round(secondsSince(started), 3);
}

function hasAws(): boolean {
  try {
    execFileSync('aws', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** How many objects the server holds under `prefix` (rclone size, a check that a reference stored everything). */
function objectsUnder(endpoint: string, prefix: string): number {
  const out = execFileSync('rclone', ['size', '--json', `bench:${BUCKET}/${prefix}`], { env: rcloneEnv(endpoint), encoding: 'utf8' });
  return (JSON.parse(out) as { count: number }).count;
}

async function smallFiles(t: EngineTarget, endpoint: string, scratch: string, run: string) {
  const local = await createLibrary(t, 's3-bench-local');
  const remote = await createLibrary(t, 's3-bench-s3', { objectStorageLocation: 's3' });
  const files = Array.from({ length: FILES }, () => crypto.randomBytes(4096));
  const rel = (i: number) => `src/d${String(i % 100).padStart(2, '0')}/f${String(i).padStart(5, '0')}.bin`;
  log(`uploading ${FILES} files of 4 KiB into the local library…`);
  await uploadFiles(t, local, files, rel);
  const plain = path.join(scratch, 'plain');
  writePlainFiles(plain, files, rel);
  const tree = path.join(plain, 'src');

  // The job first: the API's keep-alive sockets, idle for the minutes the references take, can be gone by then (EPIPE).
  const job = await runJob(t, { type: 'copy', libraryId: local, params: { paths: ['/src'], destination: '/', targetLibraryId: remote } });
  const stored = objectsUnder(endpoint, `${run}/batchyard/objects`);
  log(`copy job ${job.status}: ${job.items} items, wall ${job.wallSeconds} s, run ${job.runSeconds} s (${stored} objects stored; server CPU ${job.memory.cpuSeconds} s)`);
  if (job.status !== 'completed' || stored < FILES) throw new Error(`the copy job ended ${job.status} with ${stored} of ${FILES} objects stored`);

  const rclone = [];
  for (const transfers of RCLONE_TRANSFERS) {
    const prefix = `${run}/rclone-small-${transfers}`;
    const seconds = timed('rclone', ['copy', tree, `bench:${BUCKET}/${prefix}`, '--transfers', String(transfers), '--checkers', String(transfers), '--s3-no-check-bucket'], rcloneEnv(endpoint));
    const stored = objectsUnder(endpoint, prefix);
    log(`rclone copy --transfers ${transfers} --checkers ${transfers}: ${seconds} s (${stored} objects stored)`);
    rclone.push({ transfers, checkers: transfers, seconds, filesPerSecond: Math.round(FILES / seconds), objectsStored: stored });
  }
  let aws: { seconds: number; filesPerSecond: number; objectsStored: number } | { skipped: string };
  if (hasAws()) {
    const prefix = `${run}/aws-small`;
    const env = { ...process.env, AWS_ACCESS_KEY_ID: ACCESS_KEY, AWS_SECRET_ACCESS_KEY: SECRET_KEY, AWS_DEFAULT_REGION: 'us-east-1', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' };
    const seconds = timed('aws', ['--endpoint-url', endpoint, 's3', 'cp', '--recursive', '--only-show-errors', tree, `s3://${BUCKET}/${prefix}/`], env);
    const stored = objectsUnder(endpoint, prefix);
    log(`aws s3 cp --recursive: ${seconds} s (${stored} objects stored)`);
    aws = { seconds, filesPerSecond: Math.round(FILES / seconds), objectsStored: stored };
  } else {
    aws = { skipped: 'the aws CLI is not installed' };
    log('aws s3 cp: skipped (the aws CLI is not installed)');
  }

  const best = [...rclone, ...('seconds' in aws ? [{ ...aws, tool: 'aws s3 cp --recursive' }] : [])].reduce((a, b) => (b.seconds < a.seconds ? b : a));
  const bestTool = 'tool' in best ? best.tool : `rclone copy --transfers ${(best as (typeof rclone)[number]).transfers}`;
  const ratio = round(job.wallSeconds / best.seconds, 2);
  return {
    files: FILES,
    bytesEach: 4096,
    copyJob: { seconds: job.wallSeconds, runSeconds: job.runSeconds, status: job.status, items: job.items, filesPerSecond: Math.round(FILES / job.wallSeconds), serverCpuSeconds: job.memory.cpuSeconds, peakRssMiB: job.memory.vmHwmMiB, objectsStored: stored },
    rclone,
    aws,
    best: { tool: bestTool, seconds: best.seconds },
    ratioToBest: ratio,
    target: { maxRatio: MAX_RATIO, met: ratio <= MAX_RATIO },
  };
}


/** A raw HTTP request to the server with a streamed body or a hashed response; status, the JSON body (PUT) or the bytes' hash (GET). */
function request(t: EngineTarget, method: 'PUT' | 'GET', pathname: string, file?: string): Promise<{ status: number; json?: unknown; bytes: number; sha256: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { authorization: `Bearer ${TOKEN}` };
    if (file) Object.assign(headers, { 'content-type': 'application/octet-stream', 'content-length': fs.statSync(file).size });
    const req = http.request(new URL(pathname, t.url), { method, headers }, (res) => {
      const hash = crypto.createHash('sha256');
      const chunks: Buffer[] = [];
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (method === 'GET') hash.update(chunk);
        else chunks.push(chunk);
      });
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        let json: unknown;
        try {
          json = text ? JSON.parse(text) : undefined;
        } catch {
          json = text;
        }
        resolve({ status: res.statusCode ?? 0, json, bytes, sha256: hash.digest('hex') });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (file) fs.createReadStream(file).pipe(req);
    else req.end();
  });
}

interface BigStage {
  seconds: number;
  mibPerSecond: number;
  peakRssMiB: number | null;
  /** The server's RSS when the stage began. */
  startRssMiB: number;
  serverCpuSeconds: number | null;
}

async function bigFile(t: EngineTarget, lib: string, endpoint: string, scratch: string, run: string) {
  const size = BIG_MIB * MIB;
  const file = path.join(scratch, 'big.bin');
  log(`writing a ${BIG_MIB} MiB file…`);
  const sha256 = writeBigFile(file, size);
  const rate = (seconds: number) => round(BIG_MIB / seconds, 1);

  let memory = watchMemory(t.pid);
  let started = now();
  const put = await request(t, 'PUT', `/api/v1/libraries/${lib}/files/big.bin`, file);
  const putSeconds = secondsSince(started);
  let m = memory.stop();
  expectStatus({ status: put.status, body: put.json }, 201, 'PUT big.bin');
  if ((put.json as { sha256?: string }).sha256 !== sha256) throw new Error(`PUT big.bin stored ${JSON.stringify(put.json)}, expected sha256 ${sha256}`);
  const upload: BigStage = { seconds: round(putSeconds, 3), mibPerSecond: rate(putSeconds), peakRssMiB: m.vmHwmMiB, startRssMiB: m.startRssMiB, serverCpuSeconds: m.cpuSeconds };
  log(`PUT through the API: ${upload.seconds} s (${upload.mibPerSecond} MiB/s, peak RSS ${upload.peakRssMiB} MiB from ${upload.startRssMiB}, server CPU ${upload.serverCpuSeconds} s)`);

  memory = watchMemory(t.pid);
  started = now();
  const got = await request(t, 'GET', `/api/v1/libraries/${lib}/files/big.bin`);
  const getSeconds = secondsSince(started);
  m = memory.stop();
  if (got.status !== 200 || got.bytes !== size || got.sha256 !== sha256) throw new Error(`GET big.bin: HTTP ${got.status}, ${got.bytes} bytes, sha256 ${got.sha256} (expected ${size} bytes, ${sha256})`);
  const download: BigStage = { seconds: round(getSeconds, 3), mibPerSecond: rate(getSeconds), peakRssMiB: m.vmHwmMiB, startRssMiB: m.startRssMiB, serverCpuSeconds: m.cpuSeconds };
  log(`GET through the API: ${download.seconds} s (${download.mibPerSecond} MiB/s, peak RSS ${download.peakRssMiB} MiB from ${download.startRssMiB}, server CPU ${download.serverCpuSeconds} s)`);
  const up = path.join(scratch, 'rclone-down.bin');
  const rcloneUpSeconds = timed('rclone', ['copyto', file, `bench:${BUCKET}/${run}/rclone-big/big.bin`, '--s3-no-check-bucket'], rcloneEnv(endpoint));
  log(`rclone copyto (up): ${rcloneUpSeconds} s (${rate(rcloneUpSeconds)} MiB/s)`);
  const rcloneDownSeconds = timed('rclone', ['copyto', `bench:${BUCKET}/${run}/rclone-big/big.bin`, up], rcloneEnv(endpoint));
  log(`rclone copyto (down): ${rcloneDownSeconds} s (${rate(rcloneDownSeconds)} MiB/s)`);
  fs.rmSync(up, { force: true });

  fs.rmSync(file, { force: true });

  const peakRssMiB = Math.max(upload.peakRssMiB ?? 0, download.peakRssMiB ?? 0);
  return {
    fileMiB: BIG_MIB,
    upload,
    download,
    rclone: { up: { seconds: rcloneUpSeconds, mibPerSecond: rate(rcloneUpSeconds) }, down: { seconds: rcloneDownSeconds, mibPerSecond: rate(rcloneDownSeconds) } },
    peakRssMiB,
    target: { maxPeakRssMB: MAX_PEAK_RSS_MB, met: peakRssMiB * MIB <= MAX_PEAK_RSS_MB * 1e6 },
  };
}

export async function runS3Bench() {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'batchyard-bench-s3-'));
  const swiftDir = path.join(scratch, 'swift');
  const run = `bench-${Date.now().toString(36)}`;
  const load = { before: os.loadavg().map((l) => round(l, 2)) };
  try {
    log(`starting Swift + s3api (S3_WORKERS=${WORKERS})…`);
    const endpoint = await startSwift(swiftDir);
    const location = `s3://${BUCKET}/${run}/batchyard?endpoint=${encodeURIComponent(endpoint)}&region=us-east-1&forcePathStyle=true`;
    const t = await startTarget('sqlite', {
      env: {
        BATCHYARD_STORAGES: `default=${path.join(scratch, 'store-local')},s3=${location}`,
        AWS_ACCESS_KEY_ID: ACCESS_KEY,
        AWS_SECRET_ACCESS_KEY: SECRET_KEY,
        // A single-file PUT of the big file (default limit 1 GiB).
        BATCHYARD_MAX_UPLOAD_SIZE: `${Math.max(BIG_MIB * 2, 1024)}MiB`,
      },
    });
    try {
      // Made before the minutes of the small-file part: a fetch after them can meet a keep-alive socket the server closed.
      const bigLib = await createLibrary(t, 's3-bench-big', { objectStorageLocation: 's3' });
      const small = FILES > 0 ? await smallFiles(t, endpoint, scratch, run) : undefined;
      const big = BIG_MIB > 0 ? await bigFile(t, bigLib, endpoint, scratch, run) : undefined;
      return { s3Server: { kind: 'OpenStack Swift + s3api (Debian)', workers: WORKERS }, db: 'sqlite', small, big, load: { ...load, after: os.loadavg().map((l) => round(l, 2)) } };
    } finally {
      await disposeTarget(t);
    }
  } finally {
    stopSwift(swiftDir);
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

export function s3Table(r: Awaited<ReturnType<typeof runS3Bench>>): string[] {
  const lines: string[] = [];
  if (r.small) {
    const s = r.small;
    const aws = 'seconds' in s.aws ? `${s.aws.seconds} s` : s.aws.skipped;
    lines.push(
      `| ${s.files} × 4 KiB into S3 | copy job s | ${s.rclone.map((x) => `rclone --transfers ${x.transfers}`).join(' | ')} | aws s3 cp --recursive | × best (${s.best.tool}) | target ≤ ${MAX_RATIO}× |`,
      `|---|---|${s.rclone.map(() => '---|').join('')}---|---|---|`,
      `| Swift workers ${r.s3Server.workers} | ${s.copyJob.seconds} | ${s.rclone.map((x) => `${x.seconds} s`).join(' | ')} | ${aws} | ${s.ratioToBest}× | ${s.target.met ? 'met' : 'not met'} |`,
    );
  }
  if (r.big) {
    const b = r.big;
    if (lines.length) lines.push('');
    lines.push(
      `| ${b.fileMiB} MiB file | API PUT | API GET | rclone up | rclone down | peak RSS MiB | target ≤ ${MAX_PEAK_RSS_MB} MB |`,
      '|---|---|---|---|---|---|---|',
      `| MiB/s (s) | ${b.upload.mibPerSecond} (${b.upload.seconds}) | ${b.download.mibPerSecond} (${b.download.seconds}) | ${b.rclone.up.mibPerSecond} (${b.rclone.up.seconds}) | ${b.rclone.down.mibPerSecond} (${b.rclone.down.seconds}) | ${b.peakRssMiB} | ${b.target.met ? 'met' : 'not met'} |`,
    );
  }
  lines.push('', `load average before ${r.load.before.join(' ')}, after ${r.load.after.join(' ')}`);
  return lines;
}
