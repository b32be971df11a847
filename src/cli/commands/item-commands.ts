/**
 * `rm`, `mv` and `trash`: one item to the trash, one item moved or renamed,
 * and the trash listing. The server does a file or a small folder in the
 * request; a large folder becomes a job (202), which these commands follow to
 * its end like `job submit --watch` (or, with --no-wait, print its id).
 */
import path from 'node:path';
import type { Command } from 'commander';
import { ApiError, filePath, listAll, resolveLibrary, type ApiClient, type RequestOptions } from '../client.js';
import { usageError } from '../errors.js';
import { humanSize, printJson, printTable, shortTime } from '../output.js';
import { clientFor, globalsOf, type ResolvedIO } from './context.js';
import { joinRemote, type Item } from './upload.js';
import { formatSummary, watchJob, type JobView } from './job-watch.js';
import { watchOutcome } from './job-commands.js';

type Change = { status: 200; item: Item } | { status: 202; job: JobView };

/** A request answered with the item (200, done) or a job doing it (202). */
async function itemChange(client: ApiClient, method: string, apiPath: string, options: RequestOptions = {}): Promise<Change> {
  const response = await client.send(method, apiPath, options);
  const body = (await response.json()) as Item | JobView;
  return response.status === 202 ? { status: 202, job: body as JobView } : { status: 200, item: body as Item };
}

/** Follows a job a change became, unless `wait` is false; fails unless it completed. */
async function followJob(client: ApiClient, job: JobView, io: ResolvedIO, options: { wait: boolean; json: boolean; what: string }): Promise<void> {
  if (!options.wait) {
    if (options.json) printJson(io.stdout, job);
    else io.stdout(`job ${job.id} ${job.status}: ${options.what} (batchyard job watch ${job.id})\n`);
    return;
  }
  if (!options.json) io.stderr(`batchyard: ${options.what} runs as job ${job.id}\n`);
  const finished = await watchJob(client, job.id, io, { progress: options.json ? 'none' : io.stderrIsTTY ? 'bar' : 'lines' });
  if (options.json) printJson(io.stdout, finished);
  else io.stdout(formatSummary(finished) + '\n');
  const outcome = watchOutcome(finished);
  if (outcome) throw outcome;
}

/** Whether `remotePath` is an existing folder (its listing answers) — 404 or "is a file" means no. */
async function isFolder(client: ApiClient, libraryId: string, remotePath: string): Promise<boolean> {
  try {
    await client.request('GET', `/libraries/${encodeURIComponent(libraryId)}/items`, { query: { path: remotePath, limit: 1 } });
    return true;
  } catch (error) {
    if (error instanceof ApiError && (error.status === 404 || error.status === 400)) return false;
    throw error;
  }
}

export function registerItemCommands(program: Command, io: ResolvedIO): void {
  program
    .command('rm <library> <path>')
    .description('move a file or folder to the trash (restorable: batchyard trash LIBRARY lists it); a large folder runs as a trash job')
    .option('--no-wait', 'when it runs as a job, print the job and return at once')
    .option('--json', 'print JSON (the trashed item, or the job)')
    .action(async (libraryArg: string, remote: string, options: { wait: boolean }, command: Command) => {
      const json = globalsOf(command).json === true;
      const remotePath = joinRemote(remote);
      if (remotePath === '/') throw usageError('rm: the root folder cannot be trashed; give a path inside it');
      const client = clientFor(command);
      const library = await resolveLibrary(client, libraryArg);
      const change = await itemChange(client, 'DELETE', filePath(library.libraryId, remotePath));
      if (change.status === 202) return followJob(client, change.job, io, { wait: options.wait, json, what: `trashing ${remotePath}` });
      if (json) printJson(io.stdout, change.item);
      else io.stdout(`trashed ${change.item.path} (item ${change.item.id}; batchyard job submit restore --library ${library.libraryId} --item-id ${change.item.id})\n`);
    });

  program
    .command('mv <library> <source> <destination>')
    .description('move or rename a file or folder within a library: into DESTINATION if it is a folder (or ends with /), else to that path')
    .option('--no-wait', 'when it runs as a job (a large folder), print the job and return at once')
    .option('--json', 'print JSON (the moved item, or the job)')
    .action(async (libraryArg: string, source: string, destination: string, options: { wait: boolean }, command: Command) => {
      const json = globalsOf(command).json === true;
      const from = joinRemote(source);
      if (from === '/') throw usageError('mv: the root folder cannot be moved');
      const client = clientFor(command);
      const library = await resolveLibrary(client, libraryArg);
      const dest = joinRemote(destination);
      const into = destination.endsWith('/') || dest === '/' || (await isFolder(client, library.libraryId, dest));
      const to = into ? joinRemote(dest, path.posix.basename(from)) : dest;
      const change = await itemChange(client, 'PATCH', filePath(library.libraryId, from), { json: { path: to } });
      if (change.status === 202) return followJob(client, change.job, io, { wait: options.wait, json, what: `moving ${from} to ${to}` });
      if (json) printJson(io.stdout, change.item);
      else io.stdout(`moved ${from} to ${change.item.path}\n`);
    });

  program
    .command('trash <library>')
    .description("list a library's trash, newest first (ids for: job submit restore|purge --item-id ID)")
    .option('--json', 'print a JSON array of items')
    .action(async (libraryArg: string, _options: unknown, command: Command) => {
      const client = clientFor(command);
      const library = await resolveLibrary(client, libraryArg);
      const items = await listAll<Item>(client, `/libraries/${encodeURIComponent(library.libraryId)}/trash`, 'items');
      if (globalsOf(command).json) {
        printJson(io.stdout, items);
        return;
      }
      if (items.length === 0) return;
      printTable(
        io.stdout,
        [{ header: 'ID', align: 'right' }, 'PATH', { header: 'SIZE', align: 'right' }, 'TRASHED'],
        items.map((item) => [String(item.id), item.kind === 'folder' ? `${item.path}/` : item.path, item.kind === 'folder' ? '-' : humanSize(item.size), shortTime(item.trashedAt)]),
      );
    });
}
