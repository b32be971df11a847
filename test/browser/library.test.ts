/**
 * The library pages in Chromium against a real server: the list and a new
 * library; a folder uploaded by the folder input with progress bars; browsing,
 * sorting, downloading; a trash job on part of it followed to completion and
 * its restore from the trash; the server's message beside a bad input; the
 * settings; a reader's view without write actions; phone width; axe on each.
 */
import fs from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, expectAccessible, signInWithPassword, signInWithToken, startDashboard, type Dashboard } from './harness.js';
import { docsScreenshot, fitsWidth, folderOnDisk, rowNames, until } from './library-fixtures.js';

const LONG = 60_000;
/** Tasks slow enough that a job's progress can be seen before it ends (one task at a time). */
const SLOW_TASKS = { BATCHYARD_TEST_TASK_DELAY_MS: '150', BATCHYARD_WORKER_CONCURRENCY: '1' };

describe('dashboard: libraries and files', () => {
  let dash: Dashboard;
  let context: BrowserContext;
  let page: Page;
  let libraryId: string;
  const big = Buffer.alloc(3 * 1024 * 1024, 7);

  beforeAll(async () => {
    dash = await startDashboard(SLOW_TASKS);
    ({ context, page } = await dash.newPage());
    await signInWithToken(page);
  }, LONG * 2); // a serve and a browser starting on two busy shared cores

  afterAll(async () => {
    await context?.close();
    await dash?.close();
  });

  const filesOf = async (folder: string) =>
    (await dash.api<{ items: Array<{ name: string }> }>('GET', `/api/v1/libraries/${libraryId}/items?path=${encodeURIComponent(folder)}`)).body.items.map((item) => item.name);

  it('creates a library from the list, which shows it with its usage; both pages pass axe', async () => {
    await page.goto('/libraries');
    await page.getByRole('heading', { name: 'Libraries' }).waitFor();
    await expectAccessible(page, '/libraries');
    await page.getByLabel('New library').fill('Team files');
    await page.getByRole('button', { name: 'Create library' }).click();
    await page.getByRole('heading', { name: 'Team files' }).waitFor();
    libraryId = decodeURIComponent(new URL(page.url()).pathname.split('/')[2]!);
    expect(new URL(page.url()).pathname).toBe(`/libraries/${libraryId}/files`);
    await page.getByText('This folder is empty.').waitFor();
    await expectAccessible(page, 'an empty library');
    await page.getByRole('link', { name: 'Libraries', exact: true }).first().click();
    const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: 'Team files' }) });
    await row.waitFor();
    expect(await row.getByRole('cell').allInnerTexts()).toEqual(['Team files', 'domain admin', 'standard', '0', '0 B']);
  });

  it('uploads a folder by the folder input with a progress bar per file and overall, then browses it', async () => {
    const dir = folderOnDisk('photos', { 'a.txt': 'alpha', 'b.txt': 'bravo!', 'big.bin': big, 'sub/c.txt': 'charlie', 'sub/deeper/d.txt': 'delta' });
    await page.goto(`/libraries/${libraryId}/files`);
    await page.getByLabel('Upload a folder').setInputFiles(dir);
    const overall = page.getByRole('progressbar', { name: 'All uploads' });
    await overall.waitFor();
    await page.getByText(/^Finished: 5 of 5 files/).waitFor({ timeout: LONG });
    expect(await overall.getAttribute('aria-valuenow')).toBe('100');
    expect(await page.getByRole('progressbar', { name: 'Upload of /photos/big.bin' }).getAttribute('aria-valuenow')).toBe('100');
    expect(await filesOf('/photos/sub/deeper')).toEqual(['d.txt']);

    await page.getByRole('link', { name: 'photos', exact: true }).click();
    await page.getByRole('navigation', { name: 'Folder path' }).getByText('photos').waitFor();
    await until(() => rowNames(page), (names) => names.length === 4, 'the rows of /photos');
    expect(await rowNames(page)).toEqual(['a.txt', 'b.txt', 'big.bin', 'sub']);
    await expectAccessible(page, 'a folder with uploads');
    await docsScreenshot(page, 'library.png');
    await page.getByRole('link', { name: 'sub', exact: true }).click();
    await until(() => rowNames(page), (names) => names.join() === 'c.txt,deeper', 'the rows of /photos/sub');
    await page.getByRole('navigation', { name: 'Folder path' }).getByRole('link', { name: 'photos' }).click();
    await until(() => rowNames(page), (names) => names.length === 4, 'back in /photos');
  }, LONG);

  it('sorts by size and name either way, and the address keeps the order', async () => {
    await page.goto(`/libraries/${libraryId}/files/photos`);
    await until(() => rowNames(page), (names) => names.length === 4, 'the rows of /photos');
    await page.getByRole('button', { name: /^Size/ }).click();
    await page.waitForURL((url) => url.searchParams.get('order') === 'size_asc');
    await until(() => rowNames(page), (names) => names.join() === 'sub,a.txt,b.txt,big.bin', 'by size ascending');
    await page.getByRole('button', { name: /^Size/ }).click();
    await until(() => rowNames(page), (names) => names.join() === 'big.bin,b.txt,a.txt,sub', 'by size descending');
    expect(await page.getByRole('columnheader', { name: /Size/ }).getAttribute('aria-sort')).toBe('descending');
    await page.reload();
    await until(() => rowNames(page), (names) => names.join() === 'big.bin,b.txt,a.txt,sub', 'by size descending after a reload');
    await page.getByRole('button', { name: /^Name/ }).click();
    await until(() => rowNames(page), (names) => names.join() === 'a.txt,b.txt,big.bin,sub', 'by name');
  });

  it('downloads a file with its bytes', async () => {
    await page.goto(`/libraries/${libraryId}/files/photos`);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download b.txt' }).click()]);
    expect(download.suggestedFilename()).toBe('b.txt');
    expect(fs.readFileSync(await download.path()).toString()).toBe('bravo!');
  });

  it('trashes part of the folder with a job followed to completion, and restores it from the trash', async () => {
    await page.goto(`/libraries/${libraryId}/files/photos`);
    await until(() => rowNames(page), (names) => names.length === 4, 'the rows of /photos');
    await page.getByRole('checkbox', { name: 'Select b.txt' }).check();
    await page.getByRole('checkbox', { name: 'Select sub' }).check();
    await page.getByRole('toolbar', { name: 'Actions on the selection' }).getByText('2 selected').waitFor();
    // By keyboard: a dialog takes the focus, Escape closes it and the focus goes back to its button.
    await page.getByRole('button', { name: 'Move…' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('dialog', { name: 'Move' }).waitFor();
    expect(await page.evaluate<boolean>("document.activeElement?.closest('dialog') != null")).toBe(true);
    await page.keyboard.press('Escape');
    await page.getByRole('dialog', { name: 'Move' }).waitFor({ state: 'detached' });
    expect(await page.evaluate<string>("document.activeElement?.textContent ?? ''")).toBe('Move…');

    await page.getByRole('button', { name: 'Trash', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Trash' });
    await dialog.getByText('Move 2 items to the trash?').waitFor();
    await expectAccessible(page, 'the trash dialog');
    await dialog.getByRole('button', { name: 'Start trash' }).click();

    const open = page.getByRole('link', { name: /^Open job #\d+$/ });
    const jobId = Number((await open.innerText()).split('#')[1]);
    expect(await open.getAttribute('href')).toBe(`/jobs/${jobId}`);
    const bar = page.getByRole('progressbar', { name: `Job ${jobId} progress` });
    await until(() => bar.getAttribute('aria-valuenow'), (v) => v === '100', 'the trash job at 100%', LONG);
    await page.getByText('completed', { exact: true }).waitFor();
    await until(() => rowNames(page), (names) => names.join() === 'a.txt,big.bin', 'the rows left after the trash');
    expect(await filesOf('/photos')).toEqual(['a.txt', 'big.bin']);

    await page.getByRole('navigation', { name: 'Library' }).getByRole('link', { name: 'Trash' }).click();
    const trash = page.getByRole('table', { name: 'Trashed items' });
    await trash.getByRole('cell', { name: 'b.txt', exact: true }).waitFor();
    await expectAccessible(page, 'the trash');
    await page.getByRole('checkbox', { name: 'Select b.txt' }).check();
    await page.getByRole('checkbox', { name: 'Select sub' }).check();
    await page.getByRole('button', { name: 'Restore…' }).click();
    await page.getByRole('dialog', { name: 'Restore' }).getByRole('button', { name: 'Start restore' }).click();
    const restoreBar = page.getByRole('progressbar', { name: /^Job \d+ progress$/ });
    await until(() => restoreBar.getAttribute('aria-valuenow'), (v) => v === '100', 'the restore job at 100%', LONG);
    await page.getByText('The trash is empty.').waitFor();
    expect(await filesOf('/photos')).toEqual(['a.txt', 'b.txt', 'big.bin', 'sub']);
    expect(await filesOf('/photos/sub')).toEqual(['c.txt', 'deeper']);
  }, LONG * 2);

  it("shows the server's message beside the input it refuses", async () => {
    await page.goto(`/libraries/${libraryId}/files/photos`);
    await page.getByLabel('New folder name').fill('bad\\name');
    await page.getByRole('button', { name: 'Create folder' }).click();
    const note = page.locator('#new-folder-error');
    await note.waitFor();
    expect(await note.innerText()).toMatch(/path|name/i);
    expect(await page.getByLabel('New folder name').getAttribute('aria-invalid')).toBe('true');
    await page.getByLabel('New folder name').fill('albums');
    await page.getByRole('button', { name: 'Create folder' }).click();
    await until(() => rowNames(page), (names) => names.includes('albums'), 'the new folder');

    await page.getByRole('navigation', { name: 'Library' }).getByRole('link', { name: 'Settings' }).click();
    await page.getByLabel('Days in the trash before deletion').fill('-3');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.locator('#settings-daysBeforeDelete-error').getByText(/daysBeforeDelete/).waitFor();
    await expectAccessible(page, 'settings with an error');
    await page.getByLabel('Days in the trash before deletion').fill('14');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Saved.').waitFor();
    expect((await dash.api<{ daysBeforeDelete: number }>('GET', `/api/v1/libraries/${libraryId}`)).body.daysBeforeDelete).toBe(14);
  });

  it('uploads files dropped on the browser', async () => {
    await page.goto(`/libraries/${libraryId}/files/photos`);
    await until(() => rowNames(page), (names) => names.includes('a.txt'), 'the rows of /photos');
    const dataTransfer = await page.evaluateHandle(() => {
      // Runs in the page: the browser's DataTransfer (the tests' own types know no DOM).
      const { DataTransfer: PageDataTransfer } = globalThis as unknown as { DataTransfer: new () => { items: { add(file: File): unknown } } };
      const data = new PageDataTransfer();
      data.items.add(new File(['dropped one'], 'dropped-1.txt', { type: 'text/plain' }));
      data.items.add(new File(['dropped two'], 'dropped-2.txt', { type: 'text/plain' }));
      return data;
    });
    const browser = page.getByRole('region', { name: 'Files', exact: true });
    await browser.dispatchEvent('dragover', { dataTransfer });
    await page.getByText('Drop to upload into this folder.').waitFor();
    await browser.dispatchEvent('drop', { dataTransfer });
    await page.getByText(/^Finished: 2 of 2 files/).waitFor({ timeout: LONG });
    await until(() => rowNames(page), (names) => names.includes('dropped-2.txt'), 'the dropped files listed');
    expect(await filesOf('/photos')).toEqual(expect.arrayContaining(['dropped-1.txt', 'dropped-2.txt']));
  }, LONG);

  it('exports a selection as a zip and downloads the result when the job is done', async () => {
    await page.goto(`/libraries/${libraryId}/files/photos`);
    await page.getByRole('checkbox', { name: 'Select a.txt' }).check();
    await page.getByRole('button', { name: 'Export as zip' }).click();
    await page.getByRole('dialog', { name: 'Export as zip' }).getByRole('button', { name: 'Start export' }).click();
    const result = page.getByRole('link', { name: 'Download the result' });
    await result.waitFor({ timeout: LONG });
    const [download] = await Promise.all([page.waitForEvent('download'), result.click()]);
    expect(fs.readFileSync(await download.path()).subarray(0, 2).toString()).toBe('PK');
  }, LONG);

  it('pages a large folder in as one scrolls, keeping only the rows in view in the page', async () => {
    const names = Array.from({ length: 300 }, (_, i) => `f${String(i).padStart(3, '0')}.txt`);
    for (let i = 0; i < names.length; i += 15) {
      await Promise.all(
        names.slice(i, i + 15).map(async (name) => {
          const response = await fetch(new URL(`/api/v1/libraries/${libraryId}/files/many/${name}`, dash.url), { method: 'PUT', headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, body: name });
          expect(response.status).toBe(201);
        }),
      );
    }
    await page.goto(`/libraries/${libraryId}/files/many`);
    await until(() => rowNames(page), (shown) => shown[0] === 'f000.txt', 'the first rows');
    expect((await rowNames(page)).length).toBeLessThan(60);
    const scroller = page.locator('.file-scroll');
    const last = await until(
      async () => {
        await scroller.evaluate((element) => element.scrollTo(0, element.scrollHeight));
        return (await rowNames(page)).at(-1);
      },
      (name) => name === 'f299.txt',
      'the last row after scrolling',
      LONG,
    );
    expect(last).toBe('f299.txt');
    expect((await rowNames(page)).length).toBeLessThan(60);
  }, LONG * 2);

  it('gives a reader no write actions: no upload, folder, trash, move or settings', async () => {
    expect((await dash.api('POST', '/api/v1/users', { email: 'reader@example.com', name: 'Rita Reader', password: 'reader-password' })).status).toBe(201);
    const library = await dash.api<{ permissions: Array<{ type: string; value: string; role: string }> }>('GET', `/api/v1/libraries/${libraryId}`);
    const permissions = [...library.body.permissions.map(({ type, value, role }) => ({ type, value, role })), { type: 'user', value: 'reader@example.com', role: 'READER' }];
    expect((await dash.api('PUT', `/api/v1/libraries/${libraryId}/permissions`, { permissions })).status).toBe(200);

    const reader = await dash.newPage();
    try {
      await signInWithPassword(reader.page, 'reader@example.com', 'reader-password');
      await reader.page.goto('/libraries');
      await reader.page.getByRole('link', { name: 'Team files' }).click();
      await reader.page.getByRole('link', { name: 'photos', exact: true }).click();
      await until(() => rowNames(reader.page), (names) => names.includes('a.txt'), "the reader's rows");
      await reader.page.getByRole('checkbox', { name: 'Select a.txt' }).check();
      const actions = reader.page.getByRole('toolbar', { name: 'Actions on the selection' });
      await actions.getByText('1 selected').waitFor();
      const buttons = await actions.getByRole('button').allInnerTexts();
      expect(buttons).toEqual(expect.arrayContaining(['Copy…', 'Export as zip']));
      for (const write of ['Move…', 'Trash', 'Purge', 'Extract…']) expect(buttons).not.toContain(write);
      expect(await reader.page.getByLabel('Upload files').count()).toBe(0);
      expect(await reader.page.getByLabel('Upload a folder').count()).toBe(0);
      expect(await reader.page.getByRole('button', { name: 'Create folder' }).count()).toBe(0);
      expect(await reader.page.getByRole('link', { name: 'Settings' }).count()).toBe(0);
      expect(await reader.page.getByRole('link', { name: 'Download a.txt' }).count()).toBe(1);
      await expectAccessible(reader.page, "a reader's folder");
      await reader.page.getByRole('navigation', { name: 'Library' }).getByRole('link', { name: 'Trash' }).click();
      await reader.page.getByRole('table', { name: 'Trashed items' }).waitFor();
      await reader.page.getByText('Loading the trash…').waitFor({ state: 'detached' });
      expect(await reader.page.getByRole('button', { name: /Restore|Purge|Empty/ }).count()).toBe(0);
      expect(await reader.page.getByRole('checkbox').count()).toBe(0);
    } finally {
      await reader.context.close();
    }
  }, LONG);

  it('fits a phone: no sideways scrolling, the time column hidden, axe clean in the light and dark themes', async () => {
    const phone = await dash.newPage({ width: 390, height: 844 });
    try {
      await signInWithToken(phone.page);
      await phone.page.goto('/libraries');
      await phone.page.getByRole('link', { name: 'Team files' }).waitFor();
      expect(await fitsWidth(phone.page)).toBe(true);
      await expectAccessible(phone.page, '/libraries at phone width');
      await phone.page.goto(`/libraries/${libraryId}/files/photos`);
      await until(() => rowNames(phone.page), (names) => names.includes('big.bin'), 'the rows at phone width');
      expect(await fitsWidth(phone.page)).toBe(true);
      expect(await phone.page.getByRole('columnheader', { name: /Modified/ }).isVisible()).toBe(false);
      expect(await phone.page.getByLabel('Upload a folder').count()).toBe(1);
      await expectAccessible(phone.page, 'a folder at phone width');
      await phone.page.emulateMedia({ colorScheme: 'dark' });
      expect(await phone.page.evaluate<string>("getComputedStyle(document.documentElement).getPropertyValue('--bg').trim()")).toBe('#15181c');
      await expectAccessible(phone.page, 'a folder at phone width in the dark theme');
    } finally {
      await phone.context.close();
    }
  }, LONG);
});
