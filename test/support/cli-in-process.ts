/**
 * The CLI's commands run in this process against a test server: a commander
 * program with the global --url/--token options, the given commands
 * registered on captured output, and the exit code the real `batchyard`
 * would end with (2 for a usage error, exitCodeFor for the rest).
 */
import { Readable } from 'node:stream';
import { Command, CommanderError } from 'commander';
import type { ResolvedIO } from '../../src/cli/commands/context.js';
import { exitCodeFor, formatError } from '../../src/cli/errors.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCli(register: (program: Command, io: ResolvedIO) => void, p: { url: string; token: string; args: string[] }): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const program = new Command('batchyard')
    .exitOverride()
    .configureOutput({ writeOut: (s) => void (stdout += s), writeErr: (s) => void (stderr += s) })
    .option('--url <url>', 'server URL')
    .option('--token <token>', 'API token');
  const io: ResolvedIO = { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s), stdin: Readable.from([]), stderrIsTTY: false, stdoutStream: process.stdout };
  register(program, io);
  let code = 0;
  try {
    await program.parseAsync(['--url', p.url, '--token', p.token, ...p.args], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) code = error.exitCode === 0 ? 0 : 2;
    else {
      stderr += formatError(error) + '\n';
      code = exitCodeFor(error);
    }
  }
  return { code, stdout, stderr };
}
