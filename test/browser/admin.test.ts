/**
 * The admin pages in Chromium against a real server: a user added with a
 * password (who then signs in with it) and promoted; a token minted for them
 * (its secret works, then revoked, it does not); a domain created; the
 * server's message beside a bad input; phone width; axe on every tab.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAccessible, signInWithPassword, signInWithToken, startDashboard, type Dashboard } from './harness.js';
import { fitsWidth } from './library-fixtures.js';

const LONG = 60_000;

describe('dashboard: admin', () => {
  let dash: Dashboard;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    dash = await startDashboard();
    ({ context, page } = await dash.newPage());
    await signInWithToken(page);
  }, LONG * 2); // a serve and a browser starting on two busy shared cores

  afterAll(async () => {
    await context?.close();
    await dash?.close();
  });

  it('adds a user with a password, who signs in with it; an admin changes their role', async () => {
    await page.goto('/admin');
    await page.waitForURL('**/admin/users');
    await page.getByRole('heading', { name: 'Users' }).waitFor();
    await expectAccessible(page, '/admin/users');
    const form = page.getByRole('form', { name: 'Add a user' });
    await form.getByLabel('Email').fill('nina@example.com');
    await form.getByLabel('Name', { exact: true }).fill('Nina');
    await form.getByLabel('Password (optional)').fill('nina-password');
    await form.getByRole('button', { name: 'Add user' }).click();
    const row = page.getByRole('row').filter({ hasText: 'nina@example.com' });
    await row.waitFor();
    expect(await row.getByRole('cell').nth(2).innerText()).toBe('user');

    await form.getByLabel('Email').fill('nina@example.com');
    await form.getByRole('button', { name: 'Add user' }).click();
    await form.getByRole('alert').getByText(/already exists/).waitFor();

    await row.getByRole('button', { name: 'Edit nina@example.com' }).click();
    const dialog = page.getByRole('dialog', { name: 'Edit nina@example.com' });
    await dialog.getByLabel('Role').selectOption('admin');
    await expectAccessible(page, 'the user dialog');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(await row.getByRole('cell').nth(2).innerText()).toBe('admin');

    const nina = await dash.newPage();
    try {
      await signInWithPassword(nina.page, 'nina@example.com', 'nina-password');
      expect(await nina.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' }).count()).toBe(1);
    } finally {
      await nina.context.close();
    }
  }, LONG);

  it('mints a token for a user (the secret works once copied), then revokes it', async () => {
    await page.goto('/admin/tokens');
    await page.getByRole('heading', { name: 'API tokens' }).waitFor();
    await page.getByLabel('For').selectOption({ label: 'nina@example.com' });
    await page.getByLabel('Token name').fill('nina-script');
    await page.getByRole('button', { name: 'Mint token' }).click();
    const secret = await page.locator('code.secret').innerText();
    expect(secret).toMatch(/^by_/);
    const me = await dash.api<{ email: string }>('GET', '/api/v1/me', undefined, secret);
    expect(me.body.email).toBe('nina@example.com');
    const row = page.getByRole('row').filter({ hasText: 'nina-script' });
    await row.waitFor();
    await expectAccessible(page, '/admin/tokens');
    page.once('dialog', (confirm) => void confirm.accept());
    await row.getByRole('button', { name: 'Revoke nina-script of nina@example.com' }).click();
    await row.waitFor({ state: 'detached' });
    expect((await dash.api('GET', '/api/v1/me', undefined, secret)).status).toBe(401);
  });

  it("creates a domain and lists it; a bad name shows the server's message", async () => {
    await page.goto('/admin/domains');
    await page.getByRole('heading', { name: 'Domains' }).waitFor();
    const form = page.getByRole('form', { name: 'Create a domain' });
    await form.getByLabel('Domain name').fill('not a domain!');
    await form.getByLabel('Its first admin (email)').fill('boss@acme.test');
    await form.getByRole('button', { name: 'Create domain' }).click();
    await form.getByRole('alert').getByText(/not a domain name/).waitFor();
    await form.getByLabel('Domain name').fill('acme.test');
    await form.getByRole('button', { name: 'Create domain' }).click();
    await page.getByRole('link', { name: 'acme.test' }).waitFor();
    await page.getByText(/Domain acme.test created with its admin boss@acme.test/).waitFor();
    await expectAccessible(page, '/admin/domains');
    await page.getByRole('link', { name: 'acme.test' }).click();
    await page.getByRole('heading', { name: 'Users of acme.test' }).waitFor();
    await page.getByRole('button', { name: 'Edit boss@acme.test' }).waitFor();
  });

  it('fits a phone and passes axe there, in the dark theme', async () => {
    const phone = await dash.newPage({ width: 390, height: 844 });
    try {
      await signInWithToken(phone.page);
      await phone.page.emulateMedia({ colorScheme: 'dark' });
      for (const tab of ['users', 'tokens', 'domains']) {
        await phone.page.goto(`/admin/${tab}`);
        await phone.page.getByRole('table').first().waitFor();
        expect(await fitsWidth(phone.page), tab).toBe(true);
        await expectAccessible(phone.page, `/admin/${tab} at phone width, dark`);
      }
    } finally {
      await phone.context.close();
    }
  }, LONG);
});
