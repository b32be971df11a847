/**
 * A whole batchyard (services + HTTP) on a test database and a temp data
 * directory, bootstrapped with a known super-admin token.
 */
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../../src/config.js';
import { openApp, bootstrap, serverSettings, type App } from '../../src/app.js';
import { buildServer } from '../../src/api/server.js';
import type { DriverFactory, TestDriver } from './drivers.js';

export const ADMIN_TOKEN = 'test-bootstrap-token-0123456789';

export interface TestApp {
  app: App;
  http: FastifyInstance;
  t: TestDriver;
  /** JSON request helper via inject; returns status, headers and parsed JSON (or raw text). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- bodies are checked by each test's assertions
  call(method: string, url: string, options?: { token?: string | null; json?: unknown; body?: string | Buffer; headers?: Record<string, string> }): Promise<{ status: number; body: any; headers: Record<string, unknown>; raw: Buffer }>;
  dispose(): Promise<void>;
}

export async function startTestApp(factory: DriverFactory, env: Record<string, string> = {}): Promise<TestApp> {
  const t = await factory.createMigrated();
  const config = loadConfig({ data: t.dir, port: 0 }, { BATCHYARD_BOOTSTRAP_TOKEN: ADMIN_TOKEN, LOG_LEVEL: 'silent', ...env });
  const app = await openApp(config, { driver: t.driver });
  await bootstrap(app, () => {});
  const http = await buildServer(app, { logger: false, version: 'test', ...serverSettings(config) });
  await http.ready();
  return {
    app,
    http,
    t,
    async call(method, url, options = {}) {
      const headers: Record<string, string> = { ...(options.headers ?? {}) };
      const token = options.token === undefined ? ADMIN_TOKEN : options.token;
      if (token !== null) headers.authorization = `Bearer ${token}`;
      let payload: string | Buffer | undefined = options.body;
      if (options.json !== undefined) {
        payload = JSON.stringify(options.json);
        headers['content-type'] ??= 'application/json';
      }
      const response = await http.inject({ method: method as 'GET', url, headers, payload });
      const raw = response.rawPayload;
      let body: unknown = raw.toString('utf8');
      if (String(response.headers['content-type'] ?? '').includes('application/json')) body = JSON.parse(body as string);
      return { status: response.statusCode, body, headers: response.headers as Record<string, unknown>, raw };
    },
    async dispose() {
      await http.close();
      await t.dispose();
    },
  };
}
