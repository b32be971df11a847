/** `library create`, `list`, `show`, `rename`, `delete`, `permissions`, `retention` (library-retention.ts). */
import { Option, type Command } from 'commander';
import { listAll, resolveLibrary, type Library } from '../client.js';
import { cell, printJson, printTable } from '../output.js';
import { clientFor, globalsOf, parseIntegerFlag, type ResolvedIO } from './context.js';
import { usageError } from '../errors.js';
import { applyPermissionChanges, type Permission } from './permissions.js';
import { registerLibraryRetention } from './library-retention.js';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

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
  const library = program.command('library').description('create, list, show, rename and delete libraries; show and set their permissions');

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
      const libraries = await listAll<Library>(client, '/libraries', 'libraries');
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

  library
    .command('rename <library> <name>')
    .description('rename a library (ADMIN)')
    .option('--json', 'print the library as JSON')
    .action(async (idOrName: string, name: string, _options: unknown, command: Command) => {
      const client = clientFor(command);
      const found = await resolveLibrary(client, idOrName);
      const renamed = await client.request<Library>('PATCH', `/libraries/${encodeURIComponent(found.libraryId)}`, { json: { name } });
      if (globalsOf(command).json) printJson(io.stdout, renamed);
      else io.stdout(`renamed ${found.libraryId} to ${renamed.name}\n`);
    });

  library
    .command('delete <library>')
    .description('delete a library and all its content, trash included (ADMIN); needs --yes')
    .option('--yes', 'yes, delete it and everything in it')
    .option('--json', 'print JSON')
    .action(async (idOrName: string, options: { yes?: boolean }, command: Command) => {
      if (!options.yes) throw usageError(`library delete removes '${idOrName}' and everything in it, trash included: add --yes`);
      const client = clientFor(command);
      const found = await resolveLibrary(client, idOrName);
      await client.request('DELETE', `/libraries/${encodeURIComponent(found.libraryId)}`);
      if (globalsOf(command).json) printJson(io.stdout, { libraryId: found.libraryId, name: found.name, deleted: true });
      else io.stdout(`deleted ${found.libraryId} (${found.name})\n`);
    });

  registerLibraryRetention(library, io);

  library
    .command('permissions <library>')
    .description('show who has which role; --set and --remove change the list (ADMIN), e.g. --set user:ann@example.com=READER')
    .option('--set <who=ROLE>', 'user:EMAIL=ROLE or domain:NAME=ROLE (READER, WRITER, ADMIN); repeatable', collect)
    .option('--remove <who>', 'user:EMAIL or domain:NAME; repeatable', collect)
    .option('--json', 'print the permission list as JSON')
    .action(async (idOrName: string, options: { set?: string[]; remove?: string[] }, command: Command) => {
      const client = clientFor(command);
      let found = await resolveLibrary(client, idOrName);
      const current = (found.permissions ?? []) as Permission[];
      if ((options.set?.length ?? 0) + (options.remove?.length ?? 0) > 0) {
        const permissions = applyPermissionChanges(current, options.set ?? [], options.remove ?? []);
        found = await client.request<Library>('PUT', `/libraries/${encodeURIComponent(found.libraryId)}/permissions`, { json: { permissions } });
      }
      const list = ((found.permissions ?? []) as Permission[]).map((p) => ({ type: p.type, value: p.value, role: p.role }));
      if (globalsOf(command).json) {
        printJson(io.stdout, list);
        return;
      }
      printTable(io.stdout, ['TYPE', 'WHO', 'ROLE'], list.map((p) => [p.type, p.value, p.role]));
    });
}
