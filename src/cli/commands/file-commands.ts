/** `ls`, `mkdir`, `put`, `get`: a library's folders and files. */
import { stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { filePath, listAll, resolveLibrary } from '../client.js';
import { CliError, EXIT, usageError } from '../errors.js';
import { humanSize, printJson, printTable, shortTime } from '../output.js';
import { clientFor, globalsOf, type ResolvedIO } from './context.js';
import { joinRemote, uploadFile, uploadTree, type Item } from './upload.js';

async function statLocal(local: string): Promise<Stats | undefined> {
  try {
    return await stat(local);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw new CliError(`cannot read '${local}': ${(error as Error).message}`, EXIT.FAILURE, code);
  }
}

export function registerFileCommands(program: Command, io: ResolvedIO): void {
  program
    .command('ls <library> [path]')
    .description("list a folder's children (default /)")
    .option('--json', 'print a JSON array of items')
    .action(async (libraryArg: string, folder: string | undefined, _options: unknown, command: Command) => {
      const client = clientFor(command);
      const library = await resolveLibrary(client, libraryArg);
      const items = await listAll<Item>(client, `/libraries/${encodeURIComponent(library.libraryId)}/items`, 'items', { path: joinRemote(folder ?? '/') });
      if (globalsOf(command).json) {
        printJson(io.stdout, items);
        return;
      }
      if (items.length === 0) return;
      printTable(
        io.stdout,
        ['NAME', { header: 'SIZE', align: 'right' }, 'MODIFIED'],
        items.map((item) => [
          item.kind === 'folder' ? `${item.name}/` : item.name,
          item.kind === 'folder' ? '-' : humanSize(item.size),
          shortTime(item.modifiedAt),
        ]),
      );
    });

  program
    .command('mkdir <library> <path>')
    .description('create a folder (and missing parents)')
    .option('--json', 'print the folder as JSON')
    .action(async (libraryArg: string, folder: string, _options: unknown, command: Command) => {
      const client = clientFor(command);
      const library = await resolveLibrary(client, libraryArg);
      const created = await client.request<Item>('POST', `/libraries/${encodeURIComponent(library.libraryId)}/folders`, {
        json: { path: joinRemote(folder) },
      });
      if (globalsOf(command).json) printJson(io.stdout, created);
      else io.stdout(`${created.path}\n`);
    });

  program
    .command('put <library> <local> [remote]')
    .description('upload a file, a directory (recursively) or stdin (-); remote defaults to /<basename>, a trailing / means "into"')
    .option('--json', 'print JSON (the item, or a summary for a directory)')
    .action(async (libraryArg: string, local: string, remote: string | undefined, _options: unknown, command: Command) => {
      const json = globalsOf(command).json === true;
      if (local === '-' && (remote === undefined || joinRemote(remote) === '/')) {
        throw usageError('put -: give the remote file path to upload stdin to, e.g. batchyard put LIB - /notes.txt');
      }
      const client = clientFor(command);
      const stats = local === '-' ? undefined : await statLocal(local);
      if (local !== '-' && stats === undefined) throw new CliError(`no such file or directory: '${local}'`, EXIT.NOT_FOUND, 'ENOENT');
      const library = await resolveLibrary(client, libraryArg);
      const base = local === '-' ? '' : path.basename(path.resolve(local));
      const target = remote === undefined ? joinRemote('/', base) : remote.endsWith('/') ? joinRemote(remote, base) : joinRemote(remote);

      if (stats?.isDirectory()) {
        const result = await uploadTree(client, library.libraryId, local, target, io, { progress: io.stderrIsTTY && !json });
        if (json) printJson(io.stdout, { path: target, ...result });
        else io.stdout(`uploaded ${result.files} ${result.files === 1 ? 'file' : 'files'}, ${result.bytes} bytes\n`);
        if (result.failed.length > 0) throw new CliError(`${result.failed.length} of ${result.files + result.failed.length} files failed to upload`);
        return;
      }
      if (stats !== undefined && !stats.isFile()) throw usageError(`'${local}' is not a regular file or directory`);
      const item =
        stats === undefined
          ? await client.request<Item>('PUT', filePath(library.libraryId, target), { body: io.stdin })
          : await uploadFile(client, library.libraryId, local, target, stats.size);
      if (json) printJson(io.stdout, item);
      else io.stdout(`uploaded ${item.path}, ${item.size} bytes\n`);
    });

  program
    .command('get <library> <remote> [local]')
    .description('download a file to local (default: its name in the current directory; - for stdout)')
    .option('--json', 'print JSON (path, local, bytes, sha256)')
    .action(async (libraryArg: string, remote: string, local: string | undefined, _options: unknown, command: Command) => {
      const client = clientFor(command);
      const remotePath = joinRemote(remote);
      if (remotePath === '/') throw usageError('get: give the path of a file, not /');
      const library = await resolveLibrary(client, libraryArg);
      if (local === '-') {
        await client.download(library.libraryId, remotePath, io.stdoutStream);
        return;
      }
      const name = path.posix.basename(remotePath);
      let dest = local ?? name;
      if (dest.endsWith('/') || dest.endsWith(path.sep) || (await statLocal(dest))?.isDirectory()) dest = path.join(dest, name);
      const { bytes, sha256 } = await client.download(library.libraryId, remotePath, dest);
      if (globalsOf(command).json) printJson(io.stdout, { path: remotePath, local: dest, bytes, sha256 });
      else io.stdout(`downloaded ${remotePath} to ${dest}, ${bytes} bytes\n`);
    });
}
