/**
 * The real S3-compatible server of a test run: OpenStack Swift with its s3api
 * middleware (Debian's packages), started by scripts/s3-server/start.sh on
 * loopback ports. `startS3Server` starts one (global-setup.ts does, once per
 * `vitest run`, in the background: a run that needs no S3 does not wait for
 * it); `s3TestServer()` is that server as a test sees it, and `location(name)`
 * a storage location of its own under a fresh prefix of the shared bucket,
 * emptied by `dispose`. In CI (CI set, not false/0) a server that cannot
 * start fails the tests that need it; elsewhere they are skipped with one
 * clear line (`s3Suites`), as PostgreSQL's are.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DeleteObjectCommand, ListObjectsV2Command, ListMultipartUploadsCommand, AbortMultipartUploadCommand } from '@aws-sdk/client-s3';
import { isCI } from './drivers.js';
import { parseS3Location, type S3Location } from '../../src/blobs/s3/s3-location.js';
import { S3BlobStore } from '../../src/blobs/s3/s3-blob-store.js';
import type { S3ClientOptions } from '../../src/blobs/s3/s3-client.js';

const SCRIPTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../scripts/s3-server');
export const S3_BUCKET = 'batchyard';
export const S3_ACCESS_KEY = 'batchyard:s3';
export const S3_SECRET_KEY = 'batchyard-secret';
/** How long a test waits for the server global-setup started (Swift takes ~10-40 s to start on a busy machine). */
const READY_TIMEOUT_MS = 150_000;

export interface StartedS3Server {
  dir: string;
  endpoint: string;
  /** The start script, while it runs (it exits once the server answers, or has failed). */
  starter: ChildProcess;
  /** Resolves with the endpoint once an S3 call works; rejects with the servers' logs. */
  ready: Promise<string>;
  stop(): Promise<void>;
}

/** Four free consecutive loopback ports (proxy, account, container, object); the first returned. */
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

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * Stops the servers of runs that ended without stopping theirs (a killed
 * `vitest run`): those under the temp directory whose owning process is gone.
 */
export async function reapStaleS3Servers(): Promise<void> {
  for (const name of fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith('batchyard-s3-') && !n.startsWith('batchyard-s3-location-'))) {
    const dir = path.join(os.tmpdir(), name);
    let owner: number;
    try {
      owner = Number(fs.readFileSync(path.join(dir, 'owner'), 'utf8'));
    } catch {
      continue; // not a server's directory (or one being made)
    }
    if (!Number.isInteger(owner) || owner <= 0 || alive(owner)) continue;
    await new Promise((resolve) => spawn('bash', [path.join(SCRIPTS, 'stop.sh'), dir], { stdio: 'ignore' }).once('exit', resolve));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Starts a Swift + s3api server in `dir` (a fresh temp directory by default)
 * on free loopback ports, owned by this process (reapStaleS3Servers stops it
 * should this process die without stopping it). Does not wait for it: `ready` does.
 */
export async function startS3Server(dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchyard-s3-'))): Promise<StartedS3Server> {
  const port = await freePorts();
  const endpoint = `http://127.0.0.1:${port}`;
  const runDir = path.join(dir, 'run');
  fs.mkdirSync(runDir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'owner'), String(process.pid)); // beside run/, which start.sh makes afresh
  const starter = spawn('bash', [path.join(SCRIPTS, 'start.sh'), dir, String(port)], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, S3_BUCKET } });
  let stderr = '';
  starter.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  starter.on('exit', (code) => {
    // A failure the script could not write itself (a missing package, a crash).
    if (code !== 0 && !fs.existsSync(path.join(runDir, 'failed'))) fs.writeFileSync(path.join(runDir, 'failed'), `start.sh exited with ${code}:\n${stderr}`);
  });
  starter.on('error', (error) => fs.writeFileSync(path.join(runDir, 'failed'), `start.sh could not run: ${error.message}`));
  const stop = async () => {
    if (starter.exitCode === null) {
      starter.kill('SIGTERM'); // its trap stops what it started
      await new Promise((resolve) => starter.once('exit', resolve));
    }
    await new Promise((resolve) => spawn('bash', [path.join(SCRIPTS, 'stop.sh'), dir], { stdio: 'ignore' }).once('exit', resolve));
    fs.rmSync(dir, { recursive: true, force: true });
  };
  return { dir, endpoint, starter, ready: waitReady(dir, READY_TIMEOUT_MS), stop };
}

/** Waits for start.sh in `dir` to say the server answers (run/ready) or failed (run/failed). */
async function waitReady(dir: string, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ready = path.join(dir, 'run', 'ready');
    const failed = path.join(dir, 'run', 'failed');
    if (fs.existsSync(ready)) return fs.readFileSync(ready, 'utf8').trim();
    if (fs.existsSync(failed)) throw new Error(`the S3 test server (Swift + s3api) did not start:\n${fs.readFileSync(failed, 'utf8')}`);
    if (!fs.existsSync(dir)) throw new Error(`the S3 test server's directory ${dir} is gone (the run is ending)`);
    if (Date.now() > deadline) throw new Error(`the S3 test server in ${dir} did not answer within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** A storage location of one test: its own prefix of the shared bucket. */
export interface S3TestLocation {
  /** `s3://batchyard/<prefix>?endpoint=…&region=us-east-1&forcePathStyle=true` (credentials from the environment). */
  url: string;
  /** The same with `credentialsFile=` (credentials from a file, no environment needed). */
  urlWithCredentialsFile: string;
  /** What a batchyard process needs to use it as `default`: BATCHYARD_STORAGES and the AWS credentials. */
  env: Record<string, string>;
  /** An S3BlobStore on it (spooling under `dataDir`); closed by dispose. */
  store(options?: { name?: string; dataDir?: string; client?: S3ClientOptions }): S3BlobStore;
  /** Removes every object and multipart upload under the prefix, and closes the stores made. */
  dispose(): Promise<void>;
}

export interface S3TestServer {
  endpoint: string;
  location(name: string): Promise<S3TestLocation>;
}

/** Whether S3 suites run: always when global-setup's server started; skipped when it did not, but in CI, where that throws. */
export async function s3Suites(): Promise<'run' | 'skip'> {
  const failure = await s3Unavailable();
  if (failure === undefined) return 'run';
  if (isCI(process.env.CI)) throw new Error(`the S3 test server is unavailable and CI=${process.env.CI}: ${failure}`);
  console.warn(`S3 suites skipped: ${failure}`);
  return 'skip';
}

let readyOnce: Promise<string | undefined> | undefined;
/** undefined once the run's server answers, else why it will not. */
function s3Unavailable(): Promise<string | undefined> {
  readyOnce ??= (async () => {
    const dir = process.env.BATCHYARD_TEST_S3_DIR;
    if (!dir) return process.env.BATCHYARD_TEST_S3_UNAVAILABLE ?? 'no S3 test server was started (test/support/global-setup.ts)';
    try {
      await waitReady(dir, READY_TIMEOUT_MS);
      return undefined;
    } catch (error) {
      return (error as Error).message;
    }
  })();
  return readyOnce;
}

/** The run's S3 server (started by global-setup.ts); `location` waits for it to answer. */
export function s3TestServer(): S3TestServer {
  const endpoint = process.env.BATCHYARD_TEST_S3_ENDPOINT;
  if (!endpoint) throw new Error('no S3 test server in this run (BATCHYARD_TEST_S3_ENDPOINT is unset: see test/support/global-setup.ts)');
  return {
    endpoint,
    async location(name: string) {
      const failure = await s3Unavailable();
      if (failure !== undefined) throw new Error(failure);
      return makeLocation(endpoint, name);
    },
  };
}

function makeLocation(endpoint: string, name: string): S3TestLocation {
  const prefix = `${name}-${Date.now().toString(36)}`;
  const base = `s3://${S3_BUCKET}/${prefix}?endpoint=${encodeURIComponent(endpoint)}&region=us-east-1&forcePathStyle=true`;
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'batchyard-s3-location-'));
  const credentialsFile = path.join(home, 'credentials');
  fs.writeFileSync(credentialsFile, `[default]\naws_access_key_id = ${S3_ACCESS_KEY}\naws_secret_access_key = ${S3_SECRET_KEY}\n`);
  const urlWithCredentialsFile = `${base}&credentialsFile=${encodeURIComponent(credentialsFile)}`;
  const stores: S3BlobStore[] = [];
  let admin: S3BlobStore | undefined;
  const parse = (storeName: string, dataDir: string): S3Location => parseS3Location(storeName, urlWithCredentialsFile, path.join(dataDir, 's3-spool'));
  return {
    url: base,
    urlWithCredentialsFile,
    env: { BATCHYARD_STORAGES: `default=${base}`, AWS_ACCESS_KEY_ID: S3_ACCESS_KEY, AWS_SECRET_ACCESS_KEY: S3_SECRET_KEY },
    store(options = {}) {
      const store = new S3BlobStore(options.name ?? 'default', parse(options.name ?? 'default', options.dataDir ?? home), options.client);
      stores.push(store);
      return store;
    },
    async dispose() {
      admin ??= new S3BlobStore('admin', parse('admin', home));
      const client = admin.client;
      let token: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket: S3_BUCKET, Prefix: `${prefix}/`, ContinuationToken: token }));
        const keys = (page.Contents ?? []).map((o) => o.Key!);
        // 16 at a time: a page of 1,000 at once floods a one-process server on a busy machine.
        for (let i = 0; i < keys.length; i += 16) await Promise.all(keys.slice(i, i + 16).map((Key) => client.send(new DeleteObjectCommand({ Bucket: S3_BUCKET, Key }))));
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token !== undefined);
      const uploads = await client.send(new ListMultipartUploadsCommand({ Bucket: S3_BUCKET, Prefix: `${prefix}/` }));
      for (const u of uploads.Uploads ?? []) await client.send(new AbortMultipartUploadCommand({ Bucket: S3_BUCKET, Key: u.Key!, UploadId: u.UploadId! }));
      for (const store of stores.splice(0)) store.close();
      admin.close();
      fs.rmSync(home, { recursive: true, force: true });
    },
  };
}
