/** `library create`, `library list`, `library show`. */
import { Option, type Command } from 'commander';
import { paginate, resolveLibrary, type Library } from '../client.js';
import { cell, printJson, printTable } from '../output.js';
import { clientFor, globalsOf, parseIntegerFlag, type ResolvedIO } from './context.js';

interface CreateOptions {
  storage?: string;
  appType?: string;
  findableBy?: string;
  daysBeforeDelete?: string;
  restrictedDownload?: boolean;
}

/** `key  value` lines for a library's scalar fields (objects as compact JSON). */
function printLibrary(io: ResolvedIO, library: Library): void {
  const first = ['libraryId', 'name', 'state', 'currentUserRight'];
  const keys = [...first.filter((k) => k in library), ...Object.keys(library).filter((k) => !first.includes(k))];
  const width = Math.max(...keys.map((k) => k.length));
  for (const key of keys) io.stdout(`${key.padEnd(width)}  ${cell(library[key])}\n`);
}

export function registerLibraryCommands(program: Command, io: ResolvedIO): void {
  const library = program.command('library').description('create, list and show libraries');

  library
    .command('create <name>')
    .description('create a library (you become its ADMIN); prints its id')
    .option('--storage <location>', 'object storage location (objectStorageLocation)')
    .option('--app-type <n>', 'appType (integer; default 2, Drive)')
    .addOption(new Option('--findable-by <who>', 'who may find the library').choices(['READERS', 'CONTRIBUTORS', 'ADMINS', 'NONE']))
    .option('--days-before-delete <n>', 'days an item stays in the trash before it is purged')
    .option('--restricted-download', 'readers may not download')
    .option('--json', 'print the library as JSON')
    .action(async (name: string, options: CreateOptions, command: Command) => {
      const body: Record<string, unknown> = {
        name,
        objectStorageLocation: options.storage,
        appType: parseIntegerFlag(options.appType, '--app-type', 0),
        findableBy: options.findableBy,
        daysBeforeDelete: parseIntegerFlag(options.daysBeforeDelete, '--days-before-delete', 0),
        restrictedDownload: options.restrictedDownload ? true : undefined,
      };
      for (const key of Object.keys(body)) if (body[key] === undefined) delete body[key];
      const created = await clientFor(command).request<Library>('POST', '/libraries', { json: body });
      if (globalsOf(command).json) printJson(io.stdout, created);
      else io.stdout(`${created.libraryId}\n`);
    });

  library
    .command('list')
    .description('list the libraries you can find')
    .option('--json', 'print a JSON array')
    .action(async (_options: unknown, command: Command) => {
      const client = clientFor(command);
      const libraries: Library[] = [];
      for await (const lib of paginate<Library>(client, '/libraries', 'libraries')) libraries.push(lib);
      if (globalsOf(command).json) {
        printJson(io.stdout, libraries);
        return;
      }
      printTable(
        io.stdout,
        ['ID', 'NAME', 'STATE', 'RIGHT'],
        libraries.map((l) => [cell(l.libraryId), cell(l.name), cell(l.state), cell(l.currentUserRight)]),
      );
    });

  library
    .command('show <library>')
    .description('show a library (by id or exact name)')
    .option('--json', 'print JSON')
    .action(async (idOrName: string, _options: unknown, command: Command) => {
      const found = await resolveLibrary(clientFor(command), idOrName);
      if (globalsOf(command).json) printJson(io.stdout, found);
      else printLibrary(io, found);
    });
}
