/**
 * The browsable API reference at /api/v1/docs: served without a token, every
 * script, style and icon it names comes from this server (no CDN: the page
 * must work on a machine without internet), its policy allows no other
 * origin, and it shows the same OpenAPI document as /api/v1/openapi.json.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqliteFactory } from '../support/drivers.js';
import { startTestApp, type TestApp } from '../support/app.js';

describe('API reference pages', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(sqliteFactory);
  });
  afterAll(async () => {
    await t.dispose();
  });

  /** The URLs of a page's scripts, styles and icons. */
  const assetsOf = (html: string) => [...html.matchAll(/<(?:script|link)\b[^>]*?\s(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);

  for (const page of ['/api/v1/docs', '/api/v1/docs/']) {
    it(`serves ${page} without a token, with every asset from this server`, async () => {
      const res = await t.call('GET', page, { token: null });
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      const html = res.raw.toString();
      expect(html).toContain('batchyard API');
      const csp = String(res.headers['content-security-policy']);
      expect(csp).toContain("default-src 'self'");
      expect(csp).not.toMatch(/https?:/);

      const assets = assetsOf(html);
      expect(assets.filter((url) => url.endsWith('.js')).length).toBeGreaterThanOrEqual(3);
      expect(assets.filter((url) => url.endsWith('.css')).length).toBeGreaterThanOrEqual(1);
      for (const asset of assets) {
        const url = new URL(asset, `http://batchyard.test${page}`);
        expect(url.origin, asset).toBe('http://batchyard.test');
        const loaded = await t.call('GET', url.pathname, { token: null });
        expect(loaded.status, url.pathname).toBe(200);
        expect(loaded.raw.length, url.pathname).toBeGreaterThan(0);
        if (asset.endsWith('.js')) expect(loaded.headers['content-type']).toMatch(/javascript/);
        if (asset.endsWith('.css')) expect(loaded.headers['content-type']).toMatch(/^text\/css/);
      }
    });
  }

  it('shows the served OpenAPI document, which is public too and does not list the reference pages', async () => {
    const initializer = await t.call('GET', '/api/v1/docs/static/swagger-initializer.js', { token: null });
    expect(initializer.status).toBe(200);
    expect(initializer.raw.toString()).toContain("resolveUrl('./json')");
    const shown = await t.call('GET', '/api/v1/docs/json', { token: null });
    const served = await t.call('GET', '/api/v1/openapi.json', { token: null });
    expect(shown.status).toBe(200);
    expect(served.status).toBe(200);
    expect(shown.body).toEqual(served.body);
    expect(Object.keys(served.body.paths).filter((path) => path.startsWith('/api/v1/docs'))).toEqual([]);
  });
});
