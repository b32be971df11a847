/**
 * `library retention <library>`: shows the library's snapshot retention policy,
 * or sets it from restic-like flags (`--keep-daily 7 --keep-within 1y`). The
 * flags given make the whole policy (as PATCH does: a rule left out is off);
 * `--clear` turns every rule off. The server checks the values.
 */
import type { Command } from 'commander';
import { resolveLibrary, type Library } from '../client.js';
import { printJson } from '../output.js';
import { usageError } from '../errors.js';
import { clientFor, globalsOf, parseIntegerFlag, type ResolvedIO } from './context.js';

interface RetentionOptions {
  keepLast?: string;
  keepDaily?: string;
  keepWeekly?: string;
  keepMonthly?: string;
  keepYearly?: string;
  keepWithin?: string;
  clear?: boolean;
}

const COUNTS = [
  ['keepLast', '--keep-last', 'the n newest snapshots'],
  ['keepDaily', '--keep-daily', 'the newest snapshot of each of the n latest days that have one'],
  ['keepWeekly', '--keep-weekly', 'the same per ISO week'],
  ['keepMonthly', '--keep-monthly', 'the same per month'],
  ['keepYearly', '--keep-yearly', 'the same per year'],
] as const;

function policyFrom(options: RetentionOptions): Record<string, unknown> | null | undefined {
  const given = COUNTS.filter(([key]) => options[key] !== undefined);
  if (options.clear) {
    if (given.length > 0 || options.keepWithin !== undefined) throw usageError('--clear: give it alone, without --keep-* flags');
    return null;
  }
  if (given.length === 0 && options.keepWithin === undefined) return undefined;
  const policy: Record<string, unknown> = {};
  for (const [key, flag] of given) policy[key] = parseIntegerFlag(options[key], flag, 0);
  if (options.keepWithin !== undefined) policy.keepWithin = options.keepWithin;
  return policy;
}

function printPolicy(io: ResolvedIO, retention: Record<string, unknown>): void {
  const width = Math.max(...Object.keys(retention).map((k) => k.length));
  for (const [key, value] of Object.entries(retention)) io.stdout(`${key.padEnd(width)}  ${value === null ? '-' : String(value)}\n`);
}

export function registerLibraryRetention(library: Command, io: ResolvedIO): void {
  const command = library
    .command('retention <library>')
    .description("show or set which snapshots the retention job keeps (restic's forget --keep-* meaning; ADMIN to set)");
  for (const [, flag, help] of COUNTS) command.option(`${flag} <n>`, `${help} (0: off)`);
  command
    .option('--keep-within <duration>', 'every snapshot newer than the newest one minus this restic duration, e.g. 1y2m3d4h')
    .option('--clear', 'turn every rule off (every snapshot is kept)')
    .option('--json', 'print the policy as JSON')
    .action(async (idOrName: string, options: RetentionOptions, cmd: Command) => {
      const client = clientFor(cmd);
      const policy = policyFrom(options);
      let found = await resolveLibrary(client, idOrName);
      if (policy !== undefined) {
        found = await client.request<Library>('PATCH', `/libraries/${encodeURIComponent(found.libraryId)}`, { json: { retention: policy } });
      }
      const retention = (found.retention ?? {}) as Record<string, unknown>;
      if (globalsOf(cmd).json) printJson(io.stdout, retention);
      else printPolicy(io, retention);
    });
}
