/**
 * The dashboard's engine page in Chromium against a real server: this
 * server's engine among the workers, the queue and throughput after a job ran,
 * axe, and a user who is not an administrator.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAccessible, signInWithToken, startDashboard, type Dashboard } from './harness.js';
import { call, createLibrary, docsScreenshot, jobEnded, SLOW_ENGINE_ENV, submitJob } from './job-fixtures.js';

const LONG = 60_000;

describe('dashboard: engine', () => {
  let dash: Dashboard;
  let context: BrowserContext;
  let page: Page;
  let libraryId: string;

  beforeAll(async () => {
    dash = await startDashboard(SLOW_ENGINE_ENV);
    libraryId = await createLibrary(dash, 'Engine Room');
    ({ context, page } = await dash.newPage());
    await signInWithToken(page);
  }, LONG * 2);

  afterAll(async () => {
    await context?.close();
    await dash?.close();
  });

  it("shows this server's engine, the queue and the throughput chart; axe", async () => {
    const done = await submitJob(dash, 'noop', libraryId, { count: 5_000 });
    await jobEnded(dash, done.id);
    const waiting = await submitJob(dash, 'noop', libraryId, { count: 500_000 });

    await page.goto('/engine');
    const workers = page.getByRole('table', { name: 'Engines' });
    await workers.getByRole('cell', { name: String(dash.proc.child.pid), exact: true }).waitFor();
    expect(await workers.getByText('alive').count()).toBeGreaterThan(0);

    const queue = page.getByRole('table', { name: 'Queue' });
    await queue.getByRole('link', { name: `noop #${waiting.id}` }).waitFor({ timeout: LONG });

    const chart = page.getByRole('img', { name: /Items per second by job type/ });
    await chart.waitFor({ timeout: LONG });
    expect(await chart.getAttribute('aria-label')).toContain('noop');
    expect(await page.locator('.throughput canvas').count()).toBeGreaterThan(0);
    await expectAccessible(page, '/engine');
    await docsScreenshot(page, 'engine.png');

    await call(dash, 'POST', `/api/v1/jobs/${waiting.id}/cancel`);
  }, LONG * 2);

  it('fits a phone', async () => {
    const phone = await dash.newPage({ width: 390, height: 844 });
    try {
      await signInWithToken(phone.page);
      await phone.page.goto('/engine');
      await phone.page.getByRole('table', { name: 'Engines' }).waitFor();
      expect(await phone.page.getByRole('columnheader', { name: 'Host' }).isVisible()).toBe(false);
      await expectAccessible(phone.page, '/engine at phone width');
    } finally {
      await phone.context.close();
    }
  }, LONG);

  it('tells a user who is not an administrator that the page is not for them', async () => {
    const user = await call<{ id: number }>(dash, 'POST', '/api/v1/users', { email: 'uma@example.com', name: 'Uma User', password: 'user-password-1' });
    const token = await call<{ token: string }>(dash, 'POST', '/api/v1/tokens', { userId: user.body.id });
    const other = await dash.newPage();
    try {
      await signInWithToken(other.page, token.body.token);
      await other.page.goto('/engine');
      await other.page.getByText('The engine page is for administrators.').waitFor();
    } finally {
      await other.context.close();
    }
  });
});
