/**
 * `schedule add`, `schedule list`, `schedule rm`, `schedule run-now`: schedules over the API
 * (`/api/v1/schedules`). `add` takes the job's params from the same flags as `job submit`
 * (built from the job types' schemas) or `--params JSON`. The table is a pure function,
 * exported for tests.
 */
import { Argument, Option, type Command } from 'commander';
import type * as JobParams from './job-params.js';
import type { SubmitFlags } from './job-params.js';
import { resolveLibrary, type ApiClient } from '../client.js';
import { CliError } from '../errors.js';
import { printJson, printTable, shortTime, type Column } from '../output.js';
import { JOB_TYPES } from '../../domain/jobs.js';
import { clientFor, globalsOf, parseIntegerFlag, type ResolvedIO } from './context.js';
import type { JobView } from './job-watch.js';

export interface ScheduleView {
  id: number;
  libraryId: string;
  type: string;
  params: Record<string, unknown>;
  cron: string;
  timeZone: string;
  overlap: 'skip' | 'queue';
  catchUp: 'once' | 'none';
  enabled: boolean;
  nextFires: string[];
  lastFire: { at: string; outcome: string; jobId: number | null; error: string | null } | null;
}

let paramsModule: Promise<typeof JobParams> | undefined;
const loadJobParams = () => (paramsModule ??= import('./job-params.js'));
const OFFERED_TYPES = JOB_TYPES.filter((t) => t !== 'noop');

export const SCHEDULE_COLUMNS: readonly Column[] = [
  { header: 'ID', align: 'right' },
  { header: 'TYPE' },
  { header: 'CRON' },
  { header: 'ZONE' },
  { header: 'ENABLED' },
  { header: 'NEXT' },
  { header: 'LAST' },
  { header: 'LIBRARY' },
];

/** One table row: the next fire in UTC (as the API gives it), the last fire's outcome and job. */
export function scheduleRow(s: ScheduleView): string[] {
  const last = s.lastFire === null ? '-' : `${shortTime(s.lastFire.at)} ${s.lastFire.outcome}${s.lastFire.jobId === null ? '' : ` (job ${s.lastFire.jobId})`}`;
  return [String(s.id), s.type, s.cron, s.timeZone, s.enabled ? 'yes' : 'no', s.nextFires[0] ? shortTime(s.nextFires[0]) : '-', last, s.libraryId];
}

/** A schedule id argument: a positive integer, or a usage error. */
export function parseScheduleId(value: string): number {
  return parseIntegerFlag(value, 'schedule id', 1)!;
}

/** This machine's IANA time zone: `add`'s default `--time-zone`. */
export function localTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

async function listAll(client: ApiClient, query: { libraryId?: string; limit?: number; cursor?: string }, all: boolean) {
  const schedules: ScheduleView[] = [];
  let cursor = query.cursor;
  for (;;) {
    const page = await client.request<{ schedules: ScheduleView[]; nextCursor: string | null }>('GET', '/schedules', { query: { ...query, cursor } });
    if (!Array.isArray(page?.schedules)) throw new CliError("GET /schedules: the response has no 'schedules' list");
    schedules.push(...page.schedules);
    if (!all || page.nextCursor === null) return { schedules, nextCursor: page.nextCursor };
    cursor = page.nextCursor;
  }
}

type AddFlags = SubmitFlags & { library: string; targetLibrary?: string; cron: string; timeZone?: string; overlap?: 'skip' | 'queue'; catchUp?: 'once' | 'none'; disabled?: boolean };

export function registerScheduleCommands(program: Command, io: ResolvedIO): void {
  const schedule = program.command('schedule').description('jobs that run on a cron schedule: add, list, remove, run now');
  schedule.hook('preSubcommand', async (_schedule, sub) => {
    if (sub !== add || add.options.some((o) => o.long === '--params')) return;
    (await loadJobParams()).addParamOptions(add);
    add.option('--params <json>', 'params as a JSON object, merged over the flags above').option('--json', 'print the schedule as JSON');
  });

  const add = schedule
    .command('add')
    .description('add a schedule: each fire submits the job as you (origin system); prints its id and next fires')
    .addArgument(new Argument('<type>', `job type: ${OFFERED_TYPES.join(', ')}`))
    .requiredOption('--library <library>', 'the library (id or exact name)')
    .requiredOption('--cron <expression>', "5 fields (minute hour day month weekday), or 6 with seconds first; quote it: --cron '0 2 * * *'")
    .option('--time-zone <zone>', `IANA time zone the cron is read in (default: this machine's, ${localTimeZone()})`)
    .addOption(new Option('--overlap <mode>', 'skip (default): no fire while its last job runs; queue: start another').choices(['skip', 'queue']))
    .addOption(new Option('--catch-up <mode>', 'once (default): after downtime the latest missed tick fires once; none: missed ticks are passed over').choices(['once', 'none']))
    .option('--disabled', 'create it switched off')
    .action(async (type: string, options: AddFlags, command: Command) => {
      const { buildJobParams } = await loadJobParams();
      buildJobParams(type, options, options.targetLibrary); // bad flags fail before any request
      const client = clientFor(command);
      const library = await resolveLibrary(client, options.library);
      const target = options.targetLibrary === undefined ? undefined : (await resolveLibrary(client, options.targetLibrary)).libraryId;
      const body = {
        libraryId: library.libraryId,
        type,
        params: buildJobParams(type, options, target),
        cron: options.cron,
        timeZone: options.timeZone ?? localTimeZone(),
        ...(options.overlap ? { overlap: options.overlap } : {}),
        ...(options.catchUp ? { catchUp: options.catchUp } : {}),
        ...(options.disabled ? { enabled: false } : {}),
      };
      const created = await client.request<ScheduleView>('POST', '/schedules', { json: body });
      if (globalsOf(command).json) return printJson(io.stdout, created);
      io.stdout(`schedule ${created.id} ${created.enabled ? 'enabled' : 'disabled'}\n`);
      for (const at of created.nextFires) io.stdout(`  next: ${at}\n`);
    });

  schedule
    .command('list')
    .description('list the schedules you can see')
    .option('--library <library>', 'only this library’s (id or exact name)')
    .option('--limit <n>', 'schedules per page, 1 to 1000 (default 100)')
    .option('--cursor <cursor>', 'continue from a previous page’s nextCursor')
    .option('--all', 'follow nextCursor to the last page')
    .option('--json', 'print the page as JSON ({schedules, nextCursor})')
    .action(async (options: { library?: string; limit?: string; cursor?: string; all?: boolean }, command: Command) => {
      const limit = parseIntegerFlag(options.limit, '--limit', 1, 1000);
      const client = clientFor(command);
      const libraryId = options.library === undefined ? undefined : (await resolveLibrary(client, options.library)).libraryId;
      const { schedules, nextCursor } = await listAll(client, { libraryId, limit, cursor: options.cursor }, options.all === true);
      if (globalsOf(command).json) return printJson(io.stdout, { schedules, nextCursor });
      if (schedules.length > 0) printTable(io.stdout, SCHEDULE_COLUMNS, schedules.map(scheduleRow));
      if (nextCursor !== null) io.stderr(`batchyard: more schedules: --cursor ${nextCursor} (or --all)\n`);
    });

  schedule
    .command('rm <id>')
    .description('delete a schedule and its fire history (its jobs stay)')
    .action(async (idArg: string, _options: unknown, command: Command) => {
      const id = parseScheduleId(idArg);
      await clientFor(command).request('DELETE', `/schedules/${id}`);
      io.stdout(`schedule ${id} deleted\n`);
    });

  schedule
    .command('run-now <id>')
    .description('start the schedule’s job now, as you (its next tick stays)')
    .option('--json', 'print the job as JSON')
    .action(async (idArg: string, _options: unknown, command: Command) => {
      const id = parseScheduleId(idArg);
      const job = await clientFor(command).request<JobView>('POST', `/schedules/${id}/run`);
      if (globalsOf(command).json) return printJson(io.stdout, job);
      io.stdout(`job ${job.id} ${job.status} (schedule ${id})\n`);
    });
}
