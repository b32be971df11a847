/**
 * The commands that talk to a batchyard server by URL and token (`--url`,
 * `--token`, defined on the root program by main.ts). Every command accepts
 * `--json`. Errors are thrown (CliError, ApiError) for the caller to format
 * with `formatError` and turn into an exit code with `exitCodeFor`.
 */
import type { Command } from 'commander';
import { registerAccountCommands } from './account-commands.js';
import { registerLibraryCommands } from './library-commands.js';
import { registerFileCommands } from './file-commands.js';
import { registerItemCommands } from './item-commands.js';
import { resolveIO, type CliIO } from './context.js';

export type { CliIO } from './context.js';

export function registerClientCommands(program: Command, io?: Partial<CliIO>): void {
  const resolved = resolveIO(io);
  registerAccountCommands(program, resolved);
  registerLibraryCommands(program, resolved);
  registerFileCommands(program, resolved);
  registerItemCommands(program, resolved);
}
