/**
 * The dashboard's jobs pages in Chromium against a real server: the list (live
 * progress, the typed query bar with completion, URL state and Back, saved
 * views), cancel and retry on one job and on everything matching, the job page
 * (failures and their CSV, timeline, vendor views), phone width, a reader's
 * view, and axe on each.
 */
import fs from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAccessible, signInWithToken, startDashboard, type Dashboard } from './harness.js';
import { actionOutcome, call, createLibrary, docsScreenshot, getJob, jobEnded, jobRow, partlyFailedCopy, SLOW_ENGINE_ENV, submitJob, until, type ApiJob } from './job-fixtures.js';

const LONG = 60_000;

/** What a hidden or shown tab reports (visibilityState and its event), as the browser would. */
async function setTabVisibility(page: Page, state: 'hidden' | 'visible'): Promise<void> {
  await page.evaluate(`Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => '${state}' });
    document.dispatchEvent(new Event('visibilitychange'));`);
}

describe('dashboard: jobs', () => {
  let dash: Dashboard;
  let context: BrowserContext;
  let page: Page;
  let libraryId: string;
  let copy: ApiJob;

  beforeAll(async () => {
    dash = await startDashboard(SLOW_ENGINE_ENV);
    libraryId = await createLibrary(dash, 'Q1 Reports');
    copy = await partlyFailedCopy(dash, libraryId);
    ({ context, page } = await dash.newPage());
    await signInWithToken(page);
  }, LONG * 2);

  afterAll(async () => {
    await context?.close();
    await dash?.close();
  });

  it('lists the jobs created through the API, and passes axe', async () => {
    const noop = await submitJob(dash, 'noop', libraryId, { count: 0 });
    await jobEnded(dash, noop.id);
    await page.goto('/jobs');
    await jobRow(page, 'copy', copy.id).waitFor();
    await jobRow(page, 'noop', noop.id).waitFor();
    expect(await jobRow(page, 'copy', copy.id).getByText('completed with errors').count()).toBe(1);
    expect(await jobRow(page, 'copy', copy.id).getByRole('cell', { name: 'Q1 Reports' }).count()).toBe(1);
    await expectAccessible(page, '/jobs');
    await page.emulateMedia({ colorScheme: 'dark' });
    await expectAccessible(page, '/jobs in the dark theme');
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it("moves a running job's progress bar live, to completion", async () => {
    await page.goto('/jobs');
    await page.getByText('Live', { exact: true }).waitFor();
    const job = await submitJob(dash, 'noop', libraryId, { count: 30_000 });
    const bar = page.getByRole('progressbar', { name: `Job ${job.id} progress` });
    await bar.waitFor(); // the new job appears on top by itself (the event stream)
    const midway = await until(() => bar.getAttribute('aria-valuenow').then(Number), (v) => v > 0 && v < 100, 'progress midway', LONG);
    expect(midway).toBeGreaterThan(0);
    await until(() => bar.getAttribute('aria-valuenow').then(Number), (v) => v === 100, 'progress at 100', LONG);
    await jobRow(page, 'noop', job.id).getByText('completed', { exact: true }).waitFor({ timeout: LONG });
    expect(await bar.getAttribute('aria-valuetext')).toContain('30,000 / 30,000 items');
  }, LONG * 2);

  it('pauses the live rows while the tab is hidden and catches up from the last event when it shows', async () => {
    await page.goto('/jobs');
    await page.getByText('Live', { exact: true }).waitFor();
    const job = await submitJob(dash, 'noop', libraryId, { count: 60_000 });
    const bar = page.getByRole('progressbar', { name: `Job ${job.id} progress` });
    await bar.waitFor();
    await setTabVisibility(page, 'hidden');
    await page.getByText('Live updates paused while the tab is hidden').waitFor();
    await page.waitForTimeout(500); // events received before the pause are applied within 250 ms
    const shownWhenHidden = Number(await bar.getAttribute('aria-valuenow'));
    await jobEnded(dash, job.id, LONG);
    expect(shownWhenHidden).toBeLessThan(100);
    expect(Number(await bar.getAttribute('aria-valuenow'))).toBe(shownWhenHidden); // no stream, no update
    await setTabVisibility(page, 'visible');
    await jobRow(page, 'noop', job.id).getByText('completed', { exact: true }).waitFor({ timeout: LONG });
    expect(await bar.getAttribute('aria-valuenow')).toBe('100');
  }, LONG * 2);

  it('filters by the typed query with completion; the URL holds it and Back returns to the last one', async () => {
    await page.goto('/jobs');
    const input = page.getByRole('combobox', { name: 'Filter jobs' });
    await input.fill('ty');
    await page.getByRole('option', { name: /^type:/ }).waitFor();
    await input.press('ArrowDown');
    await input.press('Enter');
    expect(await input.inputValue()).toBe('type:');
    await input.pressSequentially('cop');
    await page.getByRole('option', { name: /^copy/ }).click();
    expect(await input.inputValue()).toBe('type:copy ');
    await input.pressSequentially('library:"Q1');
    await page.getByRole('option', { name: /^Q1 Reports/ }).waitFor();
    await input.press('ArrowDown');
    await input.press('Enter');
    expect(await input.inputValue()).toBe('type:copy library:"Q1 Reports" ');
    await input.press('Enter');
    await page.waitForURL((url) => url.searchParams.get('q') === 'type:copy library:"Q1 Reports"');
    await jobRow(page, 'copy', copy.id).waitFor();
    expect(await page.getByRole('link', { name: /^noop #/ }).count()).toBe(0);

    await input.fill('status:cancelled');
    await input.press('Enter');
    await page.waitForURL((url) => url.searchParams.get('q') === 'status:cancelled');
    await page.getByText('No job matches this query.').waitFor();

    await page.goBack();
    await page.waitForURL((url) => url.searchParams.get('q') === 'type:copy library:"Q1 Reports"');
    expect(await input.inputValue()).toBe('type:copy library:"Q1 Reports"');
    await jobRow(page, 'copy', copy.id).waitFor();

    // A wrong token is named next to the bar.
    await input.fill('stauts:running type:copy');
    await input.press('Enter');
    const alert = page.locator('.query-errors');
    await alert.waitFor();
    expect(await alert.textContent()).toContain("'stauts' is not a key");
    expect(await alert.textContent()).toContain("Did you mean 'status'?");
    expect(await input.getAttribute('aria-invalid')).toBe('true');
    await expectAccessible(page, '/jobs with a wrong query');
  }, LONG);

  it('saves a view and opens it again', async () => {
    await page.goto('/jobs?q=type%3Acopy');
    await page.getByRole('button', { name: 'Save this view…' }).click();
    await page.getByLabel('View name').fill('Copies');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    const link = page.getByRole('link', { name: 'Copies' });
    await link.waitFor();
    await page.goto('/jobs');
    await page.getByRole('link', { name: 'Copies' }).click();
    await page.waitForURL((url) => url.searchParams.get('q') === 'type:copy');
    await jobRow(page, 'copy', copy.id).waitFor();
  });

  it('cancels a running job from the list', async () => {
    const job = await submitJob(dash, 'noop', libraryId, { count: 500_000 });
    // Running: items are done (its status stays `planning` while the planner still adds tasks beside them).
    await until(() => getJob(dash, job.id), (j) => ['planning', 'running'].includes(j.status) && j.counts.succeeded > 0, 'job running');
    await page.goto('/jobs?q=type%3Anoop');
    const row = jobRow(page, 'noop', job.id);
    await row.getByRole('button', { name: `Cancel job ${job.id}` }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('heading', { name: `Cancel job ${job.id}?` }).waitFor();
    await expectAccessible(page, 'the cancel dialog');
    // The server is briefly busy on the first try (503, Retry-After): the dashboard asks again, as told.
    let refused = 0;
    await page.route(`**/api/v1/jobs/${job.id}/cancel`, async (route) => {
      if (refused++ > 0) return route.continue();
      await route.fulfill({ status: 503, headers: { 'retry-after': '1', 'content-type': 'application/json' }, body: JSON.stringify({ error: { code: 'TRANSIENT', message: 'The database is busy; try again.' } }) });
    });
    await dialog.getByRole('button', { name: `Cancel job ${job.id}` }).click();
    await actionOutcome(page, `Job ${job.id} is being cancelled.`);
    await page.unroute(`**/api/v1/jobs/${job.id}/cancel`);
    expect(refused).toBe(2);
    await row.getByText('cancelled', { exact: true }).waitFor({ timeout: LONG });
    expect((await getJob(dash, job.id)).status).toBe('cancelled');
  }, LONG);

  it('retries a partly failed job from the list', async () => {
    await page.goto('/jobs?q=type%3Acopy');
    await jobRow(page, 'copy', copy.id).getByRole('button', { name: `Retry job ${copy.id}` }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText('re-runs the 1 failed items').waitFor();
    await dialog.getByRole('button', { name: `Retry job ${copy.id}` }).click();
    const said = new RegExp(`^Job ${copy.id} is retried as job (\\d+)\\.$`);
    await actionOutcome(page, said);
    const note = page.getByText(said);
    const retryId = Number(/as job (\d+)/.exec((await note.textContent()) ?? '')![1]);
    await jobRow(page, 'copy', retryId).waitFor();
    const retried = await jobEnded(dash, retryId);
    expect(retried.counts.total).toBe(1);
  }, LONG);

  it('cancels the selected jobs, saying how many first', async () => {
    const jobs = await Promise.all([1, 2].map(() => submitJob(dash, 'noop', libraryId, { count: 500_000 })));
    await page.goto('/jobs?q=type%3Anoop');
    for (const job of jobs) await page.getByRole('checkbox', { name: `Select job ${job.id}` }).check();
    await page.getByText('2 selected').waitFor();
    await page.getByRole('button', { name: 'Cancel selected' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('heading', { name: 'Cancel 2 jobs?' }).waitFor();
    await dialog.getByRole('button', { name: 'Cancel 2 jobs' }).click();
    await actionOutcome(page, 'Cancelled 2 jobs.');
    for (const job of jobs) expect(['cancelling', 'cancelled']).toContain((await getJob(dash, job.id)).status);
    for (const job of jobs) await jobEnded(dash, job.id, LONG);
  }, LONG * 2);

  it('cancels every job the query matches, saying how many first', async () => {
    // Their own library, so that the query matches these three whatever earlier tests left running.
    const bulkLibrary = await createLibrary(dash, 'Bulk runs');
    const jobs = await Promise.all([1, 2, 3].map(() => submitJob(dash, 'noop', bulkLibrary, { count: 500_000 })));
    if (process.env.BATCHYARD_SCREENSHOTS === '1') {
      // The docs' picture of the list: every job, these running (once a rate is known).
      await page.goto('/jobs');
      await page.locator('.progress-details', { hasText: '/s' }).first().waitFor({ timeout: LONG });
      await docsScreenshot(page, 'jobs.png');
    }
    await page.goto(`/jobs?q=${encodeURIComponent('type:noop library:"Bulk runs" status:queued,planning,running')}`);
    for (const job of jobs) await jobRow(page, 'noop', job.id).waitFor();
    await page.getByRole('button', { name: 'Cancel all matching…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('heading', { name: 'Cancel 3 jobs?' }).waitFor();
    await dialog.getByRole('button', { name: 'Cancel 3 jobs' }).click();
    await actionOutcome(page, 'Cancelled 3 jobs.');
    for (const job of jobs) expect(['cancelling', 'cancelled']).toContain((await getJob(dash, job.id)).status);
  }, LONG);

  it('shows a job: counters, failed items and their CSV, timeline, vendor views', async () => {
    await page.goto(`/jobs/${copy.id}`);
    await page.getByRole('heading', { name: `copy job ${copy.id}` }).waitFor();
    const failures = page.getByRole('table', { name: 'Failed items (1)' });
    await failures.getByRole('cell', { name: '/src/a.txt' }).or(failures.getByRole('cell', { name: '/dst/a.txt' })).first().waitFor();
    const timeline = page.getByRole('region', { name: 'Timeline' });
    await timeline.getByText('completed with errors').waitFor();
    const vendors = page.getByRole('region', { name: 'Seen by vendor APIs' });
    for (const name of ['AODocs', 'AvePoint', 'KooDrive', 'VSP One']) await vendors.getByRole('button', { name }).waitFor();
    await vendors.getByRole('button', { name: 'KooDrive' }).click();
    expect(await vendors.getByRole('button', { name: 'KooDrive' }).getAttribute('aria-pressed')).toBe('true');
    await expectAccessible(page, `/jobs/${copy.id}`);
    await docsScreenshot(page, 'job-detail.png');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download CSV' }).click()]);
    expect(download.suggestedFilename()).toBe(`job-${copy.id}-failures.csv`);
    const csv = fs.readFileSync((await download.path())!, 'utf8').split('\r\n');
    expect(csv[0]).toBe('path,itemId,code,message,attempts,failedAt');
    expect(csv.filter((line) => line !== '')).toHaveLength(2);
  }, LONG);

  it('fits a phone: fewer columns, nothing wider than the screen, axe', async () => {
    const phone = await dash.newPage({ width: 390, height: 844 });
    try {
      await signInWithToken(phone.page);
      await phone.page.goto('/jobs');
      await jobRow(phone.page, 'copy', copy.id).waitFor();
      expect(await phone.page.getByRole('columnheader', { name: 'Requestor' }).isVisible()).toBe(false);
      const overflow = await phone.page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
      expect(overflow).toBeLessThanOrEqual(0);
      await expectAccessible(phone.page, '/jobs at phone width');
      await phone.page.goto(`/jobs/${copy.id}`);
      await phone.page.getByRole('heading', { name: `copy job ${copy.id}` }).waitFor();
      await expectAccessible(phone.page, `/jobs/${copy.id} at phone width`);
    } finally {
      await phone.context.close();
    }
  }, LONG);

  it('offers a reader no write buttons', async () => {
    const reader = await call<{ id: number }>(dash, 'POST', '/api/v1/users', { email: 'rita@example.com', name: 'Rita Reader', password: 'reader-password-1' });
    expect(reader.status).toBe(201);
    const perms = await call(dash, 'PUT', `/api/v1/libraries/${libraryId}/permissions`, {
      permissions: [
        { type: 'user', value: 'admin@example.com', role: 'ADMIN' },
        { type: 'user', value: 'rita@example.com', role: 'READER' },
      ],
    });
    expect(perms.status).toBe(200);
    const token = await call<{ token: string }>(dash, 'POST', '/api/v1/tokens', { userId: reader.body.id });
    const other = await dash.newPage();
    try {
      await signInWithToken(other.page, token.body.token);
      await other.page.goto('/jobs');
      await other.page.getByText('No job matches yet.').waitFor();
      expect(await other.page.getByRole('button', { name: 'Cancel all matching…' }).count()).toBe(0);
      expect(await other.page.getByRole('link', { name: 'Engine' }).count()).toBe(0);
    } finally {
      await other.context.close();
    }
  }, LONG);
});
