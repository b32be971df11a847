/**
 * `batchyard import DIR|ARCHIVE --library L --to /folder [--on-conflict …] [--server-path]`:
 * an archive (zip, tar, tar.gz) is uploaded with tus (resumable: see
 * transfer/tus-upload.ts), a directory is first packed as a tar (kept in the
 * CLI's state directory under the tree's fingerprint, so a re-run resumes the
 * same bytes), then an `import` job is submitted and followed to its end
 * (exit 0 when it completed, 1 otherwise). With `--server-path` the path is
 * the server's own, read there under its import roots; nothing is uploaded.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { resolveLibrary } from '../client.js';
import { usageError } from '../errors.js';
import { humanSize, printJson } from '../output.js';
import { ON_CONFLICT } from '../../domain/jobs.js';
import { clientFor, globalsOf, type ResolvedIO } from './context.js';
import { formatSummary, watchOutcome, type JobView } from './job-commands.js';
import { watchJob } from './job-watch.js';
import { tusUploadFile, stateDir } from '../transfer/tus-upload.js';
import { directoryFingerprint, packDirectory } from '../transfer/pack-tar.js';

interface ImportFlags {
  library: string;
  to: string;
  onConflict?: string;
  serverPath?: boolean;
  resumeFile?: string;
}

/** The archive to upload for `local`: the file itself, or a directory's tar (packed once per content). */
async function archiveFor(local: string, io: ResolvedIO, quiet: boolean): Promise<{ file: string; packed: boolean }> {
  const stats = await fs.promises.stat(local).catch(() => {
    throw usageError(`${local}: no such file or directory`);
  });
  if (stats.isFile()) return { file: local, packed: false };
  if (!stats.isDirectory()) throw usageError(`${local}: not a file or a directory`);
  const packs = path.join(stateDir(), 'packs');
  await fs.promises.mkdir(packs, { recursive: true });
  const file = path.join(packs, `${await directoryFingerprint(local)}.tar`);
  if (!fs.existsSync(file)) {
    if (!quiet) io.stderr(`packing ${local} …\n`);
    const packed = await packDirectory(local, file);
    if (!quiet) io.stderr(`packed ${packed.files} files, ${packed.folders} folders, ${humanSize(packed.bytes)}\n`);
    for (const skipped of packed.skipped) io.stderr(`batchyard: skipped ${skipped} (a link or special file)\n`);
  }
  return { file, packed: true };
}

export function registerImportCommand(program: Command, io: ResolvedIO): void {
  program
    .command('import <source>')
    .description('import a local directory or archive (zip, tar, tar.gz) into a library folder: uploaded resumably (tus), then unpacked by an import job that is followed to its end')
    .requiredOption('--library <library>', 'the library (id or exact name)')
    .requiredOption('--to <folder>', 'the folder the files go into (created if missing)')
    .option('--on-conflict <mode>', `when a name is taken: ${ON_CONFLICT.join(', ')} (default fail)`)
    .option('--server-path', "SOURCE is a directory on the server, under its import roots (BATCHYARD_IMPORT_ROOTS): nothing is uploaded")
    .option('--resume-file <file>', 'where upload URLs are kept for resuming (default: <state dir>/uploads.json)')
    .action(async (source: string, options: ImportFlags, command: Command) => {
      if (options.onConflict !== undefined && !(ON_CONFLICT as readonly string[]).includes(options.onConflict)) {
        throw usageError(`--on-conflict: expected one of ${ON_CONFLICT.join(', ')}, got '${options.onConflict}'`);
      }
      const json = globalsOf(command).json === true;
      const progress = json ? 'none' : io.stderrIsTTY ? 'bar' : 'lines';
      const client = clientFor(command);
      const library = await resolveLibrary(client, options.library);
      let importSource: Record<string, string>;
      if (options.serverPath) {
        importSource = { type: 'server_path', path: source };
      } else {
        const { file, packed } = await archiveFor(source, io, json);
        const uploadId = await tusUploadFile(client, file, {
          io,
          progress,
          metadata: { libraryId: library.libraryId },
          ...(options.resumeFile ? { resumeFile: options.resumeFile } : {}),
        });
        // The server has the bytes: a packed tar is not needed again.
        if (packed) await fs.promises.rm(file, { force: true });
        importSource = { type: 'upload', uploadId };
      }
      const params = { source: importSource, destination: options.to, ...(options.onConflict ? { onConflict: options.onConflict } : {}) };
      const created = await client.request<JobView>('POST', '/jobs', { json: { type: 'import', libraryId: library.libraryId, params } });
      if (progress !== 'none') io.stderr(`job ${created.id} submitted\n`);
      const job = await watchJob(client, created.id, io, { progress: progress === 'bar' ? 'bar' : progress === 'lines' ? 'lines' : 'none' });
      if (json) printJson(io.stdout, job);
      else io.stdout(formatSummary(job) + '\n');
      const outcome = watchOutcome(job);
      if (outcome) throw outcome;
    });
}
