/**
 * GET /readyz of a real `batchyard serve` (the built CLI): 200 while the
 * database answers and every storage location takes a file; 503 naming the
 * component while one does not, and 200 again once it is back, while
 * /healthz (liveness) answers 200 throughout. The storage location's
 * directory is moved away and back. The database goes away for real: on
 * PostgreSQL the server reaches it through a TCP proxy in this test that
 * refuses connections (a host that is down), then accepts them and never
 * answers (a host dropping packets: the check's deadline ends the wait);
 * on SQLite the database file is moved away from its path and back. An S3
 * location (the run's real Swift + s3api server, when it runs) is reached
 * through a proxy too, which refuses and then forwards again. The answer
 * names components only: no path, host or message.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { s3Suites, s3TestServer, type S3TestLocation } from '../support/s3-server.js';
import { backends, database, main, startServe, type Database, type Proc } from './processes.js';

const TOKEN = 'readyz-test-bootstrap-token-0123456789';

interface Ready {
  status: number;
  body: { status: string; checks: Array<{ name: string; ok: boolean; failure?: string }> };
  text: string;
}

const runS3 = (await s3Suites()) === 'run';

for (const backend of await backends()) {
  describe(`GET /readyz of batchyard serve on ${backend}`, { timeout: 180_000 }, () => {
    let dir: string;
    let data: string;
    let store: string;
    let db: Database;
    let proxy: TcpProxy | undefined;
    let s3: S3TestLocation | undefined;
    let s3Proxy: TcpProxy | undefined;
    let server: Proc;
    let url: string;

    beforeAll(async () => {
      expect(fs.existsSync(main), 'dist/cli/main.js exists (npm run build)').toBe(true);
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchyard-readyz-'));
      data = path.join(dir, 'data');
      store = path.join(dir, 'archive-store');
      db = await database(backend);
      let databaseUrl = db.url;
      if (backend === 'postgres') {
        const direct = new URL(db.url);
        proxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
        direct.port = String(proxy.port);
        databaseUrl = direct.toString();
      }
      let storages = `archive=${store}`;
      if (runS3) {
        s3 = await s3TestServer().location('readyz');
        const endpoint = new URL(s3TestServer().endpoint);
        s3Proxy = await startTcpProxy({ host: endpoint.hostname, port: Number(endpoint.port) });
        const viaProxy = s3.urlWithCredentialsFile.replace(encodeURIComponent(s3TestServer().endpoint), encodeURIComponent(`http://127.0.0.1:${s3Proxy.port}`));
        expect(viaProxy).not.toBe(s3.urlWithCredentialsFile);
        storages += `,cold=${viaProxy}`;
      }
      ({ proc: server, url } = await startServe(data, { DATABASE_URL: databaseUrl, BATCHYARD_STORAGES: storages, BATCHYARD_BOOTSTRAP_TOKEN: TOKEN }));
    }, 180_000); // a serve's start takes up to a minute on a loaded machine, and the S3 server's up to 150 s
    afterAll(async () => {
      await server?.stop('SIGKILL');
      await proxy?.close();
      await s3Proxy?.close();
      await s3?.dispose();
      await db?.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    const ready = async (): Promise<Ready> => {
      const res = await fetch(`${url}/readyz`);
      const text = await res.text();
      return { status: res.status, body: JSON.parse(text) as Ready['body'], text };
    };
    /** Polls /readyz (a result is kept for about a second) until `accept` takes an answer. */
    const readyUntil = async (what: string, accept: (r: Ready) => boolean): Promise<Ready> => {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const r = await ready();
        if (accept(r)) return r;
        if (Date.now() > deadline) throw new Error(`/readyz never ${what}; last answer ${r.status} ${r.text}\n${server.output()}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    };
    const down = (r: Ready) => r.body.checks.filter((c) => !c.ok).map((c) => `${c.name} ${c.failure}`);
    const healthz = async () => (await fetch(`${url}/healthz`)).status;
    /** A write through the API: the server works again, not just its probe. */
    const createLibrary = async (name: string) =>
      (await fetch(`${url}/api/v1/libraries`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ name }) })).status;
    const noDetails = (r: Ready) => {
      for (const secret of [dir, '127.0.0.1', 'postgres', 'ENOENT', 'ECONNREFUSED']) expect(r.text).not.toContain(secret);
    };

    it('is ready with the database and both locations up, without a token', async () => {
      // On a loaded machine a first check may miss its deadline: that is a 503, rightly; wait it out.
      const r = await readyUntil('turned 200', (x) => x.status === 200);
      expect(r.body).toEqual({
        status: 'ready',
        checks: [
          { name: 'database', ok: true },
          { name: 'storage:archive', ok: true },
          ...(runS3 ? [{ name: 'storage:cold', ok: true }] : []),
          { name: 'storage:default', ok: true },
        ],
      });
    });

    it('is unavailable, naming the location, while its directory is gone; ready once it is back', async () => {
      fs.renameSync(store, `${store}.away`);
      const r = await readyUntil('turned 503', (x) => x.status === 503);
      expect(r.body.status).toBe('unavailable');
      expect(down(r)).toEqual(['storage:archive failed']);
      noDetails(r);
      expect(await healthz()).toBe(200);
      fs.renameSync(`${store}.away`, store);
      await readyUntil('turned 200 again', (x) => x.status === 200);
      await server.waitForLog((l) => l.msg === 'not ready: GET /readyz answers 503' && l.component === 'storage:archive' && String(l.cause).includes('ENOENT'));
    });

    it.runIf(runS3)('is unavailable, naming the S3 location, while its server refuses connections; ready once it is back', async () => {
      await s3Proxy!.setMode('refuse');
      const r = await readyUntil('turned 503 for the S3 location', (x) => x.status === 503);
      expect(down(r)).toEqual([expect.stringMatching(/^storage:cold (failed|timed out)$/)]);
      noDetails(r);
      expect(r.text).not.toContain('s3://');
      await s3Proxy!.setMode('forward');
      await readyUntil('turned 200 again', (x) => x.status === 200);
    });

    if (backend === 'postgres') {
      it('is unavailable, naming the database, while its host refuses connections and while it never answers; ready once it is back', async () => {
        await proxy!.setMode('refuse');
        const refused = await readyUntil('turned 503 for the database', (x) => x.status === 503);
        expect(down(refused)).toEqual(['database failed']);
        noDetails(refused);
        expect(await healthz()).toBe(200);

        await proxy!.setMode('blackhole');
        const silent = await readyUntil('timed out on the database', (x) => down(x).includes('database timed out'));
        expect(silent.status).toBe(503);
        expect(down(silent)).toEqual(['database timed out']);
        expect(await healthz()).toBe(200);

        await proxy!.setMode('forward');
        await readyUntil('turned 200 again', (x) => x.status === 200);
        expect(await createLibrary('after the outage')).toBe(201);
      });
    } else {
      it('is unavailable, naming the database, while its file is gone from its path; ready once it is back', async () => {
        const file = path.join(data, 'batchyard.sqlite');
        fs.renameSync(file, `${file}.away`);
        const r = await readyUntil('turned 503 for the database', (x) => x.status === 503);
        expect(down(r)).toEqual(['database failed']);
        noDetails(r);
        expect(await healthz()).toBe(200);
        fs.renameSync(`${file}.away`, file);
        await readyUntil('turned 200 again', (x) => x.status === 200);
        expect(await createLibrary('after the outage')).toBe(201);
      });
    }

    it('drains on SIGTERM and exits 0', async () => {
      expect(await server.stop('SIGTERM'), server.output()).toBe(0);
    });
  });
}
