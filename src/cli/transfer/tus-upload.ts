/**
 * A local file sent to the server's tus endpoint (/api/v1/uploads) with
 * tus-js-client: in chunks, with a progress bar (or a line now and then when
 * stderr is not a terminal); a dropped connection is retried with backoff and
 * resumes from the offset the server holds. The upload URL is kept in a small
 * resume file keyed by the file's fingerprint (its path, size, modification
 * time and the endpoint), so running the same command again resumes instead
 * of starting over.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import cliProgress from 'cli-progress';
import { Upload, type DetailedError } from 'tus-js-client';
import { ResumeFile } from './resume-file.js';
import type { ApiClient } from '../client.js';
import { ApiError, CliError, EXIT } from '../errors.js';
import { humanSize } from '../output.js';
import type { ResolvedIO } from '../commands/context.js';

/** Waits between attempts after a failure (ms); each attempt resumes from the server's offset. */
export const RETRY_DELAYS = [0, 1_000, 2_000, 5_000, 10_000, 20_000, 30_000, 30_000, 60_000, 60_000];
const CHUNK_BYTES = 16 * 1024 * 1024;

/** Where the CLI keeps its state (resume file, packed directories): BATCHYARD_STATE_DIR, else XDG_STATE_HOME or ~/.local/state, then /batchyard. */
export function stateDir(): string {
  const explicit = process.env.BATCHYARD_STATE_DIR;
  if (explicit) return explicit;
  const base = process.env.XDG_STATE_HOME || path.join(os.homedir(), '.local', 'state');
  return path.join(base, 'batchyard');
}

export interface TusUploadOptions {
  io: ResolvedIO;
  /** Draw a bar (a terminal), print lines, or say nothing. */
  progress: 'bar' | 'lines' | 'none';
  /** Upload-Metadata: the library it is meant for (the server checks WRITER), and a name. */
  metadata: Record<string, string>;
  /** The resume file (default: `<stateDir>/uploads.json`). */
  resumeFile?: string;
  chunkSize?: number;
  retryDelays?: number[];
}

/** The upload's id (the last segment of its URL) once every byte is on the server. */
export async function tusUploadFile(client: ApiClient, file: string, options: TusUploadOptions): Promise<string> {
  const resumeFile = options.resumeFile ?? path.join(stateDir(), 'uploads.json');
  const size = fs.statSync(file).size;
  const { io } = options;
  const bar =
    options.progress === 'bar'
      ? new cliProgress.SingleBar(
          { stream: process.stderr, format: 'uploading {bar} {percentage}% | {done} of {size}', hideCursor: true, clearOnComplete: true },
          cliProgress.Presets.shades_classic,
        )
      : undefined;
  let lastLine = 0;
  return new Promise<string>((resolve, reject) => {
    const upload = new Upload(fs.createReadStream(file), {
      endpoint: client.url('/uploads'),
      headers: client.token !== undefined ? { Authorization: `Bearer ${client.token}` } : {},
      metadata: { filename: path.basename(file), ...options.metadata },
      chunkSize: options.chunkSize ?? CHUNK_BYTES,
      retryDelays: options.retryDelays ?? RETRY_DELAYS,
      urlStorage: new ResumeFile(resumeFile),
      storeFingerprintForResuming: true,
      removeFingerprintOnSuccess: true,
      onProgress: (sent, total) => {
        if (bar) bar.update(sent, { done: humanSize(sent), size: humanSize(total) });
        else if (options.progress === 'lines' && Date.now() - lastLine >= 1000) {
          lastLine = Date.now();
          io.stderr(`uploading: ${humanSize(sent)} of ${humanSize(total)}\n`);
        }
      },
      onError: (error: Error | DetailedError) => {
        bar?.stop();
        const status = (error as DetailedError).originalResponse?.getStatus();
        if (status !== undefined && status > 0) {
          const body = (error as DetailedError).originalResponse?.getBody() ?? '';
          reject(ApiError.fromBody(status, '', body));
        } else {
          reject(new CliError(`upload of ${file} stopped: ${error.message} (run the same command again to resume)`, EXIT.FAILURE, 'UPLOAD_INTERRUPTED'));
        }
      },
      onSuccess: () => {
        bar?.stop();
        resolve(upload.url!.split('/').at(-1)!);
      },
    });
    bar?.start(size, 0, { done: humanSize(0), size: humanSize(size) });
    upload
      .findPreviousUploads()
      .then((previous) => {
        const latest = previous.sort((a, b) => (a.creationTime < b.creationTime ? 1 : -1))[0];
        if (latest) {
          if (options.progress !== 'none') io.stderr(`resuming the upload of ${path.basename(file)}\n`);
          upload.resumeFromPreviousUpload(latest);
        }
        upload.start();
      })
      .catch(reject);
  });
}
