/**
 * `batchyard admin-token`: run where the server's database is (`--data` or
 * `--database-url`, as for `serve`), it mints a new token for the super admin
 * (or `--email`, an admin) and prints it. The way back from a lost admin token:
 * database access is the credential, no token or running server is needed.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { loadConfig, type ConfigFlags } from '../../config.js';
import { CliError, EXIT } from '../errors.js';
import { printJson } from '../output.js';
import { parseIntegerFlag, type ResolvedIO } from './context.js';

interface AdminTokenFlags extends ConfigFlags {
  email?: string;
  name?: string;
  expiresInDays?: string;
  json?: boolean;
}

export function registerAdminTokenCommand(program: Command, io: ResolvedIO): void {
  program
    .command('admin-token')
    .description("mint a new token for the super admin (or --email, an admin) with the server's database; prints the secret")
    .option('--data <dir>', "the server's data directory: SQLite file and blobs (env BATCHYARD_DATA_DIR)")
    .option('--database-url <url>', 'postgres://… when the server uses PostgreSQL (env DATABASE_URL)')
    .option('--email <email>', 'the admin to mint for (default: the super admin the first start created)')
    .option('--name <name>', 'a label for the token (default admin-token)')
    .option('--expires-in-days <n>', 'expire after n days (1-3650; default: never)')
    .option('--json', 'print JSON (id, token, userId, email, expiresAt)')
    .action(async (flags: AdminTokenFlags) => {
      const json = flags.json === true;
      const expiresInDays = parseIntegerFlag(flags.expiresInDays, '--expires-in-days', 1, 3650);
      const config = loadConfig(flags);
      const sqliteFile = path.join(config.dataDir, 'batchyard.sqlite');
      if (config.databaseUrl === undefined && !fs.existsSync(sqliteFile)) {
        throw new CliError(`no batchyard database at ${sqliteFile}: pass the server's --data DIR (or --database-url)`, EXIT.NOT_FOUND, 'NOT_FOUND');
      }
      const [{ openDriver }, { Store }, { AuthService }, { UserService }, errors] = await Promise.all([
        import('../../store/open-driver.js'),
        import('../../store/store.js'),
        import('../../services/auth-service.js'),
        import('../../services/user-service.js'),
        import('../../domain/errors.js'),
      ]);
      const driver = await openDriver({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 1 });
      try {
        const store = new Store(driver);
        const users = new UserService(store, new AuthService(store));
        const { user, token } = await users.mintAdminToken({ email: flags.email, name: flags.name, expiresInDays }).catch((error: unknown) => {
          if (error instanceof errors.NotFoundError) throw new CliError(error.message, EXIT.NOT_FOUND, 'NOT_FOUND');
          if (error instanceof errors.ForbiddenError) throw new CliError(error.message, EXIT.AUTH, 'FORBIDDEN');
          if (error instanceof errors.InvalidArgumentError) throw new CliError(error.message, EXIT.USAGE, 'USAGE');
          throw error;
        });
        const expiresAt = token.token.expiresAt === null ? null : new Date(token.token.expiresAt).toISOString();
        if (json) {
          printJson(io.stdout, { id: token.token.id, token: token.secret, userId: user.id, email: user.email, expiresAt });
        } else {
          io.stderr(`batchyard: new token ${token.token.id} for ${user.email} (${user.role})${expiresAt ? `, expires ${expiresAt}` : ''}\n`);
          io.stdout(`${token.secret}\n`);
        }
      } finally {
        await driver.close();
      }
    });
}
