/**
 * The dashboard's webhooks pages in Chromium against a real server (one server,
 * one browser and one local receiver for the file; the server may send to
 * 127.0.0.1): adding a webhook through the form (a refused URL and no events
 * shown next to their fields, the secret shown once), changing one on its page
 * (URL, events, enabled; a new signing secret shown once, which the next
 * message is signed with), the deliveries of a real
 * job's events with their responses, a replay arriving with the same
 * webhook-id, disable/enable, delete, a user who is not an administrator, axe
 * in light and dark, a phone.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { Webhook as Verifier } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { expectAccessible, signInWithToken, startDashboard, type Dashboard } from './harness.js';
import { call, createLibrary, docsScreenshot, jobEnded, submitJob } from './job-fixtures.js';
import { fitsWidth } from './library-fixtures.js';

const LONG = 60_000;

interface ApiWebhook {
  id: number;
  url: string;
  events: string[];
  enabled: boolean;
}

describe('dashboard: webhooks', () => {
  let dash: Dashboard;
  let receiver: WebhookReceiver;
  let context: BrowserContext;
  let page: Page;
  let libraryId: string;
  /** The webhook the form made (to /ok), used by the deliveries test. */
  let okId: number;

  async function webhook(path: string, events: string[] = ['job.completed']): Promise<ApiWebhook> {
    const created = await call<ApiWebhook>(dash, 'POST', '/api/v1/webhooks', { url: receiver.url(path), events });
    if (created.status !== 201) throw new Error(`webhook: ${created.status} ${JSON.stringify(created.body)}`);
    return created.body;
  }

  const row = (p: Page, id: number) => p.getByRole('table', { name: 'Webhooks' }).getByRole('row').filter({ has: p.getByRole('link', { name: `webhook #${id}`, exact: true }) });

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    dash = await startDashboard({ BATCHYARD_WEBHOOK_ALLOW_HOSTS: '127.0.0.1' });
    libraryId = await createLibrary(dash, 'Hooked');
    ({ context, page } = await dash.newPage());
    await signInWithToken(page);
  }, LONG * 2);

  afterAll(async () => {
    await context?.close();
    await dash?.close();
    await receiver?.close();
  });

  it('adds a webhook through the form: a refused URL and no events next to their fields, the secret shown once; axe light and dark', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Webhooks' }).click();
    await page.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();
    const form = page.getByRole('form', { name: 'Add a webhook' });
    const url = form.getByLabel('URL');

    await url.fill('http://169.254.169.254/latest');
    await form.getByRole('button', { name: 'Add webhook' }).click();
    const urlError = form.getByRole('alert');
    await urlError.getByText(/^url: /).waitFor();
    expect(await url.getAttribute('aria-describedby')).toBe(await urlError.getAttribute('id'));
    expect(await url.getAttribute('aria-invalid')).toBe('true');
    await expectAccessible(page, '/webhooks with a refused URL');

    await url.fill(receiver.url('/ok'));
    const events = form.getByRole('group', { name: 'Events' });
    for (const box of await events.getByRole('checkbox').all()) await box.uncheck();
    await form.getByRole('button', { name: 'Add webhook' }).click();
    const eventsError = form.getByRole('alert');
    await eventsError.getByText(/^events: /).waitFor();
    expect(await events.getAttribute('aria-describedby')).toBe(await eventsError.getAttribute('id'));
    expect(await url.getAttribute('aria-invalid')).toBeNull();

    await events.getByRole('checkbox', { name: 'job.completed', exact: true }).check();
    await form.getByRole('button', { name: 'Add webhook' }).click();
    const secret = page.locator('code.secret');
    await secret.waitFor();
    expect(await secret.innerText()).toMatch(/^whsec_/);
    const listed = await call<{ webhooks: ApiWebhook[] }>(dash, 'GET', '/api/v1/webhooks');
    const made = listed.body.webhooks.at(-1)!;
    expect(made).toMatchObject({ url: receiver.url('/ok'), events: ['job.completed'], enabled: true });
    okId = made.id;
    const r = row(page, okId);
    expect(await r.getByRole('cell').nth(3).innerText()).toBe('sending');
    await expectAccessible(page, '/webhooks with a new secret');
    await page.emulateMedia({ colorScheme: 'dark' });
    await expectAccessible(page, '/webhooks, dark');
    await page.emulateMedia({ colorScheme: 'light' });

    // Shown once: not after the page is read again.
    await page.reload();
    await r.waitFor();
    expect(await page.locator('code.secret').count()).toBe(0);
  }, LONG);

  it("shows a job's deliveries with their responses, and replays one with the same webhook-id", async () => {
    const failing = await webhook('/fail');
    const job = await submitJob(dash, 'report', libraryId, { format: 'csv' });
    expect((await jobEnded(dash, job.id)).status).toBe('completed');
    const [first] = await receiver.waitFor(1, '/ok');
    await receiver.waitFor(1, '/fail');

    await page.goto(`/webhooks/${okId}`);
    await page.getByRole('heading', { name: `webhook #${okId}`, level: 1 }).waitFor();
    const deliveries = page.getByRole('table', { name: 'Deliveries' });
    const id = String(first!.headers['webhook-id']);
    const delivery = deliveries.getByRole('row').filter({ hasText: id });
    await delivery.getByText('delivered').waitFor();
    expect(await delivery.getByRole('cell').nth(2).innerText()).toBe('1');
    expect(await delivery.getByRole('cell').nth(3).innerText()).toContain('HTTP 204');
    await expectAccessible(page, '/webhooks/:id');

    await delivery.getByRole('button', { name: `Replay ${id}` }).click();
    await page.getByRole('status').getByText(`Delivery ${id} is due again now`, { exact: false }).waitFor();
    const both = await receiver.waitFor(2, '/ok');
    expect(both.map((request) => request.headers['webhook-id'])).toEqual([id, id]);
    // The newest page is read again by itself: the second attempt shows.
    await delivery.getByRole('cell', { name: '2', exact: true }).waitFor();

    await page.goto(`/webhooks/${failing.id}`);
    const failed = page.getByRole('table', { name: 'Deliveries' }).getByRole('row').filter({ hasText: 'job.completed' });
    await failed.getByText('HTTP 500').waitFor();
    expect(await failed.getByText('pending').count()).toBe(1);
    await failed.getByText('Body').click();
    await failed.getByText('server error').waitFor();
    await docsScreenshot(page, 'webhook-deliveries.png');
    await expectAccessible(page, '/webhooks/:id with a failing delivery');
  }, LONG);

  it('disables, enables and deletes a webhook', async () => {
    const w = await webhook('/ok', ['schedule.fired']);
    await page.goto('/webhooks');
    const r = row(page, w.id);
    await r.getByRole('button', { name: `Disable webhook #${w.id}` }).click();
    await page.getByRole('status').getByText(`webhook #${w.id} disabled.`).waitFor();
    expect(await r.getByRole('cell').nth(3).innerText()).toMatch(/^disabled/);
    expect((await call<ApiWebhook>(dash, 'GET', `/api/v1/webhooks/${w.id}`)).body.enabled).toBe(false);
    await r.getByRole('button', { name: `Enable webhook #${w.id}` }).click();
    await page.getByRole('status').getByText(`webhook #${w.id} enabled.`).waitFor();
    expect(await r.getByRole('cell').nth(3).innerText()).toBe('sending');
    expect((await call<ApiWebhook>(dash, 'GET', `/api/v1/webhooks/${w.id}`)).body.enabled).toBe(true);

    await r.getByRole('button', { name: `Delete webhook #${w.id}` }).click();
    const dialog = page.getByRole('dialog', { name: `Delete webhook #${w.id}?` });
    await dialog.getByRole('button', { name: 'Go back' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect((await call(dash, 'GET', `/api/v1/webhooks/${w.id}`)).status).toBe(200);
    await r.getByRole('button', { name: `Delete webhook #${w.id}` }).click();
    await dialog.getByRole('button', { name: 'Delete webhook' }).click();
    await page.getByRole('status').getByText(`webhook #${w.id} deleted.`).waitFor();
    await r.waitFor({ state: 'detached' });
    expect((await call(dash, 'GET', `/api/v1/webhooks/${w.id}`)).status).toBe(404);
  }, LONG);

  it('changes a webhook on its page: a refused URL next to its field, new URL and events, a new secret shown once and used, disabled', async () => {
    const made = await call<ApiWebhook & { secret: string }>(dash, 'POST', '/api/v1/webhooks', { url: receiver.url('/before'), events: ['schedule.fired'] });
    const w = made.body;
    await page.goto(`/webhooks/${w.id}`);
    await page.getByRole('heading', { name: `webhook #${w.id}`, level: 1 }).waitFor();
    const edit = page.getByRole('button', { name: `Edit webhook #${w.id}` });
    await edit.focus();
    await page.keyboard.press('Enter');
    const form = page.getByRole('form', { name: 'Change the webhook' });
    await form.waitFor();
    const url = form.getByLabel('URL');
    // Filled in, the focus on its URL.
    expect(await url.inputValue()).toBe(receiver.url('/before'));
    expect(await page.evaluate<string | undefined>('document.activeElement?.id')).toBe(await url.getAttribute('id'));
    const events = form.getByRole('group', { name: 'Events' });
    expect(await events.getByRole('checkbox', { name: 'schedule.fired', exact: true }).isChecked()).toBe(true);
    expect(await events.getByRole('checkbox', { name: 'job.completed', exact: true }).isChecked()).toBe(false);
    expect(await form.getByRole('checkbox', { name: /^Enabled/ }).isChecked()).toBe(true);
    await expectAccessible(page, '/webhooks/:id, editing');

    await url.fill('http://10.1.2.3/hook');
    await url.press('Enter');
    const urlError = form.getByRole('alert');
    await urlError.getByText(/^url: /).waitFor();
    expect(await url.getAttribute('aria-describedby')).toBe(await urlError.getAttribute('id'));
    expect(await url.getAttribute('aria-invalid')).toBe('true');

    await url.fill(receiver.url('/after'));
    await events.getByRole('checkbox', { name: 'schedule.fired', exact: true }).uncheck();
    await events.getByRole('checkbox', { name: 'job.completed', exact: true }).check();
    await form.getByRole('checkbox', { name: 'Make a new signing secret' }).check();
    await form.getByRole('button', { name: 'Save changes' }).click();
    const note = page.getByRole('status').filter({ hasText: `webhook #${w.id} has a new signing secret.` });
    await note.waitFor();
    await form.waitFor({ state: 'detached' });
    expect(await page.evaluate<string | null | undefined>("document.activeElement?.getAttribute('aria-label')")).toBe(`Edit webhook #${w.id}`);
    const secret = await note.locator('code.secret').innerText();
    expect(secret).toMatch(/^whsec_/);
    expect(secret).not.toBe(w.secret);
    expect((await call<ApiWebhook>(dash, 'GET', `/api/v1/webhooks/${w.id}`)).body).toMatchObject({ url: receiver.url('/after'), events: ['job.completed'], enabled: true });
    await expectAccessible(page, '/webhooks/:id with a new secret');

    // The next message goes to the new URL, signed with the new secret (not the old one).
    const job = await submitJob(dash, 'report', libraryId, { format: 'csv' });
    await jobEnded(dash, job.id);
    const [message] = await receiver.waitFor(1, '/after');
    const headers = Object.fromEntries(Object.entries(message!.headers).map(([k, v]) => [k, String(v)]));
    expect(new Verifier(secret).verify(message!.body, headers)).toMatchObject({ type: 'job.completed', data: { jobId: job.id } });
    expect(() => new Verifier(w.secret).verify(message!.body, headers)).toThrow();

    // Shown once: gone after the page is read again.
    await page.reload();
    await page.getByRole('heading', { name: `webhook #${w.id}`, level: 1 }).waitFor();
    expect(await page.locator('code.secret').count()).toBe(0);
    await edit.click();
    await form.getByRole('checkbox', { name: /^Enabled/ }).uncheck();
    await form.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('status').getByText(`webhook #${w.id} saved.`).waitFor();
    expect(await page.locator('.schedule-details').getByText(/^disabled/).count()).toBe(1);
    expect((await call<ApiWebhook>(dash, 'GET', `/api/v1/webhooks/${w.id}`)).body.enabled).toBe(false);
  }, LONG);

  it('is not offered to a user who is not an administrator', async () => {
    const user = await call<{ id: number }>(dash, 'POST', '/api/v1/users', { email: 'walt@example.com', name: 'Walt User', password: 'user-password-1' });
    const token = (await call<{ token: string }>(dash, 'POST', '/api/v1/tokens', { userId: user.body.id })).body.token;
    expect((await call(dash, 'GET', '/api/v1/webhooks', undefined, token)).status).toBe(403);
    const other = await dash.newPage();
    try {
      await signInWithToken(other.page, token);
      expect(await other.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Webhooks' }).count()).toBe(0);
      await other.page.goto('/webhooks');
      await other.page.getByText('The webhooks page is for administrators.').waitFor();
      expect(await other.page.getByRole('form', { name: 'Add a webhook' }).count()).toBe(0);
    } finally {
      await other.context.close();
    }
  }, LONG);

  it('fits a phone, light and dark', async () => {
    const phone = await dash.newPage({ width: 390, height: 844 });
    try {
      await signInWithToken(phone.page);
      await phone.page.goto('/webhooks');
      await row(phone.page, okId).waitFor();
      expect(await phone.page.getByRole('columnheader', { name: 'Events' }).isVisible()).toBe(false);
      expect(await fitsWidth(phone.page)).toBe(true);
      await expectAccessible(phone.page, '/webhooks at phone width');
      await phone.page.goto(`/webhooks/${okId}`);
      await phone.page.getByRole('table', { name: 'Deliveries' }).getByText('delivered').first().waitFor();
      expect(await fitsWidth(phone.page)).toBe(true);
      await phone.page.emulateMedia({ colorScheme: 'dark' });
      await expectAccessible(phone.page, '/webhooks/:id at phone width, dark');
    } finally {
      await phone.context.close();
    }
  }, LONG);
});
