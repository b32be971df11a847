/**
 * `batchyard admin-token` through the built CLI (npm run build first): with the
 * server's database (--data, DATABASE_URL) it mints a working token for the
 * super admin or a named admin, and refuses users, unknown emails and a
 * directory with no database. On SQLite and on PostgreSQL.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, cli, database, main, startServe, type Database, type Proc } from '../e2e/processes.js';

const TOKEN = 'admin-token-test-bootstrap-0123456789';

for (const backend of await backends()) {
  describe(`batchyard admin-token on ${backend}`, () => {
    let dir: string;
    let data: string;
    let db: Database;
    let server: Proc;
    let url: string;
    let env: Record<string, string>;

    beforeAll(async () => {
      expect(fs.existsSync(main), 'dist/cli/main.js exists (npm run build)').toBe(true);
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchyard-admin-token-'));
      data = path.join(dir, 'data');
      db = await database(backend);
      env = { DATABASE_URL: db.url };
      ({ proc: server, url } = await startServe(data, { ...env, BATCHYARD_BOOTSTRAP_TOKEN: TOKEN }));
    });
    afterAll(async () => {
      await server?.stop();
      await db?.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    const me = async (token: string) => {
      const res = await fetch(`${url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
      return { status: res.status, body: (await res.json()) as { email: string; role: string } };
    };

    it('mints a new token for the super admin while the server runs; the server accepts it at once', async () => {
      const ran = await cli(['admin-token', '--data', data], env);
      expect(ran.status, ran.stderr).toBe(0);
      const secret = ran.stdout.trim();
      expect(secret).toMatch(/^\S{20,}$/);
      expect(secret).not.toBe(TOKEN);
      expect(ran.stderr).toMatch(/new token \S+ for admin@example\.com \(super_admin\)/);
      expect(await me(secret)).toEqual({ status: 200, body: expect.objectContaining({ email: 'admin@example.com', role: 'super_admin' }) });
    });

    it('mints for an admin named by --email, with --json and an expiry; refuses a plain user (3) and an unknown email (4)', async () => {
      for (const [email, role] of [['ada@example.com', 'admin'], ['ulla@example.com', 'user']]) {
        const res = await fetch(`${url}/api/v1/users`, {
          method: 'POST',
          headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
          body: JSON.stringify({ email, role }),
        });
        expect(res.status).toBe(201);
      }
      const ran = await cli(['admin-token', '--data', data, '--email', 'Ada@Example.com', '--expires-in-days', '7', '--name', 'recovery', '--json'], env);
      expect(ran.status, ran.stderr).toBe(0);
      const out = JSON.parse(ran.stdout) as { id: string; token: string; email: string; expiresAt: string };
      expect(out.email).toBe('ada@example.com');
      expect(Date.parse(out.expiresAt) - Date.now()).toBeGreaterThan(6 * 86_400_000);
      expect((await me(out.token)).body.role).toBe('admin');
      const own = (await (await fetch(`${url}/api/v1/tokens`, { headers: { authorization: `Bearer ${out.token}` } })).json()) as { tokens: Array<{ id: string; name: string }> };
      expect(own.tokens).toEqual(expect.arrayContaining([expect.objectContaining({ id: out.id, name: 'recovery' })]));

      const user = await cli(['admin-token', '--data', data, '--email', 'ulla@example.com'], env);
      expect(user.status).toBe(3);
      expect(user.stderr).toContain('is not an admin');
      expect(user.stdout).toBe('');
      const unknown = await cli(['admin-token', '--data', data, '--email', 'nobody@example.com'], env);
      expect(unknown.status).toBe(4);
      const badDays = await cli(['admin-token', '--data', data, '--expires-in-days', '0'], env);
      expect(badDays.status).toBe(2);
    });

    it.runIf(backend === 'sqlite')('refuses a data directory without a database instead of creating one', async () => {
      const empty = path.join(dir, 'empty');
      const ran = await cli(['admin-token', '--data', empty], { DATABASE_URL: '' });
      expect(ran.status).toBe(4);
      expect(ran.stderr).toContain('no batchyard database at');
      expect(fs.existsSync(path.join(empty, 'batchyard.sqlite'))).toBe(false);
    });
  });
}
