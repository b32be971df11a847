/**
 * Uploading a local directory tree: walk it with fs.opendir, stream each file
 * with a known content-length, a fixed number of uploads in flight, an
 * optional progress bar. Per-file refusals (bad name, conflict, too large) are
 * reported and the rest go on; anything else (auth, network) stops the upload.
 */
import { createReadStream } from 'node:fs';
import { opendir, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import cliProgress from 'cli-progress';
import { ApiError, filePath, type ApiClient } from '../client.js';
import { CliError, formatError } from '../errors.js';
import { humanSize } from '../output.js';
import type { ResolvedIO } from './context.js';

export const UPLOADS_IN_FLIGHT = 8;

export interface Item {
  id: number;
  libraryId: string;
  path: string;
  name: string;
  kind: 'file' | 'folder';
  size: number;
  sha256: string | null;
  contentType: string | null;
  createdAt: string;
  modifiedAt: string;
  trashedAt: string | null;
}

type Entry = { kind: 'file'; local: string; remote: string; size: number } | { kind: 'emptyDir'; remote: string };

export interface TreeUploadResult {
  files: number;
  bytes: number;
  folders: number;
  failed: { path: string; code: string; message: string }[];
}

/** Joins a remote folder path and more segments: `/a` + [`b c`, `d`] → `/a/b c/d`. */
export function joinRemote(base: string, ...segments: string[]): string {
  const parts = [...base.split('/'), ...segments].filter((s) => s !== '');
  return '/' + parts.join('/');
}

/** Uploads one local file (streamed, content-length from stat). */
export async function uploadFile(client: ApiClient, libraryId: string, local: string, remote: string, size: number, signal?: AbortSignal): Promise<Item> {
  // Read at most the stat()ed size, so a file that grows meanwhile still matches its content-length.
  const body = size > 0 ? createReadStream(local, { start: 0, end: size - 1 }) : Readable.from([]);
  return client.request<Item>('PUT', filePath(libraryId, remote), { body, headers: { 'content-length': String(size) }, signal });
}

async function* walk(localDir: string, remoteDir: string, io: ResolvedIO): AsyncGenerator<Entry> {
  let empty = true;
  for await (const dirent of await opendir(localDir)) {
    const local = path.join(localDir, dirent.name);
    const remote = joinRemote(remoteDir, dirent.name);
    let isFile = dirent.isFile();
    let isDir = dirent.isDirectory();
    if (dirent.isSymbolicLink()) {
      const target = await stat(local).catch(() => undefined);
      isFile = target?.isFile() ?? false;
      isDir = false;
      if (target?.isDirectory()) io.stderr(`batchyard: skipping symbolic link to a directory: ${local}\n`);
    }
    if (isDir) {
      empty = false;
      yield* walk(local, remote, io);
    } else if (isFile) {
      empty = false;
      yield { kind: 'file', local, remote, size: (await stat(local)).size };
    } else if (!dirent.isSymbolicLink()) {
      io.stderr(`batchyard: skipping ${local}: not a regular file or directory\n`);
    }
  }
  if (empty) yield { kind: 'emptyDir', remote: remoteDir };
}

/** Whether a failed upload is the file's own problem (report and continue) rather than the session's. */
function perFileFailure(error: unknown): error is ApiError {
  return error instanceof ApiError && [400, 409, 412, 413, 415, 422].includes(error.status);
}

export async function uploadTree(
  client: ApiClient,
  libraryId: string,
  localDir: string,
  remoteDir: string,
  io: ResolvedIO,
  options: { progress: boolean; concurrency?: number },
): Promise<TreeUploadResult> {
  const result: TreeUploadResult = { files: 0, bytes: 0, folders: 0, failed: [] };
  const entries = walk(localDir, remoteDir, io);
  const abort = new AbortController();
  let fatal: unknown;
  let discovered = 0;
  const bar = options.progress
    ? new cliProgress.SingleBar(
        {
          stream: process.stderr,
          format: 'uploading {bar} {value}/{total} files | {bytesDone}',
          hideCursor: true,
          clearOnComplete: true,
        },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  bar?.start(0, 0, { bytesDone: humanSize(0) });

  const worker = async () => {
    while (fatal === undefined) {
      let next: IteratorResult<Entry>;
      try {
        next = await entries.next();
      } catch (error) {
        fatal ??= error;
        break;
      }
      if (next.done) break;
      const entry = next.value;
      try {
        if (entry.kind === 'emptyDir') {
          await client.request('POST', `/libraries/${encodeURIComponent(libraryId)}/folders`, { json: { path: entry.remote }, signal: abort.signal }).catch((error: unknown) => {
            if (!(error instanceof ApiError && error.status === 409)) throw error; // already there
          });
          result.folders++;
          continue;
        }
        bar?.setTotal(++discovered);
        await uploadFile(client, libraryId, entry.local, entry.remote, entry.size, abort.signal);
        result.files++;
        result.bytes += entry.size;
      } catch (error) {
        if (perFileFailure(error)) {
          result.failed.push({ path: entry.remote, code: error.code, message: error.message });
          if (!bar) io.stderr(`${formatError(error)} (${entry.remote})\n`);
        } else if (fatal === undefined) {
          fatal = error;
          abort.abort();
        }
      }
      bar?.update(result.files + result.failed.length, { bytesDone: humanSize(result.bytes) });
    }
  };

  try {
    await Promise.all(Array.from({ length: options.concurrency ?? UPLOADS_IN_FLIGHT }, worker));
  } finally {
    bar?.stop();
    await entries.return(undefined);
  }
  if (bar) for (const f of result.failed) io.stderr(`batchyard: ${f.code}: ${f.message} (${f.path})\n`);
  if (fatal !== undefined) {
    if (fatal instanceof Error && fatal.name === 'AbortError') throw new CliError('upload aborted');
    throw fatal;
  }
  return result;
}
