#!/usr/bin/env node
/**
 * The `batchyard` command. `serve`, `worker`, `migrate`, `admin-token` and
 * `doctor` work on the database directly; every other command talks to a server by URL and token.
 */
import { Command, CommanderError } from 'commander';
import { registerServerCommands } from './commands/server-commands.js';
import { registerClientCommands } from './commands/client-commands.js';
import { registerJobCommands } from './commands/job-commands.js';
import { registerAdminTokenCommand } from './commands/admin-token.js';
import { registerDoctorCommand } from './commands/doctor-command.js';
import { registerImportCommand } from './commands/import-command.js';
import { registerScheduleCommands } from './commands/schedule-commands.js';
import { registerWebhookCommands } from './commands/webhook-commands.js';
import { resolveIO } from './commands/context.js';
import { exitCodeFor, formatError } from './errors.js';
import { VERSION } from '../version.js';

export function buildProgram(): Command {
  const program = new Command('batchyard')
    .description('Document libraries with a durable bulk-operation job engine')
    .version(VERSION)
    .option('--url <url>', 'server URL (env BATCHYARD_URL)', process.env.BATCHYARD_URL ?? 'http://127.0.0.1:8080')
    .option('--token <token>', 'API token (env BATCHYARD_TOKEN)')
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();
  registerServerCommands(program);
  registerClientCommands(program);
  registerJobCommands(program, resolveIO());
  registerAdminTokenCommand(program, resolveIO());
  registerDoctorCommand(program, resolveIO());
  registerImportCommand(program, resolveIO());
  registerScheduleCommands(program, resolveIO());
  registerWebhookCommands(program, resolveIO());
  return program;
}

async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? 0 : 2;
      return;
    }
    process.stderr.write(formatError(error) + '\n');
    process.exitCode = exitCodeFor(error);
  }
}

await main(process.argv);
