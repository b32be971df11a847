/**
 * The dashboard's files as `batchyard serve` gives them (a small build made
 * here, named by BATCHYARD_WEB_DIR, so the test needs no web build): hashed
 * assets cached as immutable, the shell revalidated and under a strict CSP,
 * every page address answered with the shell, API paths keeping their JSON
 * 404, and a clear 503 when there is no build. No database work: SQLite only.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqliteFactory } from '../support/drivers.js';
import { startTestApp, type TestApp } from '../support/app.js';

const SHELL = '<!doctype html><html><head><script type="module" src="/assets/index-3f2a9c.js"></script></head><body><div id="root"></div></body></html>\n';
const SCRIPT = 'console.log("dashboard");\n';

describe('dashboard files', () => {
  let dir: string;
  let t: TestApp;
  const html = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchyard-web-'));
    fs.mkdirSync(path.join(dir, 'assets'));
    fs.writeFileSync(path.join(dir, 'index.html'), SHELL);
    fs.writeFileSync(path.join(dir, 'assets', 'index-3f2a9c.js'), SCRIPT);
    fs.writeFileSync(path.join(dir, 'assets', 'index-77aa01.css'), 'body { margin: 0 }\n');
    fs.writeFileSync(path.join(dir, 'robots.txt'), 'User-agent: *\nDisallow: /\n');
    t = await startTestApp(sqliteFactory, { BATCHYARD_WEB_DIR: dir });
  });
  afterAll(async () => {
    await t.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('serves the shell at / to be revalidated on every load, under a CSP without inline scripts', async () => {
    const res = await t.call('GET', '/', { token: null, headers: html });
    expect(res.status).toBe(200);
    expect(res.raw.toString()).toBe(SHELL);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['cache-control']).toBe('no-cache');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    // Revalidation: the same shell is a 304.
    const again = await t.call('GET', '/', { token: null, headers: { ...html, 'if-none-match': String(res.headers.etag) } });
    expect(again.status).toBe(304);
    expect((await t.call('HEAD', '/', { token: null })).status).toBe(200);
  });

  it('serves hashed assets as immutable for a year; a missing one is the API’s JSON 404', async () => {
    const js = await t.call('GET', '/assets/index-3f2a9c.js', { token: null });
    expect(js.status).toBe(200);
    expect(js.raw.toString()).toBe(SCRIPT);
    expect(js.headers['content-type']).toMatch(/javascript/);
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const css = await t.call('GET', '/assets/index-77aa01.css', { token: null });
    expect(css.headers['content-type']).toMatch(/^text\/css/);
    const missing = await t.call('GET', '/assets/index-000000.js', { token: null, headers: html });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('NOT_FOUND');
    const escape = await t.call('GET', '/assets/../index.html', { token: null });
    expect([403, 404]).toContain(escape.status);
    expect(escape.raw.toString()).not.toBe(SHELL);
  });

  it('answers every page address a browser asks for with the shell', async () => {
    for (const url of ['/jobs', '/jobs/123', '/libraries/abc/files/a/b', '/libraries/abc/files/a%20b/c.txt?tab=info', '/admin/users']) {
      const res = await t.call('GET', url, { token: null, headers: html });
      expect(res.status, url).toBe(200);
      expect(res.raw.toString(), url).toBe(SHELL);
      expect(res.headers['cache-control'], url).toBe('no-cache');
      expect(String(res.headers['content-security-policy']), url).toContain("script-src 'self'");
    }
    const top = await t.call('GET', '/robots.txt', { token: null });
    expect(top.status).toBe(200);
    expect(top.raw.toString()).toContain('Disallow');
  });

  it('keeps API paths (and requests that want no HTML) on their JSON 404', async () => {
    for (const url of ['/api/v1/nope', '/api/v1/jobs/1/nope', '/healthz/nope', '/backup/google/nope', '/koodrive/ose/v1/nope', '/v1/jobs/nope/nope']) {
      const res = await t.call('GET', url, { token: null, headers: html });
      expect(res.status, url).toBeGreaterThanOrEqual(400);
      expect(String(res.headers['content-type']), url).not.toMatch(/text\/html/);
      expect(res.raw.toString(), url).not.toBe(SHELL);
    }
    const api = await t.call('GET', '/api/v1/nope', { token: null, headers: html });
    expect(api.status).toBe(404);
    expect(api.body.error.code).toBe('NOT_FOUND');
    const json = await t.call('GET', '/jobs/123', { token: null, headers: { accept: 'application/json' } });
    expect(json.status).toBe(404);
    expect(json.body.error.code).toBe('NOT_FOUND');
    const post = await t.call('POST', '/jobs/123', { token: null, headers: html, json: {} });
    expect(post.status).toBe(404);
    expect(post.body.error.code).toBe('NOT_FOUND');
  });

  it('says the dashboard was not built when there is no build, and the API still works', async () => {
    const bare = await startTestApp(sqliteFactory, { BATCHYARD_WEB_DIR: path.join(dir, 'no-such-build') });
    try {
      for (const url of ['/', '/jobs/1']) {
        const res = await bare.call('GET', url, { token: null, headers: html });
        expect(res.status, url).toBe(503);
        expect(res.headers['content-type']).toMatch(/^text\/plain/);
        expect(res.raw.toString()).toContain('npm run build');
      }
      expect((await bare.call('GET', '/api/v1/me')).status).toBe(200);
      expect((await bare.call('GET', '/assets/index-3f2a9c.js', { token: null })).status).toBe(404);
    } finally {
      await bare.dispose();
    }
  });
});
