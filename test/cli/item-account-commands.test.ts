/**
 * `rm`, `mv`, `trash`, `user list`, `token list|revoke`, `library
 * rename|delete|permissions` and `job list`'s library names, run in-process
 * against a real server (HTTP on a port, engine running) on every driver.
 */
import { Readable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { Command, CommanderError } from 'commander';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { ADMIN_TOKEN, startTestApp, type TestApp } from '../support/app.js';
import { FAST_ENGINE } from '../support/engine.js';
import { startEngine } from '../../src/app.js';
import type { Engine } from '../../src/engine/engine.js';
import { registerClientCommands } from '../../src/cli/commands/client-commands.js';
import { registerJobCommands } from '../../src/cli/commands/job-commands.js';
import { applyPermissionChanges, parseGrant, parsePrincipal } from '../../src/cli/commands/permissions.js';
import { CliError, exitCodeFor, formatError } from '../../src/cli/errors.js';
import { INLINE_SUBTREE_LIMIT } from '../../src/services/item-service.js';

const factories = await driverFactories();

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

beforeAll(() => {
  delete process.env.BATCHYARD_TOKEN; // clientFor falls back to it
});

describe('permission edits (pure)', () => {
  it('parses user:/domain: principals and grants, inferring the type from an @', () => {
    expect(parsePrincipal('user:Ann@Example.com', '--remove')).toEqual({ type: 'user', value: 'ann@example.com' });
    expect(parsePrincipal('ann@example.com', '--remove')).toEqual({ type: 'user', value: 'ann@example.com' });
    expect(parsePrincipal('example.com', '--remove')).toEqual({ type: 'domain', value: 'example.com' });
    expect(parseGrant('domain:example.com=reader')).toEqual({ type: 'domain', value: 'example.com', role: 'READER' });
    for (const bad of ['ann@example.com', 'ann@example.com=OWNER', 'user:=READER', 'group:staff=READER', '=READER']) {
      let error: unknown;
      try {
        parseGrant(bad);
      } catch (e) {
        error = e;
      }
      expect(error, bad).toBeInstanceOf(CliError);
      expect(exitCodeFor(error)).toBe(2);
    }
  });

  it('sets replace a principal’s entry, removes drop it, and removing an absent one is a usage error', () => {
    const current = [
      { type: 'user' as const, value: 'admin@example.com', role: 'ADMIN' as const },
      { type: 'user' as const, value: 'ann@example.com', role: 'READER' as const },
    ];
    expect(applyPermissionChanges(current, ['user:ann@example.com=WRITER', 'domain:example.com=READER'], [])).toEqual([
      { type: 'user', value: 'admin@example.com', role: 'ADMIN' },
      { type: 'user', value: 'ann@example.com', role: 'WRITER' },
      { type: 'domain', value: 'example.com', role: 'READER' },
    ]);
    expect(applyPermissionChanges(current, [], ['user:ann@example.com'])).toEqual([current[0]]);
    expect(() => applyPermissionChanges(current, [], ['bob@example.com'])).toThrow(/has no permission/);
  });
});

for (const factory of factories) {
  describe(`item and account commands against a real server on ${factory.name}`, () => {
    let t: TestApp;
    let url: string;
    let engine: Engine;

    beforeEach(async () => {
      t = await startTestApp(factory);
      await t.http.listen({ port: 0, host: '127.0.0.1' });
      url = `http://127.0.0.1:${(t.http.server.address() as AddressInfo).port}`;
      engine = await startEngine(t.app, FAST_ENGINE);
    });
    afterEach(async () => {
      await engine.stop();
      await t.dispose();
    });

    async function run(args: string[], token: string | null = ADMIN_TOKEN, stdin = ''): Promise<Ran> {
      let stdout = '';
      let stderr = '';
      const program = new Command('batchyard')
        .exitOverride()
        .configureOutput({ writeOut: (s) => void (stdout += s), writeErr: (s) => void (stderr += s) })
        .option('--url <url>', 'server URL')
        .option('--token <token>', 'API token');
      const io = { stdout: (s: string) => void (stdout += s), stderr: (s: string) => void (stderr += s), stdin: Readable.from([Buffer.from(stdin)]), stderrIsTTY: false };
      registerClientCommands(program, io);
      registerJobCommands(program, { ...io, stdoutStream: process.stdout, stdin: io.stdin });
      let code = 0;
      try {
        await program.parseAsync(['--url', url, ...(token === null ? [] : ['--token', token]), ...args], { from: 'user' });
      } catch (error) {
        if (error instanceof CommanderError) code = error.exitCode === 0 ? 0 : 2;
        else {
          stderr += formatError(error) + '\n';
          code = exitCodeFor(error);
        }
      }
      return { code, stdout, stderr };
    }
    async function ok(args: string[], token?: string): Promise<string> {
      const ran = await run(args, token);
      expect(ran.code, `${args.join(' ')}: ${ran.stderr}`).toBe(0);
      return ran.stdout;
    }
    const lines = (text: string) => text.trim().split('\n');
    /** The LIBRARY cell of a `job list` table's first row. */
    const libraryCell = (table: string) => {
      const [header, first] = lines(table);
      return first!.slice(header!.indexOf('LIBRARY')).split(/\s+/)[0];
    };

    it('rm trashes a file and a folder, trash lists them with ids, a restore by id brings one back; rm of nothing is exit 4', async () => {
      await ok(['library', 'create', 'Docs']);
      await ok(['put', 'Docs', '-', '/a.txt'], undefined);
      await ok(['mkdir', 'Docs', '/proj/sub']);
      const rmFile = await ok(['rm', 'Docs', 'a.txt']);
      expect(rmFile).toMatch(/^trashed \/a\.txt \(item \d+; batchyard job submit restore --library \S+ --item-id \d+\)\n$/);
      await ok(['rm', 'Docs', '/proj']);
      expect(await ok(['ls', 'Docs'])).toBe('');
      const trash = lines(await ok(['trash', 'Docs']));
      expect(trash[0]).toMatch(/^\s*ID\s+PATH\s+SIZE\s+TRASHED$/);
      expect(trash.slice(1).map((l) => l.trim().split(/\s+/)[1])).toEqual(['/proj/', '/a.txt']);
      const json = JSON.parse(await ok(['trash', 'Docs', '--json'])) as Array<{ id: number; path: string }>;
      const fileId = json.find((i) => i.path === '/a.txt')!.id;
      const restored = await run(['job', 'submit', 'restore', '--library', 'Docs', '--item-id', String(fileId), '--watch']);
      expect(restored.code, restored.stderr).toBe(0);
      expect(lines(await ok(['ls', 'Docs']))[1]).toMatch(/^a\.txt\s/);

      const missing = await run(['rm', 'Docs', '/nothing']);
      expect(missing.code).toBe(4);
      expect(missing.stderr).toContain('batchyard: NOT_FOUND:');
      expect((await run(['rm', 'Docs', '/'])).code).toBe(2);
    });

    it(`rm of a folder of more than ${INLINE_SUBTREE_LIMIT} items follows the trash job to its end (or returns with --no-wait)`, async () => {
      const libraryId = (await ok(['library', 'create', 'Big'])).trim();
      const library = (await t.app.store.libraryGetById(libraryId))!;
      const now = Date.now();
      for (const root of ['big', 'big2']) {
        const [folder] = await t.app.store.itemInsertMany([
          { libraryId, parentId: library.rootFolderId, name: root, path: `/${root}`, kind: 'folder', size: 0, sha256: null, contentType: null, createdAt: now, modifiedAt: now },
        ]);
        const rows = Array.from({ length: INLINE_SUBTREE_LIMIT + 1 }, (_, i) => ({
          libraryId, parentId: folder!.id, name: `d${i}`, path: `/${root}/d${i}`, kind: 'folder' as const, size: 0, sha256: null, contentType: null, createdAt: now, modifiedAt: now,
        }));
        for (let i = 0; i < rows.length; i += 500) await t.app.store.itemInsertMany(rows.slice(i, i + 500));
      }
      const ran = await run(['rm', 'Big', '/big']);
      expect(ran.code, ran.stderr).toBe(0);
      expect(ran.stderr).toMatch(/trashing \/big runs as job \d+/);
      expect(ran.stdout).toMatch(/^job \d+ completed: 1002 succeeded, 0 failed, 0 skipped/);
      const quick = await run(['rm', 'Big', '/big2', '--no-wait', '--json']);
      expect(quick.code, quick.stderr).toBe(0);
      const job = JSON.parse(quick.stdout) as { id: number; type: string };
      expect(job.type).toBe('trash');
      expect((await run(['job', 'watch', String(job.id)])).code).toBe(0);
      expect(await ok(['ls', 'Big'])).toBe('');
    });

    it('mv renames, moves into an existing folder or one named with a trailing /, and refuses a taken path (exit 5)', async () => {
      await ok(['library', 'create', 'Docs']);
      await ok(['put', 'Docs', '-', '/a.txt']);
      await ok(['put', 'Docs', '-', '/taken.txt']);
      await ok(['mkdir', 'Docs', '/archive']);
      expect(await ok(['mv', 'Docs', '/a.txt', '/b.txt'])).toBe('moved /a.txt to /b.txt\n');
      expect(await ok(['mv', 'Docs', '/b.txt', '/archive'])).toBe('moved /b.txt to /archive/b.txt\n');
      expect(await ok(['mv', 'Docs', '/archive/b.txt', '/new/'])).toBe('moved /archive/b.txt to /new/b.txt\n');
      const json = JSON.parse(await ok(['mv', 'Docs', '/new', '/renamed', '--json'])) as { path: string; kind: string };
      expect(json).toMatchObject({ path: '/renamed', kind: 'folder' });
      expect(lines(await ok(['ls', 'Docs', '/renamed']))[1]).toMatch(/^b\.txt\s/);
      const taken = await run(['mv', 'Docs', '/renamed/b.txt', '/taken.txt']);
      expect(taken.code).toBe(5);
      expect(taken.stderr).toContain('batchyard: CONFLICT:');
      const inside = await run(['mv', 'Docs', '/renamed', '/renamed/deeper/x']);
      expect(inside.code).toBe(1);
      expect(inside.stderr).toContain('UNPROCESSABLE');
    });

    it('user list and token list show users and tokens (never secrets); token revoke takes an id from the list', async () => {
      await ok(['user', 'add', 'ann@example.com', '--name', 'Ann']);
      const users = lines(await ok(['user', 'list']));
      expect(users[0]).toMatch(/^\s*ID\s+EMAIL\s+NAME\s+ROLE$/);
      expect(users.slice(1).map((l) => l.trim().split(/\s+/).slice(1))).toEqual([
        ['admin@example.com', 'Administrator', 'super_admin'],
        ['ann@example.com', 'Ann', 'user'],
      ]);
      const annId = (JSON.parse(await ok(['user', 'list', '--json'])) as Array<{ id: number; email: string }>).find((u) => u.email === 'ann@example.com')!.id;
      const secret = (await ok(['token', 'create', '--user-id', String(annId), '--name', 'ann-laptop'])).trim();
      const annTokens = JSON.parse(await ok(['token', 'list', '--user-id', String(annId), '--json'])) as Array<{ id: string; name: string }>;
      expect(annTokens.map((tk) => tk.name)).toEqual(['ann-laptop']);
      const table = await ok(['token', 'list']);
      expect(table).toContain('ann-laptop');
      expect(table).toContain('bootstrap');
      expect(table).not.toContain(secret);
      expect(table).not.toContain(ADMIN_TOKEN);
      const own = await run(['token', 'list'], secret);
      expect(own.code).toBe(0);
      expect(lines(own.stdout).slice(1).map((l) => l.split(/\s+/)[1])).toEqual(['ann-laptop']);
      expect((await run(['user', 'list'], secret)).code).toBe(3);

      expect(await ok(['token', 'revoke', annTokens[0]!.id])).toBe(`revoked ${annTokens[0]!.id}\n`);
      expect((await run(['me'], secret)).code).toBe(3);
      expect(await ok(['token', 'list', '--user-id', String(annId)])).toBe('ID  NAME  USER  CREATED  EXPIRES\n');
      const all = await ok(['token', 'list', '--user-id', String(annId), '--all']);
      expect(all).toMatch(/REVOKED/);
      expect(lines(all)[1]).toContain('ann-laptop');
    });

    it('library rename, permissions (show, --set, --remove) and delete (only with --yes)', async () => {
      await ok(['user', 'add', 'ann@example.com']);
      const id = (await ok(['library', 'create', 'Reports'])).trim();
      expect(await ok(['library', 'rename', 'Reports', 'Reports 2026'])).toBe(`renamed ${id} to Reports 2026\n`);
      expect(JSON.parse(await ok(['library', 'show', id, '--json'])).name).toBe('Reports 2026');

      expect(lines(await ok(['library', 'permissions', 'Reports 2026']))).toEqual(['TYPE  WHO                ROLE', 'user  admin@example.com  ADMIN']);
      const set = await ok(['library', 'permissions', id, '--set', 'user:ann@example.com=READER']);
      expect(lines(set)).toEqual(['TYPE  WHO                ROLE', 'user  admin@example.com  ADMIN', 'user  ann@example.com    READER']);
      const changed = JSON.parse(await ok(['library', 'permissions', id, '--set', 'ann@example.com=writer', '--json']));
      expect(changed).toEqual([
        { type: 'user', value: 'admin@example.com', role: 'ADMIN' },
        { type: 'user', value: 'ann@example.com', role: 'WRITER' },
      ]);
      const lastAdmin = await run(['library', 'permissions', id, '--remove', 'user:admin@example.com']);
      expect(lastAdmin.code).toBe(1);
      expect(lastAdmin.stderr).toContain('UNPROCESSABLE');
      expect(JSON.parse(await ok(['library', 'permissions', id, '--remove', 'user:ann@example.com', '--json']))).toHaveLength(1);
      expect((await run(['library', 'permissions', id, '--set', 'ann@example.com'])).code).toBe(2);

      expect((await run(['library', 'delete', id])).code).toBe(2);
      expect(await ok(['library', 'delete', 'Reports 2026', '--yes'])).toBe(`deleted ${id} (Reports 2026)\n`);
      expect((await run(['library', 'show', id])).code).toBe(4);
    });

    it('job list names each job’s library (one listing of the libraries), or keeps the id of one the caller cannot find', async () => {
      const docs = (await ok(['library', 'create', 'Docs'])).trim();
      await ok(['put', 'Docs', '-', '/a.txt']);
      const submitted = await run(['job', 'submit', 'trash', '--library', 'Docs', '--path', '/a.txt', '--watch']);
      expect(submitted.code, submitted.stderr).toBe(0);
      const listed = await ok(['job', 'list']);
      expect(libraryCell(listed)).toBe('Docs');
      expect(listed).not.toContain(docs);
      const json = JSON.parse(await ok(['job', 'list', '--json']));
      expect(json.jobs[0].libraryId).toBe(docs);

      // Ann's job in a library she can no longer find: her listing keeps its id.
      await ok(['user', 'add', 'ann@example.com']);
      const annId = (JSON.parse(await ok(['user', 'list', '--json'])) as Array<{ id: number; email: string }>).find((u) => u.email === 'ann@example.com')!.id;
      const ann = (await ok(['token', 'create', '--user-id', String(annId)])).trim();
      await ok(['library', 'permissions', 'Docs', '--set', 'ann@example.com=WRITER']);
      const hers = await run(['job', 'submit', 'trash', '--library', docs, '--path', '/nothing', '--watch'], ann);
      expect(hers.code).toBe(1); // completed with errors: there is no /nothing
      expect(libraryCell((await run(['job', 'list'], ann)).stdout)).toBe('Docs');
      await ok(['library', 'permissions', 'Docs', '--remove', 'ann@example.com']);
      const after = await run(['job', 'list'], ann);
      expect(after.code, after.stderr).toBe(0);
      expect(libraryCell(after.stdout)).toBe(docs);
    });
  });
}
