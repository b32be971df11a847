/**
 * The browser tests' fixture: a real `batchyard serve` (the built server, its
 * built dashboard) on a fresh SQLite data directory, and Debian's Chromium
 * driven by playwright-core. Never a downloaded browser: CI installs the
 * `chromium` package (.ci/run).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { startServe, type Proc } from '../e2e/processes.js';

export const CHROMIUM = process.env.BATCHYARD_CHROMIUM ?? '/usr/bin/chromium';
export const ADMIN_TOKEN = 'browser-test-admin-token-0123456789';

export interface Dashboard {
  url: string;
  dataDir: string;
  proc: Proc;
  browser: Browser;
  /** A JSON call to the server's API as the bootstrap admin (for setting up and checking state). */
  api<T = unknown>(method: string, apiPath: string, body?: unknown, token?: string): Promise<{ status: number; body: T }>;
  /** A fresh browser context (its own cookies) at phone or laptop width. */
  newPage(options?: { width?: number; height?: number }): Promise<{ context: BrowserContext; page: Page }>;
  close(): Promise<void>;
}

export async function startDashboard(env: Record<string, string> = {}): Promise<Dashboard> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: install Debian's chromium package (apt-get install chromium)`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchyard-browser-'));
  const dataDir = path.join(dir, 'data');
  const { proc, url } = await startServe(dataDir, { DATABASE_URL: '', BATCHYARD_BOOTSTRAP_TOKEN: ADMIN_TOKEN, ...env });
  let browser: Browser;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  } catch (error) {
    await proc.stop('SIGKILL');
    throw error;
  }
  const api: Dashboard['api'] = async (method, apiPath, body, token = ADMIN_TOKEN) => {
    const init: RequestInit = { method, headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) } };
    if (body !== undefined) init.body = JSON.stringify(body);
    const response = await fetch(new URL(apiPath, url), init);
    const text = await response.text();
    return { status: response.status, body: (text === '' ? undefined : JSON.parse(text)) as never };
  };
  return {
    url,
    dataDir,
    proc,
    browser,
    api,
    async newPage(options = {}) {
      const context = await browser.newContext({ baseURL: url, viewport: { width: options.width ?? 1280, height: options.height ?? 800 } });
      const page = await context.newPage();
      return { context, page };
    },
    async close() {
      await browser.close().catch(() => undefined);
      await proc.stop('SIGTERM').catch(() => undefined);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Signs in through the sign-in page with an API token, and waits for the signed-in frame. */
export async function signInWithToken(page: Page, token: string = ADMIN_TOKEN): Promise<void> {
  await page.goto('/');
  await page.getByRole('button', { name: 'API token' }).click();
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
}

/** Signs in with email and password through the sign-in page. */
export async function signInWithPassword(page: Page, email: string, password: string): Promise<void> {
  await page.goto('/');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
}

/** axe-core on the page as it is now: no serious or critical violation (the list of them when there are). */
export async function expectAccessible(page: Page, label: string): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const bad = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 5).join(' | ')}`);
  expect(bad, `axe on ${label}`).toEqual([]);
}
