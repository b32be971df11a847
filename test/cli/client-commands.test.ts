/**
 * The client commands against a tiny in-test fake of the API (no real server):
 * exit codes, error formatting, encoded upload paths, downloads, pagination.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { Command, CommanderError } from 'commander';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { registerClientCommands } from '../../src/cli/commands/client-commands.js';
import { ApiClient, ApiError } from '../../src/cli/client.js';
import { CliError, exitCodeFor, formatError } from '../../src/cli/errors.js';
import { formatTable, humanSize } from '../../src/cli/output.js';

const TOKEN = 'secret-token';
const LIBS = [
  { libraryId: 'lib1', name: 'Docs', state: 'ACTIVE', currentUserRight: 'ADMIN' },
  { libraryId: 'lib2', name: 'Team Photos', state: 'ACTIVE', currentUserRight: 'READER' },
];

interface Recorded {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

let server: Server;
let baseUrl: string;
let requests: Recorded[] = [];
let files = new Map<string, Buffer>(); // raw (encoded) URL path after /files → bytes
let work: string;

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}
const notFound = (res: ServerResponse, message: string) => send(res, 404, { error: { code: 'NOT_FOUND', message, details: {} } });

function item(libraryId: string, itemPath: string, kind: 'file' | 'folder', size = 0) {
  const name = itemPath.split('/').pop() ?? '';
  const t = '2024-05-01T12:34:56.000Z';
  return { id: 1, libraryId, path: itemPath, name, kind, size, sha256: null, createdAt: t, modifiedAt: t, trashedAt: null };
}

function handle(req: IncomingMessage, res: ServerResponse, body: Buffer): void {
  const url = new URL(req.url ?? '/', 'http://x');
  const route = `${req.method} ${url.pathname}`;
  if (req.headers.authorization !== `Bearer ${TOKEN}`) {
    return send(res, 401, { error: { code: 'UNAUTHENTICATED', message: 'missing or invalid credentials' } });
  }
  if (route === 'GET /api/v1/me') return send(res, 200, { id: 1, email: 'a@example.com', name: 'A', role: 'admin', domain: 'example.com' });
  if (route === 'POST /api/v1/tokens') {
    return send(res, 201, { id: 'tok1', token: 'by_new_secret', userId: 1, name: 'cli', expiresAt: null });
  }
  if (route === 'GET /api/v1/libraries') {
    const cursor = url.searchParams.get('cursor');
    return send(res, 200, cursor === null ? { libraries: [LIBS[0]], nextCursor: 'p2' } : { libraries: [LIBS[1]], nextCursor: null });
  }
  const lib = /^\/api\/v1\/libraries\/([^/]+)(\/.*)?$/.exec(url.pathname);
  const library = LIBS.find((l) => l.libraryId === lib?.[1]);
  if (!lib || !library) return notFound(res, `library '${lib?.[1] ?? ''}' not found`);
  const rest = lib[2] ?? '';
  const rawFile = (req.url ?? '').split('?')[0]!.split('/files')[1] ?? '';
  if (req.method === 'GET' && rest === '') return send(res, 200, library);
  if (req.method === 'GET' && rest === '/items') {
    if (url.searchParams.get('path') !== '/') return notFound(res, `folder '${url.searchParams.get('path')}' not found`);
    const page = Number(url.searchParams.get('cursor') ?? '0');
    const items = page === 0 ? [item('lib1', '/a folder', 'folder')] : [item('lib1', `/file${page}.txt`, 'file', 2048 * page)];
    return send(res, 200, { items, nextCursor: page < 2 ? String(page + 1) : null });
  }
  if (req.method === 'POST' && rest === '/folders') {
    return send(res, 201, item(library.libraryId, (JSON.parse(body.toString()) as { path: string }).path, 'folder'));
  }
  if (req.method === 'PUT' && rest.startsWith('/files/')) {
    if (rawFile.endsWith('/taken.txt')) return send(res, 409, { error: { code: 'CONFLICT', message: `'${rawFile}' is a folder` } });
    if (rawFile.endsWith('/secret.txt')) return send(res, 403, { error: { code: 'FORBIDDEN', message: 'you may not write here' } });
    files.set(rawFile, body);
    const decoded = rawFile.split('/').map(decodeURIComponent).join('/');
    return send(res, 201, item(library.libraryId, decoded, 'file', body.length));
  }
  if (req.method === 'GET' && rest.startsWith('/files/')) {
    const bytes = files.get(rawFile);
    if (!bytes) return notFound(res, `'${rawFile}' not found`);
    const etag = `"${createHash('sha256').update(bytes).digest('hex')}"`;
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes.length, etag });
    return void res.end(bytes);
  }
  notFound(res, `no route ${route}`);
}

async function run(args: string[], options: { token?: string | null; stdin?: string; url?: string; tty?: boolean } = {}) {
  let stdout = '';
  let stderr = '';
  const program = new Command('batchyard')
    .exitOverride()
    .configureOutput({ writeOut: (s) => void (stdout += s), writeErr: (s) => void (stderr += s) })
    .option('--url <url>', 'server URL')
    .option('--token <token>', 'API token');
  registerClientCommands(program, {
    stdout: (s) => void (stdout += s),
    stderr: (s) => void (stderr += s),
    stdin: Readable.from([Buffer.from(options.stdin ?? '')]),
    stderrIsTTY: options.tty ?? false,
  });
  const globals = ['--url', options.url ?? baseUrl, ...(options.token === null ? [] : ['--token', options.token ?? TOKEN])];
  let code = 0;
  let error: unknown;
  try {
    await program.parseAsync([...globals, ...args], { from: 'user' });
  } catch (caught) {
    error = caught;
    if (caught instanceof CommanderError) code = caught.exitCode === 0 ? 0 : 2;
    else {
      stderr += formatError(caught) + '\n';
      code = exitCodeFor(caught);
    }
  }
  return { code, stdout, stderr, error };
}

beforeAll(async () => {
  delete process.env.BATCHYARD_TOKEN; // clientFor falls back to it
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      handle(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  work = await mkdtemp(path.join(tmpdir(), 'batchyard-cli-'));
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(work, { recursive: true, force: true });
});

beforeEach(() => {
  requests = [];
  files = new Map();
});

describe('errors and exit codes', () => {
  it('refuses to run without a token: exit 3', async () => {
    const r = await run(['me'], { token: null });
    expect(r.code).toBe(3);
    expect(r.stderr).toBe('batchyard: UNAUTHENTICATED: no token: pass --token or set BATCHYARD_TOKEN\n');
    expect(requests).toHaveLength(0);
  });

  it('maps a 404 error body to exit 4 with a one-line message', async () => {
    const r = await run(['ls', 'lib1', '/missing']);
    expect(r.error).toBeInstanceOf(ApiError);
    expect((r.error as ApiError).status).toBe(404);
    expect(r.code).toBe(4);
    expect(r.stderr).toBe("batchyard: NOT_FOUND: folder '/missing' not found\n");
  });

  it('maps statuses and odd bodies', () => {
    expect(exitCodeFor(new ApiError(401, undefined, 'x'))).toBe(3);
    expect(exitCodeFor(new ApiError(403, undefined, 'x'))).toBe(3);
    expect(exitCodeFor(new ApiError(409, undefined, 'x'))).toBe(5);
    expect(exitCodeFor(new ApiError(412, undefined, 'x'))).toBe(5);
    expect(exitCodeFor(new ApiError(422, undefined, 'x'))).toBe(1);
    expect(exitCodeFor(new CliError('bad', 2))).toBe(2);
    expect(exitCodeFor(new Error('boom'))).toBe(1);
    const proxy = ApiError.fromBody(502, 'Bad Gateway', '<html>nope</html>');
    expect(formatError(proxy)).toBe('batchyard: HTTP_502: HTTP 502 Bad Gateway');
  });

  it('says so when the server cannot be reached', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const r = await run(['me'], { url: `http://127.0.0.1:${port}` });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^batchyard: UNAVAILABLE: cannot reach the batchyard server at http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED.*set BATCHYARD_URL/);
  });

  it('validates integer flags: exit 2', async () => {
    const r = await run(['token', 'create', '--expires-in-days', 'abc']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--expires-in-days: expected an integer from 1 to 3650, got 'abc'");
    expect(requests).toHaveLength(0);
  });
});

describe('commands', () => {
  it('token create prints just the secret', async () => {
    const r = await run(['token', 'create', '--name', 'cli', '--expires-in-days', '30']);
    expect(r).toMatchObject({ code: 0, stdout: 'by_new_secret\n' });
    expect(JSON.parse(requests[0]!.body.toString())).toEqual({ name: 'cli', expiresInDays: 30 });
  });

  it('library list follows nextCursor; a library resolves by name', async () => {
    const r = await run(['library', 'list']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(formatTable(['ID', 'NAME', 'STATE', 'RIGHT'], LIBS.map((l) => [l.libraryId, l.name, l.state, l.currentUserRight])));
    const shown = await run(['library', 'show', 'Team Photos', '--json']);
    expect(JSON.parse(shown.stdout)).toEqual(LIBS[1]);
    const none = await run(['library', 'show', 'Nope']);
    expect(none.code).toBe(4);
    expect(none.stderr).toBe("batchyard: NOT_FOUND: no library 'Nope' (by id or name)\n");
  });

  it('ls follows cursors to the end', async () => {
    const r = await run(['ls', 'lib1']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        'NAME          SIZE  MODIFIED',
        'a folder/        -  2024-05-01 12:34',
        'file1.txt  2.0 KiB  2024-05-01 12:34',
        'file2.txt  4.0 KiB  2024-05-01 12:34',
        '',
      ].join('\n'),
    );
    const json = await run(['ls', 'lib1', '--json']);
    expect((JSON.parse(json.stdout) as { name: string }[]).map((i) => i.name)).toEqual(['a folder', 'file1.txt', 'file2.txt']);
    expect(requests.filter((q) => q.url.includes('/items')).map((q) => new URL(q.url, baseUrl).searchParams.get('cursor'))).toEqual([null, '1', '2', null, '1', '2']);
  });

  it('put uploads a directory recursively with each segment percent-encoded', async () => {
    const root = path.join(work, 'tree');
    await mkdir(path.join(root, 'sub dir', 'deep'), { recursive: true });
    await mkdir(path.join(root, 'empty'));
    const content = new Map([
      ['a b#c.txt', 'hello'],
      ['sub dir/x?y%.bin', 'binary\u0000data'],
      ['sub dir/deep/#z', ''],
    ]);
    for (const [rel, text] of content) await writeFile(path.join(root, rel), text);
    const r = await run(['put', 'lib1', root, '/up load']);
    expect(r.code).toBe(0);
    const totalBytes = [...content.values()].reduce((n, t) => n + Buffer.byteLength(t), 0);
    expect(r.stdout).toBe(`uploaded 3 files, ${totalBytes} bytes\n`);
    expect([...files.keys()].sort()).toEqual(['/up%20load/a%20b%23c.txt', '/up%20load/sub%20dir/deep/%23z', '/up%20load/sub%20dir/x%3Fy%25.bin']);
    expect(files.get('/up%20load/sub%20dir/x%3Fy%25.bin')!.toString()).toBe('binary\u0000data');
    const puts = requests.filter((q) => q.method === 'PUT');
    for (const put of puts) {
      expect(put.headers['content-length']).toBe(String(put.body.length));
      expect(put.headers['transfer-encoding']).toBeUndefined();
    }
    const folders = requests.filter((q) => q.method === 'POST').map((q) => JSON.parse(q.body.toString()) as { path: string });
    expect(folders).toEqual([{ path: '/up load/empty' }]);
  });

  it('put of a directory reports per-file refusals, goes on, and stops on an auth error', async () => {
    const root = path.join(work, 'partial');
    await mkdir(root);
    for (const name of ['ok1.txt', 'taken.txt', 'ok2.txt']) await writeFile(path.join(root, name), name);
    const r = await run(['put', 'lib1', root, '/p'], { tty: true });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('uploaded 2 files, 14 bytes\n');
    expect(r.stderr).toContain("batchyard: CONFLICT: '/p/taken.txt' is a folder (/p/taken.txt)");
    expect(r.stderr).toContain('batchyard: ERROR: 1 of 3 files failed to upload');
    await writeFile(path.join(root, 'secret.txt'), 'x');
    const denied = await run(['put', 'lib1', root, '/p']);
    expect(denied.code).toBe(3);
    expect(denied.stderr).toContain('batchyard: FORBIDDEN: you may not write here');
    const missing = await run(['put', 'lib1', path.join(work, 'does-not-exist')]);
    expect(missing.code).toBe(4);
  });

  it('put of one file defaults to /<basename>; put - reads stdin', async () => {
    await writeFile(path.join(work, 'one #1.txt'), 'one');
    expect((await run(['put', 'lib1', path.join(work, 'one #1.txt')])).stdout).toBe('uploaded /one #1.txt, 3 bytes\n');
    expect((await run(['put', 'lib1', '-', '/in/stdin.txt'], { stdin: 'from stdin' })).code).toBe(0);
    expect(files.get('/in/stdin.txt')!.toString()).toBe('from stdin');
    expect((await run(['put', 'lib1', '-'])).code).toBe(2);
  });

  it('get writes the bytes (file, directory, stdout) and leaves nothing on failure', async () => {
    const bytes = Buffer.from('π and bytes \u0001\u0002');
    files.set('/docs/r%C3%A9sum%C3%A9%20%231.txt', bytes);
    const dest = path.join(work, 'got.txt');
    const r = await run(['get', 'lib1', '/docs/résumé #1.txt', dest]);
    expect(r.code).toBe(0);
    expect(await readFile(dest)).toEqual(bytes);
    const dir = path.join(work, 'dl');
    await mkdir(dir);
    expect((await run(['get', 'Docs', '/docs/résumé #1.txt', dir])).code).toBe(0);
    expect(await readFile(path.join(dir, 'résumé #1.txt'))).toEqual(bytes);
    expect((await run(['get', 'lib1', '/docs/résumé #1.txt', '-'])).stdout).toBe(bytes.toString());
    const missing = await run(['get', 'lib1', '/nope.txt', path.join(dir, 'nope.txt')]);
    expect(missing.code).toBe(4);
    expect(await readdir(dir)).toEqual(['résumé #1.txt']);
  });
});

describe('helpers', () => {
  it('formats sizes and builds URLs', () => {
    expect([0, 1023, 1024, 1536, 10 * 1024 * 1024, 5 * 1024 ** 3].map(humanSize)).toEqual(['0 B', '1023 B', '1.0 KiB', '1.5 KiB', '10 MiB', '5.0 GiB']);
    const client = new ApiClient('http://h:1/', 't');
    expect(client.url('/libraries', { limit: 5, cursor: undefined })).toBe('http://h:1/api/v1/libraries?limit=5');
    expect(() => new ApiClient('not a url', 't')).toThrow(CliError);
  });
});
