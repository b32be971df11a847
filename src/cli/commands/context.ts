/** What every client command shares: where output goes, the API client from the global flags, flag parsing. */
import { Writable, type Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { Command } from 'commander';
import { ApiClient } from '../client.js';
import { CliError, EXIT, usageError } from '../errors.js';

/** Where commands read and write; injectable so tests capture output. */
export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  stdin?: Readable;
  /** Binary output (`get … -`); defaults to process.stdout, or to `stdout` when that was injected. */
  stdoutStream?: Writable;
  /** Whether to draw progress bars on stderr; defaults to process.stderr.isTTY. */
  stderrIsTTY?: boolean;
}

export type ResolvedIO = Required<CliIO>;

function textWriter(write: (text: string) => void): Writable {
  const decoder = new StringDecoder('utf8');
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      write(decoder.write(chunk));
      done();
    },
    final(done) {
      write(decoder.end());
      done();
    },
  });
}

let stdoutGuarded = false;

/** `batchyard … | head` closes the pipe early: end quietly rather than crash on EPIPE. */
function guardStdout(): void {
  if (stdoutGuarded) return;
  stdoutGuarded = true;
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
  });
}

export function resolveIO(io?: Partial<CliIO>): ResolvedIO {
  if (io?.stdout === undefined) guardStdout();
  const stdout = io?.stdout ?? ((text: string) => void process.stdout.write(text));
  const stdoutStream =
    io?.stdoutStream ??
    (io?.stdout
      ? textWriter(stdout)
      : process.stdout);
  return {
    stdout,
    stderr: io?.stderr ?? ((text: string) => void process.stderr.write(text)),
    stdin: io?.stdin ?? process.stdin,
    stdoutStream,
    stderrIsTTY: io?.stderrIsTTY ?? (io?.stderr === undefined && process.stderr.isTTY === true),
  };
}

export interface GlobalOptions {
  url?: string;
  token?: string;
  json?: boolean;
}

export function globalsOf(command: Command): GlobalOptions {
  return command.optsWithGlobals<GlobalOptions>();
}

/** The API client for `--url`/`--token` (set on the root program by main.ts, with env defaults). */
export function clientFor(command: Command): ApiClient {
  const globals = globalsOf(command);
  const token = globals.token ?? process.env.BATCHYARD_TOKEN;
  if (token === undefined || token === '') {
    throw new CliError('no token: pass --token or set BATCHYARD_TOKEN', EXIT.AUTH, 'UNAUTHENTICATED');
  }
  return new ApiClient(globals.url ?? process.env.BATCHYARD_URL ?? 'http://127.0.0.1:8080', token);
}

/** An integer flag value, or a usage error naming the flag. */
export function parseIntegerFlag(value: string | undefined, flag: string, min = 1, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  const parsed = /^[+-]?\d+$/.test(trimmed) ? Number(trimmed) : Number.NaN;
  if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer from ${min} to ${max}`;
    throw usageError(`${flag}: expected ${range}, got '${value}'`);
  }
  return parsed;
}

/** All of a stream, as a string (UTF-8). */
export async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}
