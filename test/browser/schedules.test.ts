/**
 * The dashboard's schedules pages in Chromium against a real server (one
 * server and one browser for the file): adding a schedule through the form
 * (a bad cron and bad params shown next to their fields, its next five fires
 * from the server's answer), changing one through the same form on its page
 * (by keyboard; refusals next to their fields), run now and the
 * job it started (and its refusal while the last job runs), ticks showing up
 * in the fire history as they fire (started, then skipped), disable/enable,
 * delete after a question, what a reader is offered, axe in light and dark, a
 * phone.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAccessible, signInWithToken, startDashboard, type Dashboard } from './harness.js';
import { call, createLibrary, docsScreenshot, jobEnded, SLOW_ENGINE_ENV } from './job-fixtures.js';
import { fitsWidth } from './library-fixtures.js';

const LONG = 60_000;

interface ApiSchedule {
  id: number;
  type: string;
  enabled: boolean;
  nextFires: string[];
  lastFire: { outcome: string; jobId: number | null } | null;
}

describe('dashboard: schedules', () => {
  let dash: Dashboard;
  let context: BrowserContext;
  let page: Page;
  let libraryId: string;

  /** A schedule made through the API as the admin (the form has its own test). */
  async function schedule(body: Record<string, unknown>, token?: string): Promise<ApiSchedule> {
    const created = await call<ApiSchedule>(dash, 'POST', '/api/v1/schedules', { libraryId, type: 'report', params: { format: 'csv' }, cron: '0 3 * * *', timeZone: 'UTC', ...body }, token);
    if (created.status !== 201) throw new Error(`schedule: ${created.status} ${JSON.stringify(created.body)}`);
    return created.body;
  }

  const row = (p: Page, name: string) => p.getByRole('table', { name: 'Schedules' }).getByRole('row').filter({ has: p.getByRole('link', { name, exact: true }) });

  beforeAll(async () => {
    // noop jobs (bench jobs enabled) that run for a while: a schedule's job still running;
    // schedules may fire every 2 s, so a test sees real ticks fire.
    dash = await startDashboard({ ...SLOW_ENGINE_ENV, BATCHYARD_SCHEDULE_MIN_INTERVAL: '1s' });
    libraryId = await createLibrary(dash, 'Nightly');
    ({ context, page } = await dash.newPage());
    await signInWithToken(page);
  }, LONG * 2);

  afterAll(async () => {
    await context?.close();
    await dash?.close();
  });

  it('adds a schedule through the form: bad cron and bad params next to their fields, the zone the browser’s; axe light and dark', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Schedules' }).click();
    await page.getByRole('heading', { name: 'Schedules', level: 1 }).waitFor();
    const form = page.getByRole('form', { name: 'Add a schedule' });
    await form.waitFor();
    const zone = await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone);
    expect(await form.getByLabel('Time zone').inputValue()).toBe(zone);

    await form.getByLabel('Library').selectOption({ label: 'Nightly' });
    await form.getByLabel('Job type').selectOption('report');
    const cron = form.getByLabel('Cron expression');
    await cron.fill('61 * * * *');
    await form.getByRole('button', { name: 'Add schedule' }).click();
    // The server's words, next to the field it names: the input points at them.
    const cronError = form.getByRole('alert');
    await cronError.getByText(/^cron/).waitFor();
    expect(await cron.getAttribute('aria-describedby')).toBe(await cronError.getAttribute('id'));
    expect(await cron.getAttribute('aria-invalid')).toBe('true');
    await expectAccessible(page, '/schedules with a refused cron');

    await cron.fill('0 2 * * *');
    await form.getByText('Fires every day at 02:00.').waitFor();
    const params = form.getByLabel('Params (JSON)');
    await params.fill('{"format": "pdf"}');
    await form.getByRole('button', { name: 'Add schedule' }).click();
    const paramsError = form.getByRole('alert');
    await paramsError.getByText(/params\.format/).waitFor();
    expect(await params.getAttribute('aria-describedby')).toBe(await paramsError.getAttribute('id'));
    expect(await cron.getAttribute('aria-invalid')).toBeNull();

    await params.fill('{"format": "json"}');
    // Enter in a field submits, as in any form.
    await form.getByLabel('Time zone').press('Enter');
    const added = page.getByRole('status').filter({ hasText: /^report schedule #\d+ added\./ });
    await added.waitFor();
    const listed = await call<{ schedules: Array<ApiSchedule & { params: unknown; timeZone: string; cron: string }> }>(dash, 'GET', '/api/v1/schedules');
    const made = listed.body.schedules.at(-1)!;
    expect(made).toMatchObject({ type: 'report', params: { format: 'json' }, cron: '0 2 * * *', timeZone: zone, enabled: true });
    const made_row = row(page, `report schedule #${made.id}`);
    await made_row.getByText('Every day at 02:00').waitFor();
    expect(await made_row.getByRole('cell').nth(1).innerText()).toBe('Nightly');
    expect(await made_row.getByRole('listitem').count()).toBe(3);
    // The form says when it fires next: the server's five next fires.
    expect(await added.getByRole('listitem').count()).toBe(5);
    expect(made.nextFires).toHaveLength(5);
    await expectAccessible(page, '/schedules');
    await page.emulateMedia({ colorScheme: 'dark' });
    await expectAccessible(page, '/schedules, dark');
    await page.emulateMedia({ colorScheme: 'light' });
  }, LONG);

  it('changes a schedule through its form, by keyboard: refusals next to their fields, then the new times and job', async () => {
    const s = await schedule({ cron: '0 3 * * *', params: { format: 'csv' } });
    await page.goto(`/schedules/${s.id}`);
    await page.getByRole('heading', { name: `report schedule #${s.id}`, level: 1 }).waitFor();
    const edit = page.getByRole('button', { name: `Edit report schedule #${s.id}` });
    expect(await edit.getAttribute('aria-expanded')).toBe('false');
    await edit.focus();
    await page.keyboard.press('Enter');
    const form = page.getByRole('form', { name: 'Change the schedule' });
    await form.waitFor();
    expect(await edit.getAttribute('aria-expanded')).toBe('true');
    // The form opens filled in, with the focus on its first field.
    expect(await page.evaluate<string | undefined>('document.activeElement?.id')).toBe(await form.getByLabel('Library').getAttribute('id'));
    const cron = form.getByLabel('Cron expression');
    const zone = form.getByLabel('Time zone');
    const params = form.getByLabel('Params (JSON)');
    expect(await cron.inputValue()).toBe('0 3 * * *');
    expect(await zone.inputValue()).toBe('UTC');
    expect(JSON.parse(await params.inputValue())).toMatchObject({ format: 'csv' });
    expect(await form.getByLabel('Job type').inputValue()).toBe('report');
    await expectAccessible(page, '/schedules/:id, editing');

    await cron.fill('0 3 * *');
    await cron.press('Enter');
    const cronError = form.getByRole('alert');
    await cronError.getByText(/^cron/).waitFor();
    expect(await cron.getAttribute('aria-describedby')).toBe(await cronError.getAttribute('id'));
    await cron.fill('30 6 * * 1');
    await zone.fill('Mars/Olympus_Mons');
    await zone.press('Enter');
    const zoneError = form.getByRole('alert');
    await zoneError.getByText(/^timeZone/).waitFor();
    expect(await zone.getAttribute('aria-describedby')).toBe(await zoneError.getAttribute('id'));
    expect(await zone.getAttribute('aria-invalid')).toBe('true');
    expect(await cron.getAttribute('aria-invalid')).toBeNull();
    await expectAccessible(page, '/schedules/:id with a refused zone');
    // Nothing changed while the server refused.
    expect((await call<ApiSchedule & { cron: string }>(dash, 'GET', `/api/v1/schedules/${s.id}`)).body.cron).toBe('0 3 * * *');

    await zone.fill('Europe/Paris');
    await params.fill('{"format": "json"}');
    await form.getByLabel('While the last job runs').selectOption('queue');
    await form.getByLabel('After downtime').selectOption('none');
    await form.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('status').getByText(`report schedule #${s.id} saved.`).waitFor();
    await form.waitFor({ state: 'detached' });
    // The focus goes back to the button that opened the form.
    expect(await page.evaluate<string | null | undefined>("document.activeElement?.getAttribute('aria-label')")).toBe(`Edit report schedule #${s.id}`);
    const changed = await call<ApiSchedule & { cron: string; timeZone: string; params: unknown; overlap: string; catchUp: string }>(dash, 'GET', `/api/v1/schedules/${s.id}`);
    expect(changed.body).toMatchObject({ cron: '30 6 * * 1', timeZone: 'Europe/Paris', params: { format: 'json' }, overlap: 'queue', catchUp: 'none', enabled: true });
    // Its page shows the new times: in words, and the server's next five fires (Mondays).
    const details = page.locator('.schedule-details');
    await details.getByText('Every Monday at 06:30').waitFor();
    expect(await details.getByText('Europe/Paris').count()).toBe(1);
    expect(await details.getByRole('listitem').count()).toBe(5);
    expect(changed.body.nextFires.every((at) => new Date(at).getUTCDay() === 1)).toBe(true);

    // Cancel leaves it as it is.
    await edit.click();
    await form.getByLabel('Cron expression').fill('0 0 1 1 *');
    await form.getByRole('button', { name: 'Cancel' }).click();
    await form.waitFor({ state: 'detached' });
    expect((await call<ApiSchedule & { cron: string }>(dash, 'GET', `/api/v1/schedules/${s.id}`)).body.cron).toBe('30 6 * * 1');
  }, LONG);

  it('runs a schedule now, follows the job it started, and shows it in the fire history', async () => {
    const s = await schedule({ cron: '30 6 * * 1' });
    await page.goto('/schedules');
    const r = row(page, `report schedule #${s.id}`);
    await r.getByText('Every Monday at 06:30').waitFor();
    expect(await r.getByText('never').count()).toBe(1);
    await r.getByRole('button', { name: `Run now: report schedule #${s.id}` }).click();
    const jobLink = page.getByRole('status').getByRole('link', { name: /^report job #\d+$/ });
    await jobLink.waitFor();
    const jobId = Number((await jobLink.innerText()).replace(/\D+/g, ''));
    // The row's last fire is now this run, with its job.
    await r.getByRole('cell').nth(5).getByRole('link', { name: `job #${jobId}`, exact: true }).waitFor();
    expect(await r.getByRole('cell').nth(5).innerText()).toContain('started');
    await jobLink.click();
    await page.waitForURL(`**/jobs/${jobId}`);
    await page.getByRole('heading', { name: `report job ${jobId}` }).waitFor();
    expect((await jobEnded(dash, jobId)).status).toBe('completed');

    await page.goto(`/schedules/${s.id}`);
    await page.getByRole('heading', { name: `report schedule #${s.id}`, level: 1 }).waitFor();
    const fires = page.getByRole('table', { name: 'Fires' });
    const fire = fires.getByRole('row').filter({ has: page.getByRole('link', { name: `job #${jobId}`, exact: true }) });
    await fire.waitFor();
    expect(await fire.getByRole('cell').nth(1).innerText()).toBe('run now');
    expect(await fire.getByRole('cell').nth(2).innerText()).toContain('started');
    expect(await page.locator('.schedule-details').getByRole('listitem').count()).toBe(5);
    await expectAccessible(page, '/schedules/:id');
    await docsScreenshot(page, 'schedule.png');

    // A second run now from the schedule's own page: a new fire on top of the history.
    await page.getByRole('button', { name: `Run now: report schedule #${s.id}` }).click();
    const second = page.getByRole('status').getByRole('link', { name: /^report job #\d+$/ });
    await second.waitFor();
    const secondId = Number((await second.innerText()).replace(/\D+/g, ''));
    await fires.getByRole('link', { name: `job #${secondId}`, exact: true }).waitFor();
    expect(await fires.getByRole('row').count()).toBe(3);
    await jobEnded(dash, secondId);
  }, LONG);

  it("shows the server's refusal of a run now while the schedule's last job runs (overlap skip)", async () => {
    const s = await schedule({ type: 'noop', params: { count: 500_000 } });
    await page.goto(`/schedules/${s.id}`);
    const run = page.getByRole('button', { name: `Run now: noop schedule #${s.id}` });
    await run.click();
    const jobLink = page.getByRole('status').getByRole('link', { name: /^noop job #\d+$/ });
    await jobLink.waitFor();
    const jobId = Number((await jobLink.innerText()).replace(/\D+/g, ''));
    await run.click();
    const refusal = page.getByRole('alert');
    await refusal.getByText(`its job ${jobId} is still`, { exact: false }).waitFor();
    expect(await refusal.innerText()).toContain('CONFLICT');
    expect(await page.getByRole('table', { name: 'Fires' }).getByRole('link', { name: `job #${jobId}`, exact: true }).count()).toBe(1);
    expect((await call(dash, 'POST', `/api/v1/jobs/${jobId}/cancel`)).status).toBeLessThan(300);
    await jobEnded(dash, jobId);
  }, LONG);

  it('shows ticks as they fire: the first starts a job, the next are skipped while it runs', async () => {
    const s = await schedule({ type: 'noop', params: { count: 500_000 }, cron: '*/2 * * * * *' });
    try {
      await page.goto(`/schedules/${s.id}`);
      await page.getByRole('heading', { name: `noop schedule #${s.id}`, level: 1 }).waitFor();
      const fires = page.getByRole('table', { name: 'Fires' });
      const started = fires.getByRole('row').filter({ hasText: 'tick' }).filter({ hasText: 'started' });
      await started.waitFor();
      const jobId = Number((await started.getByRole('link').innerText()).replace(/\D+/g, ''));
      const skipped = fires.getByRole('row').filter({ hasText: 'skipped' }).first();
      await skipped.waitFor();
      expect(await skipped.innerText()).toContain(`job ${jobId} of this schedule is still`);
      expect(await skipped.getByRole('link').count()).toBe(0);
      // The schedule's own details follow: its last fire is one of these ticks.
      await page.locator('.schedule-details').getByText(/skipped|started/).first().waitFor();
    } finally {
      // Stop it, then end every job its ticks started (the next tests want the engine idle).
      await call(dash, 'PATCH', `/api/v1/schedules/${s.id}`, { enabled: false });
      const history = await call<{ fires: Array<{ jobId: number | null }> }>(dash, 'GET', `/api/v1/schedules/${s.id}/fires`);
      for (const { jobId } of history.body.fires) {
        if (jobId === null) continue;
        await call(dash, 'POST', `/api/v1/jobs/${jobId}/cancel`);
        await jobEnded(dash, jobId);
      }
    }
  }, LONG);

  it('disables and enables a schedule', async () => {
    const s = await schedule({});
    await page.goto('/schedules');
    const r = row(page, `report schedule #${s.id}`);
    await r.getByRole('button', { name: `Disable report schedule #${s.id}` }).click();
    await page.getByRole('status').getByText(`report schedule #${s.id} disabled.`).waitFor();
    expect(await r.getByRole('cell').nth(3).innerText()).toBe('no');
    expect(await r.getByRole('cell').nth(4).innerText()).toBe('none');
    const off = await call<ApiSchedule>(dash, 'GET', `/api/v1/schedules/${s.id}`);
    expect(off.body).toMatchObject({ enabled: false, nextFires: [] });

    await r.getByRole('button', { name: `Enable report schedule #${s.id}` }).click();
    await page.getByRole('status').getByText(`report schedule #${s.id} enabled.`).waitFor();
    expect(await r.getByRole('cell').nth(3).innerText()).toBe('yes');
    const on = await call<ApiSchedule>(dash, 'GET', `/api/v1/schedules/${s.id}`);
    expect(on.body.enabled).toBe(true);
    expect(on.body.nextFires).toHaveLength(5);
  }, LONG);

  it('deletes a schedule after asking', async () => {
    const s = await schedule({});
    await page.goto('/schedules');
    const r = row(page, `report schedule #${s.id}`);
    // By keyboard: the question takes the focus on its safe answer; Escape gives it back.
    const del = r.getByRole('button', { name: `Delete report schedule #${s.id}` });
    await del.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: `Delete report schedule #${s.id}?` });
    await dialog.waitFor();
    const focused = () => page.evaluate<string | null>("document.activeElement && (document.activeElement.getAttribute('aria-label') || document.activeElement.textContent)");
    expect(await focused()).toBe('Go back');
    await expectAccessible(page, 'the delete question');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    expect(await focused()).toBe(`Delete report schedule #${s.id}`);
    expect((await call(dash, 'GET', `/api/v1/schedules/${s.id}`)).status).toBe(200);

    await r.getByRole('button', { name: `Delete report schedule #${s.id}` }).click();
    await dialog.getByRole('button', { name: 'Delete schedule' }).click();
    await page.getByRole('status').getByText(`report schedule #${s.id} deleted.`).waitFor();
    await r.waitFor({ state: 'detached' });
    expect((await call(dash, 'GET', `/api/v1/schedules/${s.id}`)).status).toBe(404);
  }, LONG);

  it('offers a reader only what the API allows them', async () => {
    const user = await call<{ id: number }>(dash, 'POST', '/api/v1/users', { email: 'rita@example.com', name: 'Rita Reader', password: 'reader-password-1' });
    const token = (await call<{ token: string }>(dash, 'POST', '/api/v1/tokens', { userId: user.body.id })).body.token;
    const library = await call<{ permissions: Array<{ type: string; value: string; role: string }> }>(dash, 'GET', `/api/v1/libraries/${libraryId}`);
    const permissions = [...library.body.permissions.map(({ type, value, role }) => ({ type, value, role })), { type: 'user', value: 'rita@example.com', role: 'READER' }];
    expect((await call(dash, 'PUT', `/api/v1/libraries/${libraryId}/permissions`, { permissions })).status).toBe(200);

    // Hers, a report (READER may run it); then an admin makes it an empty_trash (WRITER): she may only delete it.
    const hers = await schedule({}, token);
    const retyped = await call<ApiSchedule>(dash, 'PATCH', `/api/v1/schedules/${hers.id}`, { type: 'empty_trash' });
    expect(retyped.status).toBe(200);
    const admins = await schedule({ cron: '0 4 * * *' });
    expect((await call(dash, 'POST', `/api/v1/schedules/${hers.id}/run`, undefined, token)).status).toBe(403);

    const reader = await dash.newPage();
    try {
      await signInWithToken(reader.page, token);
      await reader.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Schedules' }).click();
      const r = row(reader.page, `empty_trash schedule #${hers.id}`);
      await r.waitFor();
      expect(await r.getByRole('button').allInnerTexts()).toEqual(['Delete']);
      await reader.page.goto(`/schedules/${hers.id}`);
      await reader.page.getByRole('heading', { name: `empty_trash schedule #${hers.id}`, level: 1 }).waitFor();
      expect(await reader.page.getByRole('button', { name: /^Edit / }).count()).toBe(0);
      await reader.page.goto('/schedules');
      await r.waitFor();
      expect(await row(reader.page, `report schedule #${admins.id}`).count()).toBe(0);

      const form = reader.page.getByRole('form', { name: 'Add a schedule' });
      const types = await form.getByLabel('Job type').locator('option').allInnerTexts();
      expect(types).toContain('report');
      expect(types).not.toContain('empty_trash');
      expect(types).not.toContain('purge');
      await expectAccessible(reader.page, "/schedules as a reader");

      await reader.page.goto(`/schedules/${admins.id}`);
      await reader.page.getByRole('alert').getByText(/not found/).waitFor();
    } finally {
      await reader.context.close();
    }
  }, LONG);

  it('fits a phone, light and dark', async () => {
    const s = await schedule({ cron: '*/15 * * * *' });
    const phone = await dash.newPage({ width: 390, height: 844 });
    try {
      await signInWithToken(phone.page);
      await phone.page.goto('/schedules');
      await row(phone.page, `report schedule #${s.id}`).getByText('Every 15 minutes').waitFor();
      expect(await phone.page.getByRole('columnheader', { name: 'Next fires' }).isVisible()).toBe(false);
      expect(await fitsWidth(phone.page)).toBe(true);
      await expectAccessible(phone.page, '/schedules at phone width');
      await phone.page.goto(`/schedules/${s.id}`);
      await phone.page.getByRole('table', { name: 'Fires' }).waitFor();
      expect(await fitsWidth(phone.page)).toBe(true);
      await phone.page.emulateMedia({ colorScheme: 'dark' });
      await expectAccessible(phone.page, '/schedules/:id at phone width, dark');
    } finally {
      await phone.context.close();
    }
  }, LONG);
});
