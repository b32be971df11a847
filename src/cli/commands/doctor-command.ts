/**
 * `batchyard doctor`: run where a server or worker runs (its environment,
 * `--data`, `--database-url`), it checks what that process needs and prints
 * a line per check (PASS, WARN, FAIL, SKIP) or, with --json, one document.
 * Exits 1 when a check failed, 0 otherwise (warnings included).
 */
import type { Command } from 'commander';
import type { ConfigFlags } from '../../config.js';
import { CliError, EXIT, formatError } from '../errors.js';
import { printJson } from '../output.js';
import { parseIntegerFlag, type ResolvedIO } from './context.js';
import type { DoctorCheck } from '../doctor/checks.js';

interface DoctorFlags extends ConfigFlags {
  json?: boolean;
  clockWait?: string;
}

const LABEL: Record<DoctorCheck['status'], string> = { pass: 'PASS', warn: 'WARN', fail: 'FAIL', skip: 'SKIP' };

export function registerDoctorCommand(program: Command, io: ResolvedIO): void {
  program
    .command('doctor')
    .description('check what serve and worker need: settings, database, migrations, storage locations, clocks (run with their environment)')
    .option('--data <dir>', 'data directory: SQLite file and blobs (env BATCHYARD_DATA_DIR)')
    .option('--database-url <url>', 'postgres://… to use PostgreSQL (env DATABASE_URL)')
    .option('--clock-wait <seconds>', "how long to watch the engines' heartbeats at most (default: a third of the longest lease plus 1.5 s)")
    .option('--json', 'print one JSON document: {ok, checks: [{name, status, detail, data}]}')
    .action(async (flags: DoctorFlags) => {
      const clockWait = parseIntegerFlag(flags.clockWait, '--clock-wait', 0, 3600);
      const { runDoctor } = await import('../doctor/checks.js');
      const checks: DoctorCheck[] = [];
      const width = 16;
      const { hung, close } = await runDoctor(flags, clockWait === undefined ? {} : { clockWaitMs: clockWait * 1000 }, (check) => {
        checks.push(check);
        if (!flags.json) io.stdout(`${LABEL[check.status]}  ${check.name.padEnd(width)}  ${check.detail}\n`);
      });
      const failed = checks.filter((c) => c.status === 'fail');
      if (flags.json) printJson(io.stdout, { ok: failed.length === 0, checks });
      // A connection that never answered would hold the process open: stop waiting for it.
      await Promise.race([close(), new Promise((resolve) => setTimeout(resolve, hung ? 100 : 10_000).unref())]);
      if (failed.length === 0) return;
      const error = new CliError(`${failed.length} check${failed.length === 1 ? '' : 's'} failed: ${failed.map((c) => c.name).join(', ')}`, EXIT.FAILURE, 'DOCTOR');
      if (!hung) throw error;
      io.stderr(formatError(error) + '\n');
      process.exit(EXIT.FAILURE);
    });
}
