/** `me`, `user add`, `user list`, `token create`, `token list`, `token revoke`. */
import { Option, type Command } from 'commander';
import { cell, printJson, printTable, shortTime } from '../output.js';
import { listAll } from '../client.js';
import { usageError } from '../errors.js';
import { clientFor, globalsOf, parseIntegerFlag, readAll, type ResolvedIO } from './context.js';

interface User {
  id: number;
  email: string;
  name: string;
  role: string;
  domain: string;
}

interface CreatedToken {
  id: string;
  token: string;
  userId: number;
  name: string;
  expiresAt: string | null;
}

interface TokenInfo {
  id: string;
  name: string;
  userId: number;
  userEmail: string;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
}

function printUser(io: ResolvedIO, user: User): void {
  const rows: [string, unknown][] = [
    ['id', user.id],
    ['email', user.email],
    ['name', user.name],
    ['role', user.role],
    ['domain', user.domain],
  ];
  for (const [key, value] of rows) io.stdout(`${key.padEnd(7)} ${cell(value)}\n`);
}

export function registerAccountCommands(program: Command, io: ResolvedIO): void {
  program
    .command('me')
    .description('show the user the token belongs to')
    .option('--json', 'print JSON')
    .action(async (_options: unknown, command: Command) => {
      const user = await clientFor(command).request<User>('GET', '/me');
      if (globalsOf(command).json) printJson(io.stdout, user);
      else printUser(io, user);
    });

  const user = program.command('user').description('manage users (admins)');
  user
    .command('add <email>')
    .description('create a user in your domain')
    .option('--name <name>', 'display name')
    .addOption(new Option('--role <role>', 'role').choices(['user', 'admin', 'super_admin']))
    .option('--password-stdin', 'read the password from stdin (first line)')
    .option('--json', 'print JSON')
    .action(async (email: string, options: { name?: string; role?: string; passwordStdin?: boolean }, command: Command) => {
      const client = clientFor(command);
      let password: string | undefined;
      if (options.passwordStdin) {
        password = (await readAll(io.stdin)).split(/\r?\n/)[0] ?? '';
        if (password === '') throw usageError('--password-stdin: stdin had no password');
      }
      const created = await client.request<User>('POST', '/users', { json: { email, name: options.name, role: options.role, password } });
      if (globalsOf(command).json) printJson(io.stdout, created);
      else printUser(io, created);
    });

  user
    .command('list')
    .description("list your domain's users (admins)")
    .option('--domain <name>', "another domain's users (super admins)")
    .option('--json', 'print a JSON array')
    .action(async (options: { domain?: string }, command: Command) => {
      const users = await listAll<User>(clientFor(command), '/users', 'users', { domain: options.domain });
      if (globalsOf(command).json) {
        printJson(io.stdout, users);
        return;
      }
      printTable(io.stdout, [{ header: 'ID', align: 'right' }, 'EMAIL', 'NAME', 'ROLE'], users.map((u) => [String(u.id), u.email, u.name, u.role]));
    });

  const token = program.command('token').description('mint, list and revoke API tokens');
  token
    .command('create')
    .description('mint an API token and print its secret (shown once): export BATCHYARD_TOKEN=$(batchyard token create)')
    .option('--user-id <id>', 'mint for another user of your domain (admins)')
    .option('--name <name>', 'a label for the token')
    .option('--expires-in-days <n>', 'expire after n days (1-3650; default: never)')
    .option('--json', 'print JSON (id, token, userId, name, expiresAt)')
    .action(async (options: { userId?: string; name?: string; expiresInDays?: string }, command: Command) => {
      const body = {
        userId: parseIntegerFlag(options.userId, '--user-id'),
        name: options.name,
        expiresInDays: parseIntegerFlag(options.expiresInDays, '--expires-in-days', 1, 3650),
      };
      const created = await clientFor(command).request<CreatedToken>('POST', '/tokens', { json: body });
      if (globalsOf(command).json) printJson(io.stdout, created);
      else io.stdout(`${created.token}\n`);
    });

  token
    .command('list')
    .description('list API tokens (never their secrets): yours; an admin, those of the users of the domain')
    .option('--user-id <id>', "only this user's tokens (yourself, or a user you manage)")
    .option('--all', 'also revoked and expired tokens')
    .option('--json', 'print a JSON array')
    .action(async (options: { userId?: string; all?: boolean }, command: Command) => {
      const query = { userId: parseIntegerFlag(options.userId, '--user-id'), includeInactive: options.all ? true : undefined };
      const tokens = await listAll<TokenInfo>(clientFor(command), '/tokens', 'tokens', query);
      if (globalsOf(command).json) {
        printJson(io.stdout, tokens);
        return;
      }
      const columns = ['ID', 'NAME', 'USER', 'CREATED', 'EXPIRES', ...(options.all ? ['REVOKED'] : [])];
      printTable(
        io.stdout,
        columns,
        tokens.map((t) => [t.id, t.name, t.userEmail, shortTime(t.createdAt), t.expiresAt === null ? 'never' : shortTime(t.expiresAt), ...(options.all ? [shortTime(t.revokedAt)] : [])]),
      );
    });

  token
    .command('revoke <id>')
    .description('revoke a token by its id (not its secret)')
    .option('--json', 'print JSON')
    .action(async (id: string, _options: unknown, command: Command) => {
      await clientFor(command).request('DELETE', `/tokens/${encodeURIComponent(id)}`);
      if (globalsOf(command).json) printJson(io.stdout, { id, revoked: true });
      else io.stdout(`revoked ${id}\n`);
    });
}
