/**
 * docs/api-reference.md is generated from the OpenAPI document: this fails when a
 * route or schema changed and the reference was not regenerated (`npm run docs`).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { openApp } from '../../src/app.js';
import { buildServer } from '../../src/api/server.js';
// @ts-expect-error -- a plain ES module without types (scripts/ are run by node directly)
import { renderOpenApiMarkdown } from '../../scripts/openapi-markdown.mjs';

describe('docs/api-reference.md', () => {
  it('is the rendering of the OpenAPI document the server serves', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchyard-docs-'));
    try {
      const app = await openApp(loadConfig({ data: dir, port: 0 }, { LOG_LEVEL: 'silent' }));
      const http = await buildServer(app, { logger: false, version: 'reference' });
      await http.ready();
      const expected = (renderOpenApiMarkdown as (doc: unknown, title: string) => string)(http.swagger(), 'batchyard HTTP API reference');
      await http.close();
      await app.close();
      const committed = fs.readFileSync(new URL('../../docs/api-reference.md', import.meta.url), 'utf8');
      expect(committed, 'docs/api-reference.md is out of date: run `npm run docs`').toBe(expected);
      // Every native route is in it.
      for (const route of ['POST `/api/v1/jobs`', 'GET `/api/v1/jobs`', 'PUT `/api/v1/libraries/{libraryId}/files/{*}`']) expect(committed).toContain(route);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
