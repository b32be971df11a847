/**
 * `job submit`, `job list`, `job show`, `job cancel`, `job retry`,
 * `job failures`, `job watch`: bulk jobs over the API (`/api/v1/jobs`).
 * The flag → params building and the tables are pure functions, exported for tests.
 */
import { Argument, Option, type Command } from 'commander';
import type * as JobParams from './job-params.js';
import type { SubmitFlags } from './job-params.js';
import { resolveLibrary, type ApiClient, type QueryValue } from '../client.js';
import { CliError, EXIT, usageError } from '../errors.js';
import { cell, printJson, printTable, shortTime, type Column } from '../output.js';
// Pure lists of names (no I/O): the CLI offers exactly what the server knows.
import { JOB_ORDERS, JOB_STATUSES, JOB_TYPES } from '../../domain/jobs.js';
import { clientFor, globalsOf, parseIntegerFlag, type ResolvedIO } from './context.js';
import { libraryNamesById } from '../client.js';
import { formatBytes, formatDuration, formatSummary, itemsDone, jobDurationMs, jobPath, watchJob, type JobView, type ProgressMode } from './job-watch.js';

export { formatSummary, type JobView } from './job-watch.js';

export interface Failure {
  itemId: number | null;
  path: string;
  code: string;
  message: string;
  attempts: number;
}

// ---------------------------------------------------------------- submit

/** `job submit`'s param flags and their reading (job-params.ts), loaded when `job submit` runs: they need TypeBox, the rest of the CLI does not. */
let paramsModule: Promise<typeof JobParams> | undefined;
const loadJobParams = () => (paramsModule ??= import('./job-params.js'));

/** Job types in help: `noop` runs only on servers with bench jobs enabled, so it is accepted but not offered. */
const OFFERED_TYPES = JOB_TYPES.filter((t) => t !== 'noop');

/** A job id argument: a positive integer, or a usage error. */
export function parseJobId(value: string): number {
  return parseIntegerFlag(value, 'job id', 1)!;
}

// ---------------------------------------------------------------- list: flags → query

export interface ListFlags {
  library?: string;
  status?: string[];
  type?: string;
  requestor?: string;
  createdAfter?: string;
  createdBefore?: string;
  order?: string;
  limit?: string;
  cursor?: string;
  all?: boolean;
}

/** An ISO 8601 instant for the API (`2026-05-01` and local times are read as this machine's time); a usage error otherwise. */
export function parseInstant(value: string, flag: string): string {
  const trimmed = value.trim();
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(trimmed) ? Date.parse(`${trimmed}T00:00:00`) : Date.parse(trimmed);
  if (!/^\d{4}-\d{2}-\d{2}/.test(trimmed) || Number.isNaN(ms)) throw usageError(`${flag}: expected an ISO 8601 date or date-time (e.g. 2026-05-01 or 2026-05-01T12:00:00Z), got '${value}'`);
  return new Date(ms).toISOString();
}

/** `--status` values (repeatable, or comma-separated), each checked. */
export function parseStatuses(values: readonly string[] | undefined): string[] | undefined {
  if (values === undefined) return undefined;
  const statuses = values.flatMap((v) => v.split(',')).map((s) => s.trim()).filter((s) => s !== '');
  for (const status of statuses) {
    if (!(JOB_STATUSES as readonly string[]).includes(status)) throw usageError(`--status: '${status}' is not a job status (${JOB_STATUSES.join(', ')})`);
  }
  return [...new Set(statuses)];
}

/**
 * The listing request: the path carries the repeatable `status` (ApiClient's query sets one
 * value per key); the rest goes in `query`. `libraryId` is `--library` already resolved.
 */
export function buildListRequest(flags: ListFlags, libraryId?: string): { path: string; query: Record<string, QueryValue> } {
  const statuses = parseStatuses(flags.status) ?? [];
  const search = new URLSearchParams(statuses.map((s): [string, string] => ['status', s]));
  const query: Record<string, QueryValue> = {
    libraryId: libraryId ?? flags.library,
    type: flags.type,
    requestor: flags.requestor,
    createdAfter: flags.createdAfter === undefined ? undefined : parseInstant(flags.createdAfter, '--created-after'),
    createdBefore: flags.createdBefore === undefined ? undefined : parseInstant(flags.createdBefore, '--created-before'),
    order: flags.order,
    limit: parseIntegerFlag(flags.limit, '--limit', 1, 1000) ?? (flags.all ? 1000 : undefined),
    cursor: flags.cursor,
  };
  return { path: statuses.length > 0 ? `/jobs?${search.toString()}` : '/jobs', query };
}

// ---------------------------------------------------------------- tables and details

export const JOB_COLUMNS: readonly Column[] = [
  { header: 'ID', align: 'right' },
  { header: 'TYPE' },
  { header: 'STATUS' },
  { header: 'PROGRESS', align: 'right' },
  { header: 'ITEMS', align: 'right' },
  { header: 'FAILED', align: 'right' },
  { header: 'LIBRARY' },
  { header: 'REQUESTOR' },
  { header: 'CREATED' },
  { header: 'FINISHED' },
];

/** A job list row: id, type, status, progress %, items done/total, failed, library (its name when known), requestor, created, finished. */
export function jobRow(job: JobView, libraryNames?: ReadonlyMap<string, string>): string[] {
  return [
    String(job.id),
    job.type,
    job.status,
    `${job.progress}%`,
    `${itemsDone(job.counts)}/${job.counts.total}`,
    String(job.counts.failed),
    libraryNames?.get(job.libraryId) ?? job.libraryId,
    job.requestor.email || String(job.requestor.id),
    shortTime(job.createdAt),
    shortTime(job.finishedAt),
  ];
}

export const FAILURE_COLUMNS: readonly Column[] = [{ header: 'PATH' }, { header: 'CODE' }, { header: 'ATTEMPTS', align: 'right' }, { header: 'MESSAGE' }];

export function failureRow(failure: Failure): string[] {
  return [failure.path, failure.code, String(failure.attempts), failure.message];
}

/** `key  value` lines for `job show`. */
export function formatJobDetails(job: JobView): string {
  const { counts } = job;
  const rows: [string, unknown][] = [
    ['id', job.id],
    ['type', job.type],
    ['status', job.status],
    ['progress', `${job.progress}%`],
    ['items', `${itemsDone(counts)}/${counts.total} done: ${counts.succeeded} succeeded, ${counts.failed} failed, ${counts.skipped} skipped, ${counts.remaining} remaining, ${counts.retries} retries`],
    ['bytes', formatBytes(job.bytes)],
    ['library', job.libraryId],
    ['targetLibrary', job.targetLibraryId],
    ['params', job.params],
    ['priority', job.priority],
    ['requestor', job.requestor.name ? `${job.requestor.email} (${job.requestor.name})` : job.requestor.email || job.requestor.id],
    ['origin', job.origin],
    ['retryOf', job.retryOf],
    ['created', job.createdAt],
    ['started', job.startedAt],
    ['lastActivity', job.lastActivityAt],
    ['finished', job.finishedAt],
    ['duration', job.finishedAt === null ? null : formatDuration(jobDurationMs(job))],
    ['error', job.error === null ? null : `${job.error.code}: ${job.error.message}`],
    ['result', job.result],
  ];
  const width = Math.max(...rows.map(([key]) => key.length));
  return rows.map(([key, value]) => `${key.padEnd(width)}  ${cell(value)}\n`).join('');
}

/** The exit of a watch: nothing for `completed`; for any other end an error (exit 1) naming it. */
export function watchOutcome(job: JobView): CliError | undefined {
  switch (job.status) {
    case 'completed':
      return undefined;
    case 'cancelled':
      return new CliError(`job ${job.id} was cancelled`, EXIT.FAILURE, 'JOB_CANCELLED');
    case 'failed':
    case 'completed_with_errors': {
      const why = job.error ? `${job.error.code}: ${job.error.message}` : `${job.counts.failed} of ${job.counts.total} items failed (batchyard job failures ${job.id})`;
      return new CliError(`job ${job.id} ${job.status === 'failed' ? 'failed' : 'completed with errors'}: ${why}`, EXIT.FAILURE, `JOB_${job.status.toUpperCase()}`);
    }
    default:
      return new CliError(`job ${job.id} is ${job.status}`, EXIT.FAILURE, 'JOB_NOT_FINISHED');
  }
}

// ---------------------------------------------------------------- commands

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

function progressMode(io: ResolvedIO, json: boolean): ProgressMode {
  if (json) return 'none';
  return io.stderrIsTTY ? 'bar' : 'lines';
}

/** Follows a job to its end, prints the summary (or the job as JSON), and fails unless it completed. */
async function watchAndReport(client: ApiClient, id: number, io: ResolvedIO, json: boolean): Promise<void> {
  const job = await watchJob(client, id, io, { progress: progressMode(io, json) });
  if (json) printJson(io.stdout, job);
  else io.stdout(formatSummary(job) + '\n');
  const outcome = watchOutcome(job);
  if (outcome) throw outcome;
}

/** Every page from `first` on when `all`; one otherwise. */
async function fetchPages<K extends string, T>(
  client: ApiClient,
  request: { path: string; query: Record<string, QueryValue> },
  key: K,
  all: boolean,
): Promise<{ items: T[]; nextCursor: string | null }> {
  const items: T[] = [];
  let cursor = request.query.cursor as string | undefined;
  for (;;) {
    const page = await client.request<Record<string, unknown>>('GET', request.path, { query: { ...request.query, cursor } });
    const elements = page?.[key];
    if (!Array.isArray(elements)) throw new CliError(`GET ${request.path.split('?')[0]}: the response has no '${key}' list`);
    items.push(...(elements as T[]));
    const next = typeof page.nextCursor === 'string' && page.nextCursor !== '' ? page.nextCursor : null;
    if (!all || next === null) return { items, nextCursor: next };
    cursor = next;
  }
}

export function registerJobCommands(program: Command, io: ResolvedIO): void {
  const job = program.command('job').description('submit, follow, list, cancel and retry bulk jobs');
  const withParamFlags = async (command: Command | undefined) => {
    if (command !== submit || submit.options.some((o) => o.long === '--params')) return;
    (await loadJobParams()).addParamOptions(submit);
    submit
      .option('--params <json>', 'params as a JSON object, merged over the flags above')
      .option('--priority <n>', 'from -100 to 100, higher runs first (default 0)')
      .option('--watch', 'follow the job live until it ends')
      .option('--json', 'print the job as JSON (with --watch: the finished job)');
  };
  job.hook('preSubcommand', (_job, sub) => withParamFlags(sub));

  // The param flags (--path, --item-id, --destination, …) come from the job types' schemas, added when `job submit` is dispatched.
  const submit = job
    .command('submit')
    .description('submit a job; with --watch, follow it to the end (exit 0 completed, 1 otherwise)')
    .addArgument(new Argument('<type>', `job type: ${OFFERED_TYPES.join(', ')}`))
    .requiredOption('--library <library>', 'the library (id or exact name)')
    .action(async (type: string, options: SubmitFlags & { library: string; targetLibrary?: string; priority?: string; watch?: boolean }, command: Command) => {
      const { buildJobParams } = await loadJobParams();
      const json = globalsOf(command).json === true;
      const priority = parseIntegerFlag(options.priority, '--priority', -100, 100);
      buildJobParams(type, options, options.targetLibrary); // bad flags fail before any request
      const client = clientFor(command);
      const library = await resolveLibrary(client, options.library);
      const target = options.targetLibrary === undefined ? undefined : (await resolveLibrary(client, options.targetLibrary)).libraryId;
      const params = buildJobParams(type, options, target);
      const created = await client.request<JobView>('POST', '/jobs', { json: { type, libraryId: library.libraryId, params, priority } });
      if (options.watch) return watchAndReport(client, created.id, io, json);
      if (json) printJson(io.stdout, created);
      else io.stdout(`job ${created.id} ${created.status}\n`);
    });

  job
    .command('list')
    .description('list the jobs you can see, newest first')
    .option('--library <library>', 'only this library’s jobs (id or exact name)')
    .option('--status <status>', `only these statuses (repeatable or comma-separated): ${JOB_STATUSES.join(', ')}`, collect)
    .addOption(new Option('--type <type>', 'only this type').choices(JOB_TYPES))
    .option('--requestor <who>', 'only jobs requested by this user (email or id)')
    .option('--created-after <iso>', 'created at or after (e.g. 2026-05-01 or 2026-05-01T12:00:00Z)')
    .option('--created-before <iso>', 'created before')
    .addOption(new Option('--order <order>', 'sort order (default created_desc)').choices(JOB_ORDERS))
    .option('--limit <n>', 'jobs per page, 1 to 1000 (default 100)')
    .option('--cursor <cursor>', 'continue from a previous page’s nextCursor')
    .option('--all', 'follow nextCursor to the last page')
    .option('--json', 'print the page as JSON ({jobs, nextCursor}; with --all one page of every job)')
    .action(async (options: ListFlags, command: Command) => {
      buildListRequest(options); // bad flags fail before any request
      const client = clientFor(command);
      const libraryId = options.library === undefined ? undefined : (await resolveLibrary(client, options.library)).libraryId;
      const { items, nextCursor } = await fetchPages<'jobs', JobView>(client, buildListRequest(options, libraryId), 'jobs', options.all === true);
      if (globalsOf(command).json) {
        printJson(io.stdout, { jobs: items, nextCursor });
        return;
      }
      // Library names from one listing of the libraries (not a request per row); an id the caller cannot find stays an id.
      const names = items.length > 0 ? await libraryNamesById(client) : undefined;
      if (items.length > 0) printTable(io.stdout, JOB_COLUMNS, items.map((j) => jobRow(j, names)));
      if (nextCursor !== null) io.stderr(`batchyard: more jobs: --cursor ${nextCursor} (or --all)\n`);
    });

  job
    .command('show <id>')
    .description('show a job')
    .option('--json', 'print JSON')
    .action(async (idArg: string, _options: unknown, command: Command) => {
      const id = parseJobId(idArg);
      const found = await clientFor(command).request<JobView>('GET', jobPath(id));
      if (globalsOf(command).json) printJson(io.stdout, found);
      else io.stdout(formatJobDetails(found));
    });

  job
    .command('watch <id>')
    .description('follow a job live until it ends (exit 0 completed, 1 otherwise)')
    .option('--json', 'print the finished job as JSON')
    .action(async (idArg: string, _options: unknown, command: Command) => {
      const id = parseJobId(idArg);
      await watchAndReport(clientFor(command), id, io, globalsOf(command).json === true);
    });

  job
    .command('cancel <id>')
    .description('cancel a job: queued work is dropped, running items finish')
    .option('--json', 'print the job as JSON')
    .action(async (idArg: string, _options: unknown, command: Command) => {
      const id = parseJobId(idArg);
      const cancelled = await clientFor(command).request<JobView>('POST', `${jobPath(id)}/cancel`);
      if (globalsOf(command).json) printJson(io.stdout, cancelled);
      else io.stdout(`job ${cancelled.id} ${cancelled.status}\n`);
    });

  job
    .command('retry <id>')
    .description('re-run the failed items of an ended job as a new job')
    .option('--watch', 'follow the new job live until it ends')
    .option('--json', 'print the new job as JSON')
    .action(async (idArg: string, options: { watch?: boolean }, command: Command) => {
      const id = parseJobId(idArg);
      const json = globalsOf(command).json === true;
      const client = clientFor(command);
      const retried = await client.request<JobView>('POST', `${jobPath(id)}/retry`);
      if (options.watch) return watchAndReport(client, retried.id, io, json);
      if (json) printJson(io.stdout, retried);
      else io.stdout(`job ${retried.id} ${retried.status} (retry of job ${id})\n`);
    });

  job
    .command('failures <id>')
    .description("a job's failed items: path, code, attempts, message")
    .option('--limit <n>', 'failures per page, 1 to 1000 (default 100)')
    .option('--cursor <cursor>', 'continue from a previous page’s nextCursor')
    .option('--all', 'follow nextCursor to the last page')
    .option('--json', 'print the page as JSON ({failures, nextCursor})')
    .action(async (idArg: string, options: { limit?: string; cursor?: string; all?: boolean }, command: Command) => {
      const id = parseJobId(idArg);
      const limit = parseIntegerFlag(options.limit, '--limit', 1, 1000) ?? (options.all ? 1000 : undefined);
      const request = { path: `${jobPath(id)}/failures`, query: { limit, cursor: options.cursor } };
      const { items, nextCursor } = await fetchPages<'failures', Failure>(clientFor(command), request, 'failures', options.all === true);
      if (globalsOf(command).json) {
        printJson(io.stdout, { failures: items, nextCursor });
        return;
      }
      if (items.length > 0) printTable(io.stdout, FAILURE_COLUMNS, items.map(failureRow));
      if (nextCursor !== null) io.stderr(`batchyard: more failures: --cursor ${nextCursor} (or --all)\n`);
    });

  // `job help submit` would show help without dispatching to submit: an explicit help command loads its flags first.
  job.helpCommand(false);
  job
    .command('help [command]')
    .description('display help for command')
    .action(async (name: string | undefined) => {
      const sub = job.commands.find((c) => c.name() === name);
      await withParamFlags(sub);
      (sub ?? job).help();
    });
}
