/**
 * The job commands: flags → params and query, tables, summaries, the SSE
 * reader, and `job submit --watch` / `job watch` against a tiny in-test fake
 * of the jobs API (events stream, or polling when the stream is missing).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Command, CommanderError } from 'commander';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  FAILURE_COLUMNS,
  JOB_COLUMNS,
  buildListRequest,
  failureRow,
  formatJobDetails,
  jobRow,
  parseInstant,
  parseJobId,
  parseStatuses,
  registerJobCommands,
  watchOutcome,
} from '../../src/cli/commands/job-commands.js';
import {
  RateMeter,
  applySnapshot,
  formatDuration,
  formatProgressLine,
  formatSummary,
  formatTotal,
  parseSse,
  type JobView,
} from '../../src/cli/commands/job-watch.js';
import { buildJobParams, paramFlagsOf } from '../../src/cli/commands/job-params.js';
import { resolveIO } from '../../src/cli/commands/context.js';
import { Type } from '@sinclair/typebox';
import { REFERS_TO } from '../../src/domain/job-params/index.js';
import { JOB_TYPES } from '../../src/domain/jobs.js';

/** The job types the CLI offers (noop, a bench type, left out), in JOB_TYPES' order. */
const CLI_TYPES = JOB_TYPES.filter((t) => t !== 'noop').join(', ');
import { CliError, exitCodeFor, formatError } from '../../src/cli/errors.js';
import { formatTable } from '../../src/cli/output.js';

function job(overrides: Partial<JobView> = {}): JobView {
  return {
    id: 12,
    type: 'trash',
    status: 'running',
    libraryId: 'LIB00000000000000001',
    targetLibraryId: null,
    requestor: { id: 1, email: 'ann@example.com', name: 'Ann' },
    origin: 'self_service',
    params: { paths: ['/a'] },
    priority: 0,
    counts: { total: 10, succeeded: 4, failed: 1, skipped: 0, remaining: 5, retries: 0 },
    bytes: { total: 0, done: 0 },
    progress: 50,
    retryOf: null,
    createdAt: '2026-05-01T12:00:00.000Z',
    startedAt: '2026-05-01T12:00:01.000Z',
    lastActivityAt: '2026-05-01T12:00:02.000Z',
    finishedAt: null,
    error: null,
    result: null,
    ...overrides,
  };
}

/** The usage error a call throws (exit 2), or fails the test. */
function usage(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(CliError);
    expect(exitCodeFor(error)).toBe(2);
    expect(formatError(error).split('\n')).toHaveLength(1);
    return (error as CliError).message;
  }
  throw new Error('expected a usage error');
}

describe('submit flags → params', () => {
  it('turns each flag into its param, paths normalized', () => {
    expect(buildJobParams('trash', { path: ['docs/a', '/b//c/'] })).toEqual({ paths: ['/docs/a', '/b/c'] });
    expect(
      buildJobParams('copy', { path: ['/a'], destination: 'archive', targetLibrary: 'Other', onConflict: 'rename' }, 'LIB2'),
    ).toEqual({ paths: ['/a'], destination: '/archive', targetLibraryId: 'LIB2', onConflict: 'rename' });
    expect(buildJobParams('restore', { itemId: ['3', '4'], onConflict: 'skip' })).toEqual({ itemIds: [3, 4], onConflict: 'skip' });
    expect(buildJobParams('purge', { path: ['/x'] })).toEqual({ paths: ['/x'] });
    for (const type of ['copy', 'move']) {
      expect(buildJobParams(type, { itemId: ['7'], destination: '/d' })).toEqual({ itemIds: [7], destination: '/d' });
    }
    for (const type of ['trash', 'purge']) expect(buildJobParams(type, { itemId: ['7', '8'] })).toEqual({ itemIds: [7, 8] });
    expect(buildJobParams('empty_trash', {})).toEqual({});
    expect(buildJobParams('empty_trash', { olderThanDays: '30' })).toEqual({ olderThanDays: 30 });
    expect(buildJobParams('noop', { count: '1000' })).toEqual({ count: 1000 });
  });

  it('one flag for a param two types name differently: --path is paths (repeatable) or path (one); switches; objects only in --params', () => {
    expect(buildJobParams('extract', { path: ['a.zip'], destination: '/out', entry: ['x/', 'y.txt'] })).toEqual({ path: '/a.zip', destination: '/out', entries: ['x/', 'y.txt'] });
    expect(buildJobParams('verify', { path: ['/docs'], repair: true })).toEqual({ path: '/docs', repair: true });
    expect(buildJobParams('export', { path: ['/a', '/b'], format: 'zip' })).toEqual({ paths: ['/a', '/b'], format: 'zip' });
    expect(buildJobParams('replicate', { targetLibrary: 'Mirror', deleteExtraneous: true, dryRun: true }, 'LIB9')).toEqual({
      targetLibraryId: 'LIB9',
      deleteExtraneous: true,
      dryRun: true,
    });
    expect(buildJobParams('import', { destination: 'in', params: '{"source":{"type":"server_path","path":"/srv/in"}}' })).toEqual({
      destination: '/in',
      source: { type: 'server_path', path: '/srv/in' },
    });
  });

  it('merges --params JSON last', () => {
    expect(buildJobParams('copy', { path: ['/a'], destination: '/d', params: '{"destination":"/e","onConflict":"skip"}' })).toEqual({
      paths: ['/a'],
      destination: '/e',
      onConflict: 'skip',
    });
    expect(buildJobParams('trash', { params: '{"paths":["/only/json"]}' })).toEqual({ paths: ['/only/json'] });
  });

  it('refuses flags the type does not take, missing selections and bad values: exit 2', () => {
    expect(usage(() => buildJobParams('trash', { path: ['/a'], destination: '/d' }))).toBe('--destination does not apply to trash jobs (trash takes --path, --item-id)');
    expect(usage(() => buildJobParams('empty_trash', { path: ['/a'] }))).toBe('--path does not apply to empty_trash jobs (empty_trash takes --older-than-days)');
    expect(usage(() => buildJobParams('trash', {}))).toBe('trash needs --path or --item-id (one or more)');
    expect(usage(() => buildJobParams('copy', { path: ['/a'] }))).toBe('copy needs --destination');
    expect(usage(() => buildJobParams('copy', { destination: '/d' }))).toBe('copy needs --path or --item-id (one or more)');
    expect(usage(() => buildJobParams('restore', { path: ['/a'], itemId: ['1'] }))).toBe('restore takes --path or --item-id, not both');
    expect(usage(() => buildJobParams('purge', { path: ['/a'], params: '{"itemIds":[1]}' }))).toBe('purge takes --path or --item-id, not both');
    expect(usage(() => buildJobParams('restore', { itemId: ['x'] }))).toBe("--item-id: expected an integer >= 1, got 'x'");
    expect(usage(() => buildJobParams('noop', { count: '-1' }))).toBe("--count: expected an integer from 0 to 100000000, got '-1'");
    expect(usage(() => buildJobParams('empty_trash', { olderThanDays: '40000' }))).toBe("--older-than-days: expected an integer from 0 to 36500, got '40000'");
    expect(usage(() => buildJobParams('shred', {}))).toBe(
      `unknown job type 'shred' (${CLI_TYPES})`,
    );
    expect(usage(() => buildJobParams('extract', { path: ['/a.zip', '/b.zip'], destination: '/d' }))).toBe('--path: extract takes one, got 2');
    expect(usage(() => buildJobParams('import', { destination: '/d' }))).toBe(`import needs source, given in --params (e.g. --params '{"source": {…}}')`);
    expect(usage(() => buildJobParams('trash', { params: '[1]' }))).toContain('--params: expected a JSON object');
    expect(usage(() => buildJobParams('trash', { params: '{nope' }))).toMatch(/^--params: not JSON/);
  });

  it('derives each flag from a params schema: name, value, bounds, choices, which types take it', () => {
    const { all, byType } = paramFlagsOf({
      zap: Type.Union([
        Type.Object({ fooBarIds: Type.Array(Type.Integer({ minimum: 2, maximum: 9, description: 'a foo bar' })), sourceLibraryId: Type.Optional(Type.String({ [REFERS_TO]: 'library' })) }),
        Type.Object({ wholeThing: Type.Union([Type.Literal('yes'), Type.Literal('no')]) }),
      ]),
      zip: Type.Object({ sourceLibraryId: Type.String({ [REFERS_TO]: 'library', description: 'where from' }) }),
    });
    // The selection (exactly one of) first, then the other params.
    expect(all.map((f) => f.param)).toEqual(['fooBarIds', 'wholeThing', 'sourceLibraryId']);
    const [fooBar, whole, source] = all;
    expect(fooBar).toMatchObject({ param: 'fooBarIds', flag: '--foo-bar-id', key: 'fooBarId', placeholder: 'n', repeatable: true, integer: true, min: 2, max: 9, types: ['zap'] });
    expect(fooBar!.description).toBe('a foo bar (repeatable)');
    expect(source).toMatchObject({ param: 'sourceLibraryId', flag: '--source-library', key: 'sourceLibrary', placeholder: 'library', types: ['zap', 'zip'] });
    expect(whole).toMatchObject({ flag: '--whole-thing', choices: ['yes', 'no'], repeatable: false });
    expect(byType.get('zap')!.oneOf.map((f) => f.flag)).toEqual(['--foo-bar-id', '--whole-thing']);
    expect(byType.get('zip')!.required.map((f) => f.flag)).toEqual(['--source-library']);
    expect(byType.get('zip')!.oneOf).toEqual([]);
  });

  it('reads job ids', () => {
    expect(parseJobId('12')).toBe(12);
    expect(usage(() => parseJobId('12a'))).toBe("job id: expected an integer >= 1, got '12a'");
    expect(usage(() => parseJobId('0'))).toBe("job id: expected an integer >= 1, got '0'");
  });
});

describe('list flags → query', () => {
  it('puts repeatable statuses in the path and the rest in the query', () => {
    const request = buildListRequest({ status: ['running,queued', 'running'], type: 'trash', order: 'created_asc', limit: '50', requestor: 'ann@example.com' }, 'LIB1');
    expect(request.path).toBe('/jobs?status=running&status=queued');
    expect(request.query).toMatchObject({ libraryId: 'LIB1', type: 'trash', order: 'created_asc', limit: 50, requestor: 'ann@example.com' });
    expect(buildListRequest({}).path).toBe('/jobs');
    expect(buildListRequest({ all: true }).query.limit).toBe(1000);
    expect(buildListRequest({ createdAfter: '2026-05-01T12:00:00+02:00' }).query.createdAfter).toBe('2026-05-01T10:00:00.000Z');
  });

  it('refuses bad statuses, limits and dates: exit 2', () => {
    expect(parseStatuses(undefined)).toBeUndefined();
    expect(usage(() => parseStatuses(['done']))).toMatch(/^--status: 'done' is not a job status \(queued, planning, running/);
    expect(usage(() => buildListRequest({ limit: '0' }))).toBe("--limit: expected an integer from 1 to 1000, got '0'");
    expect(usage(() => parseInstant('yesterday', '--created-after'))).toMatch(/^--created-after: expected an ISO 8601 date/);
    expect(parseInstant('2026-05-01', '--created-before')).toBe(new Date(2026, 4, 1).toISOString());
  });
});

describe('tables and summaries', () => {
  it('renders the job table', () => {
    const done = job({ id: 3, status: 'completed', progress: 100, counts: { total: 2, succeeded: 2, failed: 0, skipped: 0, remaining: 0, retries: 0 }, finishedAt: '2026-05-01T12:00:09.000Z' });
    expect(formatTable(JOB_COLUMNS, [jobRow(job()), jobRow(done)])).toBe(
      [
        'ID  TYPE   STATUS     PROGRESS  ITEMS  FAILED  LIBRARY               REQUESTOR        CREATED           FINISHED',
        '12  trash  running         50%   5/10       1  LIB00000000000000001  ann@example.com  2026-05-01 12:00  -',
        ' 3  trash  completed      100%    2/2       0  LIB00000000000000001  ann@example.com  2026-05-01 12:00  2026-05-01 12:00',
        '',
      ].join('\n'),
    );
    expect(formatTable(FAILURE_COLUMNS, [failureRow({ itemId: null, path: '/nope', code: 'NOT_FOUND', message: "'/nope' not found", attempts: 1 })])).toBe(
      ['PATH   CODE       ATTEMPTS  MESSAGE', "/nope  NOT_FOUND         1  '/nope' not found", ''].join('\n'),
    );
  });

  it('shows a job as key/value lines', () => {
    const text = formatJobDetails(job({ status: 'failed', finishedAt: '2026-05-01T12:01:01.000Z', error: { code: 'FORBIDDEN', message: 'no' } }));
    expect(text).toContain('status         failed\n');
    expect(text).toContain('items          5/10 done: 4 succeeded, 1 failed, 0 skipped, 5 remaining, 0 retries\n');
    expect(text).toContain('params         {"paths":["/a"]}\n');
    expect(text).toContain('requestor      ann@example.com (Ann)\n');
    expect(text).toContain('duration       1m00s\n');
    expect(text).toContain('error          FORBIDDEN: no\n');
  });

  it('formats durations, progress lines and the final summary', () => {
    expect([0, 850, 1234, 42_000, 185_000, 7_620_000].map(formatDuration)).toEqual(['0ms', '850ms', '1.2s', '42s', '3m05s', '2h07m']);
    expect(formatDuration(undefined)).toBe('-');
    expect(formatProgressLine(job({ bytes: { total: 2048, done: 1024 } }), 12.34, 4200)).toBe(
      'job 12 running 50% 5/10 items, 1 failed, 1.0 KiB/2.0 KiB, 12 items/s, ETA 4.2s',
    );
    expect(formatTotal(job({ status: 'planning', counts: { ...job().counts, total: 1000 } }))).toBe('1000+');
    expect(formatTotal(job({ status: 'queued', counts: { ...job().counts, total: 0 } }))).toBe('?');
    const finished = job({ status: 'completed_with_errors', counts: { total: 3, succeeded: 2, failed: 1, skipped: 0, remaining: 0, retries: 0 }, finishedAt: '2026-05-01T12:00:02.500Z' });
    expect(formatSummary(finished)).toBe('job 12 completed_with_errors: 2 succeeded, 1 failed, 0 skipped in 1.5s');
  });

  it('maps how a watched job ended to its exit', () => {
    expect(watchOutcome(job({ status: 'completed' }))).toBeUndefined();
    const cases: [string, string, string][] = [
      ['completed_with_errors', 'JOB_COMPLETED_WITH_ERRORS', 'job 12 completed with errors: 1 of 10 items failed (batchyard job failures 12)'],
      ['failed', 'JOB_FAILED', 'job 12 failed: 1 of 10 items failed (batchyard job failures 12)'],
      ['cancelled', 'JOB_CANCELLED', 'job 12 was cancelled'],
    ];
    for (const [status, code, message] of cases) {
      const outcome = watchOutcome(job({ status }))!;
      expect([outcome.exitCode, outcome.code, outcome.message]).toEqual([1, code, message]);
    }
  });
});

describe('live view helpers', () => {
  async function* chunks(...parts: string[]) {
    yield* parts;
  }

  it('parses Server-Sent Events split anywhere, with comments and CRLF', async () => {
    const messages = [];
    for await (const m of parseSse(chunks('id: 1\nevent: sta', 'tus\ndata: {"a":1}\n\n: ping\n\n', 'id: 2\r', '\nevent: progress\r\ndata: x\r\ndata: y\r\n\r\n', 'data: no end'))) {
      messages.push(m);
    }
    expect(messages).toEqual([
      { id: '1', event: 'status', data: '{"a":1}' },
      { id: '2', event: 'progress', data: 'x\ny' },
    ]);
  });

  it('applies snapshots, ignoring older ones', () => {
    const current = job();
    const next = applySnapshot(current, { status: 'running', counts: { ...current.counts, succeeded: 6 }, progress: 70, lastActivityAt: '2026-05-01T12:00:03.000Z' });
    expect([next.counts.succeeded, next.progress]).toEqual([6, 70]);
    expect(applySnapshot(next, { status: 'queued', progress: 0, lastActivityAt: '2026-05-01T12:00:00.000Z' })).toBe(next);
  });

  it('measures a rate over a window and an ETA from it', () => {
    const meter = new RateMeter(10_000);
    expect(meter.rate()).toBeUndefined();
    meter.add(0, 0);
    meter.add(1000, 50);
    meter.add(2000, 100);
    expect(meter.rate()).toBe(50);
    expect(meter.etaMs(100)).toBe(2000);
    meter.add(20_000, 1000); // the old samples leave the window
    expect(meter.rate()).toBe(50);
  });
});

// ---------------------------------------------------------------- the commands against a fake API

const TOKEN = 'secret-token';
let server: Server;
let baseUrl: string;
let requests: string[] = [];
let submitted: unknown[] = []; // the bodies of POST /jobs
let eventsAvailable = true;
let states: JobView[] = []; // what GET /jobs/7 returns, one after the other (the last one sticks)

const send = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

function handle(req: IncomingMessage, res: ServerResponse, body: string): void {
  const url = new URL(req.url ?? '/', 'http://x');
  const route = `${req.method} ${url.pathname}`;
  requests.push(`${route}${url.search}`);
  if (req.headers.authorization !== `Bearer ${TOKEN}`) return send(res, 401, { error: { code: 'UNAUTHENTICATED', message: 'no' } });
  if (route === 'GET /api/v1/libraries/LIB1') return send(res, 200, { libraryId: 'LIB1', name: 'Docs' });
  if (route === 'GET /api/v1/libraries') return send(res, 200, { libraries: [{ libraryId: 'LIB00000000000000001', name: 'Reports' }], nextCursor: null });
  if (route === 'POST /api/v1/jobs') {
    const input = JSON.parse(body) as { type: string; params: Record<string, unknown> };
    submitted.push(input);
    return send(res, 202, job({ id: 7, status: 'queued', type: input.type, params: input.params, progress: 0 }));
  }
  if (route === 'GET /api/v1/jobs/7') return send(res, 200, states.length > 1 ? states.shift() : states[0]);
  if (route === 'GET /api/v1/jobs/7/events') {
    if (!eventsAvailable) return send(res, 404, { error: { code: 'NOT_FOUND', message: 'no route' } });
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const counts = (succeeded: number, failed: number) => ({ total: 4, succeeded, failed, skipped: 0, remaining: 4 - succeeded - failed, retries: 0 });
    const event = (id: number, kind: string, status: string, c: ReturnType<typeof counts>, progress: number) =>
      `id: ${id}\nevent: ${kind}\ndata: ${JSON.stringify({ jobId: 7, status, counts: c, bytes: { total: 0, done: 0 }, progress, lastActivityAt: `2026-05-01T12:00:0${id}.000Z` })}\n\n`;
    res.write(': ping\n\n');
    res.write(event(1, 'status', 'running', counts(0, 0), 0));
    setTimeout(() => {
      res.write(event(2, 'progress', 'running', counts(2, 0), 50));
      res.write(event(3, 'status', 'completed_with_errors', counts(3, 1), 100));
      res.end();
    }, 30);
    return;
  }
  if (route === 'GET /api/v1/jobs') return send(res, 200, { jobs: [job()], nextCursor: url.searchParams.get('cursor') === null ? 'c2' : null });
  send(res, 404, { error: { code: 'NOT_FOUND', message: `no route ${route}` } });
}

async function run(args: string[]) {
  let stdout = '';
  let stderr = '';
  const program = new Command('batchyard')
    .exitOverride()
    .configureOutput({ writeOut: (s) => void (stdout += s), writeErr: (s) => void (stderr += s) })
    .option('--url <url>')
    .option('--token <token>');
  registerJobCommands(program, resolveIO({ stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s), stderrIsTTY: false }));
  let code = 0;
  try {
    await program.parseAsync(['--url', baseUrl, '--token', TOKEN, ...args], { from: 'user' });
  } catch (caught) {
    if (caught instanceof CommanderError) code = caught.exitCode === 0 ? 0 : 2;
    else {
      stderr += formatError(caught) + '\n';
      code = exitCodeFor(caught);
    }
  }
  return { code, stdout, stderr };
}

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => handle(req, res, body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  requests = [];
  eventsAvailable = true;
});

const finished = job({
  id: 7,
  status: 'completed_with_errors',
  progress: 100,
  counts: { total: 4, succeeded: 3, failed: 1, skipped: 0, remaining: 0, retries: 0 },
  finishedAt: '2026-05-01T12:00:03.000Z',
});

describe('job commands against a fake API', () => {
  it('submit prints the job; refuses bad input before any request', async () => {
    states = [job({ id: 7, status: 'queued' })];
    const r = await run(['job', 'submit', 'trash', '--library', 'LIB1', '--path', '/a', '--path', 'b', '--priority', '-5']);
    expect(r).toMatchObject({ code: 0, stdout: 'job 7 queued\n' });
    expect(requests).toEqual(['GET /api/v1/libraries/LIB1', 'POST /api/v1/jobs']);
    requests = [];
    expect((await run(['job', 'submit', 'shred', '--library', 'LIB1'])).code).toBe(2);
    expect((await run(['job', 'submit', 'copy', '--library', 'LIB1', '--path', '/a', '--destination', '/d', '--on-conflict', 'maybe'])).code).toBe(2);
    const bad = await run(['job', 'submit', 'trash', '--library', 'LIB1', '--path', '/a', '--count', '3']);
    expect(bad).toMatchObject({ code: 2, stderr: 'batchyard: USAGE: --count does not apply to trash jobs (trash takes --path, --item-id)\n' });
    expect((await run(['job', 'show', 'seven'])).code).toBe(2);
    expect(requests).toEqual([]);
  });

  it('submit --help lists the flags of the job types’ params schemas, and not noop', async () => {
    for (const args of [['job', 'submit', '--help'], ['job', 'help', 'submit']]) {
      const r = await run(args);
      expect(r.code, args.join(' ')).toBe(0);
      const help = r.stdout.replace(/\s+/g, ' ');
      expect(help).toContain(`type job type: ${CLI_TYPES} Options: --library <library>`);
      expect(help.indexOf('--path <path>')).toBeLessThan(help.indexOf('--params <json>'));
      for (const flag of ['--path <path>', '--item-id <id>', '--destination <path>', '--target-library <library>', '--on-conflict <conflict>', '--older-than-days <n>']) {
        expect(help, flag).toContain(flag);
      }
      expect(help).toContain('an item id (repeatable): copy, move, trash, restore, purge');
      expect(help).toContain('copy, move: the library to copy or move into (default: the same one) (a name or an id); replicate: the library that becomes a mirror');
      expect(help).toContain('(choices: "fail", "skip", "overwrite", "rename")');
      expect(help).not.toContain('noop');
      expect(help).not.toContain('--count');
    }
    // noop is not offered (only bench servers run it) but still accepted.
    submitted = [];
    expect(await run(['job', 'submit', 'noop', '--library', 'LIB1', '--count', '5'])).toMatchObject({ code: 0, stdout: 'job 7 queued\n' });
    expect(submitted.at(-1)).toEqual({ type: 'noop', libraryId: 'LIB1', params: { count: 5 } });
    expect(await run(['job', 'submit', 'move', '--library', 'LIB1', '--item-id', '4', '--item-id', '5', '--destination', 'to', '--on-conflict', 'rename'])).toMatchObject({ code: 0 });
    expect(submitted.at(-1)).toEqual({ type: 'move', libraryId: 'LIB1', params: { itemIds: [4, 5], destination: '/to', onConflict: 'rename' } });
  });

  it('submit --watch follows the event stream, prints a summary and exits 1 for completed_with_errors', async () => {
    states = [job({ id: 7, status: 'queued', progress: 0 }), finished];
    const r = await run(['job', 'submit', 'trash', '--library', 'LIB1', '--path', '/a', '--watch']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('job 7 completed_with_errors: 3 succeeded, 1 failed, 0 skipped in 2.0s\n');
    expect(r.stderr).toContain('job 7 queued 0% 5/10+ items');
    expect(r.stderr).toContain('batchyard: JOB_COMPLETED_WITH_ERRORS: job 7 completed with errors: 1 of 4 items failed (batchyard job failures 7)\n');
    expect(requests.filter((q) => q.includes('/jobs/7'))).toEqual(['GET /api/v1/jobs/7', 'GET /api/v1/jobs/7/events', 'GET /api/v1/jobs/7']);
  });

  it('watch falls back to polling when the stream is not there', async () => {
    eventsAvailable = false;
    const completed = { ...finished, status: 'completed', counts: { ...finished.counts, succeeded: 4, failed: 0 } };
    states = [job({ id: 7, status: 'running' }), job({ id: 7, status: 'running', progress: 80 }), completed];
    const r = await run(['job', 'watch', '7', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ id: 7, status: 'completed' });
    expect(r.stderr).toBe(''); // --json: no progress lines
    expect(requests.filter((q) => q === 'GET /api/v1/jobs/7').length).toBeGreaterThanOrEqual(3);
  });

  it('list sends the filters and says when there is more; --all follows the cursor', async () => {
    const r = await run(['job', 'list', '--status', 'running', '--status', 'queued', '--type', 'trash', '--limit', '1']);
    expect(r.code).toBe(0);
    // The libraries are named from one listing of them, not a request per row.
    expect(requests).toEqual(['GET /api/v1/jobs?status=running&status=queued&type=trash&limit=1', 'GET /api/v1/libraries?limit=1000']);
    expect(r.stdout).toBe(formatTable(JOB_COLUMNS, [jobRow(job(), new Map([['LIB00000000000000001', 'Reports']]))]));
    expect(r.stdout).toContain('Reports');
    expect(r.stderr).toBe('batchyard: more jobs: --cursor c2 (or --all)\n');
    const all = await run(['job', 'list', '--all', '--json']);
    expect(JSON.parse(all.stdout)).toMatchObject({ jobs: [{ id: 12 }, { id: 12 }], nextCursor: null });
    expect((await run(['job', 'list', '--status', 'finished'])).code).toBe(2);
  });
});
