#!/usr/bin/env node
/**
 * Writes docs/api-reference.md from the OpenAPI document a default server
 * serves (built code in dist/: run `npm run build` first, or `npm run docs`).
 *
 *   node scripts/gen-api-reference.mjs [--check]
 *
 * --check exits 1 (and writes nothing) when the committed file is out of date.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { renderOpenApiMarkdown } from './openapi-markdown.mjs';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const OUTPUT = path.join(ROOT, 'docs/api-reference.md');

const { loadConfig } = await import(path.join(ROOT, 'dist/config.js'));
const { openApp } = await import(path.join(ROOT, 'dist/app.js'));
const { buildServer } = await import(path.join(ROOT, 'dist/api/server.js'));

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchyard-docs-'));
try {
  const app = await openApp(loadConfig({ data: dir, port: 0 }, { LOG_LEVEL: 'silent' }));
  const http = await buildServer(app, { logger: false, version: 'reference' });
  await http.ready();
  const text = renderOpenApiMarkdown(http.swagger(), 'batchyard HTTP API reference');
  await http.close();
  await app.close();
  if (process.argv.includes('--check')) {
    const current = fs.existsSync(OUTPUT) ? fs.readFileSync(OUTPUT, 'utf8') : '';
    if (current !== text) {
      process.stderr.write('docs/api-reference.md is out of date: run `npm run docs`\n');
      process.exitCode = 1;
    }
  } else {
    fs.mkdirSync(path.dirname(OUTPUT), { recursive: true });
    fs.writeFileSync(OUTPUT, text);
    process.stdout.write(`wrote ${path.relative(ROOT, OUTPUT)}\n`);
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
