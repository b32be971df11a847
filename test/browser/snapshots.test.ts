/**
 * A library's snapshots in Chromium against a real server: a backup taken from
 * the Snapshots tab and followed to its end; the snapshot browsed like a
 * folder, as it was; a purged file restored from it back where it was, and a
 * folder restored into another folder; a reader's view without write actions;
 * the delete question; axe on each view.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, expectAccessible, signInWithToken, startDashboard, type Dashboard } from './harness.js';
import { call, createLibrary, jobEnded, putFile, submitJob } from './job-fixtures.js';

const LONG = 60_000;

describe('dashboard: snapshots', () => {
  let dash: Dashboard;
  let context: BrowserContext;
  let page: Page;
  let libraryId: string;

  beforeAll(async () => {
    dash = await startDashboard();
    libraryId = await createLibrary(dash, 'Archive');
    await putFile(dash, libraryId, 'reports/q1.txt', 'first quarter');
    await putFile(dash, libraryId, 'reports/q2.txt', 'second quarter');
    await putFile(dash, libraryId, 'notes.txt', 'notes');
    ({ context, page } = await dash.newPage());
    await signInWithToken(page);
  }, LONG * 2);

  afterAll(async () => {
    await context?.close();
    await dash?.close();
  });

  const names = async (folder: string) =>
    (await call<{ items: Array<{ name: string }> }>(dash, 'GET', `/api/v1/libraries/${libraryId}/items?path=${encodeURIComponent(folder)}`)).body.items.map((item) => item.name).sort();
  const text = async (filePath: string) => (await fetch(new URL(`/api/v1/libraries/${libraryId}/files/${filePath}`, dash.url), { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).text();

  it('takes a snapshot from the Snapshots tab and lists it with what it holds', async () => {
    await page.goto(`/libraries/${libraryId}/snapshots`);
    await page.getByText('No snapshot yet.').waitFor();
    await expectAccessible(page, 'an empty snapshots tab');
    await page.getByRole('button', { name: 'Back up now…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Label (optional)').fill('before the cleanup');
    await dialog.getByRole('button', { name: 'Start backup' }).click();
    await page.getByText('completed', { exact: true }).first().waitFor({ timeout: LONG });
    const row = page.getByRole('row').filter({ hasText: 'before the cleanup' });
    await row.waitFor();
    expect(await row.innerText()).toContain('3 files');
    await expectAccessible(page, 'the snapshots list');
  }, LONG);

  it('browses the snapshot as it was and restores a purged file back where it was', async () => {
    const purge = await submitJob(dash, 'purge', libraryId, { paths: ['/reports/q1.txt'] });
    expect((await jobEnded(dash, purge.id)).status).toBe('completed');
    expect(await names('/reports')).toEqual(['q2.txt']);

    await page.goto(`/libraries/${libraryId}/snapshots`);
    await page.getByRole('row').filter({ hasText: 'before the cleanup' }).getByRole('link').first().click();
    await page.getByRole('heading', { name: /^Snapshot of .*\(before the cleanup\)$/ }).waitFor();
    await page.getByRole('link', { name: 'reports' }).click();
    await page.getByRole('cell', { name: 'q1.txt', exact: true }).waitFor(); // still in the snapshot
    await expectAccessible(page, 'a folder of a snapshot');
    await page.getByRole('checkbox', { name: 'Select q1.txt' }).check();
    await page.getByRole('button', { name: 'Restore…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Start restore_backup' }).click();
    await page.getByText('completed', { exact: true }).first().waitFor({ timeout: LONG });
    expect(await names('/reports')).toEqual(['q1.txt', 'q2.txt']);
    expect(await text('reports/q1.txt')).toBe('first quarter');
  }, LONG);

  it('restores a whole folder into another folder, and shows the server’s refusal of a bad one next to it', async () => {
    await page.goto(`/libraries/${libraryId}/snapshots`);
    await page.getByRole('row').filter({ hasText: 'before the cleanup' }).getByRole('link').first().click();
    await page.getByRole('checkbox', { name: 'Select reports' }).check();
    await page.getByRole('button', { name: 'Restore…' }).click();
    const dialog = page.getByRole('dialog');
    const destination = dialog.getByLabel('Into the folder (optional)');
    await destination.fill('/a/../b');
    await dialog.getByRole('button', { name: 'Start restore_backup' }).click();
    await expect.poll(() => destination.getAttribute('aria-invalid')).toBe('true');
    await destination.fill('/from-backup');
    await dialog.getByRole('button', { name: 'Start restore_backup' }).click();
    await expect.poll(() => names('/from-backup'), { timeout: LONG }).toEqual(['reports']);
    expect(await names('/from-backup/reports')).toEqual(['q1.txt', 'q2.txt']);
  }, LONG);

  it('offers a reader browsing but no backup or restore; an admin deletes a snapshot after a question', async () => {
    const reader = await call<{ id: number }>(dash, 'POST', '/api/v1/users', { email: 'rob@example.com', name: 'Rob Reader' });
    expect(reader.status).toBe(201);
    const perms = await call(dash, 'PUT', `/api/v1/libraries/${libraryId}/permissions`, {
      permissions: [
        { type: 'user', value: 'admin@example.com', role: 'ADMIN' },
        { type: 'user', value: 'rob@example.com', role: 'READER' },
      ],
    });
    expect(perms.status).toBe(200);
    const token = await call<{ token: string }>(dash, 'POST', '/api/v1/tokens', { userId: reader.body.id });
    const other = await dash.newPage();
    try {
      await signInWithToken(other.page, token.body.token);
      await other.page.goto(`/libraries/${libraryId}/snapshots`);
      const row = other.page.getByRole('row').filter({ hasText: 'before the cleanup' });
      await row.waitFor();
      expect(await other.page.getByRole('button', { name: 'Back up now…' }).count()).toBe(0);
      expect(await row.getByRole('button', { name: /^Delete/ }).count()).toBe(0);
      await row.getByRole('link').first().click();
      await other.page.getByRole('link', { name: 'reports' }).waitFor();
      expect(await other.page.getByRole('button', { name: 'Restore…' }).count()).toBe(0);
    } finally {
      await other.context.close();
    }

    await page.goto(`/libraries/${libraryId}/snapshots`);
    const row = page.getByRole('row').filter({ hasText: 'before the cleanup' });
    await row.getByRole('button', { name: /^Delete the snapshot of/ }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('heading', { name: 'Delete this snapshot?' }).waitFor();
    await expectAccessible(page, 'the delete question');
    await dialog.getByRole('button', { name: 'Delete the snapshot' }).click();
    await page.getByText('No snapshot yet.').waitFor();
    const left = await call<{ snapshots: unknown[] }>(dash, 'GET', `/api/v1/libraries/${libraryId}/snapshots`);
    expect(left.body.snapshots).toEqual([]);
  }, LONG);
});
